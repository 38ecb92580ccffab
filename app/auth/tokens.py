"""Per-user API tokens: shown once, stored as a SHA-256 digest, revocable."""

import secrets

from sqlalchemy import bindparam, select

from app.auth.sessions import TOUCH_INTERVAL, token_digest, with_user_and_roles
from app.extensions import db
from app.models import ApiToken, User, utcnow

TOKEN_PREFIX = "hms_"  # noqa: S105 - a public marker, not a secret
# Built once: every API request runs it, and building the eager-loading options costs more than the query.
_BY_DIGEST = (
    select(ApiToken)
    .where(ApiToken.token_hash == bindparam("digest"))
    .options(with_user_and_roles(ApiToken.user))
)


def issue_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token row and return it with the plain token, which is never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=name[:100], prefix=plain[:12], token_hash=token_digest(plain))
    db.session.add(row)
    return row, plain


def user_for_token(plain: str) -> User | None:
    """The active owner of a live token, or None for an unknown, revoked or disabled one."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    row = db.session.scalars(_BY_DIGEST, {"digest": token_digest(plain)}).unique().first()
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_INTERVAL:
        row.last_used_at = now  # at most once a minute: API reads should not all become writes
        db.session.commit()
    return row.user


def revoke_token(row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
