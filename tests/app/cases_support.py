"""Shared set-up of the case-record tests: the intake and follow-up forms, operators in two Ambiti."""

import copy
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from app.auth.tokens import issue_token
from app.extensions import db
from app.models import Entity, Project, User
from app.surveys import attachments, services
from tests.forms.test_engine_domain import CARTELLA

SHARED = Path(__file__).resolve().parents[3] / "shared"
TERRITORY = Path(os.environ.get("HUMUS_TERRITORY_FILE", SHARED / "domain/puglia_territory.csv"))
INTAKE = SHARED / "domain/forms/cartella_sociale.xlsx"


@pytest.fixture
def casework(app, make_user, territory):
    """The intake form and the three follow-ups in a project; operators in Lecce and in Bari with tokens."""
    from app.demo_followups import followup_xlsforms

    researcher = make_user("ricerca@example.org", "researcher")
    lecce = make_user("lecce@example.org", "operator", territory.ambito_lecce)
    bari = make_user("bari@example.org", "operator", territory.ambito_bari)
    with app.app_context():
        project = Project(code="humus", name="HUMUS")
        db.session.add(project)
        db.session.commit()
        author = db.session.get(User, researcher.id)
        forms = {}
        for name, content in [(INTAKE.name, INTAKE.read_bytes()), *followup_xlsforms().items()]:
            upload = services.upload_form(author, project, content, name)
            for expected in upload.version.attachments:
                if expected.name == "puglia_territory.csv":
                    attachments.attach_file(upload.version, expected.name, TERRITORY.read_bytes())
            forms[name.removesuffix(".xlsx")] = upload.version.form_id
        tokens = {}
        for user in (lecce, bari):
            _row, tokens[user.email] = issue_token(db.session.get(User, user.id), "test")
        db.session.commit()
    return forms, tokens


def post_json(client, token, form_id, data, instance_id=None):
    body = {"data": data, "instanceID": instance_id or f"uuid:{uuid.uuid4()}"}
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "it"}
    return client.post(f"/api/v1/forms/{form_id}/submissions", json=body, headers=headers)


def intake(client, casework, code="LE2025A017"):
    forms, tokens = casework
    data = copy.deepcopy(CARTELLA)
    data["minore"]["codice_minore"] = code
    response = post_json(client, tokens["lecce@example.org"], forms["cartella_sociale"], data)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def case_by_code(code="LE2025A017") -> Entity:
    return db.session.scalars(select(Entity).where(Entity.properties["codice"].as_string() == code)).one()


def update_data(case_uuid: str, **values):
    return {
        "caso": case_uuid,
        "intervento": {
            "tipo_intervento": "ade",
            "tipo_erogatore": "terzo_settore",
            "ente_erogatore": "Coop. Il Melograno",
            "data_inizio_intervento": "2025-02-17",
            "data_fine_intervento": "2025-06-30",
            "stato_intervento": "concluso",
            **values,
        },
    }
