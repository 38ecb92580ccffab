"""XLSX export: one sheet per table, written by openpyxl in write-only mode so memory stays bounded."""

# Decisions:
# - openpyxl turns any string that starts with "=" into a formula, and "#N/A" and the like into errors.
#   Text that could be taken for either goes in as an explicit text cell (data_type "s") with quotePrefix
#   set, as Excel does for a cell typed with a leading apostrophe; numbers stay numbers.
# - sheets are named after the form id (main table) and each repeat (see names.sheet_titles); the header
#   row holds the same column names as the CSV, so KEY and PARENT_KEY join the sheets.
# - a sheet holds at most 1,048,576 rows; a larger table is written anyway and Excel will not open it all.
# - write-only workbooks keep each sheet in a temporary file until `save`, so rows of several sheets can
#   be appended in any order.

from collections.abc import Iterable
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES

from forms.exports.cells import excel_text, is_formula_like
from forms.exports.names import sheet_titles
from forms.tables import Layout, SubmissionRecord
from forms.tables_plan import ExportOptions, ExportPlan

_ERROR_CODES = frozenset(ERROR_CODES)


def write_xlsx(
    layout: Layout,
    records: Iterable[SubmissionRecord],
    out: BinaryIO,
    options: ExportOptions | None = None,
) -> None:
    """Write an XLSX workbook with a sheet per table (main first, then repeats) to the binary file `out`."""
    plan = ExportPlan(layout, options or ExportOptions())
    book = Workbook(write_only=True)
    titles = sheet_titles(table.table.repeat or table.name for table in plan.tables)
    sheets = [book.create_sheet(title) for title in titles]
    for sheet, table in zip(sheets, plan.tables, strict=True):
        sheet.append([_cell(sheet, column.name) for column in table.columns])
    for index, row in plan.rows(records):
        sheet = sheets[index]
        sheet.append([_cell(sheet, value) if value.__class__ is str else value for value in row])
    book.save(out)


def _cell(sheet: Any, value: str) -> Any:
    text = excel_text(value)
    if not is_formula_like(text) and text not in _ERROR_CODES:
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl made it a formula ("=…") or an error ("#N/A"); it is text
    cell.quotePrefix = True
    return cell
