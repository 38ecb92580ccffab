"""Duplicates, conflicts and lost updates: a record is stored once, and a stale edit never overwrites.

The same instanceID arrives twice (by the API, by ODK Collect, by both, by the web page), with the same or
other answers; two people edit the same record from the same starting point. On PostgreSQL the same
attempts also run at once, from threads, the way two workers would receive them."""

import io
import re
import threading
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from app.auth.tokens import issue_token
from app.cases.identity import identity_of
from app.extensions import db
from app.models import Entity, Submission, User
from tests.app.cases_support import case_by_code, intake
from tests.app.cases_support import casework as casework  # a fixture
from tests.app.openrosa_client import device, make_member, make_project, upload
from tests.conftest import login, post_form
from tests.security.support import BOOKKEEPING, changed_tables, fingerprint

VISITS = """
| survey   |
|          | type    | name    | label           |
|          | integer | bambini | Bambini seguiti |
| settings |
|          | form_id | version | form_title |
|          | visite  | 1       | Visite     |
"""
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
ATTRIBUTE = re.compile(r'(name|value)="([^"]*)"')


@pytest.fixture
def field(app, territory):
    """A form, an operator of the Ambito di Bari with a token and a phone, and two reviewers (admins)."""
    project = make_project(app)
    admin = make_member(app, "admin@example.org", "admin", None, None)
    make_member(app, "admin2@example.org", "admin", None, None)
    form_id = upload(app, admin, project, VISITS, "visite.md")
    operator = make_member(app, "op@example.org", "operator", None, territory.ambito_bari.id)
    with app.app_context():
        _row, token = issue_token(db.session.get(User, operator), "script")
        db.session.commit()
    username, password = device(app, operator)
    return {"form": form_id, "token": token, "device": (username, password)}


def by_api(app, field, bambini: int, instance_id: str):
    body = {"data": {"bambini": bambini}, "instanceID": instance_id}
    headers = {"Authorization": f"Bearer {field['token']}"}
    return app.test_client().post(f"/api/v1/forms/{field['form']}/submissions", json=body, headers=headers)


def by_collect(app, field, bambini: int, instance_id: str):
    xml = (
        f'<data id="visite" version="1"><bambini>{bambini}</bambini>'
        f"<meta><instanceID>{instance_id}</instanceID></meta></data>"
    )
    username, password = field["device"]
    return app.test_client().post(
        "/submission",
        data={"xml_submission_file": (io.BytesIO(xml.encode()), "submission.xml", "text/xml")},
        headers={"X-OpenRosa-Version": "1.0"},
        auth=(username, password),
        content_type="multipart/form-data",
    )


def rows(app, instance_id: str) -> list[int]:
    with app.app_context():
        query = select(Submission.data).where(Submission.instance_id == instance_id)
        return [data["bambini"] for data in db.session.scalars(query)]


def snapshot(app):
    """Every table but the bookkeeping ones; device credentials too record when they were last used."""
    with app.app_context():
        return fingerprint(BOOKKEEPING | {"device_credentials"})


SENDERS = {"api": by_api, "collect": by_collect}


@pytest.mark.parametrize(("first", "second"), [("api", "api"), ("collect", "collect"), ("api", "collect")])
def test_the_same_submission_again_is_stored_once_and_acknowledged(app, field, first, second):
    instance_id = f"uuid:{uuid.uuid4()}"
    assert SENDERS[first](app, field, 3, instance_id).status_code == 201
    before = snapshot(app)

    again = SENDERS[second](app, field, 3, instance_id)

    assert again.status_code == (200 if second == "api" else 201)  # OpenRosa says success with 201 only
    assert "già" in again.get_data(as_text=True) or again.get_json()["instanceID"] == instance_id
    assert rows(app, instance_id) == [3]
    assert changed_tables(before, snapshot(app)) == []


@pytest.mark.parametrize(("first", "second"), [("api", "api"), ("collect", "collect"), ("collect", "api")])
def test_other_answers_under_a_stored_instance_id_answer_409_and_change_nothing(app, field, first, second):
    instance_id = f"uuid:{uuid.uuid4()}"
    assert SENDERS[first](app, field, 3, instance_id).status_code == 201
    before = snapshot(app)

    conflict = SENDERS[second](app, field, 4, instance_id)

    assert conflict.status_code == 409
    assert rows(app, instance_id) == [3]
    assert changed_tables(before, snapshot(app)) == []


def test_the_web_page_cannot_overwrite_a_stored_submission_by_naming_its_instance_id(app, client, field):
    instance_id = f"uuid:{uuid.uuid4()}"
    assert by_api(app, field, 3, instance_id).status_code == 201
    login(client, "op@example.org")
    before = snapshot(app)

    response = post_form(
        client,
        f"/forms/{field['form']}/fill",
        {
            "/data/bambini": "9",
            "/data/meta/instanceID": instance_id,
            "_instance_id": instance_id,
            "_action": "submit",
        },
    )

    assert response.status_code == 422
    assert rows(app, instance_id) == [3]
    assert changed_tables(before, snapshot(app)) == []


# Two people editing the same record from the same starting point.


def hidden_fields(page: str, action: str) -> dict[str, str]:
    """The hidden inputs of the form posting to `action`, as a browser would send them back."""
    start = page.index(f'action="{action}"')
    form = page[start : page.index("</form>", start)]
    fields = {}
    for tag in HIDDEN.findall(form):
        attributes = dict(ATTRIBUTE.findall(tag))
        if "name" in attributes:
            fields[attributes["name"]] = attributes.get("value", "")
    return fields


def _submission(app, field) -> int:
    assert by_api(app, field, 3, f"uuid:{uuid.uuid4()}").status_code == 201
    with app.app_context():
        return db.session.scalars(select(Submission.id).where(Submission.form_id == field["form"])).one()


def _open_edit(app, email: str, url: str, action: str | None = None):
    """Someone signing in and opening a page to edit: their client and the form's hidden fields."""
    client = app.test_client()
    login(client, email)
    page = client.get(url)
    assert page.status_code == 200
    return client, hidden_fields(page.get_data(as_text=True), action or url)


def test_a_stale_submission_edit_is_refused_and_stores_nothing(app, field):
    submission = _submission(app, field)
    url = f"/forms/{field['form']}/submissions/{submission}/edit"
    first, first_page = _open_edit(app, "admin@example.org", url)
    second, second_page = _open_edit(app, "admin2@example.org", url)

    saved = first.post(url, data={**first_page, "/data/bambini": "4", "_action": "submit"})
    before = snapshot(app)
    stale = second.post(url, data={**second_page, "/data/bambini": "5", "_action": "submit"})

    assert saved.status_code == 302
    assert stale.status_code == 409
    assert changed_tables(before, snapshot(app)) == []
    with app.app_context():
        current = db.session.scalars(
            select(Submission.data).where(Submission.form_id == field["form"], Submission.current.is_(True))
        ).all()
        assert [data["bambini"] for data in current] == [4]


def test_a_stale_case_identity_edit_is_refused(app, casework):
    intake(app.test_client(), casework)
    with app.app_context():
        case = case_by_code().id
    page, url = f"/cases/{case}", f"/cases/{case}/identity"
    first, first_fields = _open_edit(app, "lecce@example.org", page, url)
    second, second_fields = _open_edit(app, "lecce@example.org", page, url)

    saved = first.post(url, data={**first_fields, "nome": "Maria", "cognome": "Rossi"})
    stale = second.post(url, data={**second_fields, "nome": "Marta", "cognome": "Bianchi"})

    assert saved.status_code == 302
    assert stale.status_code == 409
    assert "Qualcun altro ha modificato" in stale.get_data(as_text=True)
    with app.app_context():
        assert identity_of(db.session.get(Entity, case))["nome"] == "Maria"  # the first save stands
    assert "Qualcun altro ha modificato" in stale.get_data(as_text=True)
    with app.app_context():
        assert identity_of(db.session.get(Entity, case))["nome"] == "Maria"  # the first save stands


# The same attempts at once, on PostgreSQL.


def at_once(attempts: list[Callable[[], object]]) -> list:
    """Run the attempts in threads released together; their results in order (an exception is a result)."""
    barrier = threading.Barrier(len(attempts))
    results: list = [None] * len(attempts)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = attempts[index]()
        except Exception as exc:  # noqa: BLE001 - the test reports it
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def postgres_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: real concurrency is tested on PostgreSQL")


def test_the_same_submission_sent_at_once_by_eight_clients_is_stored_once(app, field, postgres_only):
    instance_id = f"uuid:{uuid.uuid4()}"
    senders = [by_api, by_collect] * 4

    answers = at_once([lambda send=send: send(app, field, 3, instance_id).status_code for send in senders])

    assert rows(app, instance_id) == [3]
    assert sorted(answers).count(201) >= 1 and set(answers) <= {200, 201}, answers


def test_other_answers_sent_at_once_under_one_instance_id_keep_exactly_one(app, field, postgres_only):
    instance_id = f"uuid:{uuid.uuid4()}"

    answers = at_once([lambda n=n: by_api(app, field, n, instance_id).status_code for n in range(1, 7)])

    assert len(rows(app, instance_id)) == 1
    assert sorted(answers) == [201, 409, 409, 409, 409, 409], answers


def test_two_edits_of_one_version_saved_at_once_keep_one(app, field, postgres_only):
    submission = _submission(app, field)
    url = f"/forms/{field['form']}/submissions/{submission}/edit"
    editors = [_open_edit(app, email, url) for email in ("admin@example.org", "admin2@example.org")]

    answers = at_once(
        [
            lambda client=client, page=page, n=n: (
                client.post(url, data={**page, "/data/bambini": str(n), "_action": "submit"}).status_code
            )
            for n, (client, page) in enumerate(editors, start=4)
        ]
    )

    assert sorted(answers) == [302, 409], answers
    with app.app_context():
        versions = db.session.scalar(
            select(func.count(Submission.id)).where(Submission.form_id == field["form"])
        )
        current = db.session.scalars(
            select(Submission.id).where(Submission.form_id == field["form"], Submission.current.is_(True))
        ).all()
    assert (versions, len(current)) == (2, 1)
