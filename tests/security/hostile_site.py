"""A whole site to attack: the demo data (every page has something to show) in a database of its own.

A test module gets one per database backend, a copy of the demo loaded once per session (tests/security/
demo_database.py), and its tests share it; the attacks are expected to change nothing, and the fingerprints
of tests/security/support.py check that.
"""

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.tokens import issue_token
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.jobs import queues
from app.models import Job, JobStatus, OrgUnit, Project, User
from tests.conftest import _database_backends, make_app, signed_in_client
from tests.security.demo_database import DemoDatabases

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
        return signed_in_client(self.app, email, DEMO_PASSWORD)

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


@contextmanager
def demo_site(demo: DemoDatabases, backend: str, folder: Path) -> Iterator[Site]:
    """A copy of the demo on `backend`, served by an app whose instance folder is in `folder`."""
    with demo.copy(backend, folder) as url:
        app = make_app(url)
        app.instance_path = str(folder / "instance")
        os.makedirs(app.instance_path, exist_ok=True)
        try:
            yield Site(app, Path(app.instance_path))
        finally:
            queues.shutdown_local_runner(wait=True)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def site_fixture(seed: Callable[[Site], object] | None = None):
    """A module-scoped fixture: the demo site per backend, seeded once by `seed` (its result as .seeded)."""

    @pytest.fixture(scope="module", params=_database_backends())
    def site(
        request: pytest.FixtureRequest,
        tmp_path_factory: pytest.TempPathFactory,
        demo_databases: DemoDatabases,
    ) -> Iterator[Site]:
        folder = tmp_path_factory.mktemp(f"site-{request.param}")
        with demo_site(demo_databases, request.param, folder) as built:
            built.seeded = seed(built) if seed else None
            yield built

    return site
