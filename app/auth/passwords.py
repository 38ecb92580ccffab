"""Password hashing with argon2 and the rules a new password must meet."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so both paths cost the same time."""
    return _hasher.hash("humus-dummy-password-for-timing")


MIN_LENGTH = 12
COMMON = {
    "password1234",
    "passwordpassword",
    "123456789012",
    "qwertyuiopas",
    "iloveyou1234",
    "passwordhumus",
    "amministratore",
    "passwordpuglia",
    "administrator",
    "welcome12345",
}


class WeakPassword(ValueError):
    """The password does not meet the rules; the message says which one."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; an unknown account (None) is checked against a dummy hash."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def check_strength(password: str, email: str = "") -> None:
    """Raise WeakPassword with a message for the user when the password is too easy to guess."""
    if not password or not password.strip():
        raise WeakPassword(_l("The password cannot be empty."))
    if len(password) < MIN_LENGTH:
        raise WeakPassword(_l("The password must be at least %(n)d characters long.", n=MIN_LENGTH))
    lowered = password.lower()
    if len(set(lowered)) < 5 or lowered in COMMON:
        raise WeakPassword(_l("The password is too easy to guess: choose a less common one."))
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= 4 and local_part in lowered:
        raise WeakPassword(_l("The password must not contain your email address."))
