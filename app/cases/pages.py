"""Finding cases in the user's scope and laying out a case's page: every view of a case is audited.

Cases are for the people who keep them (the keep-cases permission), inside the org units of those
assignments; a case outside them answers 404 exactly like one that does not exist. The page reads its
sections from the submissions linked to the case, labelled by the forms they answered: intake and legal
measures from the intake, household members from its repeat, interventions from the table kept up to date
by every report, assessments from the follow-up forms, and a timeline of everything that touched the case.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import abort
from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import joinedload

from app import audit
from app.cases.datasets import entity_lists_read_by
from app.cases.identity import can_see_identity, identity_of
from app.extensions import db
from app.models import (
    AuditEvent,
    CaseIntervention,
    Entity,
    EntityList,
    EntitySubmission,
    EntityVersion,
    Form,
    FormVersion,
    Submission,
    User,
    VersionStatus,
)
from app.permissions import Permission, roles_with
from app.scoping import Scope, org_unit_condition, user_scope
from app.surveys.answers import Answer, Repeat, Section, answers_of
from app.surveys.services import spec_of
from app.surveys.table import form_table, table_language
from forms.identity import IdentityError

__all__ = ["CasePage", "Found", "case_lists", "case_or_404", "read_case", "search_cases"]

PER_PAGE = 50
COUNT_CAP = 1000  # the list says "more than 1,000" rather than count every case a region holds
INTAKE_SECTIONS = ("presa_in_carico", "giuridico")
HOUSEHOLD = "componenti"
INTERVENTIONS = "interventi"
ASSESSMENT = "valutazione"
CLOSURE = ("data_chiusura", "esito", "esito_altro", "note_chiusura")


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # created, updated, referenced, transferred
    title: str
    form_id: int | None = None
    submission_id: int | None = None
    who: str = ""
    detail: str = ""


@dataclass
class CasePage:
    case: Entity
    identity: dict[str, Any] | None  # None: not for this user
    identity_error: str | None
    intake: list[Section] = field(default_factory=list)
    household: Repeat | None = None
    interventions: Repeat | None = None
    assessments: list[tuple[Submission, Section]] = field(default_factory=list)
    closure: list[Answer] = field(default_factory=list)  # the latest closure's answers
    timeline: list[TimelineEntry] = field(default_factory=list)
    followups: list[tuple[Form, str]] = field(default_factory=list)  # with the field that names the case


def keep_scope(user: User, project_id: int) -> Scope:
    return user_scope(user, roles=roles_with(Permission.KEEP_CASES), project_id=project_id)


def case_lists(user: User) -> list[EntityList]:
    """The entity lists of the projects where the user keeps cases somewhere."""
    lists = db.session.scalars(select(EntityList).order_by(EntityList.project_id, EntityList.name))
    return [entity_list for entity_list in lists if not keep_scope(user, entity_list.project_id).empty]


def _visible(user: User, lists: Sequence[EntityList]) -> ColumnElement[bool]:
    """Cases of `lists` inside the user's keep-cases scope of each list's project."""
    conditions = [
        and_(
            Entity.entity_list_id == entity_list.id,
            org_unit_condition(keep_scope(user, entity_list.project_id), Entity.org_unit_id),
        )
        for entity_list in lists
    ]
    return or_(*conditions) if conditions else false()


@dataclass(frozen=True)
class Found:
    cases: list[Entity]
    total: int  # counted up to COUNT_CAP
    more: bool  # more than COUNT_CAP match
    has_next: bool


def search_cases(
    user: User, text: str = "", status: str = "", list_id: int | None = None, page: int = 1
) -> Found:
    """A page of the cases the user keeps, most recently changed first, matching the label or code
    (`text`) and the status (aperta, chiusa); with the number that match, counted up to COUNT_CAP + 1.
    The index on (list, updated_at, id) lets the page be read in order and stop when it is full."""
    lists = [entity_list for entity_list in case_lists(user) if list_id in (None, entity_list.id)]
    query: Select[Any] = select(Entity).where(_visible(user, lists), Entity.deleted_at.is_(None))
    text = text.strip()
    if text:
        query = query.where(
            or_(Entity.label.ilike(f"%{_escaped(text)}%", escape="\\"), Entity.pseudonym == text.upper())
        )
    if status:
        query = query.where(Entity.properties["stato"].as_string() == status)
    counted = query.with_only_columns(Entity.id).limit(COUNT_CAP + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(counted)) or 0
    rows = list(
        db.session.scalars(
            query.options(joinedload(Entity.org_unit))
            .order_by(Entity.updated_at.desc(), Entity.id.desc())
            .limit(PER_PAGE + 1)
            .offset((max(page, 1) - 1) * PER_PAGE)
        )
    )
    return Found(rows[:PER_PAGE], min(total, COUNT_CAP), total > COUNT_CAP, len(rows) > PER_PAGE)


def _escaped(text: str) -> str:
    """`text` for a LIKE pattern: its own % and _ match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def case_or_404(user: User, case_id: int) -> Entity:
    case = db.session.get(Entity, case_id)
    if case is None or case.deleted_at is not None:
        abort(404)
    scope = keep_scope(user, case.entity_list.project_id)
    if not scope.covers_path(case.org_unit.path if case.org_unit else None):
        abort(404)
    return case


def read_case(user: User, case_id: int, lang: str) -> CasePage:
    """The page of a case in the user's scope; the view is audited (who read which case, when)."""
    case = case_or_404(user, case_id)
    page = CasePage(case, None, None)
    if can_see_identity(user, case):
        try:
            page.identity = identity_of(case)
        except IdentityError as error:
            page.identity, page.identity_error = {}, error.message(lang)
    links = _links(case)
    _sections(page, links, lang)
    page.timeline = _timeline(case, links)
    page.followups = _followups(case)
    audit.record("case.viewed", case, org_unit_id=case.org_unit_id, actor=user)
    db.session.commit()
    return page


def _links(case: Entity) -> list[EntitySubmission]:
    query = (
        select(EntitySubmission)
        .where(EntitySubmission.entity_id == case.id)
        .options(joinedload(EntitySubmission.submission).joinedload(Submission.form))
        .order_by(EntitySubmission.created_at, EntitySubmission.id)
    )
    return list(db.session.scalars(query))


def _sections(page: CasePage, links: list[EntitySubmission], lang: str) -> None:
    """Intake, household, interventions and assessments, each labelled by the form that reported it."""
    seen: set[int] = set()
    intake_form: Form | None = None
    for link in links:
        submission = link.submission
        if submission.id in seen or not submission.current or submission.deleted_at is not None:
            continue
        seen.add(submission.id)
        top = _answers(submission, lang)
        by_name = {item.name: item for item in top.items}
        if link.kind == "created":
            intake_form = submission.form
            page.intake = [
                by_name[name] for name in INTAKE_SECTIONS if isinstance(by_name.get(name), Section)
            ]
        if isinstance(by_name.get(HOUSEHOLD), Repeat):
            page.household = by_name[HOUSEHOLD]  # the latest report of the household wins
        if isinstance(by_name.get(ASSESSMENT), Section):
            page.assessments.append((submission, by_name[ASSESSMENT]))
        if isinstance(by_name.get("esito"), Answer):
            page.closure = [by_name[name] for name in CLOSURE if isinstance(by_name.get(name), Answer)]
    if intake_form is not None:
        page.interventions = _interventions(page.case, intake_form, lang)


def _answers(submission: Submission, lang: str) -> Section:
    table = form_table(submission.form)
    return answers_of(
        table, spec_of(submission.form_version), submission.data or {}, table_language(table, None), True
    )


def _interventions(case: Entity, intake_form: Form, lang: str) -> Repeat | None:
    """The case's interventions as entries of the intake's `interventi` repeat, read with its labels."""
    rows = db.session.scalars(
        select(CaseIntervention)
        .where(CaseIntervention.entity_id == case.id)
        .order_by(CaseIntervention.start_date)
    ).all()
    if not rows:
        return None
    data = {
        INTERVENTIONS: [
            {
                "tipo_intervento": row.kind,
                "tipo_intervento_altro": row.kind_other or None,
                "tipo_erogatore": row.provider_type or None,
                "ente_erogatore": row.provider_name or None,
                "data_inizio_intervento": row.start_date.isoformat(),
                "data_fine_intervento": row.end_date.isoformat() if row.end_date else None,
                "stato_intervento": row.status or None,
            }
            for row in rows
        ]
    }
    table = form_table(intake_form)
    published = next((v for v in reversed(intake_form.versions) if v.status == VersionStatus.PUBLISHED), None)
    version: FormVersion = published or intake_form.versions[-1]
    section = answers_of(table, spec_of(version), data, table_language(table, None), True)
    return next(
        (item for item in section.items if isinstance(item, Repeat) and item.name == INTERVENTIONS), None
    )


def _timeline(case: Entity, links: list[EntitySubmission]) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(
            at=link.submission.created_at,
            kind=link.kind,
            title=link.submission.form.title,
            form_id=link.submission.form_id,
            submission_id=link.submission_id,
            who=_who(link.submission.submitter),
        )
        for link in links
    ]
    transfers = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.target_type == "Entity",
            AuditEvent.target_id == str(case.id),
            AuditEvent.action.in_(("case.transferred", "case.imported", "case.conflict_resolved")),
        )
    )
    for event in transfers:
        details = event.details or {}
        detail = (
            f"{details.get('source') or '—'} → {details.get('destination')}"
            if event.action == "case.transferred"
            else ""
        )
        entries.append(
            TimelineEntry(
                event.at, event.action.removeprefix("case."), "", who=event.actor_email, detail=detail
            )
        )
    imported = db.session.scalars(
        select(EntityVersion).where(EntityVersion.entity_id == case.id, EntityVersion.source == "import")
    )
    entries += [TimelineEntry(v.created_at, "imported", "", who=_who(v.created_by)) for v in imported]
    return sorted(entries, key=lambda entry: entry.at)


def _who(user: User | None) -> str:
    return (user.name or user.email) if user else ""


def _followups(case: Entity) -> list[tuple[Form, str]]:
    """Published forms of the case's project that pick a case from its entity list, with the path of the
    question that picks it: they open with that question answered (`d[path]=uuid`, as Enketo does)."""
    forms = db.session.scalars(
        select(Form).where(Form.project_id == case.entity_list.project_id).order_by(Form.title)
    )
    found = []
    for form in forms:
        published = next((v for v in reversed(form.versions) if v.status == VersionStatus.PUBLISHED), None)
        if published is None:
            continue
        lists = entity_lists_read_by(published)
        names = {entity_list.name for entity_list in lists.values() if entity_list.id == case.entity_list_id}
        path = _picking_question(spec_of(published).controls, names)
        if path:
            found.append((form, path))
    return found


def _picking_question(controls: Sequence[Any], lists: set[str]) -> str | None:
    for control in controls:
        if control.itemset is not None and control.itemset.instance_id in lists and control.ref:
            return control.ref
        inner = _picking_question(control.children, lists)
        if inner:
            return inner
    return None
