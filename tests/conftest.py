"""Fixtures: the app on SQLite and (when TEST_DATABASE_URL is set) PostgreSQL, clients, factories."""

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

import forms  # noqa: F401 - first of our packages: it keeps openpyxl on defusedxml (see forms/__init__.py)
from app import create_app
from app.extensions import db
from app.models import OrgUnit, User
from tests.databases import scratch_postgres_database

TEST_SECRET_KEY = "test-secret-key-" + "x" * 32
PASSWORD = "Passw0rd-lunga-e-sicura"

_CSRF = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')


def _database_backends() -> list[str]:
    backends = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        backends.append("postgresql")
    elif os.environ.get("CI"):
        raise RuntimeError("CI must set TEST_DATABASE_URL so every database test runs on PostgreSQL")
    return backends


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test session, dropped at the end."""
    with scratch_postgres_database("humus_test") as url:
        yield url


@pytest.fixture(params=_database_backends())
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'humus.sqlite'}"
    return request.getfixturevalue("postgres_url")


def make_app(database_url: str, **overrides: object) -> Flask:
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_SECURE": False,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the empty schema, built once: each test starts from a copy of it."""
    path = tmp_path_factory.mktemp("schema") / "template.sqlite"
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        db.create_all()
        db.engine.dispose()  # the last connection closed checkpoints the WAL into the file
    return path


def _ensure_empty_schema(database_url: str, template: Path) -> None:
    """Make the test's database hold the models' schema with no rows, as cheaply as its engine allows.

    Creating ~50 tables per test was most of the suite's time. A SQLite test database is a fresh file, so
    it becomes a copy of the session's template; PostgreSQL's session database keeps its tables between
    tests (emptied after each, see `app`) and is rebuilt only when a test dropped or changed them."""
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        target = Path(url.database or "")
        if not target.exists() or target.stat().st_size == 0:
            shutil.copyfile(template, target)
            db.engine.dispose()  # no pooled connection may keep the file that was replaced
            return
    expected = set(db.metadata.tables)
    present = set(sa.inspect(db.engine).get_table_names())
    if present != expected:
        db.drop_all()
        db.create_all()


def _empty_all_tables() -> None:
    """Remove every row a test left, restarting the id sequences: what drop_all + create_all gave."""
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    # SQLite: the file belongs to the test's tmp_path and is never reused.


@pytest.fixture
def app(database_url: str, sqlite_template: Path) -> Iterator[Flask]:
    app = make_app(database_url)
    with app.app_context():
        _ensure_empty_schema(database_url, sqlite_template)
    yield app
    with app.app_context():
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def csrf_token(client: FlaskClient) -> str:
    """A CSRF token for the client's current session, read from the sign-in page."""
    page = client.get("/login")
    match = _CSRF.search(page.data)
    assert match, "no CSRF token on the sign-in page"
    return match.group(1).decode()


def post_form(client: FlaskClient, url: str, data: dict | None = None, **kwargs):
    """POST a form the way a browser does, with the session's CSRF token."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_token(client))
    return client.post(url, data=payload, **kwargs)


def login(client: FlaskClient, email: str, password: str = PASSWORD):
    return post_form(client, "/login", {"email": email, "password": password})


def signed_in_client(app: Flask, email: str | None, password: str = PASSWORD) -> FlaskClient:
    """A fresh test client of `app`, signed in as `email` unless None; fails the test if it cannot."""
    client = app.test_client()
    if email is not None:
        response = login(client, email, password)
        assert response.status_code == 302, f"{email} could not sign in"
    return client


@dataclass
class Territory:
    """Two provinces with one Ambito each and one comune in each Ambito."""

    region: OrgUnit
    bari: OrgUnit
    lecce: OrgUnit
    ambito_bari: OrgUnit
    ambito_lecce: OrgUnit
    comune_bari: OrgUnit
    comune_lecce: OrgUnit


@pytest.fixture
def territory(app: Flask) -> Territory:
    from app.territory.tree import add_org_unit

    with app.app_context():
        region = add_org_unit("16", "Puglia", "region", None)
        bari = add_org_unit("072", "Bari", "province", region)
        lecce = add_org_unit("075", "Lecce", "province", region)
        ambito_bari = add_org_unit("ATS-BA1", "Ambito di Bari", "ambito", bari)
        ambito_lecce = add_org_unit("ATS-LE1", "Ambito di Lecce", "ambito", lecce)
        comune_bari = add_org_unit("072006", "Bari", "comune", ambito_bari)
        comune_lecce = add_org_unit("075035", "Lecce", "comune", ambito_lecce)
        db.session.commit()
        units = Territory(region, bari, lecce, ambito_bari, ambito_lecce, comune_bari, comune_lecce)
        for unit in vars(units).values():
            db.session.refresh(unit)
        db.session.expunge_all()
        return units


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create a user with a role over an org unit (None: whole network)."""
    from app import accounts

    def make(
        email: str,
        role: str = "viewer",
        org_unit: OrgUnit | None = None,
        password: str = PASSWORD,
        active: bool = True,
    ) -> User:
        with app.app_context():
            user = accounts.create_user(email, password, name=email.split("@")[0])
            unit = db.session.get(OrgUnit, org_unit.id) if org_unit else None
            accounts.grant_role(user, role, unit)
            user.active = active
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return make
