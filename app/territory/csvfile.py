"""Reading and checking the territory and Ambito-assignment CSV files, before the database is touched."""

import csv
import io
import re
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.territory.errors import Message, RowErrors, TerritoryFileError

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
NAME_MAX = 200
CODE_MAX = 64

ISTAT_CODE = re.compile(r"\d{6}")
PROVINCE_CODE = re.compile(r"\d{3}")
# Letters, digits and a few separators, so a code can be typed on the command line ("BA/1", "ATS-LE2").
UNIT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._/-]*")

TERRITORY_COLUMNS = ("istat_code", "comune", "province_code", "province", "ambito")
TERRITORY_REQUIRED = frozenset({"istat_code", "comune", "province_code", "province"})
ASSIGNMENT_COLUMNS = ("istat_code", "ambito", "ambito_name")
ASSIGNMENT_REQUIRED = frozenset({"istat_code", "ambito"})


@dataclass(frozen=True)
class ComuneRow:
    row: int
    istat_code: str
    name: str
    province_code: str
    province_name: str
    ambito: str  # an Ambito code, or "" for a comune directly under its province


@dataclass(frozen=True)
class TerritoryFile:
    comuni: tuple[ComuneRow, ...]

    @property
    def provinces(self) -> dict[str, str]:
        """Province code -> name, in the order the file first names them."""
        return {c.province_code: c.province_name for c in self.comuni}


@dataclass(frozen=True)
class AssignmentRow:
    row: int
    istat_code: str
    ambito: str
    ambito_name: str  # "" when the file does not name the Ambito


@dataclass(frozen=True)
class AssignmentFile:
    rows: tuple[AssignmentRow, ...]


def parse_territory_file(data: bytes) -> TerritoryFile:
    """Read a territory file (istat_code, comune, province_code, province[, ambito]) or raise every error."""
    errors = RowErrors()
    records = _read_records(data, TERRITORY_COLUMNS, TERRITORY_REQUIRED, errors)
    checks = _TerritoryChecks(errors)
    comuni = tuple(checks.comune(row, cells) for row, cells in records)
    errors.raise_if_any()
    return TerritoryFile(comuni)


def parse_assignment_file(data: bytes) -> AssignmentFile:
    """Read an Ambito assignment file (istat_code, ambito[, ambito_name]) or raise every error."""
    errors = RowErrors()
    records = _read_records(data, ASSIGNMENT_COLUMNS, ASSIGNMENT_REQUIRED, errors)
    checks = _AssignmentChecks(errors)
    rows = tuple(checks.assignment(row, cells) for row, cells in records)
    errors.raise_if_any()
    return AssignmentFile(rows)


def _read_records(
    data: bytes, columns: tuple[str, ...], required: frozenset[str], errors: RowErrors
) -> list[tuple[int, dict[str, str]]]:
    """The data rows as (row number, column -> stripped cell); blank rows are skipped."""
    if len(data) > MAX_BYTES:
        raise TerritoryFileError([(None, _l("The file is larger than 2 MB."))])
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = _header(next(reader, []), columns, required)
        records = [
            (row, dict(zip(header, (c.strip() for c in cells), strict=True)))
            for row, cells in enumerate(reader, start=2)
            if _usable(row, cells, len(header), errors)
        ]
    except csv.Error as exc:
        message = _l("The CSV is malformed: %(reason)s", reason=str(exc))
        raise TerritoryFileError([(reader.line_num, message)]) from exc
    if not records and not errors.total:
        raise TerritoryFileError([(2, _l("The file has no data rows."))])
    return records


def _delimiter(text: str) -> str:
    """Comma, or semicolon when the header uses it: Excel in Italian saves "CSV" with semicolons."""
    header = text.split("\n", 1)[0]
    return ";" if ";" in header and "," not in header else ","


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise TerritoryFileError([(row, _l("The file is not UTF-8 text: save it as “CSV UTF-8”."))]) from exc
    if "\x00" in text:
        row = text[: text.index("\x00")].count("\n") + 1
        raise TerritoryFileError([(row, _l("The file is not UTF-8 text: save it as “CSV UTF-8”."))])
    return text


def _header(cells: list[str], columns: tuple[str, ...], required: frozenset[str]) -> list[str]:
    names = [c.strip().lower() for c in cells]
    expected = ", ".join(columns)
    if not any(names):
        raise TerritoryFileError(
            [(1, _l("The first row must be the header: %(expected)s.", expected=expected))]
        )
    unknown = [n for n in names if n not in columns]
    if unknown:
        message = _l(
            "Unknown column “%(column)s”: the columns are %(expected)s.", column=unknown[0], expected=expected
        )
        raise TerritoryFileError([(1, message)])
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise TerritoryFileError([(1, _l("The column “%(column)s” appears twice.", column=repeated[0]))])
    missing = [c for c in columns if c in required and c not in names]
    if missing:
        message = _l(
            "Missing column “%(column)s”: the columns are %(expected)s.", column=missing[0], expected=expected
        )
        raise TerritoryFileError([(1, message)])
    return names


def _usable(row: int, cells: list[str], width: int, errors: RowErrors) -> bool:
    if row > MAX_ROWS + 1:
        raise TerritoryFileError(
            errors.errors + [(row, _l("The file has more than 20,000 rows."))], errors.total + 1
        )
    if not any(c.strip() for c in cells):
        return False
    if len(cells) != width:
        errors.add(
            row, _l("Expected %(expected)d columns, found %(found)d.", expected=width, found=len(cells))
        )
        return False
    return True


def _check_name(row: int, value: str, empty: LazyString, errors: RowErrors) -> None:
    if not value:
        errors.add(row, empty)
    elif len(value) > NAME_MAX:
        errors.add(
            row, _l("The name “%(name)s…” is longer than %(max)d characters.", name=value[:30], max=NAME_MAX)
        )


def _check_istat_code(row: int, code: str, seen: "_FirstSeen", errors: RowErrors) -> bool:
    if not ISTAT_CODE.fullmatch(code):
        errors.add(row, _l("The ISTAT code “%(code)s” must be 6 digits, with its leading zeros.", code=code))
        return False
    if first := seen.repeated(code, row):
        errors.add(
            row, _l("The ISTAT code %(code)s already appears in row %(first)d.", code=code, first=first)
        )
        return False
    return True


def check_unit_code(code: str) -> Message | None:
    """Why a new org-unit code cannot be used, or None when its form is fine."""
    if not code:
        return _l("The code is empty.")
    if len(code) > CODE_MAX:
        return _l("The code is longer than %(max)d characters.", max=CODE_MAX)
    if not UNIT_CODE.fullmatch(code):
        return _l(
            "The code “%(code)s” must start with a letter or digit and hold only unaccented letters, "
            "digits, spaces and the signs . _ / -.",
            code=code,
        )
    return None


class _FirstSeen:
    """Remembers the row where a key first appeared, and its value, to name that row in errors."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[int, str]] = {}

    def repeated(self, key: str, row: int) -> int | None:
        """The earlier row holding the same key."""
        first_row, _value = self.rows.setdefault(key, (row, ""))
        return first_row if first_row != row else None

    def differs(self, key: str, row: int, value: str) -> tuple[int, str] | None:
        """The earlier (row, value) of the same key, when its value was different."""
        first = self.rows.setdefault(key, (row, value))
        return first if first[1] != value else None


class _TerritoryChecks:
    def __init__(self, errors: RowErrors) -> None:
        self.errors = errors
        self.codes = _FirstSeen()
        self.provinces = _FirstSeen()
        self.ambiti = _FirstSeen()

    def comune(self, row: int, cells: dict[str, str]) -> ComuneRow:
        columns = ("istat_code", "comune", "province_code", "province")
        comune = ComuneRow(row, *(cells[c] for c in columns), ambito=cells.get("ambito", ""))
        _check_name(row, comune.name, _l("The comune name is empty."), self.errors)
        _check_name(row, comune.province_name, _l("The province name is empty."), self.errors)
        good_code = _check_istat_code(row, comune.istat_code, self.codes, self.errors)
        if self._province(comune) and good_code:
            self._prefix(comune)
        if comune.ambito:
            self._ambito(comune)
        return comune

    def _province(self, c: ComuneRow) -> bool:
        if not PROVINCE_CODE.fullmatch(c.province_code):
            message = _l(
                "The province code “%(code)s” must be 3 digits, with its leading zeros.", code=c.province_code
            )
            self.errors.add(c.row, message)
            return False
        if c.province_name and (first := self.provinces.differs(c.province_code, c.row, c.province_name)):
            message = _l(
                "The province %(code)s is called “%(name)s” here but “%(first)s” in row %(row)d.",
                code=c.province_code,
                name=c.province_name,
                first=first[1],
                row=first[0],
            )
            self.errors.add(c.row, message)
        return True

    def _prefix(self, c: ComuneRow) -> None:
        if not c.istat_code.startswith(c.province_code):
            message = _l(
                "The ISTAT code %(code)s does not start with its province code %(province)s.",
                code=c.istat_code,
                province=c.province_code,
            )
            self.errors.add(c.row, message)

    def _ambito(self, c: ComuneRow) -> None:
        if problem := check_unit_code(c.ambito):
            self.errors.add(c.row, problem)
        elif first := self.ambiti.differs(c.ambito, c.row, c.province_code):
            self.errors.add(c.row, span_message(c.ambito, first[1], first[0]))


def span_message(ambito: str, province: str, row: int) -> LazyString:
    return _l(
        "The Ambito %(ambito)s would span two provinces: it already has comuni of province %(province)s "
        "(row %(row)d).",
        ambito=ambito,
        province=province,
        row=row,
    )


class _AssignmentChecks:
    def __init__(self, errors: RowErrors) -> None:
        self.errors = errors
        self.codes = _FirstSeen()
        self.names = _FirstSeen()

    def assignment(self, row: int, cells: dict[str, str]) -> AssignmentRow:
        assignment = AssignmentRow(row, cells["istat_code"], cells["ambito"], cells.get("ambito_name", ""))
        _check_istat_code(row, assignment.istat_code, self.codes, self.errors)
        if problem := check_unit_code(assignment.ambito):
            self.errors.add(row, problem)
        elif assignment.ambito_name:
            self._name(assignment)
        return assignment

    def _name(self, a: AssignmentRow) -> None:
        _check_name(a.row, a.ambito_name, _l("The Ambito name is empty."), self.errors)
        if first := self.names.differs(a.ambito, a.row, a.ambito_name):
            message = _l(
                "The Ambito %(ambito)s is called “%(name)s” here but “%(first)s” in row %(row)d.",
                ambito=a.ambito,
                name=a.ambito_name,
                first=first[1],
                row=first[0],
            )
            self.errors.add(a.row, message)
