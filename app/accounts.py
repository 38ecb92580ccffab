"""Creating users and granting roles: shared by the admin pages, the CLI and the demo."""

from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from app import audit
from app.auth import passwords, sessions, tokens
from app.extensions import db
from app.models import ApiToken, OrgUnit, Project, Role, RoleAssignment, User
from app.permissions import Permission, roles_with
from app.scoping import (
    Scope,
    get_in_scope_or_404,
    org_unit_condition,
    subtree_condition,
    user_scope,
    users_condition,
)

ADMIN_ROLES = frozenset(roles_with(Permission.MANAGE_USERS))
USERS_PER_PAGE = 25


class AccountError(ValueError):
    """A user or role change that cannot be made; the message is for the person who asked."""


@dataclass(frozen=True)
class Grant:
    """A role over an org unit (None: whole network) in a project (None: all projects)."""

    role: str
    org_unit_id: int | None
    project_id: int | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_taken(email: str) -> bool:
    found = db.session.scalar(
        select(func.count(User.id)).where(func.lower(User.email) == normalise_email(email))
    )
    return bool(found)


def create_user(
    email: str, password: str, name: str = "", locale: str | None = None, *, org_unit_id: int | None = None
) -> User:
    """Add a user with a checked password (the caller commits); raise AccountError or WeakPassword."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(_("The email address is not valid."))
    if email_taken(email):
        raise AccountError(_("A user with this email already exists."))
    passwords.check_strength(password, email)
    user = User(
        email=email,
        name=name.strip(),
        password_hash=passwords.hash_password(password),
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    # Filed under the unit the user will work in, so that unit's admins see the event.
    audit.record("user.created", user, org_unit_id=org_unit_id, email=email)
    return user


def grant_role(
    user: User, role: str, org_unit: OrgUnit | None = None, project: Project | None = None
) -> RoleAssignment:
    """Give a user a role over an org unit subtree (None: whole network); the caller commits."""
    if role not in {r.value for r in Role}:
        raise AccountError(_("Unknown role: %(role)s.", role=role))
    for existing in user.assignments:
        if (existing.role, existing.org_unit_id, existing.project_id) == (
            role,
            org_unit.id if org_unit else None,
            project.id if project else None,
        ):
            return existing
    assignment = RoleAssignment(user=user, role=role, org_unit=org_unit, project=project)
    db.session.add(assignment)
    db.session.flush()
    audit.record("role.granted", user, org_unit_id=org_unit.id if org_unit else None, **_describe(assignment))
    return assignment


def _describe(assignment: RoleAssignment) -> dict[str, str | None]:
    return {
        "role": assignment.role,
        "org_unit": assignment.org_unit.code if assignment.org_unit else None,
        "project": assignment.project.code if assignment.project else None,
    }


def managed_scope(admin: User) -> Scope:
    """The subtrees whose users an administrator sees and manages."""
    return user_scope(admin, roles=ADMIN_ROLES)


def granting_scope(admin: User, project_id: int | None) -> Scope:
    """Where an admin may grant roles in one project (None: all); a one-project admin grants only there."""
    if project_id is not None:
        return user_scope(admin, roles=ADMIN_ROLES, project_id=project_id)
    held = [a for a in admin.assignments if a.role in ADMIN_ROLES and a.project_id is None]
    if any(a.org_unit is None for a in held):
        return Scope(everywhere=True, paths=())
    return Scope(everywhere=False, paths=tuple(a.org_unit.path for a in held if a.org_unit))


def may_grant(admin: User, org_unit: OrgUnit | None, project_id: int | None) -> bool:
    return granting_scope(admin, project_id).covers_path(org_unit.path if org_unit else None)


def may_change(admin: User, assignment: RoleAssignment) -> bool:
    return may_grant(admin, assignment.org_unit, assignment.project_id)


def fully_managed(admin: User, user: User) -> bool:
    # Disabling an account or setting its password reaches every role it holds, so the admin must cover all.
    return all(may_change(admin, a) for a in user.assignments)


def visible_assignments(admin: User, user: User) -> list[RoleAssignment]:
    """The user's roles inside the admin's scope; the others are not theirs to see."""
    scope = managed_scope(admin)
    shown = [a for a in user.assignments if scope.covers_path(a.org_unit.path if a.org_unit else None)]
    return sorted(shown, key=lambda a: (a.org_unit.path if a.org_unit else "", a.role, a.project_id or 0))


def org_units_within(scope: Scope) -> list[OrgUnit]:
    query = select(OrgUnit).where(subtree_condition(scope, OrgUnit.path)).order_by(OrgUnit.path)
    return list(db.session.scalars(query))


def all_projects() -> list[Project]:
    return list(db.session.scalars(select(Project).order_by(Project.name)))


def find_users(admin: User, search: str = "", role: str = "", page: int = 1) -> Pagination:
    """One page of the users an admin manages, by email, matching a search and a role held in scope."""
    scope = managed_scope(admin)
    query = select(User).where(users_condition(scope)).order_by(User.email)
    if search.strip():
        text = search.strip()
        query = query.where(
            or_(User.email.icontains(text, autoescape=True), User.name.icontains(text, autoescape=True))
        )
    if role:
        holders = select(RoleAssignment.user_id).where(
            RoleAssignment.role == role, org_unit_condition(scope, RoleAssignment.org_unit_id)
        )
        query = query.where(User.id.in_(holders))
    query = query.options(selectinload(User.assignments).selectinload(RoleAssignment.org_unit))
    return db.paginate(query, page=page, per_page=USERS_PER_PAGE, error_out=False)


def _managed_user_query(admin: User, user_id: int) -> Select[tuple[User]]:
    return select(User).where(User.id == user_id, users_condition(managed_scope(admin)))


def user_in_scope(admin: User, user_id: int) -> User:
    """A user the admin manages; 404 for one outside their scope, exactly as for a missing id."""
    return get_in_scope_or_404(_managed_user_query(admin, user_id))


def still_managed(admin: User, user_id: int) -> bool:
    """Whether the admin still sees a user, who may have left their scope with a removed role."""
    return db.session.scalars(_managed_user_query(admin, user_id)).first() is not None


def create_account(admin: User, email: str, name: str, password: str, grant: Grant) -> User:
    """Create a user holding one role the admin may grant; nothing is stored when anything is refused."""
    try:
        org_unit, project = _checked_grant(admin, grant)
        user = create_user(email, password, name=name, org_unit_id=grant.org_unit_id)
        grant_role(user, grant.role, org_unit, project)
    except (AccountError, passwords.WeakPassword):
        db.session.rollback()
        raise
    db.session.commit()
    return user


def add_assignment(admin: User, user_id: int, grant: Grant) -> RoleAssignment:
    user = user_in_scope(admin, user_id)
    held = {(a.role, a.org_unit_id, a.project_id) for a in user.assignments}
    try:
        org_unit, project = _checked_grant(admin, grant)  # first, so roles out of scope stay unseen
        if (grant.role, grant.org_unit_id, grant.project_id) in held:
            raise AccountError(_("The user already holds this role."))
        assignment = grant_role(user, grant.role, org_unit, project)
    except AccountError:
        db.session.rollback()
        raise
    db.session.commit()
    return assignment


def remove_assignment(admin: User, user_id: int, assignment_id: int) -> None:
    user = user_in_scope(admin, user_id)
    assignment = next((a for a in user.assignments if a.id == assignment_id), None)
    if assignment is None:
        abort(404)
    if not may_change(admin, assignment):
        raise AccountError(_("This role lies outside your scope."))
    admin_roles = [a for a in user.assignments if a.role in ADMIN_ROLES]
    if user.id == admin.id and admin_roles == [assignment]:
        raise AccountError(_("You cannot remove your own last administrator role."))
    user.assignments.remove(assignment)
    audit.record("role.revoked", user, org_unit_id=assignment.org_unit_id, **_describe(assignment))
    db.session.commit()


def set_active(admin: User, user_id: int, active: bool) -> User:
    """Enable or disable an account; disabling ends its sessions and API tokens at once."""
    user = user_in_scope(admin, user_id)
    if user.id == admin.id and not active:
        raise AccountError(_("You cannot disable your own account."))
    _check_fully_managed(admin, user)
    if user.active == active:
        return user
    user.active = active
    details: dict[str, object] = {"email": user.email}
    if not active:
        sessions.close_all_sessions(user)
        details["tokens_revoked"] = _revoke_tokens(user)
    audit.record(
        "user.enabled" if active else "user.disabled", user, org_unit_id=home_org_unit_id(user), **details
    )
    db.session.commit()
    return user


def set_password(admin: User, user_id: int, password: str) -> User:
    """Give a user a new password chosen by the admin, ending every session they have open."""
    user = user_in_scope(admin, user_id)
    if user.id == admin.id:
        raise AccountError(_("Change your own password from My account."))
    _check_fully_managed(admin, user)
    passwords.check_strength(password, user.email)
    user.password_hash = passwords.hash_password(password)
    sessions.close_all_sessions(user)
    audit.record("user.password_set", user, org_unit_id=home_org_unit_id(user), email=user.email)
    db.session.commit()
    return user


def home_org_unit_id(user: User) -> int | None:
    """The narrowest org unit holding all the user's roles: where events about the account are filed."""
    if not user.assignments or any(a.org_unit is None for a in user.assignments):
        return None
    common: list[str] = []
    for parts in zip(*(a.org_unit.path.strip("/").split("/") for a in user.assignments), strict=False):
        if len(set(parts)) > 1:
            break
        common.append(parts[0])
    return int(common[-1]) if common else None


def _checked_grant(admin: User, grant: Grant) -> tuple[OrgUnit | None, Project | None]:
    """The org unit and project of a grant, refused unless the admin may grant there."""
    project = db.session.get(Project, grant.project_id) if grant.project_id is not None else None
    if grant.project_id is not None and project is None:
        raise AccountError(_("The project does not exist."))
    org_unit = db.session.get(OrgUnit, grant.org_unit_id) if grant.org_unit_id is not None else None
    if grant.org_unit_id is not None and org_unit is None:
        raise AccountError(_("You can only grant roles over the org units in your scope."))
    if not may_grant(admin, org_unit, grant.project_id):
        if org_unit is None:
            raise AccountError(
                _("Only a network-wide administrator can grant a role over the whole network.")
            )
        raise AccountError(_("You can only grant roles over the org units in your scope."))
    return org_unit, project


def _check_fully_managed(admin: User, user: User) -> None:
    if not fully_managed(admin, user):
        raise AccountError(
            _("This user also holds roles outside your scope: ask an administrator who covers them all.")
        )


def _revoke_tokens(user: User) -> int:
    live = list(
        db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    )
    for row in live:
        tokens.revoke_token(row)
    return len(live)
