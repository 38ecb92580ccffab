"""A published statistics table as CSV or XLSX: the same rows, with text made safe for spreadsheets.

The rows are those of `ProtectedTable.to_rows()` (perhaps with a few more columns, such as labels), so a
hidden cell is an empty value with its status beside it. CSV is UTF-8 with a byte order mark and RFC 4180
quoting, like the submission exports; the XLSX workbook has the table on its first sheet and, on a second,
notes that say what the table is (title, filters, disclosure rule). Text that a spreadsheet might run as a
formula is neutralised as in forms/exports.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

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
    book = Workbook(write_only=True)
    table = book.create_sheet(titles[0][:31])
    table.append([_xlsx_cell(table, column) for column in columns])
    for row in rows:
        table.append([_xlsx_cell(table, row.get(column)) for column in columns])
    if notes:
        sheet = book.create_sheet(titles[1][:31])
        for name, text in notes:
            sheet.append([_xlsx_cell(sheet, name), _xlsx_cell(sheet, text)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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
