"""Device credentials on OpenRosa requests: HTTP Basic, checked against argon2 hashes, throttled."""

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from app.auth import passwords, throttle
from app.auth.sessions import TOUCH_INTERVAL, with_user_and_roles
from app.extensions import db
from app.models import DeviceCredential, User, utcnow
from app.openrosa.responses import challenge, message_response, protocol_language

_THROTTLE_PREFIX = "device:"
# Built once: every Collect request runs it, and building the eager-loading options costs more than the query.
_BY_USERNAME = (
    select(DeviceCredential)
    .where(DeviceCredential.username == bindparam("username"))
    .options(with_user_and_roles(DeviceCredential.user))
)


# ODK Collect sends its device password with every request, and an argon2 verification costs ~150 ms of CPU:
# most of a submission's cost. A worker remembers, for a few minutes, the (stored hash, password) pairs it
# has verified, as a SHA-256 digest. The credential row is still read on every request, so revocation,
# a disabled user or a changed role take effect at once; a new password is a new hash, so a new pair.
VERIFIED_FOR_S = 300.0
_VERIFIED_MAX = 1024
_verified: OrderedDict[bytes, float] = OrderedDict()
_verified_lock = threading.Lock()


class Throttled(Exception):
    """Too many wrong passwords for this username in the window."""


def device_login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Authenticate by device credentials only (session cookies are ignored); 401 asks Collect for them."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            credential = _credential_of_request()
        except Throttled:
            response = message_response(_("Too many attempts with a wrong password: wait a minute."), 429)
            response.headers["Retry-After"] = str(throttle.retry_after_seconds())
            return response
        if credential is None:
            return challenge()
        g.device_credential = credential
        with force_locale(protocol_language(credential.user)):
            return view(*args, **kwargs)

    return guarded


def device_credential() -> DeviceCredential:
    return g.device_credential


def device_user() -> User:
    return g.device_credential.user


def _credential_of_request() -> DeviceCredential | None:
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username or auth.password is None:
        return None
    return check_credentials(auth.username, auth.password)


def check_credentials(username: str, password: str) -> DeviceCredential | None:
    """The live credential these match, or None; raise Throttled after too many failures."""
    key = _THROTTLE_PREFIX + username.strip().lower()
    if throttle.is_locked(key):
        raise Throttled()
    row = _find(username.strip().lower())
    # An unknown username still costs a hash verification, so timing does not tell which names exist.
    matches = _matches(row.password_hash if row else None, password)
    if not matches or row is None or row.revoked_at is not None or not row.user.active:
        throttle.record_failure(key)
        db.session.commit()
        return None
    _touch(row)
    return row


def _matches(password_hash: str | None, password: str) -> bool:
    """verify_password, skipped for a pair this worker verified less than VERIFIED_FOR_S ago."""
    if password_hash is None:
        return passwords.verify_password(None, password)  # an unknown name costs a verification, as before
    key = hashlib.sha256(f"{password_hash}\0{password}".encode()).digest()
    now = time.monotonic()
    with _verified_lock:
        seen = _verified.get(key)
    if seen is not None and now - seen < VERIFIED_FOR_S:
        return True
    if not passwords.verify_password(password_hash, password):
        return False
    with _verified_lock:
        _verified[key] = now
        _verified.move_to_end(key)
        while len(_verified) > _VERIFIED_MAX:
            _verified.popitem(last=False)
    return True


def _find(username: str) -> DeviceCredential | None:
    return db.session.scalars(_BY_USERNAME, {"username": username}).unique().first()


def _touch(row: DeviceCredential) -> None:
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_INTERVAL:
        row.last_used_at = now  # at most once a minute: form lists should not all become writes
        db.session.commit()
