"""A seeded app for the adversarial tests: the demo data plus one row of every kind a route names by id.

The tests that only attack (and must change nothing) share one per module and database: a copy of the demo
loaded once per session (tests/security/demo_database.py), never the database the function-scoped `app`
fixture empties."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter

from app.auth import passwords, tokens
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.jobs import queues
from app.models import (
    Code,
    Coding,
    CodingDocument,
    CodingMemo,
    CodingProject,
    CodingTurn,
    DeviceCredential,
    Entity,
    EventAttachment,
    FormVersion,
    Job,
    OrgUnit,
    ProgrammeAction,
    ProgrammeActivity,
    ProgrammeEvent,
    Project,
    ReportingCycle,
    Service,
    Submission,
    TrainingEdition,
    TrainingIntervention,
    User,
    VersionStatus,
    VoucherAssignment,
    VoucherType,
)
from tests.conftest import make_app, signed_in_client
from tests.security.demo_database import DemoDatabases

NETWORK_ADMIN = "admin@humus.demo"
LECCE_ADMIN = "admin.lecce@humus.demo"  # admin of the province of Lecce only
RESEARCHER = "ricerca@humus.demo"
BARI_OPERATOR = "operatore.bari@humus.demo"
LECCE_OPERATOR = "operatore.lecce@humus.demo"
EVALUATOR = "valutazione@humus.demo"
VIEWER = "coordinamento@humus.demo"
PASSWORD = DEMO_PASSWORD

# A route's non-id parameters, by name; ids come from the seeded rows.
TEXT_PARAMETERS = {
    "import_id": "abcdefghijklmnop",
    "name": "dati.csv",
    "fmt": "csv",
    "format": "csv",
    "filename": "css/humus.css",
    "index": "0",
}
PARAMETER = re.compile(r"<(?:[^:<>]+:)?(\w+)>")


@dataclass
class SeededApp:
    """The app, its demo data, and the id of one row for each id parameter the routes take."""

    app: Flask
    ids: dict[str, int | str] = field(default_factory=dict)

    def client(self, email: str | None = None) -> FlaskClient:
        """A test client, signed in as `email` when given (demo password)."""
        return signed_in_client(self.app, email, PASSWORD)

    def url(self, rule: Rule) -> str:
        """The rule's address with its parameters filled: seeded ids, a fixed text, or 1 when unknown."""
        values: dict[str, int | str] = {}
        for name in rule.arguments:
            converter = rule._converters.get(name)
            if isinstance(converter, AnyConverter):
                values[name] = sorted(converter.items)[0]
            elif name in self.ids:
                values[name] = self.ids[name]
            else:
                values[name] = TEXT_PARAMETERS.get(name, "1")
        return PARAMETER.sub(lambda m: str(values[m.group(1)]), rule.rule)


@contextmanager
def seeded_app(demo: DemoDatabases, backend: str, folder: Path) -> Iterator[SeededApp]:
    """A copy of the demo of its own, plus the rows the demo lacks (tokens, jobs, memos...)."""
    with demo.copy(backend, folder) as url:
        app = make_app(url)
        app.instance_path = str(folder / "instance")  # exports and imports write here, not in the checkout
        with app.app_context():
            ids = _seed_ids()
        try:
            yield SeededApp(app, ids)
        finally:
            queues.shutdown_local_runner(wait=True)  # no export job may outlive its database
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _first(model: type, *conditions: object) -> int:
    found = db.session.scalars(select(model.id).where(*conditions).order_by(model.id)).first()
    assert found is not None, f"the demo has no {model.__name__}"
    return found


def _seed_ids() -> dict[str, int | str]:
    admin = db.session.scalars(select(User).where(User.email == NETWORK_ADMIN)).one()
    lecce = db.session.scalars(select(User).where(User.email == LECCE_OPERATOR)).one()
    submission = db.session.get(Submission, _first(Submission, Submission.current.is_(True)))
    version = db.session.scalars(
        select(FormVersion).where(
            FormVersion.form_id == submission.form_id, FormVersion.status == VersionStatus.PUBLISHED
        )
    ).first()
    token, _plain = tokens.issue_token(admin, "sicurezza")
    extras = _extra_rows(admin, submission.form_id)
    db.session.commit()
    ids: dict[str, int | str] = {
        "token_id": token.id,
        "user_id": lecce.id,
        "assignment_id": lecce.assignments[0].id,
        "unit_id": lecce.assignments[0].org_unit_id,
        "org_unit_id": lecce.assignments[0].org_unit_id,
        "case_id": _first(Entity),
        "form_id": submission.form_id,
        "submission_id": submission.id,
        "version_id": version.id,
        "version": version.version,
        "project_id": _first(Project),
        "action_id": _first(ProgrammeAction),
        "activity_id": _first(ProgrammeActivity),
        "event_id": _first(ProgrammeEvent),
        "voucher_id": _first(VoucherAssignment),
        "voucher_type_id": _first(VoucherType),
        "service_id": _first(Service),
        "intervention_id": _first(TrainingIntervention),
        "edition_id": _first(TrainingEdition),
        "study_id": _first(CodingProject),
        "document_id": _first(CodingDocument),
        "code_id": _first(Code),
        "coding_id": _first(Coding),
        "turn_id": _first(CodingTurn),
    }
    ids.update({name: row.id for name, row in extras.items()})
    return ids


def _extra_rows(admin: User, form_id: int) -> dict[str, object]:
    """Rows of the kinds the demo does not create, owned by the network admin where rows have owners."""
    study = db.session.get(CodingProject, _first(CodingProject))
    rows: dict[str, object] = {
        "credential_id": DeviceCredential(
            user=admin,
            label="telefono",
            username="sicurezza-1",
            password_hash=passwords.hash_password("x" * 20),
        ),
        "job_id": Job(kind="export", params={}, status="done", user_id=admin.id),
        "cycle_id": ReportingCycle(
            form_id=form_id,
            name="Ciclo",
            period_unit="year",
            first_period="2025",
            last_period="2025",
            date_field="oggi",
            created_by_id=admin.id,
        ),
        "memo_id": CodingMemo(coding_project_id=study.id, author_id=admin.id, title="Nota", text="nota"),
        "attachment_id": EventAttachment(
            event_id=_first(ProgrammeEvent),
            kind="sign_in",
            name="firme.txt",
            content_type="text/plain; charset=utf-8",
            size=5,
            sha256="0" * 64,
            content=b"firme",
        ),
    }
    db.session.add_all(rows.values())
    db.session.flush()
    return rows


def unit_id(code: str) -> int:
    """An org unit's id by its code (inside an app context)."""
    return db.session.scalars(select(OrgUnit.id).where(OrgUnit.code == code)).one()


def user_id(email: str) -> int:
    return db.session.scalars(select(User.id).where(User.email == email)).one()
