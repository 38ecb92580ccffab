"""Completeness of reporting cycles: the periods a cycle spans, where a report falls, who filed and who not.

A cycle expects one report per slot: an org unit (and, in a cycle by service, one of its services) for a
period. Given the expected slots and the filed ones, `completeness` gives the reporting rate per period and
per org unit, as DHIS2's reporting rates do, with the slots still missing.

Decisions:
- A filing outside the expected slots (a unit no longer in the cycle, a period outside it) is not counted,
  so a rate never passes 100%.
- A rate with nothing expected is None, not 0%: there is nothing to be late with.
- Period labels are those of analysis.periods ("2024-T1", "2024-S2", "2024"); within a unit they sort as
  text in time order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from analysis.errors import RecordError, StatisticsError
from analysis.periods import period_label, periods_between, to_date

CYCLE_UNITS = ("quarter", "semester", "year")
MAX_PERIODS = 40  # ten years of quarters: a longer grid is no longer read
SERVICE_FIELDS = ("codice_servizio", "servizio")  # the answers naming a service, as the registry reads them
_LABELS = {
    "quarter": re.compile(r"(\d{4})-T([1-4])"),
    "semester": re.compile(r"(\d{4})-S([12])"),
    "year": re.compile(r"(\d{4})"),
}
_EXAMPLES = {"quarter": "2024-T1", "semester": "2024-S1", "year": "2024"}
_UNIT_NAMES = {
    "quarter": ("trimestre", "quarter"),
    "semester": ("semestre", "semester"),
    "year": ("anno", "year"),
}


class CycleDefinitionError(StatisticsError):
    """A reporting cycle that cannot be defined as asked: an unknown unit, a wrong label, periods reversed."""


@dataclass(frozen=True, order=True)
class Slot:
    """One report a cycle expects: an org unit, a service of it (None when the cycle is not by service),
    a period."""

    org_unit_id: int
    service_id: int | None
    period: str


@dataclass(frozen=True)
class Rate:
    """How many slots were expected and how many filed, with the ones missing."""

    expected: int
    filed: int
    missing: tuple[Slot, ...]

    @property
    def percent(self) -> float | None:
        """The reporting rate in percent, None when nothing was expected."""
        return 100 * self.filed / self.expected if self.expected else None


@dataclass(frozen=True)
class Completeness:
    """Reporting rates of a cycle: overall, per period and per org unit, in the order they were expected."""

    overall: Rate
    by_period: dict[str, Rate]
    by_unit: dict[int, Rate]
    filed: frozenset[Slot]

    def is_filed(self, slot: Slot) -> bool:
        return slot in self.filed


def normalise_label(text: str) -> str:
    """A period label as typed ("2024-t1 ") written the way analysis.periods writes it ("2024-T1")."""
    return text.strip().upper()


def cycle_periods(first: str, last: str, unit: str) -> list[str]:
    """Every period of a cycle from `first` to `last`, both included; raise CycleDefinitionError when the
    unit is not one of CYCLE_UNITS, a label is not one of the unit, last comes before first or the cycle
    spans more than MAX_PERIODS periods."""
    if unit not in CYCLE_UNITS:
        raise CycleDefinitionError(
            f"Periodicità {unit!r} sconosciuta: si usa trimestre, semestre o anno.",
            f"Unknown period unit {unit!r}: use quarter, semester or year.",
        )
    for label in (first, last):
        _check_label(label, unit)
    if last < first:
        raise CycleDefinitionError(
            f"Il periodo finale {last} viene prima del periodo iniziale {first}: indicare prima il periodo "
            "iniziale e poi quello finale.",
            f"The last period {last} comes before the first period {first}: give the first period, then the "
            "last.",
        )
    periods = periods_between(first, last, unit)
    if len(periods) > MAX_PERIODS:
        raise CycleDefinitionError(
            f"Il ciclo comprende {len(periods)} periodi: il massimo è {MAX_PERIODS}.",
            f"The cycle spans {len(periods)} periods: the most is {MAX_PERIODS}.",
        )
    return periods


def _check_label(label: str, unit: str) -> None:
    if not _LABELS[unit].fullmatch(label):
        italian, english = _UNIT_NAMES[unit]
        raise CycleDefinitionError(
            f"{label!r} non è un {italian}: si scrive come {_EXAMPLES[unit]}.",
            f"{label!r} is not a {english}: write it as {_EXAMPLES[unit]}.",
        )


def answer_at(data: Mapping[str, object] | None, path: str) -> object:
    """The answer at a path such as "intestazione/data_inizio" in answers whose groups are nested objects;
    None when a step is missing or is not a group."""
    value: object = data
    for step in path.strip("/").split("/"):
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def report_period(data: Mapping[str, object] | None, date_field: str, unit: str) -> str | None:
    """The period the report dates itself in, from its `date_field` answer; None when it has no date."""
    value = answer_at(data, date_field)
    if value is None or value == "":
        return None
    try:
        return period_label(to_date(value, date_field), unit)
    except RecordError:
        return None


def service_codes(data: Mapping[str, object] | None) -> list[str]:
    """The service codes a report names in a SERVICE_FIELDS answer, at the top level or inside groups
    (repeats are not searched), upper-cased as the registry keeps them, in answer order."""
    found: list[str] = []
    if not isinstance(data, Mapping):
        return found
    for name, value in data.items():
        if name in SERVICE_FIELDS and isinstance(value, str) and value.strip():
            found.append(value.strip().upper())
        elif isinstance(value, Mapping):
            found += service_codes(value)
    return found


def containing_unit(path: str, expected: Mapping[int, str]) -> int | None:
    """The expected unit (id -> materialised path) whose subtree holds the unit at `path`; the deepest one
    when expected units nest; None when none does."""
    holding = [(len(p), unit_id) for unit_id, p in expected.items() if path.startswith(p)]
    return max(holding)[1] if holding else None


def expected_slots(
    units: Sequence[int], periods: Sequence[str], services: Mapping[int, Sequence[int]] | None = None
) -> list[Slot]:
    """The slots of a cycle: each unit for each period, or with `services` (unit id -> its service ids)
    each service of each unit for each period. A unit with no service expects nothing then."""
    slots = []
    for unit_id in units:
        kept: Sequence[int | None] = [None] if services is None else services.get(unit_id, ())
        slots += [Slot(unit_id, service_id, period) for service_id in kept for period in periods]
    return slots


def completeness(expected: Iterable[Slot], filed: Iterable[Slot]) -> Completeness:
    """Reporting rates of the expected slots given the filed ones; filings outside them are not counted."""
    expected = list(dict.fromkeys(expected))
    done = frozenset(filed) & frozenset(expected)
    by_period: dict[str, list[Slot]] = {}
    by_unit: dict[int, list[Slot]] = {}
    for slot in expected:
        by_period.setdefault(slot.period, []).append(slot)
        by_unit.setdefault(slot.org_unit_id, []).append(slot)
    return Completeness(
        overall=_rate(expected, done),
        by_period={period: _rate(slots, done) for period, slots in sorted(by_period.items())},
        by_unit={unit_id: _rate(slots, done) for unit_id, slots in by_unit.items()},
        filed=done,
    )


def _rate(slots: list[Slot], done: frozenset[Slot]) -> Rate:
    missing = tuple(slot for slot in slots if slot not in done)
    return Rate(expected=len(slots), filed=len(slots) - len(missing), missing=missing)


def latest_due(periods: Sequence[str], today: date, unit: str) -> str | None:
    """The latest period of `periods` that has ended by `today` (reports for it are due); the first period
    when none has ended yet; None when there are no periods."""
    if not periods:
        return None
    now = period_label(today, unit)
    ended = [period for period in periods if period < now]
    return ended[-1] if ended else periods[0]
