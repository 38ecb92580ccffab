"""An .xlsx XLSForm read into pyxform's workbook dict from the opening the upload guard made of it.

pyxform opens an .xlsx with openpyxl itself, and the upload guard (forms.safety_sheets) has just opened the
same file to check it. Reading the sheets from that one opening, as pyxform's `xlsx_to_dict` reads them,
spares the second opening (the workbook, its styles and shared strings, every sheet's dimension): about a
twentieth of an upload. The cell and header rules are pyxform's own helpers, rows are cut where the sheet's
declared dimension cuts them for pyxform, and tests/forms/test_xlsx_book.py checks the dict against
pyxform's over every .xlsx of the corpus. Where anything is in doubt (a chart sheet, an error) the answer
is None and pyxform reads the file itself, as before, with its own messages.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from pyxform import constants
from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import get_excel_column_headers, get_excel_rows, is_empty, xlsx_value_to_str

from forms.safety_sheets import XLSX_ERRORS

Bounds = tuple[int | None, int | None]  # a sheet's declared last row and column, as openpyxl read them


def xlsform_book(workbook: Workbook, declared: Mapping[str, Bounds]) -> dict[str, Any] | None:
    """The dict pyxform's `xlsx_to_dict` makes of `workbook` (open read-only), or None to let pyxform read
    the file itself. `declared` gives each sheet's dimension as read before the guard reset it."""
    book: dict[str, Any] = {"sheet_names": []}
    try:
        for name in workbook.sheetnames:
            book["sheet_names"].append(name)
            key = name.lower()
            if key not in constants.SUPPORTED_SHEET_NAMES:
                if len(workbook.sheetnames) != 1:
                    continue  # pyxform reads a sheet of another name only when it is the only one
                key = constants.SURVEY
            sheet = workbook[name]
            if not isinstance(sheet, ReadOnlyWorksheet) or name not in declared:
                return None
            book[key], book[f"{key}_header"] = _sheet(sheet, *declared[name])
    except (PyXFormError, *XLSX_ERRORS):
        return None
    return book


def _sheet(sheet: ReadOnlyWorksheet, last_row: int | None, last_column: int | None) -> tuple[list, list]:
    first = next(sheet.iter_rows(max_row=last_row, max_col=last_column), ())
    headers = get_excel_column_headers(cell.value for cell in first)
    rows = sheet.iter_rows(min_row=2, max_row=last_row, max_col=len(headers))
    data = get_excel_rows(headers=headers, rows=rows, cell_func=_cell_text)
    return data, _header_dicts(key for key in headers if key is not None)


def _cell_text(cell: Any, _row: int, _column: str) -> str | None:
    value = cell.value
    if isinstance(value, str):
        value = value.strip()
    return None if is_empty(value) else xlsx_value_to_str(value)


def _header_dicts(names: Iterable[str]) -> list[dict[str, None]]:
    header = {str(name): None for name in names}
    return [header] if header else []
