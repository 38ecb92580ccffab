"""Per-user API tokens: shown once, stored as a SHA-256 digest, revocable."""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, select, true, update

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
        _assignments.c.id,
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
)
_OWNER_WIDTH = len(_OWNER_BY_DIGEST.selected_columns)
_TOUCH = update(_tokens).where(_tokens.c.id == bindparam("token_id")).values(last_used_at=bindparam("now"))
_ALONG: dict[Select, Select] = {}


def owner_for_token(plain: str) -> TokenOwner | None:
    """The active owner of a live token and their roles, or None for an unknown, revoked or disabled one.

    Read afresh on every request (in its transaction, or as a statement of its own in autocommit): a
    revoked token, a disabled user or a changed role takes effect at once, in every worker."""
    return owner_for_token_with(plain)[0]


def owner_for_token_with(
    plain: str, along: Select | None = None, parameters: Mapping[str, Any] | None = None
) -> tuple[TokenOwner | None, list[tuple[Any, ...]]]:
    """The token's owner as owner_for_token, and the distinct rows of `along` (run with `parameters`; plain,
    hashable values) read in the same statement: a view that reads one more thing on every request saves a
    round trip to the database. No rows of `along` without an owner: an unknown token reads nothing else."""
    if not plain.startswith(TOKEN_PREFIX):
        return None, []
    connection = db.session.connection()
    statement = _OWNER_BY_DIGEST if along is None else _with_along(along)
    rows = connection.execute(statement, {**(parameters or {}), "digest": token_digest(plain)}).all()
    if not rows:
        return None, []
    token_id, last_used_at, user_id, email = rows[0][:4]
    grants = {}
    for _token, _used, _user, _email, assignment_id, role, project_id, unit_id, code, path in (
        row[:_OWNER_WIDTH] for row in rows
    ):
        if assignment_id is not None and assignment_id not in grants:
            unit = UnitRef(unit_id, code, path) if unit_id is not None else None
            grants[assignment_id] = Grant(role, project_id, unit)
    extra = [tuple(row[_OWNER_WIDTH:]) for row in rows]
    extra = [row for row in dict.fromkeys(extra) if any(value is not None for value in row)]
    now = utcnow()
    if last_used_at is None or now - last_used_at > TOUCH_INTERVAL:
        connection.execute(_TOUCH, {"token_id": token_id, "now": now})  # at most once a minute, as below
        db.session.commit()
    return TokenOwner(user_id, email, tuple(grants[key] for key in sorted(grants))), extra


def _with_along(along: Select) -> Select:
    """The owner's rows, each beside every row of `along` (or nulls when it has none): built once each."""
    found = _ALONG.get(along)
    if found is None:
        owner, other = _OWNER_BY_DIGEST.cte("token_owner"), along.cte("along")
        found = _ALONG[along] = select(owner, other).select_from(owner.outerjoin(other, true()))
    return found


def revoke_token(row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
