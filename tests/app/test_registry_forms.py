"""A monitoring form that picks its service from the registry: servizi.csv served to the web, the API and
ODK Collect with the services of the filler's scope, and reports filed in their service's slot."""

import copy
import re

import pytest
from sqlalchemy import select

from app.demo_forms import monitoring_report
from app.extensions import db
from app.models import Form, Project, ReportFiling, Service, Submission, User
from app.registry.demo_form import FORM_ID, registry_monitoring_xlsform
from app.surveys import attachments, services
from tests.app.cases_support import TERRITORY, post_json
from tests.app.openrosa_client import CollectClient, device, md5, parse_manifest
from tests.app.test_monitoring import MONITORING, _service_setup, make_cycle, setup  # noqa: F401 - fixture
from tests.conftest import csrf_token, login


@pytest.fixture
def variant(app, setup, territory):  # noqa: F811 - the fixture imported above
    """The registry variant of the monitoring form in the project, with the registry's services; its id."""
    _service_setup(app, setup, territory)
    with app.app_context():
        author = db.session.get(User, setup.researcher_id)
        content = registry_monitoring_xlsform(MONITORING.read_bytes())
        upload = services.upload_form(author, db.session.get(Project, setup.project_id), content, "v.xlsx")
        attachments.attach_file(upload.version, "puglia_territory.csv", TERRITORY.read_bytes())
        return upload.version.form_id


def answers(code: str, tipo: str = "cd") -> dict:
    data = copy.deepcopy(monitoring_report("072", "Ambito di Bari", "072006", tipo, "", "Coop. Stella", 24))
    data["servizio"].pop("denominazione_servizio")  # the registry's name, worked out by the form
    data["servizio"]["codice_servizio"] = code
    return data


def send(client, setup, form_id, email, data):  # noqa: F811
    return post_json(client, setup.tokens[email], form_id, data)


def test_the_variant_keeps_the_seed_s_questions_and_picks_the_service_from_servizi_csv(app, variant):
    with app.app_context():
        version = db.session.get(Form, variant).versions[0]
        expected = {a.name for a in version.attachments}
        spec = services.spec_of(version)

    assert expected == {"puglia_territory.csv", "servizi.csv"}
    control = spec.control(f"{spec.template.path}/servizio/codice_servizio")
    assert control is not None and control.itemset.instance_id == "servizi"
    assert {f.path.rsplit("/", 1)[-1] for f in spec.fields()} >= {
        "tipo_servizio",
        "utenti_provv_ag",
        "m_6_10",
    }


def test_a_report_names_a_service_of_the_filler_s_scope_and_of_the_type_chosen(app, client, setup, variant):  # noqa: F811
    good = send(client, setup, variant, "bari@example.org", answers("CD-BA-01"))
    elsewhere = send(client, setup, variant, "bari@example.org", answers("CAP-LE-01", tipo="cap"))
    other_type = send(client, setup, variant, "bari@example.org", answers("CD-BA-01", tipo="cap"))
    closed = send(client, setup, variant, "bari@example.org", answers("OLD-BA-09", tipo="altro"))

    assert good.status_code == 201, good.get_json()
    assert [r.status_code for r in (elsewhere, other_type, closed)] == [422, 422, 422]
    assert all(e["field"].endswith("codice_servizio") for e in elsewhere.get_json()["errors"])
    with app.app_context():
        stored = db.session.get(Submission, good.get_json()["id"])
        assert stored.data["servizio"]["denominazione_servizio"] == "Centro diurno Il Quartiere"


def test_a_report_of_the_variant_is_filed_in_its_service_s_slot(app, client, setup, territory, variant):  # noqa: F811
    make_cycle(app, setup, [territory.ambito_bari], form_id=variant, by_service=True)

    response = send(client, setup, variant, "bari@example.org", answers("CD-BA-01"))

    with app.app_context():
        centre = db.session.scalars(select(Service).filter_by(code="CD-BA-01")).one()
        filing = db.session.scalars(select(ReportFiling)).one()
        assert (filing.service_id, filing.period, filing.submission_id) == (
            centre.id,
            "2024-S2",
            response.get_json()["id"],
        )


def _collect(app, client, email: str) -> CollectClient:
    with app.app_context():
        user_id = db.session.scalars(select(User.id).where(User.email == email)).one()
    username, password = device(app, user_id)
    return CollectClient(client, username=username, password=password)


def _servizi(collect: CollectClient) -> tuple[str, bytes]:
    listed = {f.form_id: f for f in collect.forms()}[FORM_ID]
    manifest = parse_manifest(collect.request("GET", listed.manifest_url).data)
    digest, url = manifest["servizi.csv"]
    return digest, collect.request("GET", url).data


def test_collect_downloads_the_services_of_its_user_s_scope(app, client, setup, variant):  # noqa: F811
    bari_digest, bari = _servizi(_collect(app, client, "bari@example.org"))
    lecce_digest, lecce = _servizi(_collect(app, client, "lecce@example.org"))

    assert bari.splitlines()[0] == b"name,label,kind,org_unit,provider_type,tipo_servizio"
    assert b"CD-BA-01,Centro diurno Il Quartiere,centro_diurno,072006,public,cd" in bari
    assert b"CAP-LE-01" not in bari and b"CAP-LE-01" in lecce and b"CD-BA-01" not in lecce
    assert b"OLD-BA-09" not in bari  # closed
    assert (bari_digest, lecce_digest) == (f"md5:{md5(bari)}", f"md5:{md5(lecce)}")


def test_the_form_page_says_the_registry_fills_servizi_csv(app, client, setup, variant):  # noqa: F811
    login(client, "ricerca@example.org")

    page = client.get(f"/forms/{variant}").get_data(as_text=True)

    registry_line = page[page.index("servizi.csv") : page.index("servizi.csv") + 300]
    assert "registr" in registry_line and "missing" not in registry_line and "mancante" not in registry_line


def test_the_web_page_offers_the_registered_services_of_the_type_chosen(app, client, setup, variant):  # noqa: F811
    login(client, "bari@example.org")
    page = client.get(f"/forms/{variant}/fill")
    instance_id = re.search(rb'name="_instance_id" value="([^"]+)"', page.data).group(1).decode()
    fields = {"csrf_token": csrf_token(client), "_instance_id": instance_id}

    day_centres = client.post(
        f"/forms/{variant}/fill",
        data={**fields, "/data/servizio/tipo_servizio": "cd"},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    ade = client.post(
        f"/forms/{variant}/fill",
        data={**fields, "/data/servizio/tipo_servizio": "ade"},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)

    assert "Centro diurno Il Quartiere" in day_centres and "ADE Bari" not in day_centres
    assert "ADE Bari" in ade and "Centro diurno Il Quartiere" not in ade
    assert "CAP Il Faro" not in day_centres + ade  # Lecce's
