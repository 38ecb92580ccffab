"""Breakdowns by time: age bands from birth dates, and periods (month, quarter, semester, year) from dates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from analysis.errors import RecordError
from analysis.tables import TOTAL, Dimension

MISSING = "Non indicato"  # the category of a record that leaves the breakdown's field empty
OTHER_AGES = "Altre età"
DEFAULT_AGE_BANDS: tuple[tuple[int, int], ...] = ((0, 2), (3, 5), (6, 10), (11, 13), (14, 17))
UNITS = ("month", "quarter", "semester", "year")


def to_date(value: object, field: str) -> date:
    """A date from a date, a datetime or an ISO string ("2024-03-31" or "2024-03-31T10:00:00")."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise RecordError(
        f"Il campo {field!r} vale {value!r}, che non è una data (AAAA-MM-GG).",
        f"The field {field!r} holds {value!r}, which is not a date (YYYY-MM-DD).",
    )


def age_on(birth: date, reference: date) -> int:
    """Completed years of age on the reference date."""
    if birth > reference:
        raise RecordError(
            f"La data di nascita {birth.isoformat()} è dopo la data di riferimento {reference.isoformat()}.",
            f"The birth date {birth.isoformat()} is after the reference date {reference.isoformat()}.",
        )
    return reference.year - birth.year - ((reference.month, reference.day) < (birth.month, birth.day))


def band_label(low: int, high: int) -> str:
    return f"{low}-{high}"


def age_band(age: int, bands: Sequence[tuple[int, int]] = DEFAULT_AGE_BANDS) -> str:
    """The label of the band holding the age ("0-2", ..., "14-17"), or OTHER_AGES."""
    for low, high in bands:
        if low <= age <= high:
            return band_label(low, high)
    return OTHER_AGES


def period_label(day: date, unit: str) -> str:
    """ "2024-03" (month), "2024-T1" (quarter, trimestre), "2024-S1" (semester), "2024" (year)."""
    if unit == "month":
        return f"{day.year}-{day.month:02d}"
    if unit == "quarter":
        return f"{day.year}-T{(day.month - 1) // 3 + 1}"
    if unit == "semester":
        return f"{day.year}-S{(day.month - 1) // 6 + 1}"
    if unit == "year":
        return str(day.year)
    raise RecordError(
        f"Periodo {unit!r} sconosciuto: si usa uno tra {', '.join(UNITS)}.",
        f"Unknown period {unit!r}: use one of {', '.join(UNITS)}.",
    )


def periods_between(first: str, last: str, unit: str) -> list[str]:
    """Every period label from `first` to `last`, both included, so that empty periods show as zeros."""
    per_year = {"month": 12, "quarter": 4, "semester": 2, "year": 1}[unit]
    labels = []
    year, step = _split(first, unit)
    end = _split(last, unit)
    while (year, step) <= end:
        labels.append(period_label(date(year, (step - 1) * 12 // per_year + 1, 1), unit))
        year, step = (year + 1, 1) if step == per_year else (year, step + 1)
    return labels


def _split(label: str, unit: str) -> tuple[int, int]:
    if unit == "year":
        return int(label), 1
    year, part = label.split("-")
    return int(year), int(part.lstrip("TS"))


@dataclass(frozen=True)
class ByAgeBand:
    """Age bands: from an age field if the record has one, else from the birth date on the reference date.

    reference: a date, or the name of a date field of the record (the date of the intervention, say).
    """

    name: str = "fascia_eta"
    birth: str = "birth_date"
    reference: date | str = "date"
    age: str = "age"
    bands: Sequence[tuple[int, int]] = DEFAULT_AGE_BANDS
    total: str = TOTAL

    def classify(self, record: Mapping[str, object]) -> str:
        age = record.get(self.age)
        if age is None or age == "":
            birth = record.get(self.birth)
            if birth is None or birth == "":
                return MISSING
            age = age_on(to_date(birth, self.birth), self._reference(record))
        if isinstance(age, bool) or not isinstance(age, int):
            raise RecordError(
                f"Il campo {self.age!r} vale {age!r}, che non è un'età in anni.",
                f"The field {self.age!r} holds {age!r}, which is not an age in years.",
            )
        return age_band(age, self.bands)

    def path(self, record: Mapping[str, object]) -> tuple[str, ...]:
        return (self.classify(record),)

    def dimension(self, paths: Iterable[tuple[str, ...]]) -> Dimension:
        declared = [band_label(low, high) for low, high in self.bands]
        extra = {path[-1] for path in paths} - set(declared)
        return Dimension.flat(
            self.name, declared + sorted(extra, key=lambda label: label == MISSING), self.total
        )

    def _reference(self, record: Mapping[str, object]) -> date:
        if isinstance(self.reference, date):
            return self.reference
        return to_date(record.get(self.reference), self.reference)


@dataclass(frozen=True)
class ByPeriod:
    """Periods of a date field, every one from the first to the last found (empty ones as zeros)."""

    field: str = "date"
    unit: str = "quarter"
    name: str = "periodo"
    total: str = TOTAL

    def classify(self, record: Mapping[str, object]) -> str:
        value = record.get(self.field)
        if value is None or value == "":
            return MISSING
        return period_label(to_date(value, self.field), self.unit)

    def path(self, record: Mapping[str, object]) -> tuple[str, ...]:
        return (self.classify(record),)

    def dimension(self, paths: Iterable[tuple[str, ...]]) -> Dimension:
        found = {path[-1] for path in paths}
        dated = sorted(found - {MISSING})
        labels = periods_between(dated[0], dated[-1], self.unit) if dated else []
        return Dimension.flat(self.name, labels + ([MISSING] if MISSING in found else []), self.total)
