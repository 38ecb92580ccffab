"""The progress report and the timeline of a project, read from the database as of a date.

Everything counted lies in the reader's read-programme scope (see counting_scope): events and editions by
their org unit, questionnaires by the unit they were filed from, vouchers by the unit of the household.
The pure package (analysis.programme_progress) applies the as-of rule to the rows read here;
questionnaires are counted by the database with the same rule. Voucher figures are exact only when the
reader's keep-cases scope (the scope that owns the households) covers their whole read scope; otherwise
they are protected with the sensitive threshold (STATISTICS_SENSITIVE_THRESHOLD).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from analysis.disclosure import SENSITIVE_THRESHOLD
from analysis.programme import Span
from analysis.programme_progress import ProgressReport, VoucherTables, progress_report, voucher_tables
from analysis.programme_records import (
    ActivityLine,
    EventRecord,
    ParticipationRecord,
    Period,
    SpendingRecord,
    TargetRecord,
    TraineeRecord,
    TranscriptRecord,
    VoucherRecord,
    VoucherTypeLine,
)
from analysis.programme_text import programme_text
from analysis.programme_timeline import Timeline, TimelineActivity, build_timeline
from analysis.programme_vouchers import Change
from analysis.training_export import ReportMeta
from app.extensions import db
from app.models import (
    Coding,
    Enrolment,
    EventParticipation,
    EventTranscript,
    OrgUnit,
    OrgUnitKind,
    ProgrammeActivity,
    ProgrammeActivityForm,
    ProgrammeActivityTraining,
    ProgrammeEvent,
    ProgrammeTarget,
    Project,
    Submission,
    TrainingEdition,
    User,
    VoucherAssignment,
    VoucherType,
)
from app.permissions import Permission
from app.programme import access, plan
from app.scoping import Scope, org_unit_condition
from app.training.plan import completion_list


@dataclass(frozen=True)
class ProgressPage:
    project: Project
    report: ProgressReport
    timeline: Timeline
    meta: ReportMeta


def cutoff_for(as_of: date) -> datetime:
    """The end of `as_of` in the programme's time zone, as the naive UTC the records are stored in."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    end = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=zone)
    return end.astimezone(UTC).replace(tzinfo=None)


def default_start(project_id: int, today: date) -> date:
    """The earliest planned or actual start of the project's activities, else the first of January."""
    starts = [
        d for a in plan.activities_of(project_id) for d in (a.planned_start, a.actual_start) if d is not None
    ]
    return min(starts) if starts else date(today.year, 1, 1)


def timeline_of(project_id: int, today: date, cutoff: datetime | None = None) -> Timeline:
    activities = [a for a in plan.activities_of(project_id) if cutoff is None or a.created_at < cutoff]
    return build_timeline([_timeline_activity(a) for a in activities], today)


def _timeline_activity(a: ProgrammeActivity) -> TimelineActivity:
    return TimelineActivity(
        a.action.code,
        a.code,
        a.title,
        Span(a.planned_start, a.planned_end),
        Span(a.actual_start, a.actual_end),
    )


def counting_scope(user: User, project_id: int, permission: Permission = Permission.READ_PROGRAMME) -> Scope:
    """Where the report counts: the user's scope, where one covering every root of the territory also
    reaches the network-wide rows (a regional course, a regional event). It only counts: pages that show
    such rows keep the stricter rule of scoping.org_unit_condition."""
    found = access.scope(user, project_id, permission)
    if found.everywhere or found.empty:
        return found
    roots = list(db.session.scalars(select(OrgUnit.path).where(OrgUnit.parent_id.is_(None))))
    return Scope(everywhere=True, paths=()) if roots and all(found.covers_path(p) for p in roots) else found


def voucher_threshold(user: User, project_id: int) -> int:
    """1 (exact) when the user owns every household they can count; the sensitive threshold otherwise."""
    reads = counting_scope(user, project_id)
    owns = counting_scope(user, project_id, Permission.KEEP_CASES)
    if _covers(owns, reads):
        return 1
    return int(current_app.config.get("STATISTICS_SENSITIVE_THRESHOLD", SENSITIVE_THRESHOLD))


def _covers(outer: Scope, inner: Scope) -> bool:
    if outer.everywhere:
        return True
    return not inner.everywhere and all(outer.covers_path(p) for p in inner.paths)


def progress_page(
    user: User, project: Project, start: date, end: date, as_of: date, lang: str
) -> ProgressPage:
    """The report of a project for a period as of a date, counted in the user's read scope."""
    period = Period(start, end, as_of, cutoff_for(as_of))
    reads = counting_scope(user, project.id)
    activities = [a for a in plan.activities_of(project.id) if a.created_at < period.cutoff]
    ids = [a.id for a in activities]
    types = [t for t in _voucher_types(project.id) if t.created_at < period.cutoff]
    report = progress_report(
        [ActivityLine(a.id, a.action.code, a.action.title, a.code, a.title) for a in activities],
        _targets(ids),
        period,
        events=_events(ids, reads, period),
        trainees=_trainees(ids, reads, period),
        forms=_forms(ids, reads, period),
        vouchers=_vouchers(project.id, reads, [t.id for t in types]),
        voucher_types=[VoucherTypeLine(t.name, t.activity_id) for t in types],
        voucher_threshold=voucher_threshold(user, project.id),
    )
    timeline = timeline_of(project.id, as_of, period.cutoff)
    return ProgressPage(project, report, timeline, _meta(project, lang))


def _meta(project: Project, lang: str) -> ReportMeta:
    text = programme_text(lang)
    lines = (
        _("Project: %(name)s", name=project.name),
        _("Report made on %(date)s", date=format_date(date.today(), "long")),
    )
    return ReportMeta(text.title, lines)


def _targets(ids: Sequence[int]) -> list[TargetRecord]:
    rows = db.session.scalars(select(ProgrammeTarget).where(ProgrammeTarget.activity_id.in_(ids)))
    return [TargetRecord(t.activity_id, t.metric, t.value, t.set_at, t.replaced_at) for t in rows]


def _events(ids: Sequence[int], reads: Scope, period: Period) -> list[EventRecord]:
    query = select(ProgrammeEvent).where(
        ProgrammeEvent.activity_id.in_(ids),
        ProgrammeEvent.held_on.between(period.start, min(period.end, period.as_of)),
        ProgrammeEvent.created_at < period.cutoff,
        org_unit_condition(reads, ProgrammeEvent.org_unit_id),
    )
    events = list(db.session.scalars(query.options(selectinload(ProgrammeEvent.org_unit))))
    event_ids = [e.id for e in events]
    people: dict[int, list[ParticipationRecord]] = defaultdict(list)
    for p in db.session.scalars(select(EventParticipation).where(EventParticipation.event_id.in_(event_ids))):
        people[p.event_id].append(
            ParticipationRecord(p.category, p.gender, p.count, p.created_at, p.replaced_at)
        )
    documents = _transcripts(event_ids)
    return [
        EventRecord(
            e.id,
            e.activity_id,
            e.kind,
            e.title,
            e.held_on,
            ", ".join(x for x in (e.org_unit.name if e.org_unit else "", e.place) if x),
            e.created_at,
            e.deleted_at,
            tuple(people[e.id]),
            tuple(documents[e.id]),
        )
        for e in events
    ]


def _transcripts(event_ids: Sequence[int]) -> dict[int, list[TranscriptRecord]]:
    first = (
        select(func.min(Coding.created_at))
        .where(Coding.document_id == EventTranscript.document_id)
        .scalar_subquery()
    )
    query = select(
        EventTranscript.event_id, EventTranscript.document_id, EventTranscript.created_at, first
    ).where(EventTranscript.event_id.in_(event_ids))
    found: dict[int, list[TranscriptRecord]] = defaultdict(list)
    for event_id, document_id, linked_at, coded_at in db.session.execute(query):
        found[event_id].append(TranscriptRecord(document_id, linked_at, coded_at))
    return found


def _trainees(ids: Sequence[int], reads: Scope, period: Period) -> list[TraineeRecord]:
    query = (
        select(TrainingEdition, ProgrammeActivityTraining.activity_id)
        .join(
            ProgrammeActivityTraining,
            ProgrammeActivityTraining.intervention_id == TrainingEdition.intervention_id,
        )
        .where(
            ProgrammeActivityTraining.activity_id.in_(ids),
            org_unit_condition(reads, TrainingEdition.org_unit_id),
        )
    )
    found = []
    for edition, activity_id in db.session.execute(query):
        finished = edition.end_date is not None and edition.end_date <= period.as_of
        completed = {e.id for e, row in completion_list(edition) if row.completed} if finished else set()
        for enrolment in edition.enrolments:
            found.append(_trainee(activity_id, edition, enrolment, enrolment.id in completed))
    return found


def _trainee(
    activity_id: int, edition: TrainingEdition, enrolment: Enrolment, completed: bool
) -> TraineeRecord:
    return TraineeRecord(activity_id, edition.start_date, edition.end_date, enrolment.created_at, completed)


def _forms(ids: Sequence[int], reads: Scope, period: Period) -> dict[int, int]:
    """Questionnaires per activity: first versions filed in the period before the cutoff, not test ones,
    not in the trash at the cutoff."""
    start, end = cutoff_for(period.start - timedelta(days=1)), min(cutoff_for(period.end), period.cutoff)
    query = (
        select(ProgrammeActivityForm.activity_id, func.count(Submission.id))
        .join(Submission, Submission.form_id == ProgrammeActivityForm.form_id)
        .where(
            ProgrammeActivityForm.activity_id.in_(ids),
            Submission.deprecated_id.is_(None),
            Submission.test.is_(False),
            Submission.created_at >= start,
            Submission.created_at < end,
            or_(Submission.deleted_at.is_(None), Submission.deleted_at >= period.cutoff),
            org_unit_condition(reads, Submission.org_unit_id),
        )
        .group_by(ProgrammeActivityForm.activity_id)
    )
    return {activity_id: count for activity_id, count in db.session.execute(query)}


def _voucher_types(project_id: int) -> list[VoucherType]:
    query = select(VoucherType).where(VoucherType.project_id == project_id).order_by(VoucherType.amount_cents)
    return list(db.session.scalars(query))


def _vouchers(project_id: int, reads: Scope, type_ids: Sequence[int]) -> list[VoucherRecord]:
    query = (
        select(VoucherAssignment)
        .where(
            VoucherAssignment.voucher_type_id.in_(type_ids),
            org_unit_condition(reads, VoucherAssignment.org_unit_id),
        )
        .options(
            selectinload(VoucherAssignment.changes),
            selectinload(VoucherAssignment.spendings),
            selectinload(VoucherAssignment.voucher_type),
            selectinload(VoucherAssignment.org_unit),
        )
    )
    assignments = list(db.session.scalars(query))
    places = _places({int(i) for v in assignments for i in v.org_unit.path.strip("/").split("/")})
    return [
        VoucherRecord(
            v.voucher_type.activity_id,
            v.voucher_type.name,
            territory(v.org_unit, places),
            v.expires_on,
            tuple(Change(c.status, c.on, c.created_at) for c in v.changes),
            tuple(SpendingRecord(s.spent_on, s.amount_cents, s.created_at) for s in v.spendings),
        )
        for v in assignments
    ]


def _places(ids: set[int]) -> dict[int, OrgUnit]:
    return {u.id: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}


def territory(unit: OrgUnit, places: dict[int, OrgUnit]) -> tuple[str, str]:
    """(province, Ambito) of a unit; a unit under no Ambito counts in its province's "no Ambito" line."""
    above = [places[int(i)] for i in unit.path.strip("/").split("/") if int(i) in places]
    province = next((u for u in above if u.kind == OrgUnitKind.PROVINCE), above[0])
    ambito = next((u for u in above if u.kind == OrgUnitKind.AMBITO), None)
    return province.name, ambito.name if ambito else _(
        "%(province)s, outside any Ambito", province=province.name
    )


@dataclass(frozen=True)
class VoucherPage:
    project: Project
    tables: VoucherTables | None
    threshold: int
    period: Period


def voucher_statistics(user: User, project: Project, start: date, end: date, as_of: date) -> VoucherPage:
    """Vouchers by type and territory in the user's read scope: exact in the owning scope, else protected."""
    period = Period(start, end, as_of, cutoff_for(as_of))
    reads = counting_scope(user, project.id)
    types = [t for t in _voucher_types(project.id) if t.created_at < period.cutoff]
    activities = [a for a in plan.activities_of(project.id) if a.created_at < period.cutoff]
    lines = [ActivityLine(a.id, a.action.code, a.action.title, a.code, a.title) for a in activities]
    records = _vouchers(project.id, reads, [t.id for t in types])
    threshold = voucher_threshold(user, project.id)
    tables = voucher_tables(
        lines, records, [VoucherTypeLine(t.name, t.activity_id) for t in types], period, threshold
    )
    return VoucherPage(project, tables, threshold, period)
