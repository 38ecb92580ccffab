"""Check an .xls: refuse looping sector chains before xlrd follows them, then bound every sheet."""

import io
import struct
from collections.abc import Iterator, Sequence

import xlrd
from xlrd.compdoc import CompDoc, CompDocError

from forms.errors import FormDefinitionError
from forms.safety_limits import Limits, refuse
from forms.safety_sheets import scan_rows

# xlrd reports damaged files through many exception types; the file is untrusted, so each means
# "cannot be read", not a bug of ours.
_XLS_ERRORS = (
    xlrd.XLRDError,
    CompDocError,
    struct.error,
    IndexError,
    KeyError,
    ValueError,
    AssertionError,
    RecursionError,  # xlrd follows sector chains recursively, and a damaged file can chain without end
)


def check_xls(data: bytes, limits: Limits) -> None:
    """Check an .xls's sector chains, then read it with xlrd one sheet at a time and check the sheets."""
    _check_sector_chains(data)
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    except _XLS_ERRORS as err:
        raise _xls_refusal(err) from err
    try:
        if book.nsheets > limits.sheets:
            raise refuse("too_many_sheets", count=book.nsheets, limit=limits.sheets)
        for index in range(book.nsheets):
            scan_rows(book.sheet_names()[index], _xls_rows(book, index, limits), limits)
            book.unload_sheet(index)
    finally:
        book.release_resources()


def _check_sector_chains(data: bytes) -> None:
    # xlrd follows a chain of short sectors without checking for loops, so a looping one never ends (and
    # fills memory). Its own compound-document reader checks the other chains; we check these before it reads.
    try:
        document = CompDoc(data, logfile=io.StringIO())
    except _XLS_ERRORS as err:
        raise _xls_refusal(err) from err
    if _loops(document.SSAT) or _loops(document.SAT):
        raise refuse("workbook_corrupt", detail="a chain of sectors loops")


def _loops(table: Sequence[int]) -> bool:
    """Whether following next-sector links from some sector comes back round (negative links end a chain)."""
    state = bytearray(len(table))  # 0 unvisited, 1 on the chain being followed, 2 known to end
    for start in range(len(table)):
        chain_, sector = [], start
        while 0 <= sector < len(table) and state[sector] == 0:
            state[sector] = 1
            chain_.append(sector)
            sector = table[sector]
        if 0 <= sector < len(table) and state[sector] == 1:
            return True
        for visited in chain_:
            state[visited] = 2
    return False


def _xls_rows(book: xlrd.Book, index: int, limits: Limits) -> Iterator[Sequence[object]]:
    try:
        sheet = book.sheet_by_index(index)
        width = min(sheet.ncols, limits.columns + 1)
        for row in range(sheet.nrows):
            yield sheet.row_values(row, 0, width)
    except _XLS_ERRORS as err:
        raise _xls_refusal(err) from err


def _xls_refusal(err: Exception) -> FormDefinitionError:
    if "encrypted" in str(err).lower():
        return refuse("xls_encrypted")
    return refuse("workbook_corrupt", detail=str(err) or type(err).__name__)
