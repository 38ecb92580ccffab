"""ODK date, time and dateTime strings: parsing, days since the epoch, ISO output and format-date codes."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

EPOCH = date(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)

_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?")

FORMAT_CODES = frozenset("YymnbdeHhMS3a%")

_MONTHS = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "it": ["gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"],
}
_WEEKDAYS = {  # Monday first, as datetime.weekday() counts
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    "it": ["lun", "mar", "mer", "gio", "ven", "sab", "dom"],
}


def parse_date(text: str) -> date | None:
    """A 'YYYY-MM-DD' calendar date (month and day may have one digit, as JavaRosa allows)."""
    found = _DATE.fullmatch(text)
    if found is None:
        return None
    try:
        return date(*map(int, found.groups()))
    except ValueError:
        return None


def parse_time(text: str, zone: tzinfo | None) -> time | None:
    """An 'HH:MM[:SS[.fff]][offset]' time; without an offset it is taken to be in `zone`."""
    found = _TIME.fullmatch(text)
    if found is None:
        return None
    hour, minute, second, fraction, offset = found.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        zone = _offset(offset) if offset else zone
        return time(int(hour), int(minute), int(second or 0), micro, tzinfo=zone)
    except ValueError:
        return None


def parse_datetime(text: str, zone: tzinfo) -> datetime | None:
    """A dateTime, or a date taken as its midnight; values without an offset are taken to be in `zone`."""
    day_text, _, time_text = text.partition("T")
    day = parse_date(day_text)
    if day is None:
        return None
    if not time_text:
        return datetime.combine(day, time(), zone)
    moment = parse_time(time_text, zone)
    return None if moment is None else datetime.combine(day, moment)


def _offset(text: str) -> tzinfo:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[2:] or 0)
    if minutes >= 60:
        raise ValueError(f"offset minutes out of range: {text}")
    delta = timedelta(hours=int(digits[:2]), minutes=minutes)
    return timezone(sign * delta)


def days_from_string(text: str) -> float | None:
    """Days since 1970-01-01: whole days for a date, fractional days (UTC) for a dateTime."""
    if "T" not in text:
        day = parse_date(text)
        return None if day is None else float((day - EPOCH).days)
    moment = parse_datetime(text, UTC)  # ODK dateTimes carry an offset; a bare one is read as UTC
    return None if moment is None else days_since_epoch(moment)


def days_since_epoch(moment: datetime) -> float:
    return (moment - _EPOCH_UTC) / timedelta(days=1)


def moment_from_days(days: float, zone: tzinfo) -> datetime | None:
    """The instant a number of days after the epoch, seen in `zone`; None when out of range."""
    if not math.isfinite(days):
        return None
    try:
        return (_EPOCH_UTC + timedelta(days=days)).astimezone(zone)
    except OverflowError:
        return None


def date_from_days(days: float) -> date | None:
    """The calendar date a number of days after the epoch (fractions are dropped towards the past)."""
    if not math.isfinite(days):
        return None
    try:
        return EPOCH + timedelta(days=math.floor(days))
    except OverflowError:
        return None


def date_string(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def datetime_string(moment: datetime) -> str:
    """ISO 8601 with milliseconds and the offset, as ODK dateTime values are written."""
    offset = moment.utcoffset()
    # The offset in whole minutes towards zero, in integers: timedelta arithmetic costs more than the rest.
    micros = 0 if offset is None else (offset.days * 86400 + offset.seconds) * 1_000_000 + offset.microseconds
    sign, minutes = ("-", -micros // 60_000_000) if micros < 0 else ("+", micros // 60_000_000)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
        f"{moment.second:02d}.{moment.microsecond // 1000:03d}{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    )


def format_moment(moment: datetime, pattern: str, language: str) -> str:
    """Apply format-date codes (%Y %y %m %n %b %d %e %H %h %M %S %3 %a %%); others stay as written."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        code = pattern[index + 1] if char == "%" and index + 1 < len(pattern) else ""
        if code in FORMAT_CODES:
            out.append(_format_code(moment, code, language))
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _format_code(moment: datetime, code: str, language: str) -> str:
    return _FORMATS[code](moment, language)


# Each format-date code as a function of (moment, form language); only month and day names need the language.
_FORMATS: dict[str, Callable[[datetime, str], str]] = {
    "Y": lambda moment, language: f"{moment.year:04d}",
    "y": lambda moment, language: f"{moment.year:04d}"[2:],
    "m": lambda moment, language: f"{moment.month:02d}",
    "n": lambda moment, language: str(moment.month),
    "b": lambda moment, language: _MONTHS[language_code(language)][moment.month - 1],
    "d": lambda moment, language: f"{moment.day:02d}",
    "e": lambda moment, language: str(moment.day),
    "H": lambda moment, language: f"{moment.hour:02d}",
    "h": lambda moment, language: str(moment.hour),
    "M": lambda moment, language: f"{moment.minute:02d}",
    "S": lambda moment, language: f"{moment.second:02d}",
    "3": lambda moment, language: f"{moment.microsecond // 1000:03d}",
    "a": lambda moment, language: _WEEKDAYS[language_code(language)][moment.weekday()],
    "%": lambda moment, language: "%",
}


def language_code(language: str) -> str:
    """Pick the month and day names for a form language such as 'Italiano (it)', 'it' or 'English'."""
    found = re.search(r"\(([A-Za-z]{2,3})[^)]*\)\s*$", language)
    code = (found.group(1) if found else language[:2]).lower()
    return code if code in _MONTHS else "en"
