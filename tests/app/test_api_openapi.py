"""The OpenAPI document of /api/v1: served publicly, valid, describing every route; and the bugs its
schemathesis run found (tests/security/test_api_schemathesis.py), each pinned by a plain test."""

import copy
import io
import re

import pytest
import schemathesis
from flask import Flask

from app import accounts
from app.api.openapi import openapi_document
from app.auth.tokens import issue_token
from app.extensions import db
from app.models import OrgUnit, Project, Submission
from tests.conftest import PASSWORD, make_app

IGNORED_METHODS = {"HEAD", "OPTIONS"}  # Flask answers these by itself for every route
_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _routed(app: Flask) -> set[tuple[str, str]]:
    """(OpenAPI path, method) for every /api/v1 rule of the URL map."""
    return {
        (_CONVERTER.sub(r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in (rule.methods or set()) - IGNORED_METHODS
    }


def _documented(document: dict) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items() for method in item}


@pytest.fixture
def bare_app() -> Flask:
    """The app without a database: the URL map and the document are all these tests read."""
    return make_app("sqlite://")


def test_every_api_route_is_documented_and_every_documented_operation_exists(bare_app):
    assert _routed(bare_app) == _documented(openapi_document())


def test_a_route_added_without_being_documented_is_noticed(bare_app):
    bare_app.add_url_rule(
        "/api/v1/forms/<int:form_id>/archive", "archive", lambda form_id: "", methods=["POST"]
    )

    missing = _routed(bare_app) - _documented(openapi_document())

    assert missing == {("/api/v1/forms/{form_id}/archive", "post")}


def test_the_document_is_valid_openapi_3_1():
    # A copy: schemathesis may annotate the schema it reads, and the app serves this very dict.
    schema = schemathesis.openapi.from_dict(copy.deepcopy(openapi_document()))

    schema.validate()  # raises on the first departure from the OpenAPI 3.1 meta-schema

    assert openapi_document()["openapi"].startswith("3.1")


def test_the_document_is_served_without_a_token_and_can_be_cached(bare_app):
    client = bare_app.test_client()

    response = client.get("/api/v1/openapi.json")
    again = client.get("/api/v1/openapi.json", headers={"If-None-Match": response.headers["ETag"]})

    assert response.status_code == 200 and response.json == openapi_document()
    assert response.headers["Cache-Control"].startswith("public")
    assert again.status_code == 304


def test_every_operation_but_the_document_itself_asks_for_the_bearer_token():
    document = openapi_document()
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    public = [
        (path, method)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if operation.get("security", document["security"]) != [{"bearerAuth": []}]
    ]

    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert public == [("/api/v1/openapi.json", "get")]


VISITS = b"""
| survey   |
|          | type         | name    | label           | required |
|          | integer      | bambini | Bambini seguiti | yes      |
|          | text         | note    | Note            |          |
|          | begin_repeat | gruppo  | Gruppo          |          |
|          | text         | nome    | Nome            |          |
|          | end_repeat   |         |                 |          |
| settings |
|          | form_id | version | form_title |
|          | visite  | 1       | Visite     |
"""


@pytest.fixture
def form(app, client, territory) -> tuple[int, str]:
    """A published form and the token of an operator (and researcher) of its project in Bari."""
    with app.app_context():
        project = Project(code="humus", name="HUMUS")
        user = accounts.create_user("rita@example.org", PASSWORD)
        for role in ("researcher", "operator"):
            accounts.grant_role(user, role, db.session.get(OrgUnit, territory.ambito_bari.id), project)
        _row, token = issue_token(user, "test")
        db.session.commit()
    upload = client.post(
        "/api/v1/forms",
        data={"xlsform": (io.BytesIO(VISITS), "visite.md")},
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.json
    return upload.json["id"], token


def test_a_versions_publication_time_is_given_in_utc_with_its_zone(client, form):
    form_id, token = form

    response = client.get(f"/api/v1/forms/{form_id}", headers={"Authorization": f"Bearer {token}"})

    published_at = response.json["versions"][0]["published_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", published_at), published_at


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"org_unit": ["ATS-BA1"]}, "org_unit"),
        ({"org_unit": 7}, "org_unit"),
        ({"instanceID": {"a": 1}}, "instanceID"),
    ],
)
def test_an_org_unit_or_instance_id_that_is_not_a_string_gets_422_and_nothing_is_stored(
    app, client, form, extra, field
):
    form_id, token = form
    body = {"data": {"bambini": 2}, **extra}

    response = client.post(
        f"/api/v1/forms/{form_id}/submissions",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )

    assert response.status_code == 422, response.json
    assert response.json["errors"] == [{"field": field, "message": f"“{field}” must be a string."}]
    with app.app_context():
        assert db.session.query(Submission).count() == 0


@pytest.mark.parametrize(
    ("query", "status"),
    [("source=form&form=%C2%B2", 404), ("num=sesso:f&per=%C2%B2", 200), ("source=form&form=%D9%A1", 404)],
)
def test_statistics_parameters_in_digits_that_are_not_ascii_are_refused_not_a_server_error(
    client, form, query, status
):
    _form_id, token = form

    response = client.get(f"/api/v1/statistics?{query}", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == status, response.json


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"data": {"bambini": 1, "note": "a\x00b"}}, "/data/note"),  # PostgreSQL refuses NUL: it was a 500
        ({"data": {"bambini": 1, "note": "a\ud800b"}}, "/data/note"),  # UTF-8 cannot encode it: a 500
        ({"data": {"bambini": 1, "note": "bell\x07"}}, "/data/note"),  # stored, but no XML reader opens it
        ({"data": {"bambini": 1, "gruppo": [{"nome": "\ufffe"}]}}, "/data/gruppo[1]/nome"),
        ({"data": {"bambini": 1}, "instanceID": "uuid:\x00"}, "instanceID"),
        ({"data": {"bambini": 1}, "org_unit": "\ud800"}, "org_unit"),
    ],
)
def test_text_an_xml_instance_cannot_hold_gets_422_naming_the_field_and_nothing_is_stored(
    app, client, form, body, field
):
    form_id, token = form

    response = client.post(
        f"/api/v1/forms/{form_id}/submissions",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )

    assert response.status_code == 422, response.json
    assert [e["field"] for e in response.json["errors"]] == [field]
    with app.app_context():
        assert db.session.query(Submission).count() == 0


def test_tabs_and_line_breaks_are_ordinary_text(app, client, form):
    form_id, token = form
    body = {"data": {"bambini": 1, "note": "riga 1\n\triga 2\r\n", "gruppo": [{"nome": "Ada\tRossi"}]}}

    response = client.post(
        f"/api/v1/forms/{form_id}/submissions", json=body, headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 201, response.json
