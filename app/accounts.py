"""Creating users and granting roles: shared by the admin pages, the CLI and the demo."""

from sqlalchemy import func, select

from app import audit
from app.auth import passwords
from app.extensions import db
from app.models import OrgUnit, Project, Role, RoleAssignment, User


class AccountError(ValueError):
    """A user or role change that cannot be made; the message is for the person who asked."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_taken(email: str) -> bool:
    found = db.session.scalar(
        select(func.count(User.id)).where(func.lower(User.email) == normalise_email(email))
    )
    return bool(found)


def create_user(email: str, password: str, name: str = "", locale: str | None = None) -> User:
    """Add a user with a checked password (the caller commits); raise AccountError or WeakPassword."""
    from flask_babel import gettext as _

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
    audit.record("user.created", user, email=email)
    return user


def grant_role(
    user: User, role: str, org_unit: OrgUnit | None = None, project: Project | None = None
) -> RoleAssignment:
    """Give a user a role over an org unit subtree (None: whole network); the caller commits."""
    from flask_babel import gettext as _

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
    audit.record(
        "role.granted",
        user,
        org_unit_id=org_unit.id if org_unit else None,
        role=role,
        org_unit=org_unit.code if org_unit else None,
        project=project.code if project else None,
    )
    return assignment
