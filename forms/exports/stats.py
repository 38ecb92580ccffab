"""SPSS (.sav) and Stata (.dta) export through pyreadstat: safe variable names, variable and value labels."""

# Decisions:
# - pyreadstat writes a whole DataFrame to a path and cannot append. So the records are read once and
#   each table's rows spooled to a temporary file, pickled in batches; then one table at a time is loaded,
#   written and freed. Memory is bounded by the largest table (its DataFrame and, briefly, its Python
#   values), not by the export: 100,000 rows of 60 columns peak at about 250 MB, the interpreter and
#   pandas included (bench figures; text answers all different would add to that).
# - a form without repeats gives one .sav or .dta; with repeats, a ZIP with one file per table, named as
#   the CSVs are (`file_extension` says which). KEY and PARENT_KEY join them as in the CSV.
# - codes with value labels, always: ExportOptions.labels has no effect here (see stats_columns).
# - limits, text cut with a visible mark: SPSS variable labels 256 bytes, value labels 120 bytes, text
#   32,767 bytes; Stata variable labels 80 characters, value labels 32,000 bytes, file label 80.
#   Stata files are format 118 (Stata 14 and later): Unicode, and strL for text over 2,045 bytes.

from __future__ import annotations

import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, BinaryIO
from zipfile import ZIP_DEFLATED, ZipFile

import pyreadstat

from forms.exports.cells import truncated, truncated_bytes
from forms.exports.names import (
    SPSS_NAME_LIMIT,
    SPSS_RESERVED,
    STATA_NAME_LIMIT,
    STATA_RESERVED,
    safe_file_stem,
    variable_names,
)
from forms.exports.stats_columns import Limits, StatsTable, stats_table
from forms.tables import Layout, SubmissionRecord
from forms.tables_plan import ExportOptions, ExportPlan, ExportTable

BATCH_ROWS = 2_000


@dataclass(frozen=True)
class StatsFormat:
    """A statistics file format: its extension, naming rules, limits and pyreadstat writer."""

    extension: str
    name_limit: int
    reserved: frozenset[str]
    limits: Limits
    file_label: Callable[[str], str]
    write: Callable[[StatsTable, Path, str], None]


def _write_sav(table: StatsTable, path: Path, file_label: str) -> None:
    pyreadstat.write_sav(
        table.frame,
        path,
        file_label=file_label,
        column_labels=table.labels,
        variable_value_labels=table.value_labels,
        variable_measure=table.measures,
    )


def _write_dta(table: StatsTable, path: Path, file_label: str) -> None:
    pyreadstat.write_dta(
        table.frame,
        path,
        file_label=file_label,
        column_labels=table.labels,
        version=14,
        variable_value_labels=table.value_labels,
    )


SAV = StatsFormat(
    "sav",
    SPSS_NAME_LIMIT,
    SPSS_RESERVED,
    Limits(
        lambda t: truncated_bytes(t, 256),
        lambda t: truncated_bytes(t, 120),
        lambda t: truncated_bytes(t, 32_767),
    ),
    lambda t: truncated_bytes(t, 64),
    _write_sav,
)
DTA = StatsFormat(
    "dta",
    STATA_NAME_LIMIT,
    STATA_RESERVED,
    Limits(lambda t: truncated(t, 80), lambda t: truncated_bytes(t, 32_000), lambda t: t),
    lambda t: truncated(t, 80),
    _write_dta,
)


def write_sav(
    layout: Layout, records: Iterable[SubmissionRecord], out: BinaryIO, options: ExportOptions | None = None
) -> None:
    """Write an SPSS .sav (a ZIP of them, one per table, when the form has repeats) to `out`."""
    write_stats(SAV, layout, records, out, options)


def write_dta(
    layout: Layout, records: Iterable[SubmissionRecord], out: BinaryIO, options: ExportOptions | None = None
) -> None:
    """Write a Stata .dta (a ZIP of them, one per table, when the form has repeats) to `out`."""
    write_stats(DTA, layout, records, out, options)


def write_stats(
    fmt: StatsFormat,
    layout: Layout,
    records: Iterable[SubmissionRecord],
    out: BinaryIO,
    options: ExportOptions | None = None,
) -> None:
    """Write `records` in `fmt` to `out`: one file, or a ZIP of one file per table."""
    plan = ExportPlan(layout, replace(options or ExportOptions(), labels=False))
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="humus-export-")))
        spools = [stack.enter_context(tempfile.TemporaryFile()) for _ in plan.tables]
        _spool(plan, records, spools)
        if len(plan.tables) == 1:
            path = _write_table(fmt, plan, plan.tables[0], spools[0], folder)
            with path.open("rb") as written:
                shutil.copyfileobj(written, out, 1024 * 1024)
            return
        with ZipFile(out, "w", ZIP_DEFLATED) as archive:
            for table, spool in zip(plan.tables, spools, strict=True):
                path = _write_table(fmt, plan, table, spool, folder)
                archive.write(path, f"{safe_file_stem(table.name)}.{fmt.extension}")
                path.unlink()


def _spool(plan: ExportPlan, records: Iterable[SubmissionRecord], spools: list[IO[bytes]]) -> None:
    batches: list[list[list[Any]]] = [[] for _ in spools]
    for index, row in plan.rows(records):
        batch = batches[index]
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            pickle.dump(batch, spools[index], protocol=pickle.HIGHEST_PROTOCOL)
            batches[index] = []
    for batch, spool in zip(batches, spools, strict=True):
        if batch:
            pickle.dump(batch, spool, protocol=pickle.HIGHEST_PROTOCOL)
        spool.seek(0)


def _columns(spool: IO[bytes], width: int) -> list[list[Any]]:
    columns: list[list[Any]] = [[] for _ in range(width)]
    while True:
        try:
            batch = pickle.load(spool)  # noqa: S301 - our own temporary file, written just above
        except EOFError:
            return columns
        for column, values in zip(columns, zip(*batch, strict=True), strict=True):
            column.extend(values)


def _write_table(
    fmt: StatsFormat, plan: ExportPlan, table: ExportTable, spool: IO[bytes], folder: Path
) -> Path:
    names = variable_names((column.name for column in table.columns), fmt.name_limit, fmt.reserved)
    ready = stats_table(table.columns, names, _columns(spool, len(table.columns)), fmt.limits)
    path = folder / f"table.{fmt.extension}"
    fmt.write(ready, path, fmt.file_label(plan.layout.title))
    return path
