"""The web fill page: rendering from the engine, live refresh, repeats, submission with a receipt."""

import io
import re

import pytest

from app import accounts
from app.auth.tokens import issue_token
from app.extensions import db
from app.models import OrgUnit, Project, Submission
from tests.conftest import PASSWORD, csrf_token, login

FAMILY = """
| survey   |
|          | type          | name     | label::Italiano (it) | label::English (en) | required | relevant       | constraint | constraint_message::Italiano (it) | constraint_message::English (en) |
|          | integer       | bambini  | Bambini seguiti      | Children followed   | yes      |                | . >= 0     | Non può essere negativo           | Cannot be negative               |
|          | text          | motivo   | Motivo               | Reason              |          | ${bambini} > 0 |            |                                   |                                  |
|          | select_one sn | visita   | Visita domiciliare   | Home visit          |          |                |            |                                   |                                  |
|          | begin_repeat  | figlio   | Figlio               | Child               |          |                |            |                                   |                                  |
|          | integer       | eta      | Età                  | Age                 |          |                |            |                                   |                                  |
|          | end_repeat    |          |                      |                     |          |                |            |                                   |                                  |
| choices  |
|          | list_name | name | label::Italiano (it) | label::English (en) |
|          | sn        | si   | Sì                   | Yes                 |
|          | sn        | no   | No                   | No                  |
| settings |
|          | form_id  | version | form_title | default_language |
|          | famiglie | 1       | Famiglie   | Italiano (it)    |
"""


@pytest.fixture
def form_id(app, client, territory):
    with app.app_context():
        project = Project(code="humus", name="HUMUS")
        researcher = accounts.create_user("rita@example.org", PASSWORD)
        accounts.grant_role(researcher, "researcher", None, project)
        operator = accounts.create_user("olga@example.org", PASSWORD)
        accounts.grant_role(operator, "operator", db.session.get(OrgUnit, territory.ambito_bari.id), project)
        _row, token = issue_token(researcher, "t")
        db.session.commit()
    response = client.post(
        "/api/v1/forms",
        data={"xlsform": (io.BytesIO(FAMILY.encode()), "famiglie.md")},
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    login(client, "olga@example.org")
    return response.json["id"]


def _post(client, form_id, fields: dict, **headers):
    page = client.get(f"/forms/{form_id}/fill")
    instance_id = re.search(rb'name="_instance_id" value="([^"]+)"', page.data).group(1).decode()
    data = {"csrf_token": csrf_token(client), "_instance_id": instance_id, **fields}
    return client.post(f"/forms/{form_id}/fill", data=data, headers=headers), instance_id


def test_the_fill_page_renders_the_form_in_italian_with_its_questions(client, form_id):
    page = client.get(f"/forms/{form_id}/fill").get_data(as_text=True)

    assert "Bambini seguiti" in page and "Visita domiciliare" in page and "Sì" in page
    assert 'name="/data/bambini"' in page and 'type="number"' in page


def test_a_question_appears_when_its_relevance_becomes_true(client, form_id):
    hidden, _id = _post(client, form_id, {"/data/bambini": "0"}, **{"HX-Request": "true"})
    shown, _id = _post(client, form_id, {"/data/bambini": "2"}, **{"HX-Request": "true"})

    assert re.search(r'data-path="/data/motivo"[^>]*', hidden.get_data(as_text=True))
    assert '<div class="humus-widget mb-4" hidden data-path="/data/motivo">' in hidden.get_data(as_text=True)
    assert '<div class="humus-widget mb-4" data-path="/data/motivo">' in shown.get_data(as_text=True)
    assert "<html" not in shown.get_data(as_text=True)  # htmx gets the body only


def test_a_constraint_message_appears_as_the_user_types(client, form_id):
    response, _id = _post(client, form_id, {"/data/bambini": "-1"}, **{"HX-Request": "true"})

    assert "Non può essere negativo" in response.get_data(as_text=True)


def test_adding_an_entry_of_a_repeat_shows_a_second_one(client, form_id):
    response, _id = _post(client, form_id, {"_entry": "/data/figlio[1]", "_action": "add:/data/figlio"})

    assert 'name="/data/figlio[2]/eta"' in response.get_data(as_text=True)


def test_submitting_stores_the_answers_and_shows_a_receipt(app, client, form_id):
    fields = {
        "/data/bambini": "2",
        "/data/motivo": "sostegno",
        "/data/visita": "si",
        "_entry": ["/data/figlio[1]", "/data/figlio[2]"],
        "/data/figlio[1]/eta": "4",
        "/data/figlio[2]/eta": "9",
        "_action": "submit",
    }

    response, instance_id = _post(client, form_id, fields)

    assert response.status_code == 302
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert instance_id in receipt
    with app.app_context():
        row = db.session.query(Submission).one()
        assert row.data["figlio"] == [{"eta": 4}, {"eta": 9}]
        assert row.org_unit.code == "ATS-BA1"


def test_a_double_submit_stores_once(app, client, form_id):
    page = client.get(f"/forms/{form_id}/fill")
    instance_id = re.search(rb'name="_instance_id" value="([^"]+)"', page.data).group(1).decode()
    data = {
        "csrf_token": csrf_token(client),
        "_instance_id": instance_id,
        "/data/bambini": "1",
        "_action": "submit",
    }

    first = client.post(f"/forms/{form_id}/fill", data=data)
    second = client.post(f"/forms/{form_id}/fill", data=data)

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.query(Submission).count() == 1


def test_a_missing_required_answer_is_shown_and_nothing_is_stored(app, client, form_id):
    response, _id = _post(client, form_id, {"_action": "submit"})

    assert response.status_code == 422
    assert 'id="e-/data/bambini"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Submission).count() == 0


def test_the_form_can_be_shown_in_english(client, form_id):
    response, _id = _post(client, form_id, {"_language": "English (en)"}, **{"HX-Request": "true"})

    assert "Children followed" in response.get_data(as_text=True)


def test_a_receipt_is_shown_only_to_the_person_who_submitted(app, client, form_id, territory):
    response, _id = _post(client, form_id, {"/data/bambini": "1", "_action": "submit"})
    with app.app_context():
        other = accounts.create_user("otto@example.org", PASSWORD)
        project = db.session.query(Project).one()
        accounts.grant_role(other, "operator", db.session.get(OrgUnit, territory.ambito_bari.id), project)
        db.session.commit()
    login(client, "otto@example.org")

    assert client.get(response.headers["Location"]).status_code == 404


def test_a_draft_is_saved_listed_resumed_and_forgotten_once_submitted(app, client, form_id):
    saved, instance_id = _post(client, form_id, {"/data/bambini": "3", "_action": "save_draft"})
    with app.app_context():
        from app.models import SubmissionDraft

        draft_id = db.session.query(SubmissionDraft).one().id

    listed = client.get(f"/forms/{form_id}").get_data(as_text=True)
    resumed = client.get(f"/forms/{form_id}/fill?_draft={draft_id}").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(client),
        "_instance_id": instance_id,
        "_draft": draft_id,
        "/data/bambini": "3",
        "_action": "submit",
    }
    submitted = client.post(f"/forms/{form_id}/fill", data=data)

    assert saved.status_code == 200 and f"_draft={draft_id}" in listed
    assert 'value="3"' in resumed and instance_id in resumed
    assert submitted.status_code == 302
    with app.app_context():
        assert db.session.query(SubmissionDraft).count() == 0
        assert db.session.query(Submission).one().instance_id == instance_id


def test_someone_else_draft_answers_404(app, client, form_id, territory):
    _post(client, form_id, {"/data/bambini": "3", "_action": "save_draft"})
    with app.app_context():
        from app.models import SubmissionDraft

        draft_id = db.session.query(SubmissionDraft).one().id
        other = accounts.create_user("otto2@example.org", PASSWORD)
        accounts.grant_role(
            other,
            "operator",
            db.session.get(OrgUnit, territory.ambito_bari.id),
            db.session.query(Project).one(),
        )
        db.session.commit()
    login(client, "otto2@example.org")

    assert client.get(f"/forms/{form_id}/fill?_draft={draft_id}").status_code == 404
