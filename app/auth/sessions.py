"""Server-side login sessions: the cookie holds a random token, the database decides if it is live."""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, request
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import RoleAssignment, User, UserSession, utcnow

# Writing last_seen on every request would turn every read into a write.
TOUCH_INTERVAL = timedelta(minutes=1)


def with_user_and_roles(user_relationship: Any) -> Any:
    """Load a row's user with their role assignments and org units in the same query: every request
    checks the user's scope, and four lazy loads would cost more than the rest of a small request."""
    return joinedload(user_relationship).joinedload(User.assignments).joinedload(RoleAssignment.org_unit)


# Built once: every signed-in request runs it, and building its loader options costs more than the query.
_BY_DIGEST = (
    select(UserSession)
    .where(UserSession.token_hash == bindparam("digest"))
    .options(with_user_and_roles(UserSession.user))
)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User) -> str:
    """Create a session row for the user and return its token (the caller commits)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            token_hash=token_digest(token),
            user=user,
            created_at=now,
            last_seen_at=now,
            expires_at=now + current_app.permanent_session_lifetime,
            ip=(request.remote_addr or "")[:64],
            user_agent=(request.user_agent.string or "")[:255],
        )
    )
    return token


def load_session_user(token: str) -> User | None:
    """The user of a live session, or None when it is unknown, revoked, expired, idle or disabled."""
    row = db.session.scalars(_BY_DIGEST, {"digest": token_digest(token)}).unique().first()
    now = utcnow()
    if row is None or row.revoked_at is not None or not _is_live(row, now):
        return None
    if not row.user.active:
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
        db.session.commit()
    row.user.session_token = token
    return row.user


def _is_live(row: UserSession, now: datetime) -> bool:
    idle = current_app.config["SESSION_IDLE_TIMEOUT"]
    return row.expires_at > now and now - row.last_seen_at <= idle


def close_session(token: str) -> None:
    """Revoke one session (the caller commits)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == token_digest(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def close_all_sessions(user: User) -> None:
    """Revoke every session of a user, for logout everywhere, disabling or a password change."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
