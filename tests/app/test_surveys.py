"""Uploading XLSForms, versions and publishing, in the UI and through /api/v1/forms."""

import io
from pathlib import Path

import pytest

from app import accounts
from app.auth.tokens import issue_token
from app.extensions import db
from app.models import Form, FormVersion, Project, User
from tests.conftest import PASSWORD, login, post_form

DOMAIN_FORMS = Path(__file__).resolve().parents[3] / "shared" / "domain" / "forms"

SURVEY = b"""
| survey   |
|          | type    | name  | label          | constraint | constraint_message |
|          | integer | bimbi | Bambini seguiti | . >= 0     | Non negativo       |
| settings |
|          | form_id | version | form_title |
|          | visite  | 1       | Visite     |
"""

BROKEN = b"""
| survey |
|        | type | name  | label |
|        | txt  | nome  | Nome  |
"""


@pytest.fixture
def projects(app):
    with app.app_context():
        humus = Project(code="humus", name="HUMUS Puglia")
        pippi = Project(code="pippi", name="PIPPI")
        db.session.add_all([humus, pippi])
        db.session.commit()
        return {"humus": humus.id, "pippi": pippi.id}


def _member(app, email: str, role: str, project_id: int) -> str:
    """A user with a role in one project; returns an API token."""
    with app.app_context():
        user = accounts.create_user(email, PASSWORD)
        accounts.grant_role(user, role, None, db.session.get(Project, project_id))
        _row, token = issue_token(user, "test")
        db.session.commit()
        return token


@pytest.fixture
def researcher(app, projects) -> str:
    return _member(app, "rita@example.org", "researcher", projects["humus"])


def _upload(client, token, content: bytes, filename: str = "visite.md", lang: str = "it", publish="", **form):
    data = {"xlsform": (io.BytesIO(content), filename), **form}
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": lang}
    url = f"/api/v1/forms?publish={publish}" if publish else "/api/v1/forms"
    return client.post(url, data=data, headers=headers, content_type="multipart/form-data")


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        return db.session.query(Form).count(), db.session.query(FormVersion).count()


def test_uploading_a_new_form_through_the_api_publishes_it(app, client, researcher):
    response = _upload(client, researcher, SURVEY)

    assert response.status_code == 201, response.json
    assert {k: response.json[k] for k in ("form_id", "version", "title")} == {
        "form_id": "visite",
        "version": "1",
        "title": "Visite",
    }
    headers = {"Authorization": f"Bearer {researcher}"}
    versions = client.get(f"/api/v1/forms/{response.json['id']}", headers=headers).json["versions"]
    assert [(v["version"], v["status"]) for v in versions] == [("1", "published")]
    assert response.json["fill_url"].endswith(f"/forms/{response.json['id']}/fill")


@pytest.mark.parametrize(("lang", "phrase"), [("it", "sconosciuto"), ("en", "Unknown question type")])
def test_a_bad_form_gets_400_with_sheet_row_column_in_the_user_language(
    app, client, researcher, lang, phrase
):
    response = _upload(client, researcher, BROKEN, lang=lang)

    assert response.status_code == 400
    [error] = response.json["errors"]
    assert (error["sheet"], error["row"]) == ("survey", 2)
    assert phrase.lower() in error["message"].lower()
    assert _counts(app) == (0, 0)


def test_the_same_version_twice_is_refused_and_nothing_changes(app, client, researcher):
    _upload(client, researcher, SURVEY)

    again = _upload(client, researcher, SURVEY)

    assert again.status_code == 400
    assert "1" in again.json["errors"][0]["message"]
    assert _counts(app) == (1, 1)


def test_a_new_version_stays_a_draft_until_published_in_the_ui(app, client, researcher):
    first = _upload(client, researcher, SURVEY).json
    _upload(client, researcher, SURVEY.replace(b"| 1       |", b"| 2       |"))
    login(client, "rita@example.org")
    with app.app_context():
        draft = db.session.query(FormVersion).filter_by(version="2").one()
        assert draft.status == "draft"

    response = post_form(client, f"/forms/{first['id']}/versions/{draft.id}/publish")

    assert response.status_code == 302
    with app.app_context():
        statuses = {v.version: v.status for v in db.session.query(FormVersion)}
    assert statuses == {"1": "superseded", "2": "published"}


def test_an_operator_cannot_upload_forms(app, client, projects):
    token = _member(app, "op@example.org", "operator", projects["humus"])

    assert _upload(client, token, SURVEY).status_code == 403
    assert _counts(app) == (0, 0)


def test_forms_of_another_project_answer_404(app, client, researcher, projects):
    form_id = _upload(client, researcher, SURVEY).json["id"]
    outsider = _member(app, "pia@example.org", "researcher", projects["pippi"])
    headers = {"Authorization": f"Bearer {outsider}"}

    assert client.get(f"/api/v1/forms/{form_id}", headers=headers).status_code == 404
    assert client.get("/api/v1/forms", headers=headers).json == []
    login(client, "pia@example.org")
    assert client.get(f"/forms/{form_id}").status_code == 404


def test_a_user_of_two_projects_must_say_which_one(app, client, researcher, projects):
    with app.app_context():
        user = db.session.query(User).filter_by(email="rita@example.org").one()
        accounts.grant_role(user, "researcher", None, db.session.get(Project, projects["pippi"]))
        db.session.commit()

    ambiguous = _upload(client, researcher, SURVEY)
    chosen = _upload(client, researcher, SURVEY, project="pippi")

    assert ambiguous.status_code == 400 and chosen.status_code == 201
    assert chosen.json["project"] == "pippi"


def test_the_original_xlsform_and_the_xform_can_be_downloaded(app, client, researcher):
    form_id = _upload(client, researcher, SURVEY).json["id"]
    login(client, "rita@example.org")
    with app.app_context():
        version_id = db.session.query(FormVersion).one().id

    original = client.get(f"/forms/{form_id}/versions/{version_id}/xlsform")
    xform = client.get(f"/forms/{form_id}/versions/{version_id}/xform")

    assert original.data == SURVEY
    assert b"<h:html" in xform.data and "attachment" in xform.headers["Content-Disposition"]


def test_the_upload_page_lists_each_problem_with_its_location(app, client, researcher, projects):
    login(client, "rita@example.org")

    page = post_form(
        client, "/forms/upload", {"xlsform": (io.BytesIO(BROKEN), "nome.md"), "project": projects["humus"]}
    )

    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "survey" in text and "txt" in text and 'role="alert"' in text
    assert _counts(app) == (0, 0)


@pytest.mark.parametrize(
    "name", ["monitoraggio_servizi.xlsx", "cartella_sociale.xlsx", "valutazione_formazione.xlsx"]
)
def test_the_domain_forms_upload(app, client, researcher, name):
    response = _upload(client, researcher, (DOMAIN_FORMS / name).read_bytes(), filename=name)

    assert response.status_code == 201, response.json


WITH_DATASET = b"""
| survey   |
|          | type                                  | name   | label  |
|          | select_one_from_file comuni.csv       | comune | Comune |
| settings |
|          | form_id | version | form_title |
|          | dataset | 1       | Dataset    |
"""


def test_a_missing_dataset_is_listed_and_can_be_uploaded(app, client, researcher):
    form_id = _upload(client, researcher, WITH_DATASET, filename="dataset.md").json["id"]
    login(client, "rita@example.org")
    with app.app_context():
        version_id = db.session.query(FormVersion).one().id
    before = client.get(f"/forms/{form_id}").get_data(as_text=True)

    post_form(
        client,
        f"/forms/{form_id}/versions/{version_id}/attachments/comuni.csv",
        {"file": (io.BytesIO(b"name,label\n072006,Bari\n"), "comuni.csv")},
    )

    after = client.get(f"/forms/{form_id}").get_data(as_text=True)
    assert "comuni.csv" in before and ("missing" in before or "mancante" in before)
    assert "mancante" not in after and "missing" not in after


def test_a_dataset_that_is_not_utf8_csv_is_refused_and_nothing_is_stored(app, client, researcher):
    form_id = _upload(client, researcher, WITH_DATASET, filename="dataset.md").json["id"]
    login(client, "rita@example.org")
    with app.app_context():
        version_id = db.session.query(FormVersion).one().id

    post_form(
        client,
        f"/forms/{form_id}/versions/{version_id}/attachments/comuni.csv",
        {"file": (io.BytesIO("name,label\n1,Città\n".encode("latin-1")), "comuni.csv")},
    )

    with app.app_context():
        assert db.session.query(FormVersion).one().attachments[0].md5 is None


SURVEY_V2_WITHOUT_QUESTION = b"""
| survey   |
|          | type | name | label |
|          | text | nota | Nota  |
| settings |
|          | form_id | version | form_title |
|          | visite  | 2       | Visite     |
"""


def test_a_version_that_drops_a_question_is_not_published_without_confirmation(app, client, researcher):
    _upload(client, researcher, SURVEY)

    held = _upload(client, researcher, SURVEY_V2_WITHOUT_QUESTION, publish="true")

    assert held.status_code == 201
    assert held.json["status"] == "draft" and held.json["version"] == "1"
    assert any(c["reshapes"] and c["path"] == "/data/bimbi" for c in held.json["changes"])


def test_confirming_publishes_a_reshaping_version(app, client, researcher):
    _upload(client, researcher, SURVEY)
    form_id = _upload(client, researcher, SURVEY_V2_WITHOUT_QUESTION).json["id"]
    login(client, "rita@example.org")
    with app.app_context():
        draft_id = db.session.query(FormVersion).filter_by(version="2").one().id
    page = client.get(f"/forms/{form_id}").get_data(as_text=True)

    refused = post_form(client, f"/forms/{form_id}/versions/{draft_id}/publish")
    with app.app_context():
        still = db.session.get(FormVersion, draft_id).status
    post_form(client, f"/forms/{form_id}/versions/{draft_id}/publish", {"confirm": "yes"})

    assert "/data/bimbi" in page and 'name="confirm"' in page
    assert refused.status_code == 302 and still == "draft"
    with app.app_context():
        assert db.session.get(FormVersion, draft_id).status == "published"


def test_a_dataset_can_be_uploaded_through_the_api(app, client, researcher):
    form_id = _upload(client, researcher, WITH_DATASET, filename="dataset.md").json["id"]
    headers = {"Authorization": f"Bearer {researcher}"}

    stored = client.post(
        f"/api/v1/forms/{form_id}/versions/1/attachments/comuni.csv",
        data={"file": (io.BytesIO(b"name,label\n072006,Bari\n"), "comuni.csv")},
        headers=headers,
        content_type="multipart/form-data",
    )
    unknown = client.post(
        f"/api/v1/forms/{form_id}/versions/1/attachments/altro.csv",
        data={"file": (io.BytesIO(b"name,label\n"), "altro.csv")},
        headers=headers,
        content_type="multipart/form-data",
    )

    assert stored.status_code == 201 and stored.json["size"] == 23
    assert unknown.status_code == 400


def test_a_refused_version_leaves_nothing_behind_for_a_later_commit(app, client, researcher):
    from app.surveys import services

    _upload(client, researcher, SURVEY)
    with app.app_context():
        user = db.session.query(User).filter_by(email="rita@example.org").one()
        renamed = SURVEY.replace(b"| Visite     |", b"| Altro titolo |")
        with pytest.raises(services.SurveyError):
            services.upload_form(
                user, db.session.query(Project).filter_by(code="humus").one(), renamed, "visite.md"
            )
        db.session.commit()  # whatever the request does next must not store the half-made change

        assert db.session.query(Form).one().title == "Visite"
