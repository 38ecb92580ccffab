"""The training needs page: passages coded as needs in the transcripts the user codes, and the answers to a
needs-analysis form in their statistics scope, by service type or territory."""

import uuid

from app import accounts
from app.auth.tokens import issue_token
from app.extensions import db
from app.models import CodingProject, OrgUnit, Project, User
from app.surveys import services
from tests.app.transcripts_support import add_coding
from tests.conftest import login

NEEDS_FORM = """
| survey   |
|          | type                   | name          | label::Italiano (it)   |
|          | select_one servizi     | tipo_servizio | Servizio               |
|          | select_multiple temi   | bisogni       | Temi di formazione     |
| choices  |
|          | list_name | name   | label::Italiano (it)    |
|          | servizi   | csf    | Centro per le famiglie  |
|          | servizi   | cap    | Centro antiviolenza     |
|          | temi      | tutela | Tutela minori           |
|          | temi      | rete   | Lavoro di rete          |
| settings |
|          | form_id         | version | form_title        | default_language |
|          | analisi_bisogni | 1       | Analisi dei bisogni | Italiano (it)  |
"""


def test_passages_coded_as_needs_are_counted_by_service_type_with_quotes(client, workbench):
    with client.application.app_context():
        add_coding(workbench, "anna", "Bisogni formativi", 94, 141)
        add_coding(workbench, "bruno", "Bisogni formativi", 94, 141)  # the same passage: one mention
        add_coding(workbench, "anna", "Criticità", 31, 93)  # not a need
    login(client, "anna@example.org")
    page = client.get("/training/needs")
    assert page.status_code == 200
    assert "Bisogni formativi" in page.text and "CSF" in page.text
    assert "Servono più operatori e una rete con la scuola." in page.text
    assert "Criticità" not in page.text
    by_territory = client.get("/training/needs?by=territory")
    assert "Ambito di Lecce" in by_territory.text
    assert client.get("/training/needs?by=gender").status_code == 400


def test_blind_and_scope_rules_hold_for_needs(client, workbench):
    with client.application.app_context():
        add_coding(workbench, "bruno", "Bisogni formativi", 94, 141)
        db.session.get(CodingProject, workbench.study_id).blind = True
        db.session.commit()
    login(client, "anna@example.org")
    assert "Servono più operatori" not in client.get("/training/needs").text  # Bruno's, still blind
    client.post("/logout")
    login(client, "fuori@example.org")
    assert "Servono più operatori" not in client.get("/training/needs").text


def test_answers_to_a_needs_form_are_counted_with_small_counts_suppressed(app, client, workbench, territory):
    with app.app_context():
        project = db.session.get(Project, workbench.project_id)
        lead = db.session.get(User, workbench.users["lead"])
        form_id = services.upload_form(lead, project, NEEDS_FORM.encode(), "bisogni.md").version.form_id
        operator = accounts.create_user("op.lecce@example.org", "Passw0rd-lunga-e-sicura")
        accounts.grant_role(operator, "operator", db.session.get(OrgUnit, territory.ambito_lecce.id), project)
        _row, token = issue_token(operator, "t")
        db.session.commit()
    answers = [("csf", ["tutela", "rete"])] * 3 + [("cap", ["tutela"])]
    for service, themes in answers:
        body = {"data": {"tipo_servizio": service, "bisogni": themes}, "instanceID": f"uuid:{uuid.uuid4()}"}
        response = client.post(
            f"/api/v1/forms/{form_id}/submissions", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 201, response.get_json()
    login(client, "anna@example.org")
    page = client.get(f"/training/needs?form={form_id}&field=bisogni")
    assert page.status_code == 200
    text = page.text
    table = text[text.index("from-form") :]
    assert "Tutela minori" in table and "Lavoro di rete" in table
    assert "Centro per le famiglie" in table and "Centro antiviolenza" in table
    assert "✱" in table  # the one CAP answer is under the threshold of 3
    assert client.get(f"/training/needs?form={form_id}&field=nonesiste").status_code == 404
    assert client.get("/training/needs?form=999999").status_code == 404
