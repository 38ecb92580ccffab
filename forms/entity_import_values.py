"""Turn one cell of a historical import into its field's value: dates, choices, ISTAT and service codes.

Each reader takes the cell's stripped text and returns the value (a date or a str), or raises InvalidValue
with the code of a row problem (forms.entity_import.ROW_MESSAGES). The age band counts completed years at
the intake date (birthdays), with the intake form's cut points.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from datetime import date

from forms.identity import IdentityError, check_codice_fiscale, normalise_identity_part

__all__ = ["InvalidValue", "age_band", "choice_reader", "parse_date", "value_reader"]

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_ITALIAN_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_EARLIEST = date(1900, 1, 1)
_SERVICE_CODE = re.compile(r"[A-Z0-9]{6,16}")  # the intake form's constraint on codice_minore
_ISTAT = re.compile(r"\d{4,6}")  # Excel drops the leading zeros of codes read as numbers
_AGE_BANDS = ((3, "0_2"), (6, "3_5"), (11, "6_10"), (14, "11_13"), (18, "14_17"))


class InvalidValue(Exception):
    """A cell's value that is not valid, on its way to becoming a RowProblem."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.params = code, params


def parse_date(text: str, today: date) -> date:
    """A date written as YYYY-MM-DD (a time after it is ignored), DD/MM/YYYY, DD-MM-YYYY or DD.MM.YYYY,
    between 1900 and `today`."""
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.group(1, 2, 3)
    elif match := _ITALIAN_DATE.fullmatch(text):
        day, month, year = match.group(1, 3, 4)
    else:
        raise InvalidValue("date_format")
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        raise InvalidValue("date_impossible") from None
    if value < _EARLIEST:
        raise InvalidValue("date_too_old")
    if value > today:
        raise InvalidValue("date_future")
    return value


def age_band(birth: date, on: date) -> tuple[int, str]:
    """The age in completed years on a day, and its band as the intake form names it (0_2 … 18_21)."""
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return age, next((band for limit, band in _AGE_BANDS if age < limit), "18_21")


def value_reader(kind: str, today: date) -> Callable[[str], object]:
    """The function turning a cell's text into a value of a field of type `kind` (date, istat, codice,
    codice_fiscale; anything else is text), or raising InvalidValue. Choices have choice_reader."""
    if kind == "date":
        return lambda text: parse_date(text, today)
    readers = {"istat": _istat, "codice": _service_code, "codice_fiscale": _codice_fiscale}
    return readers.get(kind, str)


def choice_reader(allowed: Collection[str]) -> Callable[[str], str]:
    """The function turning a cell's text into one of the `allowed` names, or raising InvalidValue. A
    mapping of names to Italian labels accepts the labels too; case, accents and punctuation are ignored."""
    # A column of choices repeats a few spellings thousands of times: fold each spelling once.
    lookup, seen, listed = _lookup(allowed), {}, ", ".join(allowed)

    def read(text: str) -> str:
        name = seen.get(text)
        if name is None:
            name = seen[text] = lookup.get(normalise_identity_part(text), "")
        if not name:
            raise InvalidValue("choice", allowed=listed)
        return name

    return read


def _lookup(allowed: Collection[str]) -> dict[str, str]:
    """Folded name or Italian label -> name; a name wins over another choice's label."""
    lookup = {normalise_identity_part(name): name for name in allowed}
    if isinstance(allowed, Mapping):
        for name, label in allowed.items():
            lookup.setdefault(normalise_identity_part(str(label)), name)
    return lookup


def _istat(text: str) -> str:
    if not _ISTAT.fullmatch(text):
        raise InvalidValue("istat")
    return text.zfill(6)


def _service_code(text: str) -> str:
    if not _SERVICE_CODE.fullmatch(text.upper()):
        raise InvalidValue("service_code")
    return text.upper()


def _codice_fiscale(text: str) -> str:
    try:
        return check_codice_fiscale(text)
    except IdentityError as err:
        raise InvalidValue(err.code, **err.params) from None
