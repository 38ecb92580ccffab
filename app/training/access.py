"""Who sees which training records: the run-training scope, and lookups that answer 404 outside it.

Decisions:
- the catalogue (interventions) belongs to a project: every holder of the run-training permission in that
  project sees it and may add to it, whatever their org unit;
- an edition with an org unit is visible inside the run-training scope that covers that unit;
- a network-wide edition (no org unit) is visible only to those whose run-training assignment is itself
  network-wide. It is the rule scoping.org_unit_condition applies to every row without an org unit, and
  it keeps the names of a regional course's participants away from each Ambito's evaluators;
- out-of-scope ids answer 404 exactly like missing ones.
"""

from flask import abort
from sqlalchemy import select

from app.extensions import db
from app.models import OrgUnit, OrgUnitKind, Project, TrainingEdition, TrainingIntervention, User
from app.permissions import Permission, roles_with
from app.scoping import Scope, get_in_scope_or_404, org_unit_condition, user_scope
from app.surveys.services import projects_for

# Where editions are run, and where participants work.
PLACE_KINDS = (OrgUnitKind.REGION, OrgUnitKind.PROVINCE, OrgUnitKind.AMBITO)
PEOPLE_KINDS = (OrgUnitKind.AMBITO, OrgUnitKind.COMUNE, OrgUnitKind.AGENCY, OrgUnitKind.SERVICE)


def training_scope(user: User, project_id: int) -> Scope:
    return user_scope(user, roles=roles_with(Permission.RUN_TRAINING), project_id=project_id)


def training_projects(user: User) -> list[Project]:
    """The projects where the user runs training, by name."""
    return [p for p in projects_for(user, Permission.RUN_TRAINING) if not training_scope(user, p.id).empty]


def interventions(user: User) -> list[TrainingIntervention]:
    """The catalogue of the user's training projects, by project and title."""
    ids = [p.id for p in training_projects(user)]
    query = (
        select(TrainingIntervention)
        .where(TrainingIntervention.project_id.in_(ids))
        .order_by(TrainingIntervention.project_id, TrainingIntervention.title)
    )
    return list(db.session.scalars(query))


def intervention_or_404(user: User, intervention_id: int) -> TrainingIntervention:
    intervention = db.session.get(TrainingIntervention, intervention_id)
    if intervention is None or training_scope(user, intervention.project_id).empty:
        abort(404)
    return intervention


def visible_editions(user: User, intervention: TrainingIntervention) -> list[TrainingEdition]:
    """The intervention's editions inside the user's scope, by start date then code."""
    scope = training_scope(user, intervention.project_id)
    query = (
        select(TrainingEdition)
        .where(
            TrainingEdition.intervention_id == intervention.id,
            org_unit_condition(scope, TrainingEdition.org_unit_id),
        )
        .order_by(TrainingEdition.start_date, TrainingEdition.code)
    )
    return list(db.session.scalars(query))


def edition_or_404(user: User, edition_id: int) -> TrainingEdition:
    """An edition the user may see; any other id answers 404."""
    project_id = db.session.scalar(
        select(TrainingIntervention.project_id)
        .join(TrainingEdition, TrainingEdition.intervention_id == TrainingIntervention.id)
        .where(TrainingEdition.id == edition_id)
    )
    if project_id is None:
        abort(404)
    scope = training_scope(user, project_id)
    query = select(TrainingEdition).where(
        TrainingEdition.id == edition_id, org_unit_condition(scope, TrainingEdition.org_unit_id)
    )
    return get_in_scope_or_404(query)


def units_in_scope(user: User, project_id: int, kinds: tuple[str, ...]) -> list[OrgUnit]:
    """The org units of these kinds inside the user's scope, in tree order."""
    scope = training_scope(user, project_id)
    query = (
        select(OrgUnit)
        .where(org_unit_condition(scope, OrgUnit.id), OrgUnit.kind.in_(kinds))
        .order_by(OrgUnit.path)
    )
    return list(db.session.scalars(query))


def unit_in_scope(user: User, project_id: int, unit_id: int | None, kinds: tuple[str, ...]) -> OrgUnit | None:
    """The org unit with this id if the user may use it; None for no unit; 404 otherwise."""
    if unit_id is None:
        return None
    scope = training_scope(user, project_id)
    query = select(OrgUnit).where(
        OrgUnit.id == unit_id, OrgUnit.kind.in_(kinds), org_unit_condition(scope, OrgUnit.id)
    )
    return get_in_scope_or_404(query)
