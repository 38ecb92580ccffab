"""Helpers for the export tests: exported files read back, and stored data rebuilt from CSV tables."""

import csv
import io
import zipfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from forms.exports import ExportOptions, Layout, SubmissionRecord, write_csv_zip
from forms.instance import data_from_instance, instance_from_data
from forms.spec import FormSpec

META_COLUMNS = {
    "SubmissionDate", "meta-instanceID", "KEY", "PARENT_KEY", "SubmitterName", "OrgUnit", "ReviewState",
    "FormVersion",
}  # fmt: skip
TRIGGERS = "=+-@\t\r"


def stored(spec: FormSpec, data: dict[str, Any]) -> dict[str, Any]:
    """`data` as the server stores it: through the instance XML and back."""
    return data_from_instance(spec, instance_from_data(spec, data))


def records(spec: FormSpec, datas: Iterable[dict[str, Any]]) -> list[SubmissionRecord]:
    """A record per data, with instanceIDs uuid:1, uuid:2… submitted on 14 March 2025."""
    return [
        SubmissionRecord(
            instance_id=f"uuid:{n}",
            data=stored(spec, data),
            submitted_at=datetime(2025, 3, 14, 9, 30, n, tzinfo=UTC),
            submitter="Ada",
            org_unit="ATS Bari",
            review_state="received",
            version=spec.version,
        )
        for n, data in enumerate(datas, 1)
    ]


def csv_export(layout: Layout, rows: Iterable[SubmissionRecord], **options: Any) -> bytes:
    out = io.BytesIO()
    write_csv_zip(layout, rows, out, ExportOptions(**options))
    return out.getvalue()


def csv_tables(archive: bytes) -> dict[str, list[dict[str, str]]]:
    """Each member of an exported ZIP, in order, as a list of rows keyed by header."""
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return {
            name: list(csv.DictReader(io.StringIO(opened.read(name).decode("utf-8-sig"), newline="")))
            for name in opened.namelist()
        }


def rebuilt(
    tables: dict[str, list[dict[str, str]]], convert: dict[str, Callable[[str], Any]]
) -> dict[str, Any]:
    """Stored-style data by instanceID, rebuilt from CSV tables: repeat rows joined on PARENT_KEY.

    The first table is the main one. A repeat row's KEY is its PARENT_KEY, the groups in between and
    `<repeat>[n]`; its columns are group paths joined with "-". `convert` types a column's text.
    """
    (main, main_rows), *repeats = tables.items()
    found = {row["KEY"]: _fields(row, convert) for row in main_rows}
    nodes = dict(found)
    for _, rows in repeats:
        for row in rows:
            *groups, last = row["KEY"][len(row["PARENT_KEY"]) + 1 :].split("/")
            parent = nodes[row["PARENT_KEY"]]
            for group in groups:
                parent = parent.setdefault(group, {})
            item = _fields(row, convert)
            parent.setdefault(last[: last.index("[")], []).append(item)
            nodes[row["KEY"]] = item
    return found


def _fields(row: dict[str, str], convert: dict[str, Callable[[str], Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for header, text in row.items():
        if header in META_COLUMNS or text == "":
            continue
        if text[:1] == "'" and text[1:2] and text[1] in TRIGGERS:
            text = text[1:]
        *groups, name = header.split("-")
        node = data
        for group in groups:
            node = node.setdefault(group, {})
        node[name] = convert.get(header, str)(text)
    return data
