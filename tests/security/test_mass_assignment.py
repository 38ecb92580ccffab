"""Mass assignment and out-of-scope choices: a request may only change what its form offers, within scope.

Two kinds of attack, on the seeded demo: fields a form does not offer (owner, org unit, status, role,
project...) added to a legitimate request must have no effect; and a field a form does offer (an org unit
to file under) given a value outside the user's scope must be refused with nothing stored."""

import uuid

import pytest
from sqlalchemy import select

from app.auth import passwords
from app.auth.tokens import issue_token
from app.demo import PROJECT_CODE
from app.extensions import db
from app.models import (
    CodingProject,
    Enrolment,
    Entity,
    Project,
    RoleAssignment,
    Submission,
    SubmissionEvent,
    TrainingEdition,
    User,
)
from app.surveys import services
from app.surveys.submissions import record_submission
from tests.conftest import csrf_token
from tests.security.demo_world import (
    BARI_OPERATOR,
    EVALUATOR,
    LECCE_ADMIN,
    LECCE_OPERATOR,
    PASSWORD,
    RESEARCHER,
    VIEWER,
    SeededApp,
    unit_id,
    user_id,
)
from tests.security.support import changed_tables, fingerprint

VISITS = """
| survey   |
|          | type    | name    | label           |
|          | integer | bambini | Bambini seguiti |
| settings |
|          | form_id         | version | form_title      |
|          | visite_sicurezza | 1       | Visite sicurezza |
"""
# Fields no form of these pages offers, naming another owner, scope, state or role.
EXTRAS = {
    "id": "1",
    "user_id": "1",
    "owner": "1",
    "owner_id": "1",
    "created_by": "1",
    "created_by_id": "1",
    "submitter_id": "1",
    "actor_id": "1",
    "org_unit_id": "1",
    "project_id": "987",
    "status": "chiusa",
    "state": "approved",
    "review_state": "approved",
    "role": "admin",
    "active": "0",
    "email": "preso@example.org",
    "locale": "en",
    "tier": "aggiornamento",
    "edition_id": "987",
    "label": "ALTRO",
    "pseudonym": "MIN-FALSO",
    "entity_list_id": "987",
}


@pytest.fixture(scope="module")
def visits(seeded: SeededApp) -> dict:
    """A small form of the demo project and one Lecce submission of it: (form id, submission id)."""
    with seeded.app.app_context():
        project = db.session.scalars(select(Project).where(Project.code == PROJECT_CODE)).one()
        author = db.session.get(User, user_id(RESEARCHER))
        form = services.upload_form(author, project, VISITS.encode(), "visite.md").version.form
        lecce = db.session.get(User, user_id(LECCE_OPERATOR))
        recorded = record_submission(lecce, form, {"bambini": 3}, None, None, "it")
        return {"form": form.id, "submission": recorded.submission_id, "project": project.id}


def snapshot(seeded):
    with seeded.app.app_context():
        return fingerprint()


def row_values(seeded, model, row_id: int, *columns: str) -> dict:
    with seeded.app.app_context():
        row = db.session.get(model, row_id)
        return {name: getattr(row, name) for name in columns}


# Fields the form does not offer.


def test_ones_own_account_page_changes_the_password_and_nothing_else(seeded):
    client = seeded.client(VIEWER)
    with seeded.app.app_context():
        me = user_id(VIEWER)
        roles = _roles(me)
    columns = ("email", "name", "active", "locale")
    before = row_values(seeded, User, me, *columns)
    new = "Una-nuova-password-lunga-3"
    data = {"pw-current": PASSWORD, "pw-new": new, "pw-confirm": new, **EXTRAS, "org_unit": "network"}

    response = client.post("/account", data={**data, "csrf_token": csrf_token(client)})

    assert response.status_code == 302
    assert row_values(seeded, User, me, *columns) == before
    with seeded.app.app_context():
        assert _roles(me) == roles
        assert passwords.verify_password(db.session.get(User, me).password_hash, new)


def _roles(user: int) -> list:
    query = select(RoleAssignment.role, RoleAssignment.org_unit_id, RoleAssignment.project_id)
    return sorted(db.session.execute(query.where(RoleAssignment.user_id == user)).all())


def test_a_case_identity_edit_changes_the_identity_and_nothing_else(seeded):
    client = seeded.client(LECCE_OPERATOR)
    with seeded.app.app_context():
        case = db.session.scalars(
            select(Entity.id).where(Entity.org_unit_id == unit_id("ATS-LECCE")).order_by(Entity.id)
        ).first()
    columns = ("org_unit_id", "label", "properties", "entity_list_id", "uuid", "conflict")
    before = row_values(seeded, Entity, case, *columns)
    pseudonym = row_values(seeded, Entity, case, "pseudonym")["pseudonym"]
    identity = {"nome": "Mario", "cognome": "Rossi", "codice_fiscale": "RSSMRA85T10A562S"}

    response = client.post(
        f"/cases/{case}/identity",
        data={
            **identity,
            **EXTRAS,
            "org_unit": str(unit_id_of(seeded, "ATS-BARI")),
            "csrf_token": csrf_token(client),
        },
    )

    assert response.status_code == 302
    assert row_values(seeded, Entity, case, *columns) == before
    assert row_values(seeded, Entity, case, "pseudonym")["pseudonym"] not in (None, pseudonym, "MIN-FALSO")


def unit_id_of(seeded, code: str) -> int:
    with seeded.app.app_context():
        return unit_id(code)


def test_a_submission_edit_stays_in_its_org_unit_with_the_editor_as_submitter(seeded, visits):
    client = seeded.client(LECCE_ADMIN)  # reviewers edit; operators only fill
    url = f"/forms/{visits['form']}/submissions/{visits['submission']}/edit"
    page = client.get(url)
    assert page.status_code == 200
    base = row_values(seeded, Submission, visits["submission"], "org_unit_id", "instance_id")
    posted = {
        "/data/bambini": "5",
        "_action": "submit",
        "_org_unit": "ATS-BARI",
        "/data/meta/deprecatedID": "uuid:falso",
        **EXTRAS,
        "csrf_token": csrf_token(client),
    }

    response = client.post(url, data=posted)

    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with seeded.app.app_context():
        new = db.session.scalars(
            select(Submission).where(Submission.deprecated_id == base["instance_id"])
        ).one()
        assert (new.org_unit_id, new.submitter_id) == (base["org_unit_id"], user_id(LECCE_ADMIN))
        assert new.review_state == "edited"
        assert new.data["bambini"] == 5


def test_a_comment_is_a_comment_by_its_author_whatever_else_is_posted(seeded, visits):
    client = seeded.client(LECCE_ADMIN)
    with seeded.app.app_context():
        current = db.session.scalars(
            select(Submission).where(Submission.form_id == visits["form"], Submission.current.is_(True))
        ).one()
        current_id, state = current.id, current.review_state
        events = db.session.scalar(select(db.func.count(SubmissionEvent.id)))

    response = client.post(
        f"/forms/{visits['form']}/submissions/{current_id}/comment",
        data={"comment": "Visto", "kind": "delete", **EXTRAS, "csrf_token": csrf_token(client)},
    )

    assert response.status_code == 302
    with seeded.app.app_context():
        added = db.session.scalars(select(SubmissionEvent).order_by(SubmissionEvent.id.desc())).first()
        assert db.session.scalar(select(db.func.count(SubmissionEvent.id))) == events + 1
        assert (added.kind, added.actor_id, added.text) == ("comment", user_id(LECCE_ADMIN), "Visto")
        assert db.session.get(Submission, current_id).review_state == state


def test_an_enrolment_goes_to_the_edition_in_the_address_with_the_tier_its_years_give(seeded):
    client = seeded.client(EVALUATOR)
    with seeded.app.app_context():
        edition = db.session.scalars(select(TrainingEdition.id)).first()

    response = client.post(
        f"/training/editions/{edition}/enrolments",
        data={"code": "SIC-001", "years": "1", "org_unit": "0", **EXTRAS, "csrf_token": csrf_token(client)},
    )

    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    with seeded.app.app_context():
        enrolment = db.session.scalars(select(Enrolment).where(Enrolment.participant_code == "SIC-001")).one()
        assert (enrolment.edition_id, enrolment.tier, enrolment.org_unit_id) == (edition, "start_up", None)


def test_a_study_keeps_its_project_org_unit_and_creator_when_its_settings_are_saved(seeded):
    client = seeded.client(RESEARCHER)
    with seeded.app.app_context():
        study = db.session.scalars(select(CodingProject)).first()
        study_id, project_id, unit = study.id, study.project_id, study.org_unit_id
        other = Project(code="altro", name="Altro progetto")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    columns = ("project_id", "org_unit_id", "created_by_id")
    before = row_values(seeded, CodingProject, study_id, *columns)
    page = client.get(f"/transcripts/studies/{study_id}/settings")
    assert page.status_code == 200
    data = {
        "name": "Studio rinominato",
        "description": "",
        "language": "it",
        "turn_pattern": "",
        "project": str(project_id),
        "org_unit": str(unit or 0),
        **EXTRAS,
        "csrf_token": csrf_token(client),
    }

    moved = client.post(f"/transcripts/studies/{study_id}/settings", data={**data, "project": str(other_id)})
    saved = client.post(f"/transcripts/studies/{study_id}/settings", data=data)

    assert moved.status_code == 422
    assert saved.status_code == 302, saved.get_data(as_text=True)[-1500:]
    assert row_values(seeded, CodingProject, study_id, *columns) == before
    assert row_values(seeded, CodingProject, study_id, "name")["name"] == "Studio rinominato"


# Offered fields given a value outside the user's scope.


def test_a_bari_operator_cannot_file_a_web_submission_under_lecce(seeded, visits):
    client = seeded.client(BARI_OPERATOR)
    before = snapshot(seeded)

    response = client.post(
        f"/forms/{visits['form']}/fill",
        data={
            "/data/bambini": "2",
            "_action": "submit",
            "_org_unit": "ATS-LECCE",
            "csrf_token": csrf_token(client),
        },
    )

    assert response.status_code == 422
    assert "fuori dalla tua competenza: ATS-LECCE" in response.get_data(as_text=True)
    assert changed_tables(before, snapshot(seeded)) == []


def test_a_bari_token_cannot_file_an_api_submission_under_lecce(seeded, visits):
    with seeded.app.app_context():
        _row, token = issue_token(db.session.get(User, user_id(BARI_OPERATOR)), "script")
        db.session.commit()
    before = snapshot(seeded)
    body = {"data": {"bambini": 2}, "instanceID": f"uuid:{uuid.uuid4()}", "org_unit": "075035"}

    response = seeded.app.test_client().post(
        f"/api/v1/forms/{visits['form']}/submissions", json=body, headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "org_unit"
    assert changed_tables(before, snapshot(seeded)) == []


def test_a_bari_operator_cannot_make_device_credentials_that_file_under_lecce(seeded):
    client = seeded.client(BARI_OPERATOR)
    before = snapshot(seeded)

    response = client.post(
        "/odk/devices",
        data={
            "label": "telefono",
            "org_unit": str(unit_id_of(seeded, "ATS-LECCE")),
            "csrf_token": csrf_token(client),
        },
    )

    assert response.status_code == 400
    assert changed_tables(before, snapshot(seeded)) == []


def test_the_lecce_admin_cannot_register_a_service_in_bari(seeded):
    client = seeded.client(LECCE_ADMIN)
    before = snapshot(seeded)
    data = {
        "code": "SIC-BA-99",
        "name": "Servizio fuori ambito",
        "kind": "csf",
        "org_unit": "ATS-BARI",
        "provider_type": "pubblico",
        "active": "y",
        "csrf_token": csrf_token(client),
    }

    response = client.post("/services/new", data=data)

    assert response.status_code == 422
    assert changed_tables(before, snapshot(seeded)) == []
