"""Bound the rows, columns and cells of a workbook's sheets, reading an .xlsx's through openpyxl."""

import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, TypeVar
from xml.etree.ElementTree import ParseError
from zipfile import BadZipFile

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.xml import DEFUSEDXML
from openpyxl.xml import functions as openpyxl_xml

from forms.errors import FormError
from forms.safety_limits import CONTROL, Limits, refuse

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

T = TypeVar("T")
# What to make of a checked workbook, given each sheet's declared (last row, last column).
Reader = Callable[["Workbook", Mapping[str, tuple[int | None, int | None]]], T]

# openpyxl reports damaged files through many exception types; the file is untrusted, so each means
# "cannot be read", not a bug of ours.
XLSX_ERRORS = (
    BadZipFile,
    InvalidFileException,
    KeyError,
    ValueError,
    TypeError,
    OSError,
    ParseError,
    NotImplementedError,
)


def scan_workbook(data: bytes, limits: Limits, every_row: bool, read: Reader[T] | None = None) -> T | None:
    """Check each sheet's header row, whose width bounds what pyxform reads, and every row when some text
    might be longer than a cell may hold (a byte scan cannot locate or measure it).

    With `read`, what it makes of the workbook, still open, once every check has passed; it is given each
    sheet's declared dimension as openpyxl read it (last row, last column), which the checks set aside."""
    _require_defused_openpyxl()
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except XLSX_ERRORS as err:
        raise refuse("workbook_corrupt", detail=str(err)) from err
    try:
        if len(workbook.sheetnames) > limits.sheets:
            raise refuse("too_many_sheets", count=len(workbook.sheetnames), limit=limits.sheets)
        declared = {}
        for sheet in workbook.worksheets:
            declared[sheet.title] = sheet.max_row, sheet.max_column
            sheet.reset_dimensions()  # a forged <dimension> would make openpyxl pad every row to it
            _check_header_width(sheet.title, xlsx_rows(sheet, max_row=1), limits)
            if every_row:
                scan_rows(sheet.title, xlsx_rows(sheet, max_col=limits.columns + 1), limits)
        return None if read is None else read(workbook, declared)
    finally:
        workbook.close()


def xlsx_rows(sheet: "ReadOnlyWorksheet", **bounds: int) -> Iterator[Sequence[object]]:
    """A read-only sheet's rows as values (`bounds` as for `iter_rows`), with openpyxl's failures refused
    as "workbook_corrupt"."""
    # Only openpyxl's own failures become refusals; an error in our scanning code stays a bug.
    try:
        yield from sheet.iter_rows(values_only=True, **bounds)
    except XLSX_ERRORS as err:
        raise refuse("workbook_corrupt", detail=str(err)) from err


def _check_header_width(sheet: str, rows: Iterable[Sequence[object]], limits: Limits) -> None:
    # pyxform reads as many columns as the header row has (up to a run of 20 empty ones), in every row.
    for values in rows:
        if any(value not in (None, "") for value in values[limits.columns :]):
            raise refuse("too_many_columns", sheet=sheet, row=1, limit=limits.columns)
        _check_cells(sheet, 1, values, limits)


def _require_defused_openpyxl() -> None:
    """openpyxl must parse through defusedxml, or (when lxml was imported before forms/ could say otherwise,
    see forms/__init__.py) through lxml with entities unresolved. Every XML part has already been screened
    for a DTD by then (safety_xml), so either way no entity reaches a parser."""
    if not DEFUSEDXML or not _defused(openpyxl_xml.iterparse):
        raise FormError("openpyxl is not using defusedxml (is OPENPYXL_DEFUSEDXML=False?): refusing to read")
    if not (_defused(openpyxl_xml.fromstring) or _lxml_with_safe_parser(openpyxl_xml.fromstring)):
        raise FormError("openpyxl parses workbook XML with an unsafe parser: refusing to read")


def _defused(function: object) -> bool:
    return getattr(function, "__module__", "").startswith("defusedxml")


def _lxml_with_safe_parser(function: object) -> bool:
    # openpyxl's lxml path: partial(lxml.etree.fromstring, parser=XMLParser(resolve_entities=False))
    return (
        isinstance(function, partial)
        and getattr(function.func, "__module__", "") == "lxml.etree"
        and "parser" in function.keywords
    )


def scan_rows(sheet: str, rows: Iterable[Sequence[object]], limits: Limits) -> None:
    """Check a sheet's rows, as far as pyxform reads them, for their count, width and cells."""
    with_content, last_content = 0, 0
    for number, values in enumerate(rows, start=1):
        if number > limits.scanned_rows:
            raise refuse("too_many_blank_rows", sheet=sheet, limit=limits.scanned_rows)
        if not any(value not in (None, "") for value in values):
            if number - last_content >= limits.blank_run_end:
                return  # pyxform reads no further, so neither do we
            continue
        with_content, last_content = with_content + 1, number
        if with_content > limits.rows:
            raise refuse("too_many_rows", sheet=sheet, limit=limits.rows)
        if len(values) > limits.columns and values[limits.columns] not in (None, ""):
            raise refuse("too_many_columns", sheet=sheet, row=number, limit=limits.columns)
        _check_cells(sheet, number, values, limits)


def _check_cells(sheet: str, row: int, values: Sequence[object], limits: Limits) -> None:
    for index, value in enumerate(values, start=1):
        if not isinstance(value, str):
            continue
        where = {"sheet": sheet, "row": row, "column": get_column_letter(index)}
        if len(value) > limits.cell_chars:
            raise refuse("cell_too_long", **where, length=len(value), limit=limits.cell_chars)
        control = CONTROL.search(value)
        if control:
            raise refuse("control_character", **where, char=f"U+{ord(control.group()):04X}")
