"""The XLSForm corpus through the whole app: upload, fill page, empty submission — never a 5xx."""

import io
import json
from pathlib import Path

import pytest

from app import accounts
from app.auth.tokens import issue_token
from app.extensions import db
from app.models import OrgUnit, Project
from tests.conftest import PASSWORD, login

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "xlsform-corpus" / "pyxform"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
ACCEPTED = [e["file"] for e in MANIFEST if e["expected"] == "ok"]
REFUSED = [e["file"] for e in MANIFEST if e["expected"] != "ok"]


@pytest.fixture
def people(app, client, territory):
    with app.app_context():
        project = Project(code="corpus", name="Corpus")
        researcher = accounts.create_user("rita@example.org", PASSWORD)
        accounts.grant_role(researcher, "researcher", None, project)
        operator = accounts.create_user("olga@example.org", PASSWORD)
        accounts.grant_role(operator, "operator", db.session.get(OrgUnit, territory.ambito_bari.id), project)
        tokens = {"researcher": issue_token(researcher, "t")[1], "operator": issue_token(operator, "t")[1]}
        db.session.commit()
    login(client, "olga@example.org")
    return tokens


def _upload(client, token: str, name: str):
    path = CORPUS / name
    return client.post(
        "/api/v1/forms",
        data={"xlsform": (io.BytesIO(path.read_bytes()), path.name)},
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("name", ACCEPTED)
def test_a_corpus_form_uploads_renders_and_answers_an_empty_submission_without_a_5xx(client, people, name):
    uploaded = _upload(client, people["researcher"], name)
    assert uploaded.status_code == 201, uploaded.json

    page = client.get(f"/forms/{uploaded.json['id']}/fill")
    empty = client.post(
        f"/api/v1/forms/{uploaded.json['id']}/submissions",
        json={"data": {}},
        headers={"Authorization": f"Bearer {people['operator']}"},
    )

    assert page.status_code == 200
    assert empty.status_code in (201, 422), empty.json
    if empty.status_code == 422:
        assert all(error["field"] and error["message"] for error in empty.json["errors"])


@pytest.mark.parametrize("name", REFUSED)
def test_a_corpus_form_odk_would_refuse_gets_400_naming_the_problem(client, people, name):
    refused = _upload(client, people["researcher"], name)

    assert refused.status_code == 400
    assert refused.json["errors"] and all(error["message"] for error in refused.json["errors"])
