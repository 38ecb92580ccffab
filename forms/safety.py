"""Upload safety: refuse hostile, oversized or disguised XLSForm files before pyxform ever reads them."""

import codecs
import csv
import io
import re
import struct
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING
from xml.etree.ElementTree import ParseError
from zipfile import ZIP_DEFLATED, ZIP_STORED, BadZipFile, ZipFile, ZipInfo

import openpyxl
import xlrd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.xml import DEFUSEDXML
from openpyxl.xml import functions as openpyxl_xml
from xlrd.compdoc import CompDoc, CompDocError

from forms.errors import FormDefinitionError, FormError, problem

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

MiB = 1024 * 1024
MAX_UPLOAD_BYTES = 10 * MiB
MAX_ZIP_MEMBERS = 200
MAX_MEMBER_BYTES = 50 * MiB
MAX_TOTAL_BYTES = 100 * MiB
MAX_COMPRESSION_RATIO = 100
# Small members cannot hurt whatever their ratio, and small repetitive XML parts compress very well.
RATIO_MIN_BYTES = 64 * 1024
MAX_SHEETS = 50
MAX_ROWS = 20_000  # per sheet; in .xlsx every XML row counts, formatted empty rows included
# A sheet's data ends at this many empty rows in a row, as pyxform reads it (pyxform itself stops after 60).
BLANK_RUN_END = 60
# Rows read before that end, counting the gaps openpyxl fills between scattered rows.
MAX_SCANNED_ROWS = 100_000
# Cells and shared strings per workbook, formatted empty ones included: parsing costs time per element
# whether or not it holds a value, and openpyxl (under pyxform too) parses every sheet it opens in full.
MAX_CELLS = 500_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767
MAX_TEXT_LINES = 50_000
MAX_LINE_CHARS = 100_000


@dataclass(frozen=True)
class Limits:
    """The bounds an upload must respect; the defaults are this module's constants."""

    upload_bytes: int = MAX_UPLOAD_BYTES
    zip_members: int = MAX_ZIP_MEMBERS
    member_bytes: int = MAX_MEMBER_BYTES
    total_bytes: int = MAX_TOTAL_BYTES
    compression_ratio: int = MAX_COMPRESSION_RATIO
    ratio_min_bytes: int = RATIO_MIN_BYTES
    sheets: int = MAX_SHEETS
    rows: int = MAX_ROWS
    scanned_rows: int = MAX_SCANNED_ROWS
    blank_run_end: int = BLANK_RUN_END
    cells: int = MAX_CELLS
    columns: int = MAX_COLUMNS
    cell_chars: int = MAX_CELL_CHARS
    text_lines: int = MAX_TEXT_LINES
    line_chars: int = MAX_LINE_CHARS


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXPECTED = {".xlsx": "zip", ".xls": "ole2", ".csv": "text", ".md": "text"}
_DISGUISES = {
    "zip": "disguised_xlsx",
    "ole2": "disguised_xls",
    "html": "disguised_html",
    "pdf": "disguised_pdf",
}
_END_RECORD = struct.Struct("<4s4H2LH")  # the zip "end of central directory" record
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_MAX_DIRECTORY_ENTRY = 1024  # bytes per central-directory entry we are willing to read
_CHUNK = 64 * 1024
_STREAM_READ = 1024  # bytes a _ChunkStream hands over per read
_BLANK = codecs.BOM_UTF8 + b" \t\r\n"
# Start tags of rows, and of cells and shared strings, with or without a namespace prefix ("<x:c ").
_ROW_TAGS = tuple(start + b"row" + end for start in (b"<", b":") for end in (b" ", b">", b"/>"))
_CELL_TAGS = tuple(
    start + name + end for start in (b"<", b":") for name in (b"c", b"si") for end in (b" ", b">", b"/>")
)
# Text past this many bytes, in one run, might be a cell longer than MAX_CELL_CHARS (a character takes 1 to 4
# bytes); rich text runs and CDATA can assemble a long cell from short pieces.
_TEXT_BLOCK = 16 * 1024
_SPLIT_TEXT = (b"<r>", b":r>", b"<![CDATA[")
_REQUIRED_PARTS = ("[content_types].xml", "xl/workbook.xml")
# xlrd and openpyxl report damaged files through many exception types; the file is untrusted, so each means
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
_XLSX_ERRORS = (
    BadZipFile,
    InvalidFileException,
    KeyError,
    ValueError,
    TypeError,
    OSError,
    ParseError,
    NotImplementedError,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # pyxform copies these into the XForm, breaking it
# The sheet names pyxform's CSV reader understands; it crashes on any other name in the first column.
_CSV_SHEETS = {"survey", "choices", "settings", "external_choices", "entities", "osm"}


def check_upload(data: bytes, file_type: str, limits: Limits | None = None) -> bytes:
    """Refuse a hostile, oversized or disguised upload; return the bytes for pyxform (text without BOM)."""
    limits = limits or Limits()
    if not data:
        raise _refuse("empty_file")
    if len(data) > limits.upload_bytes:
        raise _refuse("too_large", size_mb=_mb(len(data)), limit_mb=_mb(limits.upload_bytes))
    _refuse_disguise(data, file_type)
    if file_type == ".xlsx":
        check_xlsx(data, limits)
    elif file_type == ".xls":
        check_xls(data, limits)
    else:
        return check_text(data, file_type, limits)
    return data


def sniff(data: bytes) -> str:
    """What the bytes really are, whatever their name: zip, ole2, pdf, html, binary or text."""
    head = data[:1024].lstrip(_BLANK).lower()
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if data.startswith(OLE2_MAGIC):
        return "ole2"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<head", b"<meta")):
        return "html"
    return "binary" if b"\x00" in data else "text"


def _refuse_disguise(data: bytes, file_type: str) -> None:
    kind, expected = sniff(data), _EXPECTED[file_type]
    if kind == expected:
        return
    if kind in _DISGUISES:
        raise _refuse(_DISGUISES[kind], extension=file_type)
    raise _refuse("binary_text" if expected == "text" else "not_excel", extension=file_type)


def check_xlsx(data: bytes, limits: Limits) -> None:
    """Check the zip directory, then every member's real size, then XML prologues, then the sheets."""
    _check_end_record(data, limits)
    try:
        infos = ZipFile(io.BytesIO(data)).infolist()
    except (BadZipFile, ValueError, struct.error, NotImplementedError) as err:
        raise _refuse("zip_corrupt", detail=str(err)) from err
    _check_directory(infos, limits)
    _check_excel_parts({info.filename.lower() for info in infos})
    tally = _check_members(memoryview(data), infos, limits)
    _scan_workbook(data, limits, every_row=tally.long_text)


def _check_end_record(data: bytes, limits: Limits) -> None:
    # Read the member count from the end record before zipfile builds one object per directory entry.
    start = data.rfind(b"PK\x05\x06", max(0, len(data) - _END_RECORD.size - 0xFFFF))
    if start < 0 or start + _END_RECORD.size > len(data):
        raise _refuse("zip_corrupt", detail="no zip directory")
    *_, count, directory_size, directory_offset, _comment = _END_RECORD.unpack_from(data, start)
    if count == 0xFFFF or 0xFFFFFFFF in (directory_size, directory_offset):
        raise _refuse("zip_corrupt", detail="ZIP64 archives are not accepted")
    if count > limits.zip_members:
        raise _refuse("zip_too_many_members", count=count, limit=limits.zip_members)
    if directory_size > limits.zip_members * _MAX_DIRECTORY_ENTRY:
        raise _refuse("zip_corrupt", detail="oversized zip directory")


def _check_directory(infos: list[ZipInfo], limits: Limits) -> None:
    if len(infos) > limits.zip_members:
        raise _refuse("zip_too_many_members", count=len(infos), limit=limits.zip_members)
    seen: set[str] = set()
    for info in infos:
        _check_name(info.filename, seen)
        _check_declared_size(info, limits)
    total = sum(info.file_size for info in infos)
    if total > limits.total_bytes:
        raise _refuse("zip_total_too_large", size_mb=_mb(total), limit_mb=_mb(limits.total_bytes))


def _check_name(name: str, seen: set[str]) -> None:
    parts = re.split(r"[\\/]", name)
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in parts or "\x00" in name:
        raise _refuse("zip_unsafe_name", name=name)
    if name.lower() in seen:  # part names are case-insensitive in Office files
        raise _refuse("zip_duplicate_name", name=name)
    seen.add(name.lower())


def _check_declared_size(info: ZipInfo, limits: Limits) -> None:
    name, size = info.filename, info.file_size
    if size > limits.member_bytes:
        raise _refuse("zip_member_too_large", name=name, size_mb=_mb(size), limit_mb=_mb(limits.member_bytes))
    ratio = size // max(info.compress_size, 1)
    if size >= limits.ratio_min_bytes and ratio > limits.compression_ratio:
        raise _refuse("zip_ratio", name=name, ratio=ratio, limit=limits.compression_ratio)
    if info.flag_bits & 0x1:
        raise _refuse("zip_corrupt", detail=f"'{name}' is encrypted")
    if info.compress_type not in (ZIP_STORED, ZIP_DEFLATED):
        raise _refuse("zip_corrupt", detail=f"'{name}' needs an unsupported zip feature")


def _check_excel_parts(names: set[str]) -> None:
    missing = [part for part in _REQUIRED_PARTS if part not in names]
    if not missing:
        return
    if {"mimetype", "content.xml"} <= names:
        raise _refuse("disguised_ods")
    raise _refuse(
        "disguised_zip", extension=".xlsx", missing=missing[0].replace("[content_types]", "[Content_Types]")
    )


def _check_members(data: memoryview, infos: list[ZipInfo], limits: Limits) -> "_Tally":
    """Inflate every member once through a bounded reader: real sizes, CRCs, no overlaps, no DTDs, tallies."""
    end_of_previous, tally = 0, _Tally(limits)
    for info in sorted(infos, key=lambda info: info.header_offset):
        if info.header_offset < end_of_previous:  # overlapping members are how quines and bombs share data
            raise _refuse("zip_corrupt", detail=f"'{info.filename}' overlaps another member")
        begin, end_of_previous = _member_span(data, info)
        chunks = _inflate(data[begin:end_of_previous], info)
        first = _first_significant(chunks)
        if _looks_like_xml(first):
            chunks = tally.count(info.filename, chain([first], chunks))
            _refuse_dtd(info.filename, _ChunkStream(chunks))
        for _rest in chunks:  # drain, so sizes, CRC and tallies are checked to the end
            pass
    return tally


def _member_span(data: memoryview, info: ZipInfo) -> tuple[int, int]:
    start = info.header_offset
    if start + _LOCAL_HEADER.size > len(data):
        raise _refuse("zip_corrupt", detail=f"'{info.filename}' lies outside the file")
    fields = _LOCAL_HEADER.unpack_from(data, start)
    begin = start + _LOCAL_HEADER.size + fields[10] + fields[11]
    if fields[0] != b"PK\x03\x04" or begin + info.compress_size > len(data):
        raise _refuse("zip_corrupt", detail=f"'{info.filename}' has a damaged header")
    return begin, begin + info.compress_size


def _inflate(raw: memoryview, info: ZipInfo) -> Iterator[bytes]:
    """Yield a member's bytes in bounded chunks, refusing a stream that outgrows its declared size."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == ZIP_DEFLATED else None
    produced, crc = 0, 0
    for offset in range(0, len(raw), _CHUNK):
        for chunk in _inflate_piece(inflater, raw[offset : offset + _CHUNK], info.filename):
            produced += len(chunk)
            if produced > info.file_size:
                raise _refuse("zip_size_mismatch", name=info.filename)
            crc = zlib.crc32(chunk, crc)
            yield chunk
    if produced < info.file_size or (inflater is not None and not inflater.eof):
        raise _refuse("zip_corrupt", detail=f"'{info.filename}' is cut short")
    if crc != info.CRC:
        raise _refuse("zip_corrupt", detail=f"'{info.filename}' fails its checksum")


def _inflate_piece(inflater: "zlib._Decompress | None", piece: memoryview, name: str) -> Iterator[bytes]:
    if inflater is None:
        yield bytes(piece)
        return
    pending: bytes | memoryview = piece
    try:
        while pending and not inflater.eof:
            chunk = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
            if chunk:
                yield chunk
    except zlib.error as err:
        raise _refuse("zip_corrupt", detail=f"'{name}': {err}") from err


class _ChunkStream(io.RawIOBase):
    """A read-only stream over byte chunks, so a parser can pull a member a little at a time."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._buffer = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: "memoryview | bytearray") -> int:  # type: ignore[override]
        if not self._buffer:
            self._buffer = next(self._chunks, b"")
        # Small reads: a parser looking for the root element then stops parsing soon after it begins.
        size = min(len(target), len(self._buffer), _STREAM_READ)
        target[:size], self._buffer = self._buffer[:size], self._buffer[size:]
        return size


def _first_significant(chunks: Iterator[bytes]) -> bytes:
    # XML may begin with any amount of whitespace, so look past it before deciding a member is not XML.
    for chunk in chunks:
        if chunk.strip(_BLANK):
            return chunk
    return b""


def _looks_like_xml(first: bytes) -> bool:
    return first.lstrip(_BLANK).startswith(b"<") or first.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    )


@dataclass
class _Tally:
    """Rows and cells counted in the XML members as they stream past, bounding the work of parsing them, and
    whether some text could be longer than a cell may hold (then every row is read to find it)."""

    limits: Limits
    cells: int = 0
    long_text: bool = False

    def count(self, name: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
        rows, tail, run = 0, b"", 0
        for chunk in chunks:
            if b"\x00" in chunk:  # not UTF-8 (XML forbids NUL): UTF-16 would slip past the byte patterns
                raise _refuse("xml_encoding", name=name)
            window = tail + chunk  # matches wholly inside the tail were counted with the previous chunk
            rows += _count(_ROW_TAGS, window) - _count(_ROW_TAGS, tail)
            self.cells += _count(_CELL_TAGS, window) - _count(_CELL_TAGS, tail)
            if rows > self.limits.rows:
                raise _refuse("zip_member_too_many_rows", name=name, limit=self.limits.rows)
            if self.cells > self.limits.cells:
                raise _refuse("too_many_cells", limit=self.limits.cells)
            run = self._note_text(window, chunk, run)
            tail = window[-32:]
            yield chunk

    def _note_text(self, window: bytes, chunk: bytes, run: int) -> int:
        """Flag a run of text longer than a block, or text in pieces; return the run the chunk ends in."""
        first = _first_markup(chunk)
        crossing = first >= 0 and run + first >= _TEXT_BLOCK  # a run from earlier chunks ends here
        run = run + len(chunk) if first < 0 else len(chunk) - 1 - _last_markup(chunk)
        # A run of 2 * block bytes or more always covers a whole aligned block of the chunk it lies in.
        blocks = range(0, len(chunk) - _TEXT_BLOCK + 1, _TEXT_BLOCK)
        whole = any(_first_markup(chunk, start, start + _TEXT_BLOCK) < 0 for start in blocks)
        pieces = any(tag in window for tag in _SPLIT_TEXT)
        self.long_text = self.long_text or crossing or whole or pieces or run >= _TEXT_BLOCK
        return run


def _first_markup(chunk: bytes, start: int = 0, end: int | None = None) -> int:
    found = [at for at in (chunk.find(b"<", start, end), chunk.find(b">", start, end)) if at >= 0]
    return min(found, default=-1)


def _last_markup(chunk: bytes) -> int:
    return max(chunk.rfind(b"<"), chunk.rfind(b">"))


def _count(needles: tuple[bytes, ...], data: bytes) -> int:
    return sum(data.count(needle) for needle in needles)


def _refuse_dtd(name: str, stream: io.RawIOBase) -> None:
    # A DTD (and so any entity) can only come before the root element, so parsing stops as that starts.
    try:
        for _event in iterparse(stream, events=("start",), forbid_dtd=True):
            return
    except DefusedXmlException as err:
        raise _refuse("xml_dtd", name=name) from err
    except ParseError as err:
        raise _refuse("xml_invalid", name=name) from err


def _scan_workbook(data: bytes, limits: Limits, every_row: bool) -> None:
    """Check each sheet's header row, whose width bounds what pyxform reads, and every row when some text
    might be longer than a cell may hold (a byte scan cannot locate or measure it)."""
    _require_defused_openpyxl()
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except _XLSX_ERRORS as err:
        raise _refuse("workbook_corrupt", detail=str(err)) from err
    try:
        if len(workbook.sheetnames) > limits.sheets:
            raise _refuse("too_many_sheets", count=len(workbook.sheetnames), limit=limits.sheets)
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # a forged <dimension> would make openpyxl pad every row to it
            _check_header_width(sheet.title, _xlsx_rows(sheet, max_row=1), limits)
            if every_row:
                _scan_rows(sheet.title, _xlsx_rows(sheet, max_col=limits.columns + 1), limits)
    finally:
        workbook.close()


def _xlsx_rows(sheet: "ReadOnlyWorksheet", **bounds: int) -> Iterator[Sequence[object]]:
    # Only openpyxl's own failures become refusals; an error in our scanning code stays a bug.
    try:
        yield from sheet.iter_rows(values_only=True, **bounds)
    except _XLSX_ERRORS as err:
        raise _refuse("workbook_corrupt", detail=str(err)) from err


def _check_header_width(sheet: str, rows: Iterable[Sequence[object]], limits: Limits) -> None:
    # pyxform reads as many columns as the header row has (up to a run of 20 empty ones), in every row.
    for values in rows:
        if any(value not in (None, "") for value in values[limits.columns :]):
            raise _refuse("too_many_columns", sheet=sheet, row=1, limit=limits.columns)
        _check_cells(sheet, 1, values, limits)


def _require_defused_openpyxl() -> None:
    if not DEFUSEDXML or not openpyxl_xml.iterparse.__module__.startswith("defusedxml"):
        raise FormError("openpyxl is not using defusedxml (is OPENPYXL_DEFUSEDXML=False?): refusing to read")


def check_xls(data: bytes, limits: Limits) -> None:
    """Check an .xls's sector chains, then read it with xlrd one sheet at a time and check the sheets."""
    _check_sector_chains(data)
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    except _XLS_ERRORS as err:
        raise _xls_refusal(err) from err
    try:
        if book.nsheets > limits.sheets:
            raise _refuse("too_many_sheets", count=book.nsheets, limit=limits.sheets)
        for index in range(book.nsheets):
            _scan_rows(book.sheet_names()[index], _xls_rows(book, index, limits), limits)
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
        raise _refuse("workbook_corrupt", detail="a chain of sectors loops")


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
        return _refuse("xls_encrypted")
    return _refuse("workbook_corrupt", detail=str(err) or type(err).__name__)


def _scan_rows(sheet: str, rows: Iterable[Sequence[object]], limits: Limits) -> None:
    with_content, last_content = 0, 0
    for number, values in enumerate(rows, start=1):
        if number > limits.scanned_rows:
            raise _refuse("too_many_blank_rows", sheet=sheet, limit=limits.scanned_rows)
        if not any(value not in (None, "") for value in values):
            if number - last_content >= limits.blank_run_end:
                return  # pyxform reads no further, so neither do we
            continue
        with_content, last_content = with_content + 1, number
        if with_content > limits.rows:
            raise _refuse("too_many_rows", sheet=sheet, limit=limits.rows)
        if len(values) > limits.columns and values[limits.columns] not in (None, ""):
            raise _refuse("too_many_columns", sheet=sheet, row=number, limit=limits.columns)
        _check_cells(sheet, number, values, limits)


def _check_cells(sheet: str, row: int, values: Sequence[object], limits: Limits) -> None:
    for index, value in enumerate(values, start=1):
        if not isinstance(value, str):
            continue
        where = {"sheet": sheet, "row": row, "column": get_column_letter(index)}
        if len(value) > limits.cell_chars:
            raise _refuse("cell_too_long", **where, length=len(value), limit=limits.cell_chars)
        control = _CONTROL.search(value)
        if control:
            raise _refuse("control_character", **where, char=f"U+{ord(control.group()):04X}")


def check_text(data: bytes, file_type: str, limits: Limits) -> bytes:
    """Check a .csv or .md upload; return it as UTF-8 without a BOM."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _refuse("not_utf8", row=data[: err.start].count(b"\n") + 1) from err
    lines = text.split("\n")
    if len(lines) > limits.text_lines:
        raise _refuse("too_many_lines", limit=limits.text_lines)
    for number, line in enumerate(lines, start=1):
        if len(line) > limits.line_chars:
            raise _refuse("line_too_long", row=number, limit=limits.line_chars)
        control = _CONTROL.search(line)
        if control:
            raise _refuse("text_control_character", row=number, char=f"U+{ord(control.group()):04X}")
    rows = _csv_rows(text, lines) if file_type == ".csv" else (line.split("|") for line in lines)
    for number, cells in enumerate(rows, start=1):
        _check_text_cells(number, cells, limits)
    return text.encode("utf-8")


def _csv_rows(text: str, lines: list[str]) -> list[list[str]]:
    first = next((line for line in lines if line.strip()), "")
    if ";" in first and "," not in first:  # Excel in an Italian locale saves CSV with semicolons
        raise _refuse("csv_semicolon")
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as err:
        raise _refuse("csv_invalid", detail=str(err)) from err
    for number, cells in enumerate(rows, start=1):
        name = cells[0] if len(cells) == 1 else cells[0].strip() if cells else ""  # as pyxform reads it
        if name and name.lower() not in _CSV_SHEETS:
            raise _refuse("csv_unknown_sheet", row=number, name=name)
    return rows


def _check_text_cells(line: int, cells: Sequence[str], limits: Limits) -> None:
    if len(cells) > limits.columns + 2:  # markdown rows start and end with '|'
        raise _refuse("text_too_many_cells", row=line, limit=limits.columns)
    for index, cell in enumerate(cells, start=1):
        if len(cell) > limits.cell_chars:
            raise _refuse(
                "text_cell_too_long", row=line, cell=index, length=len(cell), limit=limits.cell_chars
            )


def _refuse(
    code: str,
    *,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    **params: object,
) -> FormDefinitionError:
    return FormDefinitionError([problem(code, sheet=sheet, row=row, column=column, **params)])


def _mb(size: int) -> str:
    return f"{size / MiB:.1f}"
