"""Date and time functions of the ODK library: today, now, date, date-time, decimal-date-time,
decimal-time, format-date and format-date-time.

Dates travel as strings ('2024-05-01', '2024-05-01T10:20:30.000+02:00') and become days since
1970-01-01 when used as numbers (see values.to_number). "Local" means the zone of EvalContext.now.
Blank input gives a blank result and an unreadable date gives '' or NaN, never an error, so one
odd answer cannot stop a whole form from being evaluated.
"""

from __future__ import annotations

import math
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

from forms.xpath.dates import (
    FORMAT_CODES,
    date_from_days,
    date_string,
    datetime_string,
    days_since_epoch,
    format_moment,
    moment_from_days,
    parse_date,
    parse_datetime,
    parse_time,
)
from forms.xpath.registry import function
from forms.xpath.tree import Call, Literal
from forms.xpath.values import Value, to_number, to_string

if TYPE_CHECKING:
    from forms.xpath.evaluator import Scope


def _zone(scope: Scope) -> tzinfo:
    zone = scope.context.now.tzinfo
    assert zone is not None  # EvalContext refuses a naive now
    return zone


def _moment(value: Value, zone: tzinfo) -> datetime | None:
    """A value as an instant: numbers are days since the epoch, strings dates or dateTimes."""
    if isinstance(value, float | bool):
        return moment_from_days(to_number(value), zone)
    text = to_string(value).strip()
    if not text:
        return None
    moment = parse_datetime(text, zone)
    if moment is None:
        return moment_from_days(to_number(text), zone)  # a number written as text
    return moment


@function("today", 0)
def today(scope: Scope) -> str:
    return date_string(scope.context.now.date())


@function("now", 0)
def now(scope: Scope) -> str:
    return datetime_string(scope.context.now)


@function("date", 1)
def date_(scope: Scope, value: Value) -> str:
    """A date string; numbers count days from 1970-01-01, dateTimes keep the date they were written on."""
    if isinstance(value, bool):
        return ""  # as Enketo: true() is not a date
    if isinstance(value, float):
        day: date | None = date_from_days(value)
    else:
        text = to_string(value).strip()
        day = parse_date(text.partition("T")[0]) if "T" in text else parse_date(text)
        if day is None and text:
            day = date_from_days(to_number(text))
    return "" if day is None else date_string(day)


@function("date-time", 1)
def date_time(scope: Scope, value: Value) -> str:
    """A dateTime string in the local zone, from days since the epoch or a date or dateTime."""
    moment = _moment(value, _zone(scope))
    return "" if moment is None else datetime_string(moment)


@function("decimal-date-time", 1)
def decimal_date_time(scope: Scope, value: Value) -> Value:
    """Days since 1970-01-01T00:00Z, with the time as a fraction; a date is taken at local midnight."""
    if isinstance(value, float | bool):
        return to_number(value)
    if not to_string(value).strip():
        return ""
    moment = _moment(value, _zone(scope))
    return math.nan if moment is None else days_since_epoch(moment)


@function("decimal-time", 1)
def decimal_time(scope: Scope, value: Value) -> Value:
    """The local time of day as a fraction: noon is 0.5. Numbers keep only their fraction."""
    if isinstance(value, float | bool):
        number = to_number(value)
        return number - math.floor(number) if math.isfinite(number) else math.nan
    text = to_string(value).strip()
    if not text:
        return ""
    zone = _zone(scope)
    moment = parse_datetime(text, zone) if "T" in text else _time_today(text, scope)
    if moment is None:
        return math.nan
    local = moment.astimezone(zone)
    seconds = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
    return seconds / 86400


def _time_today(text: str, scope: Scope) -> datetime | None:
    # A time's offset only means something on a given day; take today, as both ODK clients do.
    clock = parse_time(text, _zone(scope))
    return None if clock is None else datetime.combine(scope.context.now.date(), clock)


def _check_format(call: Call) -> str | None:
    pattern = call.args[1]
    if not (isinstance(pattern, Literal) and isinstance(pattern.value, str)):
        return None
    text, index = pattern.value, 0
    while index < len(text):
        code = text[index + 1 : index + 2] if text[index] == "%" else None
        if code is not None and code not in FORMAT_CODES:
            return f"{call.name}() does not know the code {'%' + code!r} in {text!r}"
        index += 1 if code is None else 2
    return None


@function("format-date", 2, check=_check_format)
def format_date(scope: Scope, value: Value, pattern: Value) -> str:
    moment = _moment(value, _zone(scope))
    return (
        ""
        if moment is None
        else format_moment(_local(moment, scope), to_string(pattern), scope.context.language)
    )


@function("format-date-time", 2, check=_check_format)
def format_date_time(scope: Scope, value: Value, pattern: Value) -> str:
    return format_date(scope, value, pattern)


def _local(moment: datetime, scope: Scope) -> datetime:
    # An instant is shown in the local zone, as Collect shows it on the device.
    return moment.astimezone(_zone(scope))
