"""The progress report: targets against achieved outputs per action and activity, for a period, as of a date.

Reproducible from the data at any date: a record counts only if it was recorded before the cutoff (the end
of the reference date) and not deleted or replaced before it, so the report made today as of last June
shows what a report made last June showed, and the fingerprint proves it. Targets follow the same rule.

Voucher figures concern households in the care of social services: when the reader is outside the scope
that owns them they pass through disclosure control (analysis.disclosure), vouchers spent by activity
and the tables by type and territory alike; amounts are hidden wherever the count of households behind
them is.
"""

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from analysis.disclosure import ProtectedTable, Status, protect, ratios
from analysis.programme import CATEGORIES, GENDERS, METRICS
from analysis.programme_records import (
    ActivityLine,
    EventRecord,
    Period,
    TargetRecord,
    TraineeRecord,
    VoucherRecord,
    VoucherTypeLine,
    assigned_in,
    cents_spent_in,
    coded_documents,
    counted_events,
    counted_trainees,
    participation,
    spent_in,
    targets_as_of,
    trained,
)
from analysis.tables import TOTAL as TABLE_TOTAL
from analysis.tables import Dimension, Table

ACTIVITY, ACTION, TOTAL = "activity", "action", "total"


@dataclass(frozen=True)
class Figure:
    achieved: int | None  # None when not disclosed
    target: int | None
    status: str = Status.PUBLISHED.value

    @property
    def hidden(self) -> bool:
        return self.achieved is None

    @property
    def share(self) -> float | None:
        """Achieved as a percentage of the target; None without a positive target or a disclosed figure."""
        if self.achieved is None or not self.target:
            return None
        return self.achieved / self.target * 100


@dataclass(frozen=True)
class ProgressRow:
    level: str  # activity, action or total
    action_code: str
    code: str
    title: str
    figures: Mapping[str, Figure]
    activity_id: int | None = None


@dataclass(frozen=True)
class EventLine:
    held_on: date
    kind: str
    title: str
    activity_code: str
    place: str
    participants: int
    transcripts: int


@dataclass(frozen=True)
class VoucherTables:
    """By type and territory: vouchers assigned and spent in the period, and the euros spent (in cents)."""

    assigned: ProtectedTable
    spent: ProtectedTable
    amount: ProtectedTable


@dataclass(frozen=True)
class ProgressReport:
    period: Period
    rows: tuple[ProgressRow, ...]
    participants: Mapping[tuple[str, str], int]
    participants_by_activity: Mapping[int, Mapping[tuple[str, str], int]]
    events: tuple[EventLine, ...]
    vouchers: VoucherTables | None
    voucher_threshold: int  # 1: exact figures
    fingerprint: str = ""
    metrics: tuple[str, ...] = field(default=METRICS)

    @property
    def total(self) -> ProgressRow:
        return self.rows[-1]

    @property
    def activity_rows(self) -> list[ProgressRow]:
        return [r for r in self.rows if r.level == ACTIVITY]

    @property
    def protected(self) -> bool:
        return self.voucher_threshold > 1


@dataclass
class _Tally:
    counts: Counter[str] = field(default_factory=Counter)
    documents: set[int] = field(default_factory=set)
    people: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, other: "_Tally") -> None:
        self.counts.update(other.counts)
        self.documents |= other.documents
        self.people.update(other.people)

    def achieved(self, metric: str) -> int:
        return len(self.documents) if metric == "transcripts" else self.counts[metric]


def progress_report(
    activities: Sequence[ActivityLine],
    targets: Iterable[TargetRecord],
    period: Period,
    events: Iterable[EventRecord] = (),
    trainees: Iterable[TraineeRecord] = (),
    forms: Mapping[int, int] | None = None,
    vouchers: Iterable[VoucherRecord] = (),
    voucher_types: Sequence[VoucherTypeLine] = (),
    voucher_threshold: int = 1,
) -> ProgressReport:
    """Rows per activity, a subtotal per action (in the order given) and a grand total.

    `forms` maps an activity to its questionnaires, already counted by the same as-of rule (a database
    count, since a form may have many thousand). `voucher_types` lists the types to show even with no
    voucher. `voucher_threshold` above 1 protects voucher figures with that threshold; 1 publishes them
    exactly. Vouchers spent by activity, by action and in total are cells of the same protected table as
    vouchers spent by type and territory, so that no figure of one can be worked out from the other; the
    total counts every type, those of no activity too.
    """
    vouchers = list(vouchers)
    tallies = {a.id: _Tally() for a in activities}
    shown = counted_events(events, period)
    lines = {a.id: a for a in activities}
    for event in shown:
        if event.activity_id in tallies:
            _count_event(tallies[event.activity_id], event, period.cutoff)
    for trainee in counted_trainees(trainees, period):
        if trainee.activity_id in tallies:
            tallies[trainee.activity_id].counts["trainees"] += 1
            tallies[trainee.activity_id].counts["trained"] += trained(trainee, period)
    for activity_id, count in (forms or {}).items():
        if activity_id in tallies:
            tallies[activity_id].counts["forms"] += count
    goals = targets_as_of(targets, period.cutoff)
    tables = voucher_tables(activities, vouchers, voucher_types, period, voucher_threshold)
    rows = _with_vouchers(_rows(activities, tallies, goals), tables)
    report = ProgressReport(
        period=period,
        rows=tuple(rows),
        participants=dict(sum((t.people for t in tallies.values()), Counter())),
        participants_by_activity={a: dict(t.people) for a, t in tallies.items() if t.people},
        events=tuple(_event_line(e, lines, period.cutoff) for e in shown if e.activity_id in lines),
        vouchers=tables,
        voucher_threshold=voucher_threshold,
    )
    return ProgressReport(**{**vars(report), "fingerprint": fingerprint(report)})


def _count_event(tally: _Tally, event: EventRecord, cutoff: datetime) -> None:
    tally.counts["events"] += 1
    tally.counts[event.kind] += 1
    people = participation(event, cutoff)
    tally.people.update(people)
    tally.counts["participants"] += sum(people.values())
    tally.documents |= coded_documents(event, cutoff)


def _event_line(event: EventRecord, lines: Mapping[int, ActivityLine], cutoff: datetime) -> EventLine:
    people = sum(participation(event, cutoff).values())
    documents = len(coded_documents(event, cutoff))
    code = lines[event.activity_id].code
    return EventLine(event.held_on, event.kind, event.title, code, event.place, people, documents)


def _rows(
    activities: Sequence[ActivityLine], tallies: Mapping[int, _Tally], goals: Mapping[int, Mapping[str, int]]
) -> list[ProgressRow]:
    rows: list[ProgressRow] = []
    grand, grand_goals = _Tally(), []
    for action_code, members in _by_action(activities):
        subtotal = _Tally()
        for a in members:
            rows.append(
                ProgressRow(
                    ACTIVITY,
                    a.action_code,
                    a.code,
                    a.title,
                    _figures(tallies[a.id], [goals.get(a.id, {})]),
                    a.id,
                )
            )
            subtotal.add(tallies[a.id])
        member_goals = [goals.get(a.id, {}) for a in members]
        rows.append(
            ProgressRow(ACTION, action_code, "", members[0].action_title, _figures(subtotal, member_goals))
        )
        grand.add(subtotal)
        grand_goals += member_goals
    rows.append(ProgressRow(TOTAL, "", "", "", _figures(grand, grand_goals)))
    return rows


def _by_action(activities: Sequence[ActivityLine]) -> list[tuple[str, list[ActivityLine]]]:
    groups: dict[str, list[ActivityLine]] = {}
    for a in activities:
        groups.setdefault(a.action_code, []).append(a)
    return list(groups.items())


def _figures(tally: _Tally, goals: Sequence[Mapping[str, int]]) -> dict[str, Figure]:
    figures = {}
    for metric in METRICS:
        set_ = [g[metric] for g in goals if metric in g]
        figures[metric] = Figure(tally.achieved(metric), sum(set_) if set_ else None)
    return figures


def _with_vouchers(rows: list[ProgressRow], tables: VoucherTables | None) -> list[ProgressRow]:
    """Vouchers spent per activity, action and in total, read from the protected table by type."""
    if tables is None:
        return rows
    labels = set(tables.spent.dimensions[0].labels)
    changed = []
    for row in rows:
        old = row.figures["vouchers"]
        label = _row_label(row)
        if label in labels:
            cell = tables.spent.cell(label, TABLE_TOTAL)
            achieved = None if cell.value is None else int(cell.value)
            figure = Figure(achieved, old.target, cell.status.value)
        else:
            figure = Figure(0, old.target)  # an activity without voucher types: nothing to protect
        figures = {**row.figures, "vouchers": figure}
        changed.append(ProgressRow(row.level, row.action_code, row.code, row.title, figures, row.activity_id))
    return changed


def _action_label(action_code: str) -> str:
    return f"{action_code} ·"


def _activity_label(a: ActivityLine | ProgressRow) -> str:
    return f"{a.action_code} · {a.code}"


def _row_label(row: ProgressRow) -> str:
    if row.level == ACTIVITY:
        return _activity_label(row)
    if row.level == ACTION:
        return _action_label(row.action_code)
    return TABLE_TOTAL


def voucher_tables(
    activities: Sequence[ActivityLine],
    vouchers: Sequence[VoucherRecord],
    types: Sequence[VoucherTypeLine],
    period: Period,
    threshold: int,
) -> VoucherTables | None:
    """Vouchers assigned and spent in the period, and euros spent, by type (under its action and activity)
    and territory, protected with `threshold` (1: exact). None when there is no voucher type."""
    known = list(dict.fromkeys([*types, *(VoucherTypeLine(v.type_name, v.activity_id) for v in vouchers)]))
    if not known:
        return None
    dimensions = [
        _type_dimension(activities, known),
        Dimension.tree("territory", sorted({v.territory for v in vouchers})),
    ]
    assigned: Counter[tuple[str, str]] = Counter()
    spent: Counter[tuple[str, str]] = Counter()
    spenders: Counter[tuple[str, str]] = Counter()
    cents: Counter[tuple[str, str]] = Counter()
    for v in vouchers:
        key = (v.type_name, v.territory[-1])
        assigned[key] += assigned_in(v, period)
        spent[key] += spent_in(v, period)
        amount = cents_spent_in(v, period)
        spenders[key] += amount > 0
        cents[key] += amount
    threshold = max(threshold, 1)
    spent_table = protect(Table.from_leaves(dimensions, dict(spent)), threshold)
    # Euros are shown only where the households that spent them are enough to be counted, and where the
    # vouchers spent are shown (a whole voucher's amount would otherwise bound their number).
    guard = protect(Table.from_leaves(dimensions, dict(spenders)), threshold)
    euros = Table.from_leaves(dimensions, {k: float(v) for k, v in cents.items()})
    return VoucherTables(
        assigned=protect(Table.from_leaves(dimensions, dict(assigned)), threshold),
        spent=spent_table,
        amount=ratios(euros, None, [guard, spent_table], None, "amount"),
    )


def _type_dimension(activities: Sequence[ActivityLine], types: Sequence[VoucherTypeLine]) -> Dimension:
    """Types under their activity under their action; a type of no activity straight under the total."""
    by_id = {a.id: a for a in activities}
    paths: list[tuple[str, ...]] = []
    for t in types:
        a = by_id.get(t.activity_id) if t.activity_id is not None else None
        paths.append((_action_label(a.action_code), _activity_label(a), t.name) if a else (t.name,))
    return Dimension.tree("type", paths)


def type_labels(tables: VoucherTables) -> set[str]:
    """The labels of the type dimension that name a voucher type, and its total."""
    dimension = tables.spent.dimensions[0]
    return {dimension.labels[n] for n in dimension.leaves} | {dimension.total}


def fingerprint(report: ProgressReport) -> str:
    """A short digest of every figure the report publishes: the same data as of a date give the same."""
    content = {
        "period": [
            report.period.start.isoformat(),
            report.period.end.isoformat(),
            report.period.as_of.isoformat(),
        ],
        "rows": [
            [r.level, r.action_code, r.code, {m: [f.achieved, f.target] for m, f in r.figures.items()}]
            for r in report.rows
        ],
        "participants": sorted([*k, v] for k, v in report.participants.items()),
        "vouchers": _published(report.vouchers),
    }
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
    return digest[:16]


def _published(tables: VoucherTables | None) -> list[object]:
    if tables is None:
        return []
    return [
        [None if np.isnan(v) else float(v) for v in table.published.ravel().tolist()]
        for table in (tables.assigned, tables.spent, tables.amount)
    ]


def participant_rows(counts: Mapping[tuple[str, str], int]) -> list[tuple[str, list[int]]]:
    """One row per category with a count for each gender and the total, then the totals row ("")."""
    rows = []
    for category in CATEGORIES:
        values = [counts.get((category, g), 0) for g in GENDERS]
        if any(values):
            rows.append((category, [*values, sum(values)]))
    totals = [sum(counts.get((c, g), 0) for c in CATEGORIES) for g in GENDERS]
    rows.append(("", [*totals, sum(totals)]))
    return rows
