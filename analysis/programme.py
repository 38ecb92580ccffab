"""The programme's rules: event kinds, participant categories, target metrics, and the checks on dates,
counts, targets and amounts that every form and import of the programme pages goes through."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from analysis.errors import AnalysisError

EVENT_KINDS = ("focus_group", "workshop", "seminar", "technical_table", "dissemination", "other")
CATEGORIES = ("public_services", "third_sector", "families", "schools", "health", "justice", "other")
GENDERS = ("female", "male", "unspecified")
ATTACHMENT_KINDS = ("programme", "sign_in", "minutes", "other")

# What an activity may set a target for, in the order reports show them. The event kinds count events
# of that kind; "events" counts them all.
HEADLINE_METRICS = ("events", "participants", "trainees", "trained", "forms", "transcripts", "vouchers")
METRICS = (*HEADLINE_METRICS, *EVENT_KINDS)

MAX_TARGET = 1_000_000
MAX_CELL = 10_000  # people of one category and gender at one event
MAX_AMOUNT_CENTS = 100_000_00  # 100,000 euros
EARLIEST = date(2000, 1, 1)


class ProgrammeError(AnalysisError):
    """A value the programme's rules refuse, told in Italian then English."""

    def __init__(self, italian: str, english: str) -> None:
        super().__init__(f"{italian} / {english}")
        self.italian = italian
        self.english = english

    def message(self, lang: str = "it") -> str:
        return self.italian if lang.startswith("it") else self.english


@dataclass(frozen=True)
class Span:
    """Planned or actual dates of an activity; either end may be unknown."""

    start: date | None
    end: date | None


def check_span(span: Span, what_it: str, what_en: str) -> Span:
    """A span whose end is not before its start and whose dates are not absurdly early."""
    for day in (span.start, span.end):
        if day is not None and day < EARLIEST:
            raise ProgrammeError(
                f"{what_it}: la data {day.isoformat()} è precedente al 2000.",
                f"{what_en}: the date {day.isoformat()} is before 2000.",
            )
    if span.start and span.end and span.end < span.start:
        raise ProgrammeError(
            f"{what_it}: la fine ({span.end.isoformat()}) precede l'inizio ({span.start.isoformat()}).",
            f"{what_en}: the end ({span.end.isoformat()}) is before the start ({span.start.isoformat()}).",
        )
    return span


def check_activity_dates(planned: Span, actual: Span, today: date) -> None:
    """Planned dates in order; actual dates in order, not in the future, and an end only after a start."""
    check_span(planned, "Date previste", "Planned dates")
    check_span(actual, "Date effettive", "Actual dates")
    if actual.end is not None and actual.start is None:
        raise ProgrammeError(
            "Date effettive: indicare anche l'inizio, non solo la fine.",
            "Actual dates: give the start too, not only the end.",
        )
    for day in (actual.start, actual.end):
        if day is not None and day > today:
            raise ProgrammeError(
                f"Date effettive: {day.isoformat()} è nel futuro; usare le date previste.",
                f"Actual dates: {day.isoformat()} is in the future; use the planned dates.",
            )


def check_targets(targets: Mapping[str, object]) -> dict[str, int]:
    """The targets kept: known metrics with whole numbers from 0 to a million; blanks (None) dropped."""
    kept: dict[str, int] = {}
    for metric, value in targets.items():
        if metric not in METRICS:
            raise ProgrammeError(f"Indicatore sconosciuto: {metric!r}.", f"Unknown metric: {metric!r}.")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TARGET:
            raise ProgrammeError(
                f"Il target di {metric!r} deve essere un numero intero da 0 a {MAX_TARGET} (ho {value!r}).",
                f"The target for {metric!r} must be a whole number from 0 to {MAX_TARGET} (got {value!r}).",
            )
        kept[metric] = value
    return kept


def check_event_date(held_on: date, today: date) -> date:
    """An event is recorded once it took place: not in the future, not before 2000."""
    if held_on > today:
        raise ProgrammeError(
            f"La data dell'evento ({held_on.isoformat()}) è nel futuro: si registra un evento dopo che si è "
            "svolto.",
            f"The event's date ({held_on.isoformat()}) is in the future: record an event once it took place.",
        )
    if held_on < EARLIEST:
        raise ProgrammeError(
            f"La data dell'evento ({held_on.isoformat()}) è precedente al 2000.",
            f"The event's date ({held_on.isoformat()}) is before 2000.",
        )
    return held_on


def check_participation(cells: Mapping[tuple[str, str], object]) -> dict[tuple[str, str], int]:
    """Counts by (category, gender): whole numbers from 0 to 10,000; zeros are dropped."""
    kept: dict[tuple[str, str], int] = {}
    for (category, gender), value in cells.items():
        if category not in CATEGORIES or gender not in GENDERS:
            raise ProgrammeError(
                f"Categoria o genere sconosciuti: {category!r}, {gender!r}.",
                f"Unknown category or gender: {category!r}, {gender!r}.",
            )
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CELL:
            raise ProgrammeError(
                f"{category}, {gender}: {value!r} non è un numero di partecipanti da 0 a {MAX_CELL}.",
                f"{category}, {gender}: {value!r} is not a number of participants from 0 to {MAX_CELL}.",
            )
        if value:
            kept[(category, gender)] = value
    return kept


def parse_count(text: str) -> int | None:
    """A count typed in a grid cell: blank is None; digits only (no sign, no decimals)."""
    text = text.strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        raise ProgrammeError(
            f"{text!r} non è un numero intero non negativo.", f"{text!r} is not a whole number, zero or more."
        )
    return int(text)


_AMOUNT = re.compile(r"^(\d{1,3}(?:[.\s]\d{3})+|\d+)(?:,(\d{1,2}))?$|^(\d+)(?:\.(\d{1,2}))?$")


def parse_amount(text: str) -> int:
    """Euros as typed in Italy or in English ("1.250,50", "1250,5", "1250.50", "€ 80") to whole cents.

    Refuses zero, negative amounts, more than two decimals and more than 100,000 euros.
    """
    cleaned = text.strip().removeprefix("€").removesuffix("€").strip()
    match = _AMOUNT.match(cleaned)
    if not match:
        raise ProgrammeError(
            f"{text!r} non è un importo in euro (per esempio 150 o 150,50).",
            f"{text!r} is not an amount in euros (for example 150 or 150.50).",
        )
    whole = match.group(1) or match.group(3)
    decimals = match.group(2) or match.group(4) or ""
    cents = int(re.sub(r"[.\s]", "", whole)) * 100 + int(decimals.ljust(2, "0") or 0)
    if not 0 < cents <= MAX_AMOUNT_CENTS:
        raise ProgrammeError(
            "L'importo deve essere maggiore di zero e al massimo 100.000 euro.",
            "The amount must be above zero and at most 100,000 euros.",
        )
    return cents


def euros(cents: int, decimal_mark: str = ",") -> str:
    """Cents as euros with two decimals and a thousands separator, Italian style by default."""
    whole, rest = divmod(abs(cents), 100)
    grouped = f"{whole:,}".replace(",", "." if decimal_mark == "," else ",")
    sign = "-" if cents < 0 else ""
    return f"{sign}{grouped}{decimal_mark}{rest:02d}"
