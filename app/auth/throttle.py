"""Login throttling: too many failures for one account, or from one client address, in a window: 429.

Both are stored as keyed hashes: the table holds no email and no IP address."""

import hashlib
import hmac

from flask import current_app
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import LoginAttempt, utcnow


def account_key(email: str) -> str:
    """A keyed hash of the normalised email, so failed attempts store no address."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def is_locked(email: str) -> bool:
    window_start = utcnow() - current_app.config["LOGIN_FAILURE_WINDOW"]
    failures = db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.account_key == account_key(email), LoginAttempt.at >= window_start
        )
    )
    return (failures or 0) >= current_app.config["LOGIN_MAX_FAILURES"]


def address_locked(address: str | None) -> bool:
    """Too many failures from this client address in the window, on any accounts."""
    window_start = utcnow() - current_app.config["LOGIN_FAILURE_WINDOW"]
    failures = db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.account_key == _address_key(address), LoginAttempt.at >= window_start
        )
    )
    return (failures or 0) >= current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]


def record_failure(email: str, address: str | None = None) -> None:
    """Store one failure (and one for the client address, when given), forgetting those older than the
    window; the caller commits."""
    window_start = utcnow() - current_app.config["LOGIN_FAILURE_WINDOW"]
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < window_start))
    db.session.add(LoginAttempt(account_key=account_key(email)))
    if address is not None:
        db.session.add(LoginAttempt(account_key=_address_key(address)))


def _address_key(address: str | None) -> str:
    return account_key(f"address:{address or ''}")  # no email has this form: the two never collide


def retry_after_seconds() -> int:
    return int(current_app.config["LOGIN_FAILURE_WINDOW"].total_seconds())
