"""Correcting and deleting catalogue entries and editions: allowed until participants are enrolled."""

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, TrainingEdition, TrainingIntervention
from tests.app.test_training import training as training  # noqa: F401 - a fixture
from tests.conftest import login, post_form

INTERVENTION = {
    "kind": "corso",
    "title": "Tutela minori e rete",
    "work_package": "Azione 2",
    "editions_planned": "3",
    "hours": "20",
    "recipients_planned": "60",
    "recipient_type": "assistenti sociali",
    "tier": "all",
    "evaluation_form": "0",
}


def test_an_intervention_is_corrected_and_the_change_audited(app, client, training):
    login(client, "valuta@example.org")
    url = f"/training/{training.intervention_id}/edit"
    assert client.get(url).status_code == 200
    response = post_form(client, url, {**INTERVENTION, "project": training.project_id})
    assert response.status_code == 302
    bad = post_form(client, url, {**INTERVENTION, "project": training.project_id, "hours": "-1"})
    assert bad.status_code == 422
    with app.app_context():
        found = db.session.get(TrainingIntervention, training.intervention_id)
        assert (found.title, found.hours, found.editions_planned, found.evaluation_form_id) == (
            "Tutela minori e rete",
            20,
            3,
            None,
        )
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "training.intervention_updated")
        )


def test_optional_text_left_out_of_the_request_is_saved_as_empty_not_a_server_error(app, client, training):
    # A browser always sends every box; a script may leave the optional ones out.
    login(client, "valuta@example.org")
    url = f"/training/{training.intervention_id}/edit"
    sent = {k: v for k, v in INTERVENTION.items() if k not in ("work_package", "recipient_type")}
    response = post_form(client, url, {**sent, "project": training.project_id})
    assert response.status_code == 302
    with app.app_context():
        found = db.session.get(TrainingIntervention, training.intervention_id)
        assert (found.work_package, found.recipient_type) == ("", "")


def test_an_edition_keeps_its_code_once_participants_are_enrolled_and_cannot_be_deleted(
    app, client, training
):
    login(client, "valuta@example.org")
    edit = f"/training/editions/{training.network}/edit"
    fields = {"code": "NET-2025-09", "org_unit": "0", "completion_percent": "80", "start_date": "2025-05-02"}
    assert post_form(client, edit, fields).status_code == 302
    post_form(
        client,
        f"/training/editions/{training.network}/enrolments",
        {"code": "AA0002", "years": "2", "org_unit": "0"},
    )
    renamed = post_form(client, edit, {**fields, "code": "NET-2025-10"})
    assert renamed.status_code == 422
    backwards = post_form(client, edit, {**fields, "end_date": "2025-05-01"})
    assert backwards.status_code == 422
    refused = post_form(client, f"/training/editions/{training.network}/delete")
    assert refused.status_code == 302
    refused_all = post_form(client, f"/training/{training.intervention_id}/delete")
    assert refused_all.status_code == 302
    with app.app_context():
        edition = db.session.get(TrainingEdition, training.network)
        assert (edition.code, edition.completion_share) == ("NET-2025-09", 0.8)
        assert db.session.get(TrainingIntervention, training.intervention_id) is not None


def test_an_edition_without_participants_is_deleted_and_scope_holds(app, client, training):
    login(client, "valuta.lecce@example.org")
    assert client.get(f"/training/editions/{training.bari}/edit").status_code == 404
    assert post_form(client, f"/training/editions/{training.bari}/delete").status_code == 404
    assert post_form(client, f"/training/editions/{training.lecce}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(TrainingEdition, training.lecce) is None
        assert db.session.get(TrainingEdition, training.bari) is not None
