"""The cronoprogramma: each activity's planned and actual months side by side, and how it stands on a date.

An activity that started and has no actual end runs up to the reference date. The month grid spans every
date given (and the reference date), at most MAX_MONTHS months from the first.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from analysis.programme import Span

MAX_MONTHS = 120


@dataclass(frozen=True)
class TimelineActivity:
    action_code: str
    code: str
    title: str
    planned: Span
    actual: Span


@dataclass(frozen=True)
class Cell:
    planned: bool
    actual: bool


@dataclass(frozen=True)
class TimelineRow:
    activity: TimelineActivity
    cells: tuple[Cell, ...]
    status: str  # no_dates, not_started, late_start, running, overdue, ended
    start_delay: int | None  # days the actual start came after the planned one (negative: early)
    end_delay: int | None  # likewise for the end; for a running activity past its end, days so far


@dataclass(frozen=True)
class Timeline:
    months: tuple[date, ...]  # the first day of each month
    rows: tuple[TimelineRow, ...]
    today: date


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def actual_end(span: Span, today: date) -> date | None:
    """The actual end, or the reference date for an activity still running."""
    if span.start is None:
        return None
    return span.end or max(today, span.start)


def build_timeline(activities: Sequence[TimelineActivity], today: date) -> Timeline:
    """The month grid and a row per activity, in the order given."""
    days = [today]
    for a in activities:
        days += [d for d in (a.planned.start, a.planned.end, a.actual.start, a.actual.end) if d]
    first = month_index(min(days))
    last = min(month_index(max(days)), first + MAX_MONTHS - 1)
    months = tuple(month_start(i) for i in range(first, last + 1))
    rows = tuple(_row(a, months, today) for a in activities)
    return Timeline(months, rows, today)


def _row(activity: TimelineActivity, months: tuple[date, ...], today: date) -> TimelineRow:
    planned = _covered(activity.planned.start, activity.planned.end)
    actual = _covered(activity.actual.start, actual_end(activity.actual, today))
    cells = tuple(Cell(month_index(m) in planned, month_index(m) in actual) for m in months)
    return TimelineRow(activity, cells, status(activity, today), *_delays(activity, today))


def _covered(start: date | None, end: date | None) -> range:
    if start is None:
        return range(0)
    end = end or start
    return range(month_index(start), month_index(end) + 1)


def status(activity: TimelineActivity, today: date) -> str:
    """Where an activity stands on `today`."""
    planned, actual = activity.planned, activity.actual
    if actual.start is None:
        if planned.start is None:
            return "no_dates"
        return "late_start" if planned.start < today else "not_started"
    if actual.end is not None:
        return "ended"
    if planned.end is not None and today > planned.end:
        return "overdue"
    return "running"


def _delays(activity: TimelineActivity, today: date) -> tuple[int | None, int | None]:
    planned, actual = activity.planned, activity.actual
    start = (actual.start - planned.start).days if actual.start and planned.start else None
    end = None
    if planned.end is not None and actual.end is not None:
        end = (actual.end - planned.end).days
    elif planned.end is not None and actual.start is not None and today > planned.end:
        end = (today - planned.end).days
    return start, end
