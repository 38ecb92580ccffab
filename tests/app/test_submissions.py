"""POST /api/v1/forms/<id>/submissions: validated by the engine, stored once, scoped to the submitter."""

import io

import pytest
from sqlalchemy import event

from app import accounts
from app.auth.tokens import issue_token
from app.extensions import db
from app.models import OrgUnit, Project, Submission
from tests.conftest import PASSWORD

VISITS = """
| survey   |
|          | type    | name     | label            | required | constraint   | constraint_message        | relevant      |
|          | integer | bambini  | Bambini seguiti  | yes      | . >= 0       | Non può essere negativo   |               |
|          | integer | maschi   | Di cui maschi    |          | . <= ${bambini} | Non più dei bambini    |               |
|          | text    | note     | Note             |          |              |                           | ${bambini} > 0 |
| settings |
|          | form_id | version | form_title |
|          | visite  | 1       | Visite     |
""".encode()


def _member(app, email: str, role: str, project_id: int, org_unit_id: int | None) -> str:
    with app.app_context():
        user = accounts.create_user(email, PASSWORD)
        unit = db.session.get(OrgUnit, org_unit_id) if org_unit_id else None
        accounts.grant_role(user, role, unit, db.session.get(Project, project_id))
        _row, token = issue_token(user, "test")
        db.session.commit()
        return token


@pytest.fixture
def setup(app, client, territory):
    with app.app_context():
        project = Project(code="humus", name="HUMUS")
        db.session.add(project)
        db.session.commit()
        project_id = project.id
    researcher = _member(app, "rita@example.org", "researcher", project_id, None)
    response = client.post(
        "/api/v1/forms",
        data={"xlsform": (io.BytesIO(VISITS), "visite.md")},
        headers={"Authorization": f"Bearer {researcher}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    return {
        "form": response.json["id"],
        "bari": _member(app, "op.bari@example.org", "operator", project_id, territory.ambito_bari.id),
        "lecce": _member(app, "op.lecce@example.org", "operator", project_id, territory.ambito_lecce.id),
        "network": _member(app, "op.all@example.org", "operator", project_id, None),
    }


def _submit(client, setup, token_name: str, body: dict, lang: str = "en"):
    headers = {"Authorization": f"Bearer {setup[token_name]}", "Accept-Language": lang}
    return client.post(f"/api/v1/forms/{setup['form']}/submissions", json=body, headers=headers)


def _rows(app) -> int:
    with app.app_context():
        return db.session.query(Submission).count()


def test_a_valid_submission_is_stored_under_the_operator_org_unit(app, client, setup):
    response = _submit(client, setup, "bari", {"data": {"bambini": 4, "maschi": 2, "note": "ok"}})

    assert response.status_code == 201, response.json
    assert response.json["instanceID"].startswith("uuid:")
    with app.app_context():
        row = db.session.query(Submission).one()
        assert (row.org_unit.code, row.data) == ("ATS-BA1", {"bambini": 4, "maschi": 2, "note": "ok"})


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"bambini": -1}, "/data/bambini", "Non può essere negativo"),
        ({"bambini": 2, "maschi": 3}, "/data/maschi", "Non più dei bambini"),
        ({"maschi": 1}, "/data/bambini", "required"),
        ({"bambini": "tre"}, "/data/bambini", ""),
        ({"bambini": 1, "sconosciuto": 1}, "sconosciuto", ""),
    ],
)
def test_an_invalid_submission_gets_422_naming_the_field_and_nothing_is_stored(
    app, client, setup, data, field, message
):
    response = _submit(client, setup, "bari", {"data": data})

    assert response.status_code == 422, response.json
    assert any(field in e["field"] and message in e["message"] for e in response.json["errors"]), (
        response.json
    )
    assert _rows(app) == 0


def test_answers_to_questions_that_are_not_relevant_are_dropped(app, client, setup):
    response = _submit(client, setup, "bari", {"data": {"bambini": 0, "note": "non pertinente"}})

    assert response.status_code == 201, response.json
    with app.app_context():
        assert db.session.query(Submission).one().data == {"bambini": 0}


def test_the_same_instance_id_with_the_same_content_answers_200_without_a_second_row(app, client, setup):
    body = {"instanceID": "uuid:7d1c2f1e-0000-4000-8000-000000000001", "data": {"bambini": 3}}
    first = _submit(client, setup, "bari", body)

    again = _submit(client, setup, "bari", body)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    assert _rows(app) == 1


def test_the_same_instance_id_with_different_content_answers_409(app, client, setup):
    instance_id = "uuid:7d1c2f1e-0000-4000-8000-000000000002"
    _submit(client, setup, "bari", {"instanceID": instance_id, "data": {"bambini": 3}})

    conflict = _submit(client, setup, "bari", {"instanceID": instance_id, "data": {"bambini": 5}})

    assert conflict.status_code == 409
    assert _rows(app) == 1


def test_a_network_wide_operator_must_name_an_org_unit_inside_their_scope(app, client, setup):
    missing = _submit(client, setup, "network", {"data": {"bambini": 1}})
    named = _submit(client, setup, "network", {"data": {"bambini": 1}, "org_unit": "ATS-LE1"})

    assert missing.status_code == 422 and named.status_code == 201
    assert _rows(app) == 1


def test_an_operator_cannot_file_a_record_for_another_ambito(app, client, setup):
    response = _submit(client, setup, "bari", {"data": {"bambini": 1}, "org_unit": "ATS-LE1"})

    assert response.status_code == 422
    assert _rows(app) == 0


def test_each_operator_lists_only_the_submissions_of_their_ambito(app, client, setup):
    _submit(client, setup, "bari", {"data": {"bambini": 1}})
    _submit(client, setup, "lecce", {"data": {"bambini": 2}})

    listed = client.get(
        f"/api/v1/forms/{setup['form']}/submissions", headers={"Authorization": f"Bearer {setup['lecce']}"}
    )

    assert [row["data"]["bambini"] for row in listed.json] == [2]


def test_errors_are_in_italian_by_default(app, client, setup):
    response = _submit(client, setup, "bari", {"data": {"bambini": 1, "sconosciuto": 1}}, lang="it")

    assert "non è un campo" in response.json["errors"][0]["message"]


def test_a_body_without_data_gets_422(client, setup):
    assert _submit(client, setup, "bari", {"answers": {}}).status_code == 422


TIMED = b"""
| survey   |
|          | type      | name    | label   | calculation |
|          | start     | inizio  |         |             |
|          | integer   | bambini | Bambini |             |
|          | calculate | oggi    |         | now()       |
| settings |
|          | form_id | version | form_title |
|          | tempi   | 1       | Tempi      |
"""


def test_resending_a_submission_whose_form_records_times_is_recognised_as_the_same(app, client, setup):
    researcher = _member(app, "rino@example.org", "researcher", 1, None)
    form_id = client.post(
        "/api/v1/forms",
        data={"xlsform": (io.BytesIO(TIMED), "tempi.md")},
        headers={"Authorization": f"Bearer {researcher}"},
        content_type="multipart/form-data",
    ).json["id"]
    body = {"instanceID": "uuid:7d1c2f1e-0000-4000-8000-000000000003", "data": {"bambini": 2}}
    headers = {"Authorization": f"Bearer {setup['bari']}"}

    first = client.post(f"/api/v1/forms/{form_id}/submissions", json=body, headers=headers)
    again = client.post(f"/api/v1/forms/{form_id}/submissions", json=body, headers=headers)

    assert (first.status_code, again.status_code) == (201, 200)


def test_on_postgresql_a_plain_submission_is_read_and_stored_without_a_transaction_of_its_own(
    app, client, setup
):
    # Two round trips, where a transaction would add BEGIN and COMMIT: the token read with the form, then
    # the one INSERT of the row with its audit event, each committing itself. The next request on the same
    # pooled connection is back in a transaction as usual.
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite's audited insert is two statements: it keeps its transaction")
        engine = db.engine
    seen: list[tuple[bool, str]] = []

    def record(_conn, cursor, statement, *_args) -> None:
        seen.append((cursor.connection.autocommit, " ".join(statement.split()[:2])))

    first = _submit(client, setup, "bari", {"data": {"bambini": 3}})  # notes the token's use: an UPDATE
    assert first.status_code == 201, first.json
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = _submit(client, setup, "bari", {"data": {"bambini": 4}})
        assert response.status_code == 201, response.json
        submitted, seen[:] = list(seen), []
        assert (
            client.get(f"/api/v1/forms/{setup['form']}/submissions", headers=_bearer(setup)).status_code
            == 200
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert [kind for _auto, kind in submitted] == ["WITH token_owner", "WITH new_submissions"]
    assert all(auto for auto, _kind in submitted)
    assert seen and not any(auto for auto, _kind in seen)
    assert _rows(app) == 2


def _bearer(setup) -> dict[str, str]:
    return {"Authorization": f"Bearer {setup['bari']}"}
