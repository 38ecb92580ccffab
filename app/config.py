"""Configuration read from the environment, with safe defaults and a refusal to run insecurely."""

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask

from app.database import engine_options

INSECURE_KEYS = {"", "dev", "changeme", "secret"}
MIN_SECRET_KEY_LENGTH = 32


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def configure(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Fill app.config from defaults, the instance config file and the environment (or a test mapping)."""
    default_db = "sqlite:///" + os.path.join(app.instance_path, "humus.sqlite")
    app.config.from_mapping(
        SECRET_KEY="",
        SQLALCHEMY_DATABASE_URI=default_db,
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_NAME="humus_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        SESSION_IDLE_TIMEOUT=timedelta(hours=2),
        LOGIN_MAX_FAILURES=5,
        # Failures from one client address, whatever the accounts: one password tried on many accounts
        # (password spraying) stops here, while an office behind one address keeps room for typos.
        LOGIN_MAX_FAILURES_PER_ADDRESS=50,
        LOGIN_FAILURE_WINDOW=timedelta(minutes=1),
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="it",
        BABEL_DEFAULT_TIMEZONE="Europe/Rome",
        LANGUAGES=("it", "en"),
        HUMUS_DEMO=False,
        SQLITE_BUSY_TIMEOUT_MS=5000,
        DATABASE_CONNECT_TIMEOUT_S=5,  # PostgreSQL: give up connecting after this (app/database.py)
        PROXY_COUNT=0,
        REDIS_URL=None,  # background jobs go to RQ on this Redis; without it they run inside the web process
        # Case records: Fernet keys encrypting direct identifiers (the first encrypts, all decrypt, so a key
        # can be rotated) and the key of the pseudonyms. Required outside debug, testing and demo mode.
        # Disclosure control of published statistics: counts below these are suppressed (the second for
        # tables on special categories, court measures or minors in care).
        STATISTICS_THRESHOLD=3,
        STATISTICS_SENSITIVE_THRESHOLD=5,
        # Zones of statistics (analysis/stat_zones.py): the units that are zones of their own, code -> name;
        # every other unit is in its province's zone. Set it in instance/config.py to change the zones.
        STATISTICS_ZONES={"072006": "Bari città"},
        IDENTITY_KEYS=(),
        PSEUDONYM_KEY="",
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        _from_environment(app)
    else:
        app.config.update(test_config)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS",
        engine_options(app.config["SQLALCHEMY_DATABASE_URI"], int(app.config["DATABASE_CONNECT_TIMEOUT_S"])),
    )


def _from_environment(app: Flask) -> None:
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["DATABASE_URL"])
    app.config["SESSION_COOKIE_SECURE"] = _env_flag(
        "SESSION_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"]
    )
    app.config["HUMUS_DEMO"] = _env_flag("HUMUS_DEMO", app.config["HUMUS_DEMO"])
    if os.environ.get("HUMUS_PROXY_COUNT"):
        app.config["PROXY_COUNT"] = int(os.environ["HUMUS_PROXY_COUNT"])
    if os.environ.get("REDIS_URL"):
        app.config["REDIS_URL"] = os.environ["REDIS_URL"]
    if os.environ.get("HUMUS_IDENTITY_KEYS"):
        app.config["IDENTITY_KEYS"] = tuple(
            k.strip() for k in os.environ["HUMUS_IDENTITY_KEYS"].split(",") if k.strip()
        )
    if os.environ.get("HUMUS_PSEUDONYM_KEY"):
        app.config["PSEUDONYM_KEY"] = os.environ["HUMUS_PSEUDONYM_KEY"]
    if os.environ.get("MAX_CONTENT_LENGTH"):
        app.config["MAX_CONTENT_LENGTH"] = int(os.environ["MAX_CONTENT_LENGTH"])


def normalise_database_url(url: str) -> str:
    """Accept the common postgres:// spellings and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_secret_key(app: Flask) -> None:
    """Refuse to start outside debug, testing or demo mode without a real SECRET_KEY."""
    key = app.config.get("SECRET_KEY") or ""
    relaxed = app.debug or app.testing or app.config.get("HUMUS_DEMO")
    if relaxed:
        if not key:
            app.config["SECRET_KEY"] = os.urandom(32).hex()
        return
    if key in INSECURE_KEYS or len(key) < MIN_SECRET_KEY_LENGTH:
        raise RuntimeError(
            "SECRET_KEY is missing or too weak: set SECRET_KEY in the environment to a random "
            f"string of at least {MIN_SECRET_KEY_LENGTH} characters "
            '(python -c "import secrets; print(secrets.token_hex(32))").'
        )


def check_case_keys(app: Flask) -> None:
    """Refuse to start outside debug, testing or demo mode without the keys of the case records.

    In those modes missing keys are derived from SECRET_KEY, so demo data stays readable across restarts;
    a real deployment sets its own, kept apart from SECRET_KEY and backed up (lost keys mean unreadable
    identities and new pseudonyms)."""
    relaxed = app.debug or app.testing or app.config.get("HUMUS_DEMO")
    keys, pseudonym_key = tuple(app.config.get("IDENTITY_KEYS") or ()), app.config.get("PSEUDONYM_KEY") or ""
    if relaxed:
        secret = str(app.config["SECRET_KEY"]).encode()
        if not keys:
            derived = hmac.new(secret, b"humus identity key", hashlib.sha256).digest()
            app.config["IDENTITY_KEYS"] = (base64.urlsafe_b64encode(derived).decode(),)
        if not pseudonym_key:
            app.config["PSEUDONYM_KEY"] = hmac.new(secret, b"humus pseudonym key", hashlib.sha256).hexdigest()
        return
    problems = []
    if not keys or not all(_fernet_key(k) for k in keys):
        problems.append(
            "HUMUS_IDENTITY_KEYS must hold one or more Fernet keys, comma-separated "
            '(python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")'
        )
    if len(pseudonym_key) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"HUMUS_PSEUDONYM_KEY must be a random string of at least {MIN_SECRET_KEY_LENGTH} characters "
            '(python -c "import secrets; print(secrets.token_hex(32))")'
        )
    if problems:
        raise RuntimeError(
            "The keys of the case records are missing or malformed: " + "; ".join(problems) + "."
        )


def _fernet_key(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode())) == 32
    except (ValueError, TypeError):
        return False
