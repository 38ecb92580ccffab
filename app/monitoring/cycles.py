"""Reporting cycles: who may see which, and creating one from a published form.

Decisions:
- Cycles are read by those who read statistics or design forms, in the projects where they hold such a
  role, and only when their scope there holds at least one of the cycle's org units: any other cycle
  answers 404 like a missing id.
- Cycles are created by those who design forms, for a published form of a project they design in, over
  Ambiti and comuni inside the scope of that role.
"""

from dataclasses import dataclass

from flask import abort
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from analysis.completeness import cycle_periods
from app import audit
from app.extensions import db
from app.models import (
    Form,
    FormVersion,
    OrgUnit,
    ReportingCycle,
    ReportingCycleUnit,
    User,
    VersionStatus,
)
from app.permissions import Permission, roles_with, user_can
from app.scoping import Scope, subtree_condition, user_scope
from app.surveys.fill import form_language
from app.surveys.services import project_ids, published_version, spec_of
from forms.spec import Control, FormSpec, render_parts

READERS = (Permission.READ_STATISTICS, Permission.DESIGN_FORMS)
UNIT_KINDS = ("ambito", "comune")  # what a cycle expects reports from
DATE_TYPES = ("date", "dateTime")


def can_read(user: User) -> bool:
    return any(user_can(user, permission) for permission in READERS)


def reader_roles() -> set[str]:
    return set().union(*(roles_with(permission) for permission in READERS))


def reading_scope(user: User, project_id: int) -> Scope:
    return user_scope(user, roles=reader_roles(), project_id=project_id)


def design_scope(user: User, project_id: int | None) -> Scope:
    return user_scope(user, roles=roles_with(Permission.DESIGN_FORMS), project_id=project_id)


def _reader_projects(user: User) -> set[int] | None:
    """The projects where the user reads cycles; None means all of them."""
    found: set[int] = set()
    for permission in READERS:
        ids = project_ids(user, permission)
        if ids is None:
            return None
        found |= ids
    return found


def _cycles_query() -> Select[tuple[ReportingCycle]]:
    return select(ReportingCycle).options(
        joinedload(ReportingCycle.form),
        selectinload(ReportingCycle.units).joinedload(ReportingCycleUnit.org_unit),
    )


def units_in_scope(user: User, cycle: ReportingCycle) -> list[OrgUnit]:
    """The cycle's org units inside the user's reading scope, in tree order."""
    scope = reading_scope(user, cycle.form.project_id)
    units = [unit.org_unit for unit in cycle.units if scope.covers_path(unit.org_unit.path)]
    return sorted(units, key=lambda unit: unit.path)


@dataclass(frozen=True)
class VisibleCycle:
    cycle: ReportingCycle
    units: int  # how many of its org units the user sees


def visible_cycles(user: User) -> list[VisibleCycle]:
    """The cycles the user may read, newest first, with how many of their units the user sees."""
    ids = _reader_projects(user)
    query = _cycles_query().join(ReportingCycle.form).order_by(ReportingCycle.created_at.desc())
    if ids is not None:
        query = query.where(Form.project_id.in_(ids))
    found = []
    for cycle in db.session.scalars(query).unique():
        units = units_in_scope(user, cycle)
        if units:
            found.append(VisibleCycle(cycle, len(units)))
    return found


def cycle_or_404(user: User, cycle_id: int) -> ReportingCycle:
    """A cycle the user may read (see the module's decisions); anything else answers 404."""
    cycle = db.session.scalars(_cycles_query().where(ReportingCycle.id == cycle_id)).first()
    ids = _reader_projects(user)
    if cycle is None or (ids is not None and cycle.form.project_id not in ids):
        abort(404)
    if not units_in_scope(user, cycle):
        abort(404)
    return cycle


def forms_for_cycles(user: User) -> list[Form]:
    """The published forms of the projects where the user designs forms, by title."""
    ids = project_ids(user, Permission.DESIGN_FORMS)
    query = (
        select(Form)
        .where(Form.versions.any(FormVersion.status == VersionStatus.PUBLISHED))
        .order_by(Form.title, Form.id)
    )
    if ids is not None:
        query = query.where(Form.project_id.in_(ids))
    return list(db.session.scalars(query))


def form_for_cycle_or_404(user: User, form_id: int) -> Form:
    form = next((f for f in forms_for_cycles(user) if f.id == form_id), None)
    if form is None:
        abort(404)
    return form


def date_fields(form: Form, language: str | None = None) -> list[tuple[str, str]]:
    """The date answers of the form's published version that can date a report: (path, label) pairs,
    the path relative to the instance root as a cycle stores it ("intestazione/data_inizio")."""
    version = published_version(form)
    if version is None:
        return []
    spec = spec_of(version)
    lang = form_language(spec, language)
    root = spec.template.path + "/"
    found = []
    for field in spec.fields():
        if field.value_type in DATE_TYPES and not field.repeats:
            path = field.path.removeprefix(root)
            found.append((path, _field_label(spec, field.control, lang, path)))
    return found


def _field_label(spec: FormSpec, control: Control | None, lang: str | None, path: str) -> str:
    if control is None:
        return path
    text = render_parts(spec.label(control, lang), lambda value: "…").strip()
    return f"{text} ({path})" if text else path


def units_to_choose(user: User, project_id: int) -> list[OrgUnit]:
    """The Ambiti and comuni a cycle of the project may expect reports from, in tree order."""
    scope = design_scope(user, project_id)
    query = (
        select(OrgUnit)
        .where(OrgUnit.kind.in_(UNIT_KINDS), subtree_condition(scope, OrgUnit.path))
        .order_by(OrgUnit.path)
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class CycleValues:
    """A new cycle as asked for; periods are labels of analysis.periods."""

    name: str
    period_unit: str
    first_period: str
    last_period: str
    date_field: str
    by_service: bool
    unit_ids: tuple[int, ...]


def create_cycle(user: User, form: Form, values: CycleValues) -> ReportingCycle:
    """Store a reporting cycle of the form and audit it; raise CycleDefinitionError when its periods do not
    make a cycle. The caller has checked the date field and that the units are among units_to_choose."""
    periods = cycle_periods(values.first_period, values.last_period, values.period_unit)
    cycle = ReportingCycle(
        form_id=form.id,
        name=values.name,
        period_unit=values.period_unit,
        first_period=values.first_period,
        last_period=values.last_period,
        date_field=values.date_field,
        by_service=values.by_service,
        created_by_id=user.id,
    )
    cycle.units = [ReportingCycleUnit(org_unit_id=unit_id) for unit_id in dict.fromkeys(values.unit_ids)]
    db.session.add(cycle)
    audit.record(
        "cycle.created",
        cycle,
        actor=user,
        form=form.id,
        periods=len(periods),
        first=values.first_period,
        last=values.last_period,
        units=sorted(set(values.unit_ids)),
        by_service=values.by_service,
    )
    db.session.commit()
    return cycle
