"""Testing a draft version: the real fill page and API, with answers kept apart from real data."""

import io
import re

import pytest

from app import accounts
from app.auth.tokens import issue_token
from app.extensions import db
from app.models import Form, OrgUnit, Project, Submission, User
from app.surveys import submissions as recording
from tests.conftest import PASSWORD, csrf_token, login

VERSION_1 = """
| survey   |
|          | type    | name    | label::Italiano (it) | label::English (en) | required |
|          | integer | bambini | Bambini seguiti      | Children followed   | yes      |
| settings |
|          | form_id  | version | form_title | default_language |
|          | famiglie | 1       | Famiglie   | Italiano (it)    |
"""

VERSION_2 = VERSION_1.replace("| famiglie | 1 ", "| famiglie | 2 ").replace(
    "| settings |",
    "|          | text    | note    | Note del servizio    | Service notes       |          |\n| settings |",
)


@pytest.fixture
def tokens(app, territory):
    """A researcher and an operator of the Ambito of Bari, with API tokens."""
    with app.app_context():
        project = Project(code="humus", name="HUMUS")
        researcher = accounts.create_user("rita@example.org", PASSWORD)
        accounts.grant_role(researcher, "researcher", None, project)
        operator = accounts.create_user("olga@example.org", PASSWORD)
        accounts.grant_role(operator, "operator", db.session.get(OrgUnit, territory.ambito_bari.id), project)
        _row, researcher_token = issue_token(researcher, "t")
        _row, operator_token = issue_token(operator, "t")
        db.session.commit()
    return {"researcher": researcher_token, "operator": operator_token}


@pytest.fixture
def form_id(client, tokens):
    """A form whose version 1 is published and version 2 is a draft with one more question."""
    first = _upload(client, tokens["researcher"], VERSION_1)
    second = _upload(client, tokens["researcher"], VERSION_2)
    assert (first["status"], second["status"]) == ("published", "draft")
    return first["id"]


def _upload(client, token: str, markdown: str) -> dict:
    response = client.post(
        "/api/v1/forms",
        data={"xlsform": (io.BytesIO(markdown.encode()), "famiglie.md")},
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    return response.json


def _draft_id(app, form_id: int) -> int:
    with app.app_context():
        return next(v.id for v in db.session.get(Form, form_id).versions if v.status == "draft")


def _test_submit(client, form_id: int, version_id: int, fields: dict):
    url = f"/forms/{form_id}/versions/{version_id}/test"
    page = client.get(url)
    instance_id = re.search(rb'name="_instance_id" value="([^"]+)"', page.data).group(1).decode()
    data = {"csrf_token": csrf_token(client), "_instance_id": instance_id, "_action": "submit", **fields}
    return client.post(url, data=data)


def test_the_test_page_shows_the_draft_with_a_warning_and_no_draft_saving(app, client, form_id):
    login(client, "rita@example.org")

    page = client.get(f"/forms/{form_id}/versions/{_draft_id(app, form_id)}/test").get_data(as_text=True)

    assert "Note del servizio" in page  # the draft's new question
    assert "Prova di una versione in bozza" in page
    assert 'value="save_draft"' not in page
    assert f'hx-post="/forms/{form_id}/versions/{_draft_id(app, form_id)}/test"' in page


def test_a_test_submission_is_stored_flagged_without_org_unit_and_its_receipt_says_so(app, client, form_id):
    login(client, "rita@example.org")
    draft_id = _draft_id(app, form_id)

    response = _test_submit(client, form_id, draft_id, {"/data/bambini": "3", "/data/note": "prova"})

    assert response.status_code == 302
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invio di prova salvato" in receipt
    assert f"/forms/{form_id}/versions/{draft_id}/test" in receipt
    with app.app_context():
        row = db.session.query(Submission).one()
        assert (row.test, row.org_unit_id, row.form_version_id) == (True, None, draft_id)
        assert row.data["note"] == "prova"


def test_an_invalid_test_submission_shows_the_messages_and_stores_nothing(app, client, form_id):
    login(client, "rita@example.org")

    response = _test_submit(client, form_id, _draft_id(app, form_id), {"/data/bambini": ""})

    assert response.status_code == 422
    assert "Prova di una versione in bozza" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Submission).count() == 0


def test_test_submissions_never_appear_among_real_data(app, client, form_id, tokens):
    login(client, "rita@example.org")
    _test_submit(client, form_id, _draft_id(app, form_id), {"/data/bambini": "3"})
    real = client.post(
        f"/api/v1/forms/{form_id}/submissions",
        json={"data": {"bambini": 5}},
        headers={"Authorization": f"Bearer {tokens['operator']}"},
    )
    assert real.status_code == 201

    listed = client.get(
        f"/api/v1/forms/{form_id}/submissions", headers={"Authorization": f"Bearer {tokens['researcher']}"}
    )

    assert [row["data"]["bambini"] for row in listed.json] == [5]


def test_the_form_page_offers_the_test_and_counts_test_submissions(app, client, form_id):
    login(client, "rita@example.org")
    draft_id = _draft_id(app, form_id)
    _test_submit(client, form_id, draft_id, {"/data/bambini": "1"})
    _test_submit(client, form_id, draft_id, {"/data/bambini": "2"})

    page = client.get(f"/forms/{form_id}").get_data(as_text=True)

    assert f'href="/forms/{form_id}/versions/{draft_id}/test"' in page
    assert "2 invii di prova" in page


def test_a_published_version_is_not_tested_but_filled(app, client, form_id):
    login(client, "rita@example.org")
    with app.app_context():
        published = next(v.id for v in db.session.get(Form, form_id).versions if v.status == "published")

    response = client.get(f"/forms/{form_id}/versions/{published}/test")

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/forms/{form_id}")


def test_an_operator_cannot_test_drafts(app, client, form_id):
    login(client, "olga@example.org")

    response = client.get(f"/forms/{form_id}/versions/{_draft_id(app, form_id)}/test")

    assert response.status_code == 403


def test_the_api_takes_test_submissions_for_a_draft_only(client, form_id, tokens):
    headers = {"Authorization": f"Bearer {tokens['researcher']}", "Accept-Language": "en"}
    url = f"/api/v1/forms/{form_id}/versions/%s/test-submissions"

    to_draft = client.post(url % "2", json={"data": {"bambini": 4}}, headers=headers)
    to_published = client.post(url % "1", json={"data": {"bambini": 4}}, headers=headers)
    to_missing = client.post(url % "9", json={"data": {"bambini": 4}}, headers=headers)

    assert to_draft.status_code == 201 and to_draft.json["test"] is True
    assert to_published.status_code == 409
    assert to_published.json["errors"][0]["message"] == "Only a draft version takes test submissions."
    assert to_missing.status_code == 404


def test_an_operator_gets_404_from_the_test_submission_api(client, form_id, tokens):
    response = client.post(
        f"/api/v1/forms/{form_id}/versions/2/test-submissions",
        json={"data": {"bambini": 4}},
        headers={"Authorization": f"Bearer {tokens['operator']}"},
    )

    assert response.status_code == 404


def test_real_answers_are_never_stored_against_a_draft(app, form_id):
    with app.app_context():
        form = db.session.get(Form, form_id)
        draft = next(v for v in form.versions if v.status == "draft")
        operator = db.session.query(User).filter_by(email="olga@example.org").one()

        with pytest.raises(recording.SubmissionRefused) as refused:
            recording.record_submission(operator, form, {"bambini": 1}, None, None, "en", version=draft)

    assert refused.value.status == 409
    assert str(refused.value) == "Una versione in bozza riceve solo invii di prova."
