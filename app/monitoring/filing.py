"""Filing a stored submission in the reporting cycles of its form: one current report per slot.

`file_report` runs inside the transaction that stored the submission and never commits. It finds each
cycle of the form the report belongs to: the period from the cycle's date answer, the expected unit whose
subtree holds the submission's org unit and, in a cycle by service, the service the report names inside
that unit: by its code (codice_servizio, picked from servizi.csv) or, in a form without one, by its type and
name (tipo_servizio and denominazione_servizio, analysis/service_match.py). The slot's ReportFiling then
points at the submission.

Decisions:
- A second report for a slot is an edit of the first, kept as its history the way edits are
  (app/surveys/editing.py): the new row's `deprecated_id` names the instanceID of the report it replaces,
  which stops being current, an "edit" event joins the chain's events and the new row starts "edited". So
  the old report stays in the submission's history and no list, export or statistic counts it twice.
- The chain is only drawn when the new row starts none of its own: a row that already replaces another
  (an edit) keeps its chain, and a report in the trash is not revived as history.
- An edit (a row that arrives replacing another) takes the slot of the version it replaces, or, when the
  edit moved the report to another period, unit or service, leaves that slot empty and fills the new one.
- Filing the same submission again changes nothing, and an older submission never takes the slot from a
  newer one: running this again over old rows is harmless.
- This module imports nothing from app.surveys, which calls it once a submission is stored.
- The stored XML is left as it arrived: the replaced instanceID lives in the `deprecated_id` column only.
"""

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import contains_eager, selectinload

from analysis.completeness import containing_unit, cycle_periods, report_period, service_codes
from analysis.errors import StatisticsError
from analysis.service_match import Candidate, match_service
from app import audit
from app.extensions import db
from app.models import (
    OrgUnit,
    ReportFiling,
    ReportingCycle,
    ReportingCycleUnit,
    ReviewState,
    Service,
    Submission,
    SubmissionEvent,
    SubmissionEventKind,
    utcnow,
)

_SLOT = ("cycle_id", "org_unit_id", "service_key", "period")


def file_report(submission_id: int) -> ReportFiling | None:
    """File the submission in every reporting cycle of its form it belongs to, in the caller's
    transaction (no commit); return the filing of the first such cycle, None when it fills no slot."""
    cycles = _cycles_of_form(submission_id)
    if not cycles:
        return None
    row = db.session.get(Submission, submission_id)
    if row is None or row.test or not row.current or row.deleted_at is not None or row.org_unit is None:
        return None
    replaced = _replaced_row(row)  # read before filing: filing may link the row to a report it replaces
    filings = []
    for cycle in cycles:
        filing = _file_in(cycle, row)
        if replaced is not None:
            _forget_moved(cycle, replaced, filing)
        if filing is not None:
            filings.append(filing)
    return filings[0] if filings else None


def _replaced_row(row: Submission) -> Submission | None:
    """The version an edit replaces (None for a row that is no edit)."""
    if not row.deprecated_id:
        return None
    query = select(Submission).where(
        Submission.form_id == row.form_id, Submission.instance_id == row.deprecated_id
    )
    return db.session.scalars(query).first()


def _forget_moved(cycle: ReportingCycle, replaced: Submission, kept: ReportFiling | None) -> None:
    """An edit that moved the report to another slot (its date, unit or service changed), or out of the
    cycle, takes it out of the slot the replaced version filled: that slot is missing again."""
    query = select(ReportFiling).where(
        ReportFiling.cycle_id == cycle.id, ReportFiling.submission_id == replaced.id
    )
    for filing in db.session.scalars(query):
        if filing is not kept:
            db.session.delete(filing)


def _cycles_of_form(submission_id: int) -> list[ReportingCycle]:
    """The cycles of the submission's form, with their units: one query for a form without any."""
    query = (
        select(ReportingCycle)
        .join(Submission, Submission.form_id == ReportingCycle.form_id)
        .where(Submission.id == submission_id)
        .options(selectinload(ReportingCycle.units).joinedload(ReportingCycleUnit.org_unit))
        .order_by(ReportingCycle.id)
    )
    return list(db.session.scalars(query))


def _file_in(cycle: ReportingCycle, row: Submission) -> ReportFiling | None:
    period = report_period(row.data, cycle.date_field, cycle.period_unit)
    if period is None or period not in _periods(cycle):
        return None
    expected = {unit.org_unit_id: unit.org_unit.path for unit in cycle.units}
    unit_id = containing_unit(row.org_unit.path, expected)
    if unit_id is None:
        return None
    service = None
    if cycle.by_service:
        service = _reported_service(expected[unit_id], row)
        if service is None:
            return None
    return _upsert(cycle, unit_id, service, period, row)


def _periods(cycle: ReportingCycle) -> list[str]:
    try:
        return cycle_periods(cycle.first_period, cycle.last_period, cycle.period_unit)
    except StatisticsError:
        return []  # a cycle stored by other means than the page, with periods that do not make one


def _reported_service(unit_path: str, row: Submission) -> Service | None:
    """The service a report is about: the one its code answer names or, when it names none, the one its
    type and name answers match (analysis/service_match.py), registered inside the expected unit."""
    codes = service_codes(row.data)
    if codes:
        return _named_service(unit_path, codes)
    query = (
        select(Service)
        .join(OrgUnit, OrgUnit.id == Service.org_unit_id)
        .where(Service.active.is_(True), OrgUnit.path.startswith(unit_path, autoescape=True))
        .options(contains_eager(Service.org_unit))
        .order_by(Service.code)
    )
    services = {service.code: service for service in db.session.scalars(query)}
    candidates = [Candidate(s.code, s.name, s.kind, s.org_unit.path) for s in services.values()]
    found = match_service(row.data, candidates, row.org_unit.path if row.org_unit else None)
    return services[found.code] if found is not None else None


def _named_service(unit_path: str, codes: list[str]) -> Service | None:
    """The first service named in the report that is registered inside the expected unit."""
    if not codes:
        return None
    query = (
        select(Service)
        .join(OrgUnit, OrgUnit.id == Service.org_unit_id)
        .where(Service.code.in_(codes), OrgUnit.path.startswith(unit_path, autoescape=True))
    )
    found = {service.code: service for service in db.session.scalars(query)}
    return next((found[code] for code in codes if code in found), None)


def _upsert(
    cycle: ReportingCycle, unit_id: int, service: Service | None, period: str, row: Submission
) -> ReportFiling:
    """Insert the slot's filing, or point the existing one at the submission. The insert lets the unique
    constraint decide (two first reports arriving at once make one filing) and the existing filing is
    locked on PostgreSQL, so two reports for one slot are filed one after the other."""
    values = {
        "cycle_id": cycle.id,
        "org_unit_id": unit_id,
        "service_id": service.id if service else None,
        "service_key": service.id if service else 0,
        "period": period,
        "submission_id": row.id,
        "updated_at": utcnow(),
    }
    insert = _insert_statement().values(**values).on_conflict_do_nothing(index_elements=list(_SLOT))
    db.session.execute(insert)
    query = select(ReportFiling).where(*(getattr(ReportFiling, key) == values[key] for key in _SLOT))
    filing = db.session.scalars(query.with_for_update().execution_options(populate_existing=True)).one()
    if filing.submission_id < row.id:
        _replace(filing, row)
    return filing


def _insert_statement() -> postgresql.Insert | sqlite.Insert:
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(ReportFiling)


def _replace(filing: ReportFiling, row: Submission) -> None:
    """Point the filing at `row`, which becomes the new version of the report it held."""
    replaced = filing.submission_id
    previous = _current_version(db.session.get(Submission, replaced))
    if previous is not None and previous.id != row.id and _chainable(previous, row):
        _supersede(previous, row)
    filing.submission_id = row.id
    filing.updated_at = utcnow()
    audit.record(
        "report.replaced",
        filing,
        org_unit_id=filing.org_unit_id,
        actor=row.submitter,
        cycle=filing.cycle_id,
        period=filing.period,
        submission=row.id,
        replaces=replaced,
    )


def _chainable(previous: Submission, row: Submission) -> bool:
    return (
        row.deprecated_id is None
        and previous.current
        and previous.deleted_at is None
        and previous.form_id == row.form_id
    )


def _supersede(previous: Submission, row: Submission) -> None:
    """Make `row` the next version of `previous`, as an edit would: linked, `previous` no longer current.
    Claimed like an edit: if an edit replaced `previous` meanwhile, that edit keeps the chain."""
    claimed = db.session.execute(
        update(Submission)
        .where(Submission.id == previous.id, Submission.current.is_(True))
        .values(current=False)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(previous, ["current"])
    if claimed.rowcount != 1:
        return
    row.deprecated_id = previous.instance_id
    if row.review_state == ReviewState.RECEIVED:
        row.review_state = ReviewState.EDITED
    first = _first_version(previous)
    db.session.add(
        SubmissionEvent(
            submission_id=first.id,
            actor_id=row.submitter_id,
            kind=SubmissionEventKind.EDIT.value,
            text=row.instance_id,
        )
    )


def _current_version(row: Submission | None) -> Submission | None:
    """The current version of the chain `row` belongs to: itself, or the edit that replaced it last."""
    seen = set()
    while row is not None and not row.current and row.id not in seen:
        seen.add(row.id)
        following = db.session.scalars(
            select(Submission)
            .where(Submission.form_id == row.form_id, Submission.deprecated_id == row.instance_id)
            .order_by(Submission.id)
        ).first()
        if following is None:
            break
        row = following
    return row


def _first_version(row: Submission) -> Submission:
    """The chain's first row: the one its events attach to (app.surveys.review.first_of)."""
    seen = {row.id}
    while row.deprecated_id:
        previous = db.session.scalars(
            select(Submission).where(
                Submission.form_id == row.form_id, Submission.instance_id == row.deprecated_id
            )
        ).first()
        if previous is None or previous.id in seen:
            break
        seen.add(previous.id)
        row = previous
    return row
