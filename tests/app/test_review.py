"""Reviewing submissions: states and comments, bulk updates in scope, edits as versions, history, trash."""

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app import accounts
from app.extensions import db
from app.models import (
    AuditEvent,
    Form,
    OrgUnit,
    Project,
    Submission,
    SubmissionEvent,
    User,
)
from app.surveys import services
from app.surveys import submissions as recording
from tests.conftest import PASSWORD, csrf_token, login

FAMILY = """
| survey   |
|          | type          | name     | label::Italiano (it) | label::English (en) | required | relevant       | constraint | constraint_message::Italiano (it) | constraint_message::English (en) |
|          | start         | start    |                      |                     |          |                |            |                                   |                                  |
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
MISSING_ID = 987654


@dataclass
class World:
    form_id: int
    bari: int  # a submission filed in Bari
    bari_2: int
    lecce: int  # one in Lecce


def _user(email: str, role: str, unit: OrgUnit | None, project: Project) -> User:
    user = accounts.create_user(email, PASSWORD)
    accounts.grant_role(user, role, db.session.get(OrgUnit, unit.id) if unit else None, project)
    return user


@pytest.fixture
def world(app, territory) -> World:
    """A form with two submissions in Bari and one in Lecce; Rita reviews Bari, Olga operates there."""
    with app.app_context():
        project = Project(code="humus", name="HUMUS")
        rita = _user("rita@example.org", "researcher", territory.ambito_bari, project)
        olga = _user("olga@example.org", "operator", territory.ambito_bari, project)
        lino = _user("lino@example.org", "operator", territory.ambito_lecce, project)
        _user("luca@example.org", "researcher", territory.ambito_lecce, project)
        db.session.commit()
        form = services.upload_form(rita, project, FAMILY.encode(), "famiglie.md").version.form
        answers = {
            "start": "2024-05-06T10:00:00.000+02:00",
            "bambini": 2,
            "motivo": "sostegno",
            "visita": "si",
            "figlio": [{"eta": 4}, {"eta": 9}],
        }
        ids = [
            recording.record_submission(user, form, answers, None, code, "it").submission_id
            for user, code in ((olga, "072006"), (olga, "072006"), (lino, "075035"))
        ]
        return World(form.id, *ids)


def _url(world: World, submission_id: int, action: str) -> str:
    return f"/forms/{world.form_id}/submissions/{submission_id}/{action}"


def _post(client, url: str, data: dict | None = None):
    return client.post(url, data={"csrf_token": csrf_token(client), **(data or {})})


def _row(submission_id: int) -> Submission:
    return db.session.get(Submission, submission_id)


def _rows() -> list[Submission]:
    return list(db.session.scalars(select(Submission).order_by(Submission.id)))


def _events(submission_id: int) -> list[tuple]:
    query = select(SubmissionEvent).where(SubmissionEvent.submission_id == submission_id)
    return [(e.kind, e.review_state, e.text) for e in db.session.scalars(query.order_by(SubmissionEvent.id))]


def _audit_actions() -> list[str]:
    query = select(AuditEvent.action).where(AuditEvent.action.like("submission.%"))
    return [a for a in db.session.scalars(query.order_by(AuditEvent.id)) if a != "submission.created"]


def _edit_page(client, world: World, submission_id: int) -> str:
    page = client.get(_url(world, submission_id, "edit"))
    assert page.status_code == 200, page.status_code
    return re.search(r'name="_instance_id" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def _save_edit(client, world: World, submission_id: int, instance_id: str, answers: dict[str, str]):
    fields = {
        "/data/bambini": "2",
        "/data/motivo": "sostegno",
        "/data/visita": "si",
        "_entry": ["/data/figlio[1]", "/data/figlio[2]"],
        "/data/figlio[1]/eta": "4",
        "/data/figlio[2]/eta": "9",
    }
    fields.update(answers)
    data = {"_instance_id": instance_id, "_action": "submit", **fields}
    return _post(client, _url(world, submission_id, "edit"), data)


def test_a_reviewer_sets_a_state_with_a_comment(app, client, world):
    login(client, "rita@example.org")

    response = _post(client, _url(world, world.bari, "review"), {"state": "has_issues", "comment": "Età?"})

    assert response.status_code == 302
    with app.app_context():
        assert _row(world.bari).review_state == "has_issues"
        assert _events(world.bari) == [("review", "has_issues", "Età?")]
        assert _audit_actions() == ["submission.reviewed"]


def test_a_state_only_a_server_sets_is_refused(app, client, world):
    login(client, "rita@example.org")

    response = _post(client, _url(world, world.bari, "review"), {"state": "edited"})

    assert response.status_code == 400
    with app.app_context():
        assert _row(world.bari).review_state == "received"


def test_an_operator_comments_but_cannot_approve_edit_or_delete(app, client, world):
    login(client, "olga@example.org")

    approve = _post(client, _url(world, world.bari, "review"), {"state": "approved"})
    edit = client.get(_url(world, world.bari, "edit"))
    delete = _post(client, _url(world, world.bari, "delete"))
    comment = _post(client, _url(world, world.bari, "comment"), {"comment": "Visto"})

    assert (approve.status_code, edit.status_code, delete.status_code) == (403, 403, 403)
    assert comment.status_code == 302
    with app.app_context():
        row = _row(world.bari)
        assert (row.review_state, row.deleted_at) == ("received", None)
        assert _events(world.bari) == [("comment", None, "Visto")]
        assert _audit_actions() == ["submission.commented"]


def test_the_review_panel_offers_states_to_reviewers_only(client, world):
    login(client, "rita@example.org")
    reviewer = client.get(_url(world, world.bari, "history")).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "olga@example.org")
    operator = client.get(_url(world, world.bari, "history")).get_data(as_text=True)

    assert 'name="state" id="state-approved"' in reviewer and 'name="state"' not in operator
    assert 'name="comment"' in operator


def test_bulk_review_changes_only_the_submissions_in_scope(app, client, world):
    login(client, "rita@example.org")
    ids = [str(world.bari), str(world.bari_2), str(world.lecce), str(MISSING_ID)]

    response = _post(client, f"/forms/{world.form_id}/submissions/review", {"ids": ids, "state": "approved"})

    assert response.status_code == 302
    assert "2 invii su 4" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        states = {row.id: row.review_state for row in _rows()}
        assert states == {world.bari: "approved", world.bari_2: "approved", world.lecce: "received"}
        assert _audit_actions() == ["submission.reviewed", "submission.reviewed"]


def test_bulk_review_is_refused_to_operators(app, client, world):
    login(client, "olga@example.org")

    response = _post(
        client, f"/forms/{world.form_id}/submissions/review", {"ids": [world.bari], "state": "approved"}
    )

    assert response.status_code == 403


def test_the_edit_page_shows_the_submission_answers(client, world):
    login(client, "rita@example.org")

    page = client.get(_url(world, world.bari, "edit")).get_data(as_text=True)

    assert 'name="/data/bambini"' in page and 'value="sostegno"' in page
    assert 'name="/data/figlio[2]/eta"' in page and 'value="9"' in page
    assert 'value="save_draft"' not in page


def test_an_edit_creates_a_new_version_and_keeps_the_old_one(app, client, world):
    login(client, "rita@example.org")
    new_id = _edit_page(client, world, world.bari)

    response = _save_edit(client, world, world.bari, new_id, {"/data/bambini": "3"})

    assert response.status_code == 302
    with app.app_context():
        old, new = (
            _row(world.bari),
            db.session.scalars(select(Submission).filter_by(instance_id=new_id)).one(),
        )
        assert (old.current, new.current) == (False, True)
        assert new.deprecated_id == old.instance_id and new.instance_id != old.instance_id
        assert f"<deprecatedID>{old.instance_id}</deprecatedID>" in new.xml
        assert (new.data["bambini"], new.review_state, new.org_unit_id) == (3, "edited", old.org_unit_id)
        assert new.data["start"] == old.data["start"]  # what the page cannot post is carried over
        assert _events(world.bari) == [("edit", None, new_id)]
        assert _audit_actions() == ["submission.edited"]
        assert response.headers["Location"].endswith(_url(world, new.id, "history"))


def test_an_invalid_edit_stores_nothing(app, client, world):
    login(client, "rita@example.org")
    new_id = _edit_page(client, world, world.bari)

    response = _save_edit(client, world, world.bari, new_id, {"/data/bambini": "-1"})

    assert response.status_code == 422
    assert "Non può essere negativo" in response.get_data(as_text=True)
    with app.app_context():
        assert len(_rows()) == 3 and _row(world.bari).current


def test_saving_the_same_edit_twice_stores_it_once(app, client, world):
    login(client, "rita@example.org")
    new_id = _edit_page(client, world, world.bari)

    first = _save_edit(client, world, world.bari, new_id, {"/data/bambini": "3"})
    second = _save_edit(client, world, world.bari, new_id, {"/data/bambini": "3"})

    assert (first.status_code, second.status_code) == (302, 302)
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert len(_rows()) == 4


def test_a_stale_edit_answers_409_with_both_versions_and_stores_nothing(app, client, world):
    login(client, "rita@example.org")
    mine = _edit_page(client, world, world.bari)
    theirs = _edit_page(client, world, world.bari)
    _save_edit(client, world, world.bari, theirs, {"/data/bambini": "5"})

    response = _save_edit(client, world, world.bari, mine, {"/data/bambini": "7", "/data/motivo": "trasloco"})

    page = response.get_data(as_text=True)
    assert response.status_code == 409
    side_by_side = re.search(r'data-path="/data/bambini"[^>]*>.*?</tr>', page, re.S).group(0)
    assert ">2<" in side_by_side and ">5<" in side_by_side  # the version edited and the current one
    assert "trasloco" in page  # the changes not saved, so they are not lost from sight
    with app.app_context():
        assert len(_rows()) == 4
        assert db.session.scalars(select(Submission).filter_by(instance_id=mine)).first() is None


def test_editing_an_old_version_leads_to_the_current_one(app, client, world):
    login(client, "rita@example.org")
    _save_edit(client, world, world.bari, _edit_page(client, world, world.bari), {"/data/bambini": "3"})
    with app.app_context():
        current = _rows()[-1].id

    response = client.get(_url(world, world.bari, "edit"))

    assert response.status_code == 302 and response.headers["Location"].endswith(_url(world, current, "edit"))


def test_the_history_shows_what_each_version_changed(app, client, world):
    login(client, "rita@example.org")
    _save_edit(
        client,
        world,
        world.bari,
        _edit_page(client, world, world.bari),
        {"/data/bambini": "3", "/data/figlio[2]/eta": ""},
    )
    _post(client, _url(world, world.bari, "comment"), {"comment": "Rivisto con la famiglia"})

    response = client.get(_url(world, world.bari, "history"), follow_redirects=True)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    changed = re.findall(r'<tr data-path="([^"]+)" data-kind="([^"]+)"', page)
    assert changed == [("/data/bambini", "changed"), ("/data/figlio[2]/eta", "removed")]
    assert "Bambini seguiti" in page and "Figlio 2 › Età" in page
    assert "Rivisto con la famiglia" in page
    timeline = page[page.index("timeline-heading") :]
    assert timeline.index("Rivisto con la famiglia") > timeline.index(
        'data-path="/data/bambini"'
    )  # time order


def test_deleting_hides_the_submission_and_restoring_brings_it_back(app, client, world):
    login(client, "rita@example.org")
    _save_edit(client, world, world.bari, _edit_page(client, world, world.bari), {"/data/bambini": "3"})
    with app.app_context():
        current = _rows()[-1].id

    deleted = _post(client, _url(world, current, "delete"))
    with app.app_context():
        rita, form = (
            db.session.scalars(select(User).filter_by(email="rita@example.org")).one(),
            db.session.get(Form, world.form_id),
        )
        listed_after_delete = [r.id for r in recording.submissions_in_scope(rita, form)]
        in_trash = all(r.deleted_at is not None for r in _rows() if r.id in (world.bari, current))
    page = client.get(deleted.headers["Location"]).get_data(as_text=True)
    restored = _post(client, _url(world, current, "restore"))

    assert deleted.status_code == 302 and in_trash
    assert listed_after_delete == [world.bari_2]
    assert _url(world, current, "restore") in page  # its page offers to take it back
    assert restored.status_code == 302
    with app.app_context():
        rita, form = (
            db.session.scalars(select(User).filter_by(email="rita@example.org")).one(),
            db.session.get(Form, world.form_id),
        )
        assert [r.id for r in recording.submissions_in_scope(rita, form)] == [world.bari_2, current]
        assert [kind for kind, _state, _text in _events(world.bari)] == ["edit", "delete", "restore"]
        assert _audit_actions() == ["submission.edited", "submission.deleted", "submission.restored"]


def test_a_deleted_submission_is_gone_for_those_who_cannot_restore_it(client, world):
    login(client, "rita@example.org")
    _post(client, _url(world, world.bari, "delete"))
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "olga@example.org")

    history = client.get(_url(world, world.bari, "history"))
    comment = _post(client, _url(world, world.bari, "comment"), {"comment": "?"})

    assert (history.status_code, comment.status_code) == (404, 404)


@pytest.mark.parametrize(
    ("method", "action"),
    [
        ("post", "review"),
        ("post", "comment"),
        ("get", "edit"),
        ("post", "edit"),
        ("get", "history"),
        ("post", "delete"),
        ("post", "restore"),
    ],
)
def test_submissions_out_of_scope_answer_exactly_like_missing_ones(client, world, method, action):
    login(client, "rita@example.org")
    data = {"state": "approved", "comment": "x", "_action": "submit"}

    def request(submission_id: int):
        url = _url(world, submission_id, action)
        return client.get(url) if method == "get" else _post(client, url, data)

    outside, missing = request(world.lecce), request(MISSING_ID)

    assert (outside.status_code, missing.status_code) == (404, 404)
    assert _normalised(outside, world.lecce, action) == _normalised(missing, MISSING_ID, action)


def _normalised(response, submission_id: int, action: str) -> str:
    # The page repeats its own address (language switch) and a fresh CSRF token: neither tells rows apart.
    page = response.get_data(as_text=True).replace(f"/submissions/{submission_id}/{action}", "<url>")
    return re.sub(r'name="csrf_token"( type="hidden")? value="[^"]*"', "", page)
