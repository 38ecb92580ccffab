"""Which records a progress report counts: the plain data it reads, and the as-of rule.

A record counts only if it was recorded before the cutoff (the end of the reference date where the
programme runs) and was not deleted or replaced before it; dates of events, editions, spendings and status
changes must fall in the period and not after the reference date.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from analysis.programme import ProgrammeError
from analysis.programme_vouchers import SPENT, Change, status_as_of


@dataclass(frozen=True)
class Period:
    """Dates from `start` to `end`, both included, counted as of `as_of`: records made before `cutoff`."""

    start: date
    end: date
    as_of: date
    cutoff: datetime  # the end of `as_of` where the programme runs, as the naive UTC the data is stored in

    def holds(self, day: date) -> bool:
        """A day inside the period and not after the reference date."""
        return self.start <= day <= self.end and day <= self.as_of


def check_period(start: date, end: date, as_of: date, today: date) -> None:
    if end < start:
        raise ProgrammeError("Il periodo finisce prima di cominciare.", "The period ends before it starts.")
    if as_of > today:
        raise ProgrammeError(
            "La data di riferimento non può essere nel futuro.", "The reference date cannot be in the future."
        )


def in_force(created_at: datetime, ended_at: datetime | None, cutoff: datetime) -> bool:
    """A row recorded before the cutoff and not deleted or replaced by then."""
    return created_at < cutoff and (ended_at is None or ended_at >= cutoff)


@dataclass(frozen=True)
class ActivityLine:
    id: int
    action_code: str
    action_title: str
    code: str
    title: str


@dataclass(frozen=True)
class TargetRecord:
    activity_id: int
    metric: str
    value: int
    set_at: datetime
    replaced_at: datetime | None


@dataclass(frozen=True)
class ParticipationRecord:
    category: str
    gender: str
    count: int
    created_at: datetime
    replaced_at: datetime | None


@dataclass(frozen=True)
class TranscriptRecord:
    document_id: int
    linked_at: datetime
    first_coded_at: datetime | None


@dataclass(frozen=True)
class EventRecord:
    id: int
    activity_id: int
    kind: str
    title: str
    held_on: date
    place: str
    created_at: datetime
    deleted_at: datetime | None
    participation: tuple[ParticipationRecord, ...] = ()
    transcripts: tuple[TranscriptRecord, ...] = ()


@dataclass(frozen=True)
class TraineeRecord:
    activity_id: int
    edition_start: date | None
    edition_end: date | None
    enrolled_at: datetime
    completed: bool


@dataclass(frozen=True)
class SpendingRecord:
    on: date
    cents: int
    recorded_at: datetime


@dataclass(frozen=True)
class VoucherTypeLine:
    name: str
    activity_id: int | None


@dataclass(frozen=True)
class VoucherRecord:
    activity_id: int | None
    type_name: str
    territory: tuple[str, ...]  # root-to-leaf labels, the same depth for every record
    expires_on: date | None
    changes: tuple[Change, ...]
    spendings: tuple[SpendingRecord, ...] = ()


def targets_as_of(records: Iterable[TargetRecord], cutoff: datetime) -> dict[int, dict[str, int]]:
    """Each activity's targets as they stood at the cutoff."""
    found: dict[int, dict[str, tuple[datetime, int]]] = defaultdict(dict)
    for r in records:
        if in_force(r.set_at, r.replaced_at, cutoff):
            known = found[r.activity_id].get(r.metric)
            if known is None or r.set_at > known[0]:
                found[r.activity_id][r.metric] = (r.set_at, r.value)
    return {a: {m: v for m, (_, v) in metrics.items()} for a, metrics in found.items()}


def counted_events(events: Iterable[EventRecord], period: Period) -> list[EventRecord]:
    """The events held in the period that existed, undeleted, at the cutoff; by date."""
    kept = [
        e for e in events if period.holds(e.held_on) and in_force(e.created_at, e.deleted_at, period.cutoff)
    ]
    return sorted(kept, key=lambda e: (e.held_on, e.id))


def participation(event: EventRecord, cutoff: datetime) -> Counter[tuple[str, str]]:
    """People at an event by (category, gender), as recorded at the cutoff."""
    counts: Counter[tuple[str, str]] = Counter()
    for p in event.participation:
        if in_force(p.created_at, p.replaced_at, cutoff):
            counts[(p.category, p.gender)] += p.count
    return counts


def coded_documents(event: EventRecord, cutoff: datetime) -> set[int]:
    """The transcripts linked to an event, and coded at least once, before the cutoff."""
    return {
        t.document_id
        for t in event.transcripts
        if t.linked_at < cutoff and t.first_coded_at is not None and t.first_coded_at < cutoff
    }


def counted_trainees(trainees: Iterable[TraineeRecord], period: Period) -> list[TraineeRecord]:
    """Enrolments made before the cutoff in editions that started in the period (or, with no start
    date, enrolments made in it)."""
    kept = []
    for t in trainees:
        started = t.edition_start or t.enrolled_at.date()
        if t.enrolled_at < period.cutoff and period.holds(started):
            kept.append(t)
    return kept


def trained(trainee: TraineeRecord, period: Period) -> bool:
    """Completed an edition that had ended by the reference date."""
    return trainee.completed and trainee.edition_end is not None and trainee.edition_end <= period.as_of


def spent_in(voucher: VoucherRecord, period: Period) -> bool:
    """The voucher was spent, as recorded at the cutoff, on a day of the period."""
    found = status_as_of(voucher.changes, voucher.expires_on, period.as_of, period.cutoff)
    return found is not None and found[0] == SPENT and period.holds(found[1])


def assigned_in(voucher: VoucherRecord, period: Period) -> bool:
    known = [c for c in voucher.changes if c.recorded_at < period.cutoff]
    return bool(known) and period.holds(min(c.on for c in known))


def cents_spent_in(voucher: VoucherRecord, period: Period) -> int:
    return sum(s.cents for s in voucher.spendings if s.recorded_at < period.cutoff and period.holds(s.on))
