"""Configuration: refusing to run without a real secret, environment settings, SQLite pragmas."""

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import normalise_database_url
from app.extensions import db
from tests.conftest import make_app

IDENTITY_KEY = "YmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtMDE="
OLD_KEY = "b2xkLW9sZC1vbGQtb2xkLW9sZC1vbGQtb2xkLW9sZC0="


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    monkeypatch.setenv("HUMUS_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    for name in ("SECRET_KEY", "HUMUS_DEMO", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HUMUS_IDENTITY_KEYS", IDENTITY_KEY)
    monkeypatch.setenv("HUMUS_PSEUDONYM_KEY", "p" * 64)
    return monkeypatch


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HUMUS_IDENTITY_KEYS", None),
        ("HUMUS_IDENTITY_KEYS", "not-a-fernet-key"),
        ("HUMUS_PSEUDONYM_KEY", "short"),
    ],
)
def test_app_refuses_to_start_without_the_keys_of_the_case_records(production_env, name, value):
    production_env.setenv("SECRET_KEY", "s" * 64)
    if value is None:
        production_env.delenv(name)
    else:
        production_env.setenv(name, value)

    with pytest.raises(RuntimeError, match=name):
        create_app()


def test_identity_keys_can_be_rotated_the_first_encrypting(production_env):
    production_env.setenv("SECRET_KEY", "s" * 64)
    production_env.setenv("HUMUS_IDENTITY_KEYS", f"{IDENTITY_KEY}, {OLD_KEY}")

    assert create_app().config["IDENTITY_KEYS"] == (IDENTITY_KEY, OLD_KEY)


def test_demo_mode_derives_stable_case_keys_from_the_secret_key(production_env):
    production_env.setenv("HUMUS_DEMO", "1")
    production_env.setenv("SECRET_KEY", "s" * 64)
    production_env.delenv("HUMUS_IDENTITY_KEYS")
    production_env.delenv("HUMUS_PSEUDONYM_KEY")

    first, second = create_app().config, create_app().config

    assert first["IDENTITY_KEYS"] == second["IDENTITY_KEYS"] and len(first["IDENTITY_KEYS"]) == 1
    assert first["PSEUDONYM_KEY"] == second["PSEUDONYM_KEY"] != first["SECRET_KEY"]


@pytest.mark.parametrize("key", [None, "dev", "short-key"])
def test_app_refuses_to_start_without_a_strong_secret_key(production_env, key):
    if key is not None:
        production_env.setenv("SECRET_KEY", key)

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_app_starts_with_a_strong_secret_key_and_reads_the_database_url(production_env, tmp_path):
    production_env.setenv("SECRET_KEY", "s" * 64)

    app = create_app()

    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'prod.sqlite'}"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_demo_mode_starts_without_a_secret_key_and_makes_a_random_one(production_env):
    production_env.setenv("HUMUS_DEMO", "1")

    app = create_app()

    assert len(app.config["SECRET_KEY"]) >= 32


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_the_psycopg_driver(url, expected):
    assert normalise_database_url(url) == expected


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'wal.sqlite'}", SQLITE_BUSY_TIMEOUT_MS=4321)

    with app.app_context(), db.engine.connect() as conn:
        mode = conn.execute(sa.text("PRAGMA journal_mode")).scalar()
        timeout = conn.execute(sa.text("PRAGMA busy_timeout")).scalar()
        foreign_keys = conn.execute(sa.text("PRAGMA foreign_keys")).scalar()

    assert (mode, timeout, foreign_keys) == ("wal", 4321, 1)


def test_behind_one_proxy_the_client_address_comes_from_x_forwarded_for(production_env):
    production_env.setenv("SECRET_KEY", "s" * 64)
    production_env.setenv("HUMUS_PROXY_COUNT", "1")
    app = create_app()

    @app.route("/whoami")
    def whoami():
        from flask import request

        return request.remote_addr or ""

    response = app.test_client().get(
        "/whoami", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )

    assert response.get_data(as_text=True) == "203.0.113.9"
