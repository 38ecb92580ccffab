"""What a person does with their own account: sign in and out, change password, manage tokens."""

from flask import request, session
from flask_login import login_user, logout_user
from sqlalchemy import func, select

from app import audit
from app.auth import passwords, sessions, throttle, tokens
from app.extensions import db
from app.models import ApiToken, User


class LoginThrottled(Exception):
    """Too many failed attempts for this account in the window."""


class InvalidCredentials(Exception):
    """Unknown email, wrong password or disabled account: callers say the same thing for all."""


def find_user_by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()


def sign_in(email: str, password: str) -> User:
    """Check the credentials, open a fresh server-side session and record the login."""
    if throttle.is_locked(email) or throttle.address_locked(request.remote_addr):
        raise LoginThrottled()
    user = find_user_by_email(email)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        throttle.record_failure(email, request.remote_addr)
        audit.record("auth.login_failed", actor=None, email_known=user is not None)
        db.session.commit()
        raise InvalidCredentials()
    chosen_language = session.get("lang")
    session.clear()  # a new session id at every login: no fixation
    user.session_token = sessions.open_session(user)
    login_user(user)
    if user.locale or chosen_language:
        session["lang"] = user.locale or chosen_language
    audit.record("auth.login", user, actor=user)
    db.session.commit()
    return user


def sign_out(user: User) -> None:
    if user.session_token:
        sessions.close_session(user.session_token)
    audit.record("auth.logout", user, actor=user)
    db.session.commit()
    logout_user()
    session.clear()


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password, ending every other session; raise WeakPassword or InvalidCredentials."""
    if not passwords.verify_password(user.password_hash, current):
        raise InvalidCredentials()
    passwords.check_strength(new, user.email)
    user.password_hash = passwords.hash_password(new)
    sessions.close_all_sessions(user)
    user.session_token = sessions.open_session(user)
    login_user(user)
    audit.record("auth.password_changed", user, actor=user)
    db.session.commit()


def user_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        )
    )


def create_token(user: User, name: str) -> str:
    row, plain = tokens.issue_token(user, name)
    audit.record("token.created", row, actor=user, name=row.name)
    db.session.commit()
    return plain


def revoke_own_token(user: User, token_id: int) -> bool:
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        return False
    tokens.revoke_token(row)
    audit.record("token.revoked", row, actor=user)
    db.session.commit()
    return True
