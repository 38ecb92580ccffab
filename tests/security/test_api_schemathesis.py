"""Schemathesis against /api/v1, on both databases, as a user in scope and as one of another scope.

The cases come from the served OpenAPI document (/api/v1/openapi.json) through the WSGI app. Path and query
parameters that name objects are pinned to seeded rows, so the requests reach real forms and jobs:

- in scope, every answer keeps to the document (status code, content type, body schema) and none is 5xx;
- out of scope, every request naming the other scope's form, job or territory answers 404, as a missing id
  would, never 200, 403 or 5xx, and no row of any table changes.
"""

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app import accounts
from app.auth.tokens import issue_token
from app.extensions import db
from app.jobs import queues
from app.models import OrgUnit, Project
from tests.conftest import PASSWORD, Territory
from tests.security.support import changed_tables, fingerprint

# Cases per operation and set of cases: a run takes about half a minute per database, seeding included.
EXAMPLES = 25
RUN = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

VISITS = """
| survey   |
|          | type                            | name    | label           | required | constraint |
|          | integer                         | bambini | Bambini seguiti | yes      | . >= 0     |
|          | text                            | note    | Note            |          |            |
|          | select_one_from_file comuni.csv | comune  | Comune          |          |            |
| settings |
|          | form_id | version | form_title |
|          | {form}  | {version} | Visite   |
"""
COMUNI = b"name,label\n072006,Bari\n075035,Lecce\n"
# Answers to VISITS, right and wrong, with a few instanceIDs so that repeats (200) and conflicts (409) occur.
ANSWERS = st.fixed_dictionaries(
    {"bambini": st.integers(-2, 40)},
    optional={
        # with text no XML instance holds (NUL, a bell, a lone surrogate), which once made 500s
        "note": st.sampled_from(["a\x00b", "\x07", "\ud800", "riga\n\tdue"]) | st.text(max_size=12),
        "comune": st.sampled_from(["072006", "075035", "999999"]),
    },
)
SUBMISSIONS = st.fixed_dictionaries(
    {"data": ANSWERS},
    optional={
        "instanceID": st.sampled_from([f"uuid:7d1c2f1e-0000-4000-8000-00000000000{n}" for n in range(3)]),
        "org_unit": st.sampled_from(["ATS-BA1", "072006", "ATS-LE1", ""]),
    },
)


def _workbook_upload(form: str, version: int, without_comune: bool, project: str) -> tuple[bytes, str]:
    """A multipart body with VISITS as a markdown file (schemathesis names a file part after its field,
    and the app goes by the file's extension): a new form, a new version of one, or one that drops a
    question; with its Content-Type header."""
    workbook = VISITS.format(form=form, version=version)
    if without_comune:
        workbook = "\n".join(line for line in workbook.splitlines() if "comune" not in line)
    upload = FileStorage(io.BytesIO(workbook.encode()), f"{form}.md")
    fields = MultiDict([("xlsform", upload), ("project", project)])
    boundary, body = encode_multipart(fields, boundary="humus-upload")  # its own would draw on `random`
    return body, f"multipart/form-data; boundary={boundary}"


UPLOADS = st.builds(
    _workbook_upload,
    form=st.sampled_from(["visite", "nuova"]),
    version=st.integers(1, 4),
    without_comune=st.booleans(),
    project=st.sampled_from(["alfa", "beta", ""]),
)


@dataclass(frozen=True)
class Side:
    """One user's token and the objects of their scope: a form (with a draft version 2) and an export job."""

    token: str
    form_id: int
    job_id: int


@dataclass(frozen=True)
class World:
    inside: Side  # project "alfa", Ambito di Bari
    outside: Side  # project "beta", Ambito di Lecce


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


def _member(app: Flask, email: str, project_code: str, unit: OrgUnit) -> str:
    """A researcher and operator of one project over one Ambito: every permission the API asks for."""
    with app.app_context():
        project = Project(code=project_code, name=project_code.upper())
        user = accounts.create_user(email, PASSWORD)
        for role in ("researcher", "operator"):
            accounts.grant_role(user, role, db.session.get(OrgUnit, unit.id), project)
        _row, token = issue_token(user, "schemathesis")
        db.session.commit()
        return token


def _seed_side(client: FlaskClient, token: str, form: str) -> Side:
    """Upload a form (version 1 published, 2 a draft), its dataset, one submission and a finished export."""
    for version in (1, 2):
        upload = client.post(
            "/api/v1/forms",
            data={"xlsform": (io.BytesIO(VISITS.format(form=form, version=version).encode()), f"{form}.md")},
            headers=_auth(token),
            content_type="multipart/form-data",
        )
        assert upload.status_code == 201, upload.json
    form_id = upload.json["id"]
    dataset = client.post(
        f"/api/v1/forms/{form_id}/versions/1/attachments/comuni.csv",
        data={"file": (io.BytesIO(COMUNI), "comuni.csv")},
        headers=_auth(token),
        content_type="multipart/form-data",
    )
    assert dataset.status_code == 201, dataset.json
    body = {"data": {"bambini": 2, "note": "prima visita", "comune": "072006"}}
    submitted = client.post(f"/api/v1/forms/{form_id}/submissions", json=body, headers=_auth(token))
    assert submitted.status_code == 201, submitted.json
    export = client.post(f"/api/v1/forms/{form_id}/exports", json={"format": "csv"}, headers=_auth(token))
    assert export.status_code == 202, export.json
    queues.shutdown_local_runner(wait=True)
    assert client.get(f"/api/v1/jobs/{export.json['id']}", headers=_auth(token)).json["status"] == "done"
    return Side(token, form_id, export.json["id"])


@pytest.fixture
def world(app: Flask, client: FlaskClient, territory: Territory, tmp_path) -> Iterator[World]:
    app.instance_path = str(tmp_path / "instance")  # export files go there
    inside = _member(app, "dentro@example.org", "alfa", territory.ambito_bari)
    outside = _member(app, "fuori@example.org", "beta", territory.ambito_lecce)
    yield World(_seed_side(client, inside, "visite"), _seed_side(client, outside, "visite_beta"))
    queues.shutdown_local_runner(wait=True)  # exports the run started finish before the tables go


def _schema(app: Flask) -> BaseSchema:
    """The document the app serves, its cases sent to the app in-process (schemathesis's WSGI transport)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.validate()
    return schema


def _cases(operation: APIOperation, token: str, target: Side) -> list[SearchStrategy[Case]]:
    """Sets of cases for one operation, sent with `token`, naming `target`'s objects: schemathesis's own
    (positive and negative) and, for submissions, answers to the seeded form, so that the engine, the
    database and the instanceID rules are reached rather than a 422 for unknown fields."""
    choices = {
        "form_id": [target.form_id],
        "job_id": [target.job_id],
        "version": ["2", "1", "9"],  # the draft, the published one, none
        "name": ["comuni.csv", "altro.csv"],  # the file version 2 expects, one it does not
    }
    names = {parameter.name for parameter in operation.path_parameters}
    paths = st.fixed_dictionaries({name: st.sampled_from(choices[name]) for name in names})
    # The other scope's form and territory (Bari's Ambito) in every statistics query.
    query = {"form": str(target.form_id), "area": "ATS-BA1"} if "/statistics" in operation.path else None

    def generated(path: dict[str, object]) -> SearchStrategy[Case]:
        fixed = {"path_parameters": path, "headers": _auth(token), "query": query}
        return st.one_of(operation.as_strategy(mode, **fixed) for mode in GenerationMode)

    def answers(path: dict[str, object]) -> SearchStrategy[Case]:
        return SUBMISSIONS.flatmap(
            lambda body: operation.as_strategy(path_parameters=path, headers=_auth(token), body=body)
        )

    def uploads(upload: tuple[bytes, str]) -> SearchStrategy[Case]:
        body, content_type = upload
        return operation.as_strategy(headers={**_auth(token), "Content-Type": content_type}, body=body)

    cases = [paths.flatmap(generated)]
    if operation.method.upper() == "POST" and operation.path.endswith("submissions"):
        cases.append(paths.flatmap(answers))
    if operation.label == "POST /api/v1/forms":
        cases.append(UPLOADS.flatmap(uploads))
    return cases


def _operations(schema: BaseSchema) -> list[APIOperation]:
    return [result.ok() for result in schema.get_all_operations()]


def _names_an_object(operation: APIOperation) -> bool:
    return any(parameter.name in ("form_id", "job_id") for parameter in operation.path_parameters) or (
        "/statistics" in operation.path
    )


def _run_cases(sets: list[SearchStrategy[Case]], check: Callable[[Case], None]) -> None:
    """Run `check` on up to EXAMPLES cases of each set."""
    for cases in sets:
        RUN(given(case=cases)(check))()


def test_in_scope_answers_keep_to_the_document_and_are_never_server_errors(app, world):
    schema = _schema(app)

    succeeded: set[str] = set()

    def check(case: Case) -> None:
        response = case.call_and_validate(checks=CHECKS)
        if response.status_code < 300:
            succeeded.add(case.operation.label)

    operations = _operations(schema)
    for operation in operations:
        _run_cases(_cases(operation, world.inside.token, world.inside), check)
    # The pinned ids reach real rows: every operation did its job at least once, not only refuse.
    assert {operation.label for operation in operations} - succeeded == set()


def test_out_of_scope_objects_answer_404_and_nothing_is_written(app, world):
    schema = _schema(app)

    def check(case: Case) -> None:
        response = case.call()
        assert "Authorization" in response.request.headers  # a 401 would prove nothing about scope
        assert response.status_code == 404, f"{case.method} {case.formatted_path}: {response.status_code}"

    for operation in filter(_names_an_object, _operations(schema)):
        with app.app_context():
            before = fingerprint()
        _run_cases(_cases(operation, world.outside.token, world.inside), check)
        with app.app_context():
            assert changed_tables(before, fingerprint()) == [], f"{operation.label} wrote rows"


def test_the_other_scopes_forms_are_not_listed(app, world):
    listing = _schema(app)["/api/v1/forms"]["GET"]

    def check(case: Case) -> None:
        response = case.call_and_validate(checks=CHECKS)
        assert [form["id"] for form in response.json()] == [world.outside.form_id]

    _run_cases(_cases(listing, world.outside.token, world.inside), check)
