"""Submissions create and update cases (ODK entities), on both databases, inside the submitter's scope."""

import uuid

from sqlalchemy import select

from app.cases.datasets import entity_datasets
from app.extensions import db
from app.models import (
    CaseIntervention,
    EntityList,
    EntitySubmission,
    EntityVersion,
    Form,
    Submission,
    User,
)
from app.surveys import services
from app.surveys import submissions as recording
from forms.instance import instance_from_data
from tests.app.cases_support import case_by_code, intake, post_json, update_data


def test_an_intake_creates_the_case_with_its_label_properties_scope_and_interventions(app, client, casework):
    submission_id = intake(client, casework)

    with app.app_context():
        case = case_by_code()
        assert case.label == "LE2025A017 (f, 2013)"
        assert case.version == 1
        assert case.properties["stato"] == "aperta" and case.properties["sesso"] == "f"
        assert case.org_unit.code == "ATS-LE1"
        versions = db.session.scalars(select(EntityVersion).where(EntityVersion.entity_id == case.id)).all()
        assert [(v.version, v.submission_id) for v in versions] == [(1, submission_id)]
        links = db.session.scalars(
            select(EntitySubmission).where(EntitySubmission.entity_id == case.id)
        ).all()
        assert [(link.submission_id, link.kind) for link in links] == [(submission_id, "created")]
        (intervention,) = db.session.scalars(select(CaseIntervention)).all()
        assert (intervention.kind, intervention.status, str(intervention.start_date)) == (
            "ade",
            "attivo",
            "2025-02-17",
        )
        xml = db.session.get(Submission, submission_id).xml
        assert f'id="{case.uuid}"' in xml and 'create="1"' in xml
        entity_list = db.session.scalars(select(EntityList)).one()
        assert {"codice", "sesso", "stato"} <= set(entity_list.properties)


def test_a_follow_up_updates_the_case_and_its_intervention(app, client, casework):
    forms, tokens = casework
    intake(client, casework)
    with app.app_context():
        case_uuid = case_by_code().uuid

    response = post_json(
        client, tokens["lecce@example.org"], forms["aggiornamento_intervento"], update_data(case_uuid)
    )

    assert response.status_code == 201, response.get_json()
    with app.app_context():
        case = case_by_code()
        assert case.version == 2 and case.conflict is None
        (intervention,) = db.session.scalars(select(CaseIntervention)).all()
        assert (intervention.status, str(intervention.end_date)) == ("concluso", "2025-06-30")
        kinds = db.session.scalars(
            select(EntitySubmission.kind)
            .where(EntitySubmission.entity_id == case.id)
            .order_by(EntitySubmission.id)
        ).all()
        assert kinds == ["created", "updated"]


def test_a_closure_closes_the_case(app, client, casework):
    forms, tokens = casework
    intake(client, casework)
    with app.app_context():
        case_uuid = case_by_code().uuid
    data = {"caso": case_uuid, "data_chiusura": "2025-09-30", "esito": "rientro_famiglia"}

    response = post_json(client, tokens["lecce@example.org"], forms["chiusura_cartella"], data)

    assert response.status_code == 201, response.get_json()
    with app.app_context():
        case = case_by_code()
        assert (case.properties["stato"], case.properties["esito"]) == ("chiusa", "rientro_famiglia")


def test_an_operator_of_another_ambito_neither_sees_nor_updates_the_case(app, client, casework):
    forms, tokens = casework
    intake(client, casework)
    with app.app_context():
        case = case_by_code()
        case_uuid = case.uuid
        version = db.session.get(Form, forms["aggiornamento_intervento"]).versions[0]
        bari = db.session.scalars(select(User).where(User.email == "bari@example.org")).one()
        lecce = db.session.scalars(select(User).where(User.email == "lecce@example.org")).one()
        assert [
            row["name"] for row in entity_datasets(bari, version, case.entity_list.project_id)["minori.csv"]
        ] == []
        assert [
            row["name"] for row in entity_datasets(lecce, version, case.entity_list.project_id)["minori.csv"]
        ] == [case_uuid]

    response = post_json(
        client, tokens["bari@example.org"], forms["aggiornamento_intervento"], update_data(case_uuid)
    )

    assert response.status_code == 422
    with app.app_context():
        assert case_by_code().version == 1


def test_two_updates_from_the_same_version_mark_the_case_in_conflict(app, client, casework):
    forms, tokens = casework
    intake(client, casework)
    with app.app_context():
        case_uuid = case_by_code().uuid
    token, form_id = tokens["lecce@example.org"], forms["aggiornamento_intervento"]

    first = post_json(
        client, token, form_id, update_data(case_uuid, stato_intervento="sospeso", ente_erogatore="A")
    )
    # Filled offline on version 1 before the first update arrived, as ODK Collect sends it:
    with app.test_request_context():
        form = db.session.get(Form, form_id)
        spec = services.spec_of(form.versions[0])
        root = instance_from_data(
            spec, update_data(case_uuid, stato_intervento="concluso", ente_erogatore="B"), None
        )
        root.find("meta/entity").set("baseVersion", "1")
        user = db.session.scalars(select(User).where(User.email == "lecce@example.org")).one()
        recording.record_instance(user, form, root, None, "it")

    assert first.status_code == 201
    with app.app_context():
        case = case_by_code()
        assert case.version == 3
        # Both set the one property this form saves (ultimo_aggiornamento) to the same day: a soft conflict.
        assert case.conflict == "soft"
        last = db.session.scalars(select(EntityVersion).where(EntityVersion.version == 3)).one()
        assert last.base_version == 1


def test_an_update_of_a_case_that_does_not_exist_is_refused_and_nothing_is_stored(app, client, casework):
    forms, tokens = casework
    intake(client, casework)
    with app.app_context():
        before = db.session.query(Submission).count()

    response = post_json(
        client, tokens["lecce@example.org"], forms["aggiornamento_intervento"], update_data(str(uuid.uuid4()))
    )

    assert response.status_code == 422
    with app.app_context():
        assert db.session.query(Submission).count() == before


def test_today_is_the_italian_date_even_when_utc_is_still_yesterday(app, client, casework, monkeypatch):
    from datetime import UTC, datetime

    from app.surveys import services as form_services

    class HalfPastMidnightInRome(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2025, 5, 31, 22, 30, tzinfo=UTC).astimezone(tz)  # 00:30 on 1 June in Rome

    forms, tokens = casework
    intake(client, casework)
    with app.app_context():
        case_uuid = case_by_code().uuid
    monkeypatch.setattr(form_services, "datetime", HalfPastMidnightInRome)
    data = {"caso": case_uuid, "data_chiusura": "2025-06-01", "esito": "rientro_famiglia"}

    response = post_json(client, tokens["lecce@example.org"], forms["chiusura_cartella"], data)

    assert response.status_code == 201, response.get_json()


def test_a_form_uploaded_before_the_intake_reads_the_list_once_it_exists(app, make_user):
    from app.cases.datasets import entity_lists_read_by
    from app.models import Project
    from tests.app.cases_support import INTAKE

    reader = (
        "| survey |\n|  | type | name | label |\n|  | select_one_from_file minori.csv | caso | Caso |\n"
        "| settings |\n|  | form_id | version | form_title |\n|  | lettura | 1 | Lettura |\n"
    )
    researcher = make_user("r2@example.org", "researcher")
    with app.app_context():
        project = Project(code="altro", name="Altro")
        db.session.add(project)
        db.session.commit()
        author = db.session.get(User, researcher.id)
        early = services.upload_form(author, project, reader.encode(), "lettura.md")
        assert entity_lists_read_by(early.version) == {}

        services.upload_form(author, project, INTAKE.read_bytes(), INTAKE.name)

        db.session.refresh(early.version.attachments[0])
        assert [entity_list.name for entity_list in entity_lists_read_by(early.version).values()] == [
            "minori"
        ]
