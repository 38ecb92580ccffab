"""The numbers behind a question summary: R's quartiles, R's histogram breaks and counts over time."""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

PERIODS = ("day", "week", "month")
# Beyond this many periods between the first and the last answer, empty periods are left out: one
# mistyped year ("0025-03-14") must not turn a daily series into hundreds of thousands of zero rows.
MAX_FILLED_PERIODS = 400

# R's pretty.default: shrink.sml, high.u.bias, u5.bias = .5 + 1.5 * high.u.bias, f.min = 2^-20.
_SHRINK = 0.75
_HIGH = 1.5
_HIGH_5 = 0.5 + 1.5 * _HIGH
_F_MIN = 2.0**-20
_ROUNDING_EPS = 1e-10


@dataclass(frozen=True)
class Numbers:
    """Descriptive statistics of the answers to a number question; None where they are undefined."""

    mean: float | None
    sd: float | None
    minimum: float | None
    q1: float | None
    median: float | None
    q3: float | None
    maximum: float | None


@dataclass(frozen=True)
class Histogram:
    """Bins as R's `hist()` makes them: `counts[i]` answers fall in (breaks[i], breaks[i + 1]]."""

    breaks: tuple[float, ...]
    counts: tuple[int, ...]


@dataclass(frozen=True)
class PeriodCount:
    """How many answers (or submissions) fall in the period that starts on `start`."""

    start: date
    count: int
    period: str

    @property
    def label(self) -> str:
        """The period as ISO 8601 writes it: 2025-03-14, 2025-W11 or 2025-03."""
        if self.period == "day":
            return self.start.isoformat()
        if self.period == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.year:04d}-{self.start.month:02d}"


@dataclass(frozen=True)
class TimeSeries:
    """Counts per period in time order; `gaps_filled` says whether empty periods are listed with 0."""

    period: str
    counts: tuple[PeriodCount, ...]
    gaps_filled: bool


def describe(values: Sequence[float]) -> Numbers:
    """Mean, sample sd, minimum, quartiles and maximum; quartiles as R's `quantile()` (type 7)."""
    if not values:
        return Numbers(None, None, None, None, None, None, None)
    array = np.asarray(values, dtype=float)
    # numpy's default method, "linear", is Hyndman and Fan's type 7, the default of R's quantile().
    q1, median, q3 = (float(q) for q in np.quantile(array, [0.25, 0.5, 0.75]))
    sd = float(np.std(array, ddof=1)) if len(array) > 1 else None
    mean = math.fsum(values) / len(values)  # correctly rounded sum, as R's long-double mean() gets
    return Numbers(mean, sd, min(values), q1, median, q3, max(values))


def sturges_histogram(values: Sequence[float]) -> Histogram | None:
    """R's `hist(x, plot = FALSE)`: Sturges' number of classes, pretty() breaks, right-closed bins."""
    if not values:
        return None
    array = np.asarray(values, dtype=float)
    classes = math.ceil(math.log2(len(array)) + 1)  # R's nclass.Sturges
    breaks = pretty(float(array.min()), float(array.max()), classes, min_n=1)
    return Histogram(tuple(breaks), _bin_counts(array, breaks))


def pretty(low: float, high: float, n: int = 5, min_n: int | None = None) -> list[float]:
    """R's `pretty(c(low, high), n, min.n)`: about n+1 equally spaced round values covering the range.

    A port of R_pretty() in R's src/appl/pretty.c (R >= 4.2, with eps.correct = 0 and bounds = TRUE,
    as `pretty.default` calls it) followed by `seq.int(l, u, length.out = k + 1)`.
    """
    min_n = n // 3 if min_n is None else min_n
    cell = _cell(low, high, n, min_n)
    unit = _unit(cell)
    below = math.floor(low / unit + _ROUNDING_EPS)
    above = math.ceil(high / unit - _ROUNDING_EPS)
    while below * unit > low + _ROUNDING_EPS * unit:
        below -= 1
    while above * unit < high - _ROUNDING_EPS * unit:
        above += 1
    below, above = _widen(low, high, below, above, min_n)
    first, last = float(min(low, below * unit)), float(max(high, above * unit))
    return _sequence(first, last, above - below)


def _cell(low: float, high: float, n: int, min_n: int) -> float:
    span = high - low
    if span == 0 and high == 0:
        cell, small = 1.0, True
    else:
        cell = max(abs(low), abs(high))
        bound = 1 + (1 / (1 + _HIGH) if _HIGH_5 >= 1.5 * _HIGH + 0.5 else 1.5 / (1 + _HIGH_5))
        small = span < cell * bound * max(1, n) * sys.float_info.epsilon * 3
    if small:
        cell = (9 + cell / 10 if cell > 10 else cell) * _SHRINK
        cell = cell / min_n if min_n > 1 else cell
    else:
        cell = span / n if n > 1 else span
    smallest = _F_MIN * sys.float_info.min
    return min(max(cell, smallest), sys.float_info.max / 1.25)


def _unit(cell: float) -> float:
    base = 10.0 ** math.floor(math.log10(cell))
    unit = base
    if 2 * base - cell < _HIGH * (cell - unit):
        unit = 2 * base
        if 5 * base - cell < _HIGH_5 * (cell - unit):
            unit = 5 * base
            if 10 * base - cell < _HIGH * (cell - unit):
                unit = 10 * base
    return unit


def _widen(low: float, high: float, below: int, above: int, min_n: int) -> tuple[int, int]:
    missing = min_n - int(0.5 + above - below)
    if missing <= 0:
        return below, above
    if low == 0 and below == 0 and high != 0:
        return below, above + missing
    if high == 0 and above == 0 and low != 0:
        return below - missing, above
    half, odd = divmod(missing, 2)
    if below >= 0:
        return below - half - odd, above + half
    return below - half, above + half + odd


def _sequence(first: float, last: float, intervals: int) -> list[float]:
    # seq.int(first, last, length.out = intervals + 1) keeps both ends exact; pretty.default then sets
    # to 0 what rounding left a hair away from it.
    if intervals == 0:
        return [first]
    step = (last - first) / intervals
    values = [first, *(first + i * step for i in range(1, intervals)), last]
    tiny = 1e-14 * step
    return [0.0 if abs(value) < tiny else value for value in values]


def _bin_counts(values: np.ndarray, breaks: Sequence[float]) -> tuple[int, ...]:
    # hist.default moves each inner break up by a "diddle" so that a value that should sit on a break
    # but is off by rounding still falls in the lower bin; the first break moves down (include.lowest).
    widths = np.diff(breaks)
    if len(breaks) > 5:
        scale = float(np.median(widths))
    elif len(breaks) <= 3:
        scale = float(values.max() - values.min())
    else:
        scale = float(widths[widths > 0].min())
    fuzz = np.full(len(breaks), 1e-7 * scale)
    fuzz[0] = -fuzz[0]
    fuzzy = np.asarray(breaks) + fuzz
    # Right-closed bins (a, b]: the first edge not below a value closes that value's bin.
    index = np.searchsorted(fuzzy, values, side="left") - 1
    counts = np.bincount(np.clip(index, 0, len(breaks) - 2), minlength=len(breaks) - 1)
    return tuple(int(count) for count in counts)


def period_start(day: date, period: str) -> date:
    """The first day of the day, ISO week (Monday) or month that `day` falls in."""
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")


def time_series(days: Iterable[date], period: str) -> TimeSeries:
    """Counts per period of `days`, with the empty periods between the first and the last as 0."""
    tally = Counter(period_start(day, period) for day in days)
    if not tally:
        return TimeSeries(period, (), True)
    starts = _every_period(min(tally), max(tally), period)
    filled = starts is not None
    return TimeSeries(
        period,
        tuple(PeriodCount(start, tally.get(start, 0), period) for start in (starts or sorted(tally))),
        filled,
    )


def _every_period(first: date, last: date, period: str) -> list[date] | None:
    starts = [first]
    while starts[-1] < last:
        if len(starts) >= MAX_FILLED_PERIODS:
            return None
        starts.append(_next_start(starts[-1], period))
    return starts


def _next_start(start: date, period: str) -> date:
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(weeks=1)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)
