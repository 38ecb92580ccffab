"""A whole site to attack: the demo data (every page has something to show) in a database of its own.

Building it costs seconds, so a test module builds it once per database backend and its tests share it; the
attacks are expected to change nothing, and the fingerprints of tests/security/support.py check that.
"""

import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.tokens import issue_token
from app.demo import DEFAULT_TERRITORY, DEMO_PASSWORD
from app.extensions import db
from app.jobs import queues
from app.models import Job, JobStatus, OrgUnit, Project, User
from tests.conftest import _database_backends, login, make_app

ADMIN = "admin@humus.demo"
RESEARCHER = "ricerca@humus.demo"
OPERATOR_BARI = "operatore.bari@humus.demo"
OPERATOR_LECCE = "operatore.lecce@humus.demo"
EVALUATOR = "valutazione@humus.demo"
VIEWER = "coordinamento@humus.demo"


@dataclass
class Site:
    """The app with the demo loaded, and where it keeps its files."""

    app: Flask
    instance: Path
    seeded: Any = None  # what the module's seeding function returned

    def client(self, email: str | None = None) -> FlaskClient:
        """A fresh client, signed in as `email` (a demo account) unless None."""
        client = self.app.test_client()
        if email is not None:
            response = login(client, email, DEMO_PASSWORD)
            assert response.status_code == 302, f"{email} could not sign in"
        return client

    def token(self, email: str) -> str:
        with self.app.app_context():
            user = db.session.scalars(select(User).where(User.email == email)).one()
            _row, token = issue_token(user, f"security-{uuid.uuid4().hex[:6]}")
            db.session.commit()
            return token

    def project_id(self) -> int:
        with self.app.app_context():
            return db.session.scalars(select(Project.id).order_by(Project.id)).first()

    def unit_id(self, code: str) -> int:
        with self.app.app_context():
            return db.session.scalars(select(OrgUnit.id).where(OrgUnit.code == code)).one()

    def query(self, statement: sa.Select) -> list:
        """Rows of a select, read in an app context and detached."""
        with self.app.app_context():
            rows = list(db.session.execute(statement).all())
            db.session.expunge_all()
            return rows

    def wait_for_jobs(self, timeout: float = 30.0) -> None:
        """Wait until no job is queued or running (jobs run in a thread of this process)."""
        deadline = time.monotonic() + timeout
        busy = (JobStatus.QUEUED, JobStatus.RUNNING)
        while self.query(select(Job.id).where(Job.status.in_(busy))):
            assert time.monotonic() < deadline, "jobs still running"
            time.sleep(0.05)


def _own_database(backend: str, folder: Path) -> tuple[str, Callable[[], None]]:
    """A database URL for the site alone, and how to drop it."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'site.sqlite'}", lambda: None
    server = sa.make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    name = f"humus_sec_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def build_site(backend: str, folder: Path) -> tuple[Site, Callable[[], None]]:
    """A demo site on `backend` with its instance folder in `folder`; returns it and its teardown."""
    url, drop = _own_database(backend, folder)
    app = make_app(url)
    app.instance_path = str(folder / "instance")
    os.makedirs(app.instance_path, exist_ok=True)
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["humus", "demo", "--territory", str(DEFAULT_TERRITORY)])
    assert result.exit_code == 0, result.output

    def teardown() -> None:
        queues.shutdown_local_runner(wait=True)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()

    return Site(app, Path(app.instance_path)), teardown


def site_fixture(seed: Callable[[Site], object] | None = None):
    """A module-scoped fixture: the demo site per backend, seeded once by `seed` (its result as .seeded)."""

    @pytest.fixture(scope="module", params=_database_backends())
    def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
        built, teardown = build_site(request.param, tmp_path_factory.mktemp(f"site-{request.param}"))
        try:
            built.seeded = seed(built) if seed else None
            yield built
        finally:
            teardown()

    return site
