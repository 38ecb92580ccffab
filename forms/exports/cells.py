"""Cell text that is safe to open in a spreadsheet: formula injection neutralised, lengths within limits."""

# Decisions:
# - text beginning with = + - @, a tab or a carriage return may be run as a formula by Excel, LibreOffice
#   or Google Sheets (OWASP "CSV injection"). CSV gets a leading apostrophe; XLSX gets an explicit text
#   cell, marked quotePrefix like a cell typed with a leading apostrophe. Only text is touched: a number
#   answer -3 is a number. The database keeps the raw answer; this happens on the way out.
# - an XLSX cell holds at most 32,767 characters; longer text is cut and ends with TRUNCATED, so the cut
#   is visible. CSV has no limit and is never cut.

import re
from datetime import datetime

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_CELL_LIMIT = 32_767
TRUNCATED = "[…]"
_TRIGGER_CHARS = "".join(FORMULA_TRIGGERS)
# Characters XML 1.0 cannot carry: openpyxl refuses them, so they are dropped from XLSX cells.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet might run `text` as a formula."""
    return bool(text) and text[0] in _TRIGGER_CHARS


def csv_text(text: str) -> str:
    """`text` as a CSV cell: an apostrophe before text a spreadsheet would run as a formula."""
    return "'" + text if text and text[0] in _TRIGGER_CHARS else text


def csv_cells(row: list) -> list:
    """A row's values as CSV cells: text neutralised, SubmissionDate as ODK Central writes it."""
    return [
        ("'" + value if value and value[0] in _TRIGGER_CHARS else value)
        if value.__class__ is str
        else (central_timestamp(value) if value.__class__ is datetime else value)
        for value in row
    ]


def central_timestamp(moment: datetime) -> str:
    """A naive UTC datetime as ODK Central's SubmissionDate: 2025-03-14T09:30:00.000Z."""
    return moment.isoformat(timespec="milliseconds") + "Z"


def excel_text(text: str) -> str:
    """`text` within an XLSX cell's limits: no XML-illegal characters, at most 32,767 characters."""
    if _XML_ILLEGAL.search(text):
        text = _XML_ILLEGAL.sub("", text)
    return truncated(text, EXCEL_CELL_LIMIT)


def truncated(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending with TRUNCATED when it was cut."""
    return text if len(text) <= limit else text[: limit - len(TRUNCATED)] + TRUNCATED


def truncated_bytes(text: str, limit: int) -> str:
    """`text` cut to `limit` bytes of UTF-8 (never inside a character), ending with TRUNCATED when cut."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    room = limit - len(TRUNCATED.encode("utf-8"))
    return encoded[:room].decode("utf-8", errors="ignore") + TRUNCATED
