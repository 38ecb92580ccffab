"""Names the server gives to what it exports: files, ZIP members, sheets, SPSS and Stata variables."""

# Nothing here takes a name from a request: a file is named after the form id (an XML name from the
# form definition) and the clock, and even that goes through the same character filter as ZIP members.

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime

EXTENSIONS = frozenset({"zip", "xlsx", "sav", "dta", "csv"})
SHEET_LIMIT = 31
SPSS_NAME_LIMIT = 64  # bytes; our names are ASCII, so characters
STATA_NAME_LIMIT = 32
SPSS_RESERVED = frozenset({"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"})
STATA_RESERVED = frozenset(
    {"byte", "double", "float", "if", "in", "int", "long", "str", "strl", "using", "with"}
    | {"_all", "_b", "_coef", "_cons", "_n", "_pi", "_pred", "_rc", "_skip"}
)
_UNSAFE_FILE = re.compile(r"[^A-Za-z0-9._~-]+")
_UNSAFE_SHEET = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_UNSAFE_VARIABLE = re.compile(r"[^A-Za-z0-9_]")
_STATA_STR = re.compile(r"^str\d+$")


def export_filename(form_id: str, extension: str, now: datetime | None = None) -> str:
    """`<form id>-<YYYYmmdd-HHMMSS>.<extension>` (UTC), e.g. `visite-20250314-093000.zip`."""
    if extension not in EXTENSIONS:
        raise ValueError(f"unknown export extension {extension!r}")
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{safe_file_stem(form_id)}-{moment:%Y%m%d-%H%M%S}.{extension}"


def safe_file_stem(name: str) -> str:
    """`name` with only letters, digits and `._~-`, no leading dot, at most 100 characters."""
    stem = _UNSAFE_FILE.sub("_", name).lstrip(".")[:100]
    return stem or "export"


def sheet_titles(names: Iterable[str]) -> list[str]:
    """Excel sheet titles for `names`: at most 31 characters, no `[]:*?/\\`, unique ignoring case."""
    taken: set[str] = {"history"}  # Excel keeps "History" for itself
    titles = []
    for name in names:
        base = _UNSAFE_SHEET.sub("_", name).strip("'") or "sheet"
        titles.append(_unique(base, SHEET_LIMIT, taken, "~"))
    return titles


def variable_names(names: Iterable[str], limit: int, reserved: frozenset[str]) -> list[str]:
    """SPSS or Stata variable names for `names`: ASCII letters, digits and `_`, starting with a letter,
    at most `limit` characters, not a reserved word, unique ignoring case."""
    taken = set(reserved)
    found = []
    for name in names:
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        base = _UNSAFE_VARIABLE.sub("_", ascii_name)
        if not base[:1].isalpha():
            base = "v" + base
        if _STATA_STR.match(base.lower()):
            base += "_"
        found.append(_unique(base, limit, taken, "_"))
    return found


def _unique(base: str, limit: int, taken: set[str], mark: str) -> str:
    candidate, n = base[:limit], 1
    while candidate.lower() in taken:
        n += 1
        suffix = f"{mark}{n}"
        candidate = base[: limit - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate
