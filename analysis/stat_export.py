"""A published statistics table as CSV or XLSX: the same rows, with text made safe for spreadsheets.

The rows are those of `ProtectedTable.to_rows()` (perhaps with a few more columns, such as labels), so a
hidden cell is an empty value with its status beside it. CSV is UTF-8 with a byte order mark and RFC 4180
quoting, like the submission exports; the XLSX workbook has the table on its first sheet and, on a second,
notes that say what the table is (title, filters, disclosure rule). A report's workbook (`workbook_xlsx`)
has several tables, a sheet each. Text that a spreadsheet might run as a formula is neutralised as in
forms/exports.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES

from forms.exports.cells import csv_text, excel_text, is_formula_like

Row = Mapping[str, object]
_ERROR_CODES = frozenset(ERROR_CODES)


def table_csv(rows: Sequence[Row], columns: Sequence[str]) -> bytes:
    """The rows as CSV, a header of `columns` first; missing and hidden values are empty cells."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([csv_text(column) for column in columns])
    for row in rows:
        writer.writerow([_csv_cell(row.get(column)) for column in columns])
    return out.getvalue().encode("utf-8-sig")


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    return csv_text(value) if isinstance(value, str) else value


def table_xlsx(
    rows: Sequence[Row],
    columns: Sequence[str],
    notes: Sequence[tuple[str, str]] = (),
    titles: tuple[str, str] = ("tabella", "note"),
) -> bytes:
    """A workbook: the rows under a header of `columns` on the first sheet, the notes (name, text) on the
    second. Sheet titles are given, so that they can be in the reader's language."""
    sheets = [Sheet(titles[0], columns, rows)]
    if notes:
        sheets.append(notes_sheet(titles[1], notes))
    return workbook_xlsx(sheets)


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: rows under a header of `columns` (no header when `header` is False)."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Row]
    header: bool = True


def notes_sheet(title: str, notes: Iterable[tuple[str, str]]) -> Sheet:
    """Notes (name, text) as a sheet of two columns without a header."""
    return Sheet(
        title, ("name", "text"), [{"name": name, "text": text} for name, text in notes], header=False
    )


def workbook_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """The sheets in one workbook, in order; their titles made valid and distinct (see `sheet_titles`)."""
    book = Workbook(write_only=True)
    for sheet, title in zip(sheets, sheet_titles([sheet.title for sheet in sheets]), strict=True):
        page = book.create_sheet(title)
        if sheet.header:
            page.append([_xlsx_cell(page, column) for column in sheet.columns])
        for row in sheet.rows:
            page.append([_xlsx_cell(page, row.get(column)) for column in sheet.columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_titles(titles: Sequence[str]) -> list[str]:
    """Titles a spreadsheet accepts: none of []:*?/\\, at most 31 characters, no two alike whatever the
    case (a number is added to a repeated one)."""
    found: list[str] = []
    for title in titles:
        plain = re.sub(r"[\[\]:*?/\\]", " ", title).strip().strip("'") or "sheet"
        candidate, number = plain[:31], 1
        while candidate.lower() in (taken.lower() for taken in found):
            number += 1
            suffix = f" ({number})"
            candidate = plain[: 31 - len(suffix)] + suffix
        found.append(candidate)
    return found


def _xlsx_cell(sheet: object, value: object) -> object:
    if not isinstance(value, str):
        return value
    text = excel_text(value)
    if not is_formula_like(text) and text not in _ERROR_CODES:
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl would make "=…" a formula and "#N/A" an error: it is text
    cell.quotePrefix = True
    return cell
