"""Upload safety: refuse hostile, oversized or disguised XLSForm files before pyxform ever reads them.

This is the entry point: it tells what the bytes really are, then hands them to the checks for their kind
(forms.safety_zip, safety_xml and safety_sheets for .xlsx, safety_xls for .xls, safety_text for .csv and .md),
all bounded by forms.safety_limits.
"""

from dataclasses import dataclass
from typing import Any

from forms.safety_limits import (
    BLANK_RUN_END,
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_COMPRESSION_RATIO,
    MAX_LINE_CHARS,
    MAX_MEMBER_BYTES,
    MAX_ROWS,
    MAX_SCANNED_ROWS,
    MAX_SHEETS,
    MAX_TEXT_LINES,
    MAX_TOTAL_BYTES,
    MAX_UPLOAD_BYTES,
    MAX_ZIP_MEMBERS,
    RATIO_MIN_BYTES,
    Limits,
    MiB,
    megabytes,
    refuse,
)
from forms.safety_sheets import Reader, T, scan_workbook
from forms.safety_text import check_text
from forms.safety_xls import check_xls
from forms.safety_xml import BLANK
from forms.safety_zip import check_directory, check_members

__all__ = [
    "BLANK_RUN_END",
    "MAX_CELLS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_COMPRESSION_RATIO",
    "MAX_LINE_CHARS",
    "MAX_MEMBER_BYTES",
    "MAX_ROWS",
    "MAX_SCANNED_ROWS",
    "MAX_SHEETS",
    "MAX_TEXT_LINES",
    "MAX_TOTAL_BYTES",
    "MAX_UPLOAD_BYTES",
    "MAX_ZIP_MEMBERS",
    "OLE2_MAGIC",
    "RATIO_MIN_BYTES",
    "Guarded",
    "Limits",
    "MiB",
    "check_text",
    "check_upload",
    "check_xls",
    "check_xlsx",
    "guard_upload",
    "sniff",
]

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXPECTED = {".xlsx": "zip", ".xls": "ole2", ".csv": "text", ".md": "text"}
_DISGUISES = {
    "zip": "disguised_xlsx",
    "ole2": "disguised_xls",
    "html": "disguised_html",
    "pdf": "disguised_pdf",
}


def check_upload(data: bytes, file_type: str, limits: Limits | None = None) -> bytes:
    """Refuse a hostile, oversized or disguised upload; return the bytes for pyxform (text without BOM)."""
    return guard_upload(data, file_type, limits).source


@dataclass(frozen=True)
class Guarded:
    """An upload that passed: the bytes for pyxform (text without BOM), and what `read_xlsx` made of an
    .xlsx from the opening its checks made (None otherwise)."""

    source: bytes
    book: dict[str, Any] | None = None


def guard_upload(
    data: bytes,
    file_type: str,
    limits: Limits | None = None,
    read_xlsx: Reader[dict[str, Any] | None] | None = None,
) -> Guarded:
    """As check_upload; a passing .xlsx is also given, still open, to `read_xlsx` (see scan_workbook)."""
    limits = limits or Limits()
    if not data:
        raise refuse("empty_file")
    if len(data) > limits.upload_bytes:
        raise refuse("too_large", size_mb=megabytes(len(data)), limit_mb=megabytes(limits.upload_bytes))
    _refuse_disguise(data, file_type)
    if file_type == ".xlsx":
        return Guarded(data, check_xlsx(data, limits, read_xlsx))
    if file_type == ".xls":
        check_xls(data, limits)
        return Guarded(data)
    return Guarded(check_text(data, file_type, limits))


def sniff(data: bytes) -> str:
    """What the bytes really are, whatever their name: zip, ole2, pdf, html, binary or text."""
    head = data[:1024].lstrip(BLANK).lower()
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
        raise refuse(_DISGUISES[kind], extension=file_type)
    raise refuse("binary_text" if expected == "text" else "not_excel", extension=file_type)


def check_xlsx(data: bytes, limits: Limits, read: Reader[T] | None = None) -> T | None:
    """Check the zip directory, then every member's real size, then XML prologues, then the sheets; with
    `read`, return what it makes of the checked workbook."""
    infos = check_directory(data, limits)
    tally = check_members(memoryview(data), infos, limits)
    return scan_workbook(data, limits, every_row=tally.long_text, read=read)
