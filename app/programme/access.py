"""Who sees and changes which programme records, and lookups that answer 404 outside that.

Decisions:
- the plan (actions, activities, targets, the courses and forms they count) and the voucher types belong to
  a project: whoever holds the read-programme permission in it reads them; only those who run the
  programme over the whole network (its coordinators) change them, since a target or a voucher quota is
  the whole project's;
- an event belongs to the org unit where it took place: it is recorded, read and changed inside the
  run-programme scope covering that unit; a network-wide event (no unit) only by network-wide holders,
  the rule scoping.org_unit_condition applies to every row without a unit;
- a voucher assignment belongs to the org unit of the case or household it was given to: it is the
  cartella sociale's, so it is read and changed in the keep-cases scope covering that unit (the "owning
  scope"); everyone else sees voucher figures only as disclosure-controlled counts;
- out-of-scope ids answer 404 exactly like missing ones.
"""

from flask import abort
from sqlalchemy import select

from app.extensions import db
from app.models import (
    CodingDocument,
    CodingProject,
    Entity,
    EntityList,
    EventAttachment,
    OrgUnit,
    OrgUnitKind,
    ProgrammeAction,
    ProgrammeActivity,
    ProgrammeEvent,
    Project,
    User,
    VoucherAssignment,
    VoucherType,
)
from app.permissions import Permission, roles_with
from app.scoping import Scope, get_in_scope_or_404, org_unit_condition, user_scope
from app.surveys.services import projects_for

# Where events take place; which units own the households that get vouchers.
EVENT_KINDS = (OrgUnitKind.REGION, OrgUnitKind.PROVINCE, OrgUnitKind.AMBITO, OrgUnitKind.COMUNE)
VOUCHER_KINDS = (OrgUnitKind.AMBITO, OrgUnitKind.COMUNE)


def scope(user: User, project_id: int, permission: Permission) -> Scope:
    return user_scope(user, roles=roles_with(permission), project_id=project_id)


def projects(user: User, permission: Permission = Permission.READ_PROGRAMME) -> list[Project]:
    """The projects where the user holds the permission over some org unit, by name."""
    return [p for p in projects_for(user, permission) if not scope(user, p.id, permission).empty]


def project_or_404(user: User, project_id: int | None, permission: Permission) -> Project | None:
    """The project asked for (the first one when none is asked for); None when the user has none."""
    found = projects(user, permission)
    if project_id is None:
        return found[0] if found else None
    for project in found:
        if project.id == project_id:
            return project
    abort(404)


def edits_plan(user: User, project_id: int) -> bool:
    """Coordinators: those who run the programme over the whole network."""
    return scope(user, project_id, Permission.RUN_PROGRAMME).everywhere


def require_plan_editor(user: User, project_id: int) -> None:
    if not edits_plan(user, project_id):
        abort(403)


def action_or_404(user: User, action_id: int, permission: Permission) -> ProgrammeAction:
    action = db.session.get(ProgrammeAction, action_id)
    if action is None or action.project_id not in {p.id for p in projects(user, permission)}:
        abort(404)
    return action


def activity_or_404(user: User, activity_id: int, permission: Permission) -> ProgrammeActivity:
    activity = db.session.get(ProgrammeActivity, activity_id)
    if activity is None:
        abort(404)
    action_or_404(user, activity.action_id, permission)
    return activity


def event_or_404(user: User, event_id: int) -> ProgrammeEvent:
    """An event the user records (not deleted); any other id answers 404."""
    project_id = db.session.scalar(
        select(ProgrammeAction.project_id)
        .join(ProgrammeActivity, ProgrammeActivity.action_id == ProgrammeAction.id)
        .join(ProgrammeEvent, ProgrammeEvent.activity_id == ProgrammeActivity.id)
        .where(ProgrammeEvent.id == event_id)
    )
    if project_id is None:
        abort(404)
    runs = scope(user, project_id, Permission.RUN_PROGRAMME)
    query = select(ProgrammeEvent).where(
        ProgrammeEvent.id == event_id,
        ProgrammeEvent.deleted_at.is_(None),
        org_unit_condition(runs, ProgrammeEvent.org_unit_id),
    )
    return get_in_scope_or_404(query)


def attachment_or_404(event: ProgrammeEvent, attachment_id: int) -> EventAttachment:
    attachment = db.session.get(EventAttachment, attachment_id)
    if attachment is None or attachment.event_id != event.id:
        abort(404)
    return attachment


def voucher_type_or_404(user: User, voucher_type_id: int, permission: Permission) -> VoucherType:
    found = db.session.get(VoucherType, voucher_type_id)
    if found is None or found.project_id not in {p.id for p in projects(user, permission)}:
        abort(404)
    return found


def voucher_or_404(user: User, voucher_id: int) -> VoucherAssignment:
    """A voucher assignment in the user's keep-cases scope; any other id answers 404."""
    project_id = db.session.scalar(
        select(VoucherType.project_id)
        .join(VoucherAssignment, VoucherAssignment.voucher_type_id == VoucherType.id)
        .where(VoucherAssignment.id == voucher_id)
    )
    if project_id is None:
        abort(404)
    owns = scope(user, project_id, Permission.KEEP_CASES)
    query = select(VoucherAssignment).where(
        VoucherAssignment.id == voucher_id, org_unit_condition(owns, VoucherAssignment.org_unit_id)
    )
    return get_in_scope_or_404(query)


def units_in(found: Scope, kinds: tuple[str, ...]) -> list[OrgUnit]:
    """The org units of these kinds inside a scope, in tree order."""
    query = (
        select(OrgUnit)
        .where(org_unit_condition(found, OrgUnit.id), OrgUnit.kind.in_(kinds))
        .order_by(OrgUnit.path)
    )
    return list(db.session.scalars(query))


def unit_in(found: Scope, unit_id: int | None, kinds: tuple[str, ...]) -> OrgUnit | None:
    """The org unit with this id if it lies in the scope; None for no unit; 404 otherwise."""
    if unit_id is None:
        return None
    query = select(OrgUnit).where(
        OrgUnit.id == unit_id, OrgUnit.kind.in_(kinds), org_unit_condition(found, OrgUnit.id)
    )
    return get_in_scope_or_404(query)


def case_by_code(user: User, project_id: int, code: str) -> Entity | None:
    """A case of the project's cartella sociale with this code (its label), in the user's keep-cases scope."""
    owns = scope(user, project_id, Permission.KEEP_CASES)
    query = (
        select(Entity)
        .join(EntityList, EntityList.id == Entity.entity_list_id)
        .where(
            EntityList.project_id == project_id,
            Entity.label == code,
            Entity.deleted_at.is_(None),
            org_unit_condition(owns, Entity.org_unit_id),
        )
    )
    return db.session.scalars(query).first()


def linkable_documents(user: User, project_id: int) -> list[CodingDocument]:
    """Transcripts of the project's studies whose org unit lies in the user's run-programme scope."""
    runs = scope(user, project_id, Permission.RUN_PROGRAMME)
    query = (
        select(CodingDocument)
        .join(CodingProject, CodingProject.id == CodingDocument.coding_project_id)
        .where(CodingProject.project_id == project_id, org_unit_condition(runs, CodingProject.org_unit_id))
        .order_by(CodingProject.name, CodingDocument.name)
    )
    return list(db.session.scalars(query))


def project_of(activity: ProgrammeActivity) -> int:
    return activity.action.project_id
