"""Reading the audit log: the events a scope may see, filtered, newest first."""

from dataclasses import dataclass
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import N_
from app.models import AuditEvent, OrgUnit
from app.scoping import Scope, org_unit_condition

EVENTS_PER_PAGE = 50

# What users call the things audit events point at (the stored value is the model's class name).
TARGET_TYPES = {
    "User": N_("User"),
    "RoleAssignment": N_("Role"),
    "OrgUnit": N_("Org unit"),
    "ApiToken": N_("API token"),
    "Project": N_("Project"),
}


@dataclass(frozen=True)
class AuditFilters:
    """What to keep of the audit log; times are naive UTC, as stored."""

    action: str = ""
    actor: str = ""
    target_type: str = ""
    since: datetime | None = None
    before: datetime | None = None
    org_unit_id: int | None = None


def find_events(scope: Scope, filters: AuditFilters, page: int) -> Pagination:
    """One page of the events a scope may read, newest first.

    Events without an org unit (sign-ins, network-wide changes) reach only network-wide readers:
    the SQL `IN` of a scoped condition never matches a null org unit.
    """
    query = select(AuditEvent).where(org_unit_condition(scope, AuditEvent.org_unit_id))
    for condition in _conditions(scope, filters):
        query = query.where(condition)
    query = query.options(selectinload(AuditEvent.org_unit))
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    return db.paginate(query, page=page, per_page=EVENTS_PER_PAGE, error_out=False)


def _conditions(scope: Scope, filters: AuditFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.action:
        conditions.append(_action_condition(filters.action))
    if filters.actor:
        conditions.append(AuditEvent.actor_email.icontains(filters.actor, autoescape=True))
    if filters.target_type:
        conditions.append(func.lower(AuditEvent.target_type) == filters.target_type.lower())
    if filters.since is not None:
        conditions.append(AuditEvent.at >= filters.since)
    if filters.before is not None:
        conditions.append(AuditEvent.at < filters.before)
    if filters.org_unit_id is not None:
        conditions.append(_subtree_of(scope, filters.org_unit_id))
    return conditions


def _action_condition(action: str) -> ColumnElement[bool]:
    """'auth.login' is exact, 'auth' is the family auth.*, and a trailing '*' or '.' makes a plain prefix."""
    if action.endswith(("*", ".")):
        return AuditEvent.action.startswith(action.rstrip("*"), autoescape=True)
    return or_(AuditEvent.action == action, AuditEvent.action.startswith(action + ".", autoescape=True))


def _subtree_of(scope: Scope, org_unit_id: int) -> ColumnElement[bool]:
    """Events filed under an org unit or below it; none for a unit outside the scope."""
    unit = db.session.get(OrgUnit, org_unit_id)
    if unit is None or not scope.covers_path(unit.path):
        return false()
    inside = select(OrgUnit.id).where(OrgUnit.path.startswith(unit.path, autoescape=True))
    return AuditEvent.org_unit_id.in_(inside)
