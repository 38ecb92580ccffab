"""Per-user API tokens: shown once, stored as a SHA-256 digest, revocable."""

import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, select, true, update

from app.auth.sessions import TOUCH_INTERVAL, token_digest
from app.extensions import db
from app.models import ApiToken, OrgUnit, RoleAssignment, User, utcnow

TOKEN_PREFIX = "hms_"  # noqa: S105 - a public marker, not a secret


def issue_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token row and return it with the plain token, which is never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=name[:100], prefix=plain[:12], token_hash=token_digest(plain))
    db.session.add(row)
    return row, plain


@dataclass(frozen=True)
class UnitRef:
    """The org unit of a role assignment, as scopes read it."""

    id: int
    code: str
    path: str


@dataclass(frozen=True)
class Grant:
    """A role assignment as scopes read it (role, project, org unit), without an ORM object."""

    role: str
    project_id: int | None
    org_unit: UnitRef | None

    @property
    def org_unit_id(self) -> int | None:
        return self.org_unit.id if self.org_unit else None


@dataclass(frozen=True)
class TokenOwner:
    """The owner of a live token with their role assignments, read with one plain query.

    It answers what scopes, permission checks, the audit log and submission recording read of a User
    (id, email, assignments, roles), so the API's busiest paths build no ORM objects for their caller;
    a view that needs the User itself loads it (app.api.auth.api_user)."""

    id: int
    email: str
    assignments: tuple[Grant, ...]
    is_authenticated = True

    @property
    def roles(self) -> set[str]:
        return {a.role for a in self.assignments}


_tokens, _users, _assignments, _units = (
    ApiToken.__table__,
    User.__table__,
    RoleAssignment.__table__,
    OrgUnit.__table__,
)
# One row per role assignment (one with nulls for a user without any); built once, run on every API request.
_OWNER_BY_DIGEST = (
    select(
        _tokens.c.id,
        _tokens.c.last_used_at,
        _users.c.id,
        _users.c.email,
        _assignments.c.role,
        _assignments.c.project_id,
        _units.c.id,
        _units.c.code,
        _units.c.path,
    )
    .join(_users, _users.c.id == _tokens.c.user_id)
    .outerjoin(_assignments, _assignments.c.user_id == _users.c.id)
    .outerjoin(_units, _units.c.id == _assignments.c.org_unit_id)
    .where(
        _tokens.c.token_hash == bindparam("digest"),
        _tokens.c.revoked_at.is_(None),
        _users.c.active == true(),
    )
    .order_by(_assignments.c.id)
)
_TOUCH = update(_tokens).where(_tokens.c.id == bindparam("token_id")).values(last_used_at=bindparam("now"))


def owner_for_token(plain: str) -> TokenOwner | None:
    """The active owner of a live token and their roles, or None for an unknown, revoked or disabled one.

    Read afresh on every request, in the request's transaction: a revoked token, a disabled user or a
    changed role takes effect at once, in every worker."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    connection = db.session.connection()
    rows = connection.execute(_OWNER_BY_DIGEST, {"digest": token_digest(plain)}).all()
    if not rows:
        return None
    token_id, last_used_at, user_id, email = rows[0][:4]
    grants = tuple(
        Grant(role, project_id, UnitRef(unit_id, code, path) if unit_id is not None else None)
        for *_, role, project_id, unit_id, code, path in rows
        if role is not None
    )
    now = utcnow()
    if last_used_at is None or now - last_used_at > TOUCH_INTERVAL:
        connection.execute(_TOUCH, {"token_id": token_id, "now": now})  # at most once a minute, as below
        db.session.commit()
    return TokenOwner(user_id, email, grants)


def revoke_token(row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
