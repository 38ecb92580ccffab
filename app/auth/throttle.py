"""Login throttling: too many failures for one account within a window answer 429."""

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


def record_failure(email: str) -> None:
    """Store one failure and forget those older than the window (the caller commits)."""
    window_start = utcnow() - current_app.config["LOGIN_FAILURE_WINDOW"]
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < window_start))
    db.session.add(LoginAttempt(account_key=account_key(email)))


def retry_after_seconds() -> int:
    return int(current_app.config["LOGIN_FAILURE_WINDOW"].total_seconds())
