"""The services registry: the directory in scope and its filters, registering and editing services, the
import file, a service's monitoring submissions and the forms' CSV dataset."""

import io
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app import accounts
from app.extensions import db
from app.models import AuditEvent, OrgUnit, Project, Service, User
from app.registry.directory import services_csv
from app.surveys import services as surveys
from app.surveys import submissions as recording
from tests.conftest import PASSWORD, csrf_token, login, post_form

MONITORING = """
| survey   |
|          | type        | name            | label           |
|          | begin_group | servizio        | Servizio        |
|          | text        | codice_servizio | Codice servizio |
|          | end_group   |                 |                 |
|          | text        | note            | Note            |
| settings |
|          | form_id      | version | form_title              |
|          | monitoraggio | 1       | Monitoraggio dei servizi |
"""


@dataclass
class Registry:
    cap_bari: int
    cd_lecce: int
    ade_lecce: int
    closed_lecce: int


def _service(code: str, name: str, kind: str, unit: OrgUnit, **values: object) -> int:
    service = Service(code=code, name=name, kind=kind, org_unit_id=unit.id, **values)
    db.session.add(service)
    db.session.flush()
    return service.id


@pytest.fixture
def registry(app, territory, make_user) -> Registry:
    """Services in both Ambiti; an operator in each, a network-wide viewer and researcher, a Lecce admin."""
    make_user("op.bari@example.org", "operator", territory.ambito_bari)
    make_user("op.lecce@example.org", "operator", territory.ambito_lecce)
    make_user("viewer@example.org", "viewer")
    make_user("rita@example.org", "researcher")
    make_user("admin.lecce@example.org", "admin", territory.lecce)
    make_user("viewer.lecce@example.org", "viewer", territory.ambito_lecce)
    with app.app_context():
        ids = Registry(
            _service(
                "CAP-BA-01", "Centro aperto San Paolo", "cap", territory.comune_bari,
                provider_type="third_sector", provider_name="Coop. Il Sorriso", capacity=40,
            ),
            _service(
                "CD-LE-01", "Centro diurno Il Girasole", "centro_diurno", territory.comune_lecce,
                provider_type="third_sector", provider_name="Il Girasole", capacity=30,
                legal_reference="art. 52 R.R. 4/2007", targets="Minori 6-17 anni",
            ),
            _service(
                "ADE-LE-01", "Educativa domiciliare Lecce", "ade", territory.ambito_lecce,
                provider_type="public", provider_name="Ambito di Lecce",
            ),
            _service("CAP-LE-09", "Centro chiuso", "cap", territory.comune_lecce, active=False),
        )  # fmt: skip
        db.session.commit()
        return ids


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _services() -> dict[str, Service]:
    return {service.code: service for service in db.session.scalars(select(Service))}


def _audit(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    )


# The directory


def test_an_ambito_operator_sees_only_the_services_of_their_ambito(client, registry):
    login(client, "op.lecce@example.org")

    page = _page(client, "/services/")

    assert "Centro diurno Il Girasole" in page and "Educativa domiciliare Lecce" in page
    assert "Centro aperto San Paolo" not in page
    assert "Centro chiuso" not in page  # deactivated: only when asked


def test_a_network_wide_user_sees_every_active_service(client, registry):
    login(client, "viewer@example.org")

    page = _page(client, "/services/")

    for name in ("Centro aperto San Paolo", "Centro diurno Il Girasole", "Educativa domiciliare Lecce"):
        assert name in page
    assert "art. 52 R.R. 4/2007" in page and "Minori 6-17 anni" in page and "Coop. Il Sorriso" in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("kind=centro_diurno", ["Il Girasole"], ["San Paolo", "Educativa domiciliare"]),
        ("provider=public", ["Educativa domiciliare"], ["San Paolo", "Il Girasole"]),
        ("unit=075", ["Il Girasole", "Educativa domiciliare"], ["San Paolo"]),  # a province and its subtree
        ("unit=072006", ["San Paolo"], ["Il Girasole", "Educativa domiciliare"]),
        ("q=sorriso", ["San Paolo"], ["Il Girasole", "Educativa domiciliare"]),  # the provider's name
        ("q=girasole", ["Il Girasole"], ["San Paolo"]),
        ("q=%25", [], ["San Paolo", "Il Girasole"]),  # a literal %, not "anything"
        ("inactive=1&unit=075035", ["Centro chiuso", "Il Girasole"], ["San Paolo", "Educativa domiciliare"]),
    ],
)
def test_the_directory_filters_by_kind_provider_place_text_and_state(client, registry, query, shown, hidden):
    login(client, "viewer@example.org")

    page = _page(client, f"/services/?{query}")

    assert all(name in page for name in shown), shown
    assert not any(name in page for name in hidden), hidden


def test_the_place_filter_offers_only_the_org_units_in_scope(client, registry):
    login(client, "op.bari@example.org")

    page = _page(client, "/services/?unit=075035")  # Lecce: not an option, so ignored

    assert 'value="072006"' in page and 'value="075035"' not in page
    assert "Centro aperto San Paolo" in page and "Il Girasole" not in page


def test_the_directory_pages_fifty_services_at_a_time(app, client, territory, make_user):
    make_user("viewer@example.org", "viewer")
    with app.app_context():
        for number in range(51):
            _service(f"S{number:03d}", f"Servizio {number:03d}", "other", territory.comune_bari)
        db.session.commit()
    login(client, "viewer@example.org")

    first, second = _page(client, "/services/"), _page(client, "/services/?page=2")

    assert "Servizio 049" in first and "Servizio 050" not in first
    assert "Servizio 050" in second and "Servizio 000" not in second


def test_a_service_page_shows_its_details_and_outside_the_scope_answers_404(client, registry):
    login(client, "op.lecce@example.org")

    page = _page(client, f"/services/{registry.cd_lecce}")

    assert "CD-LE-01" in page and "Il Girasole" in page and "art. 52 R.R. 4/2007" in page
    assert client.get(f"/services/{registry.cap_bari}").status_code == 404
    assert client.get("/services/999999").status_code == 404


def test_the_directory_needs_a_signed_in_user(client, registry):
    response = client.get("/services/")

    assert response.status_code in (302, 401)
    assert "Centro" not in response.get_data(as_text=True)


# Registering and editing


def _new(client, **values: str):
    data = {
        "code": "CSF-LE-01",
        "name": "Centro Servizi per le Famiglie",
        "kind": "csf",
        "legal_reference": "",
        "org_unit": "ATS-LE1",
        "provider_type": "third_sector",
        "provider_name": "Coop. Il Melograno",
        "targets": "Famiglie con figli minori",
        "capacity": "",
    }
    return post_form(client, "/services/new", data | values)


def test_operators_and_viewers_cannot_register_services(client, registry):
    login(client, "op.lecce@example.org")

    assert client.get("/services/new").status_code == 403
    assert _new(client).status_code == 403
    assert client.get(f"/services/{registry.cd_lecce}/edit").status_code == 403
    assert client.get("/services/import").status_code == 403


def test_a_researcher_registers_a_service_with_the_kind_s_legal_reference_and_it_is_audited(
    app, client, registry
):
    login(client, "rita@example.org")

    response = _new(client, code="csf-le-01")

    assert response.status_code == 302
    with app.app_context():
        created = _services()["CSF-LE-01"]  # codes are upper-cased
        assert (created.kind, created.legal_reference, created.capacity) == (
            "csf",
            "art. 93 R.R. 4/2007",
            None,
        )
        assert created.org_unit.code == "ATS-LE1" and created.provider_name == "Coop. Il Melograno"
        event = _audit("service.created")[0]
        assert (event.target_id, event.actor_email, event.details["code"]) == (
            str(created.id),
            "rita@example.org",
            "CSF-LE-01",
        )


def test_registering_explains_in_italian_a_taken_code_a_negative_capacity_and_missing_values(
    app, client, registry
):
    login(client, "rita@example.org")

    response = _new(client, code="CD-LE-01", capacity="-3", name="", kind="")

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Il codice &#39;CD-LE-01&#39; appartiene già a un altro servizio." in page
    assert "La capienza non può essere negativa (-3)." in page
    assert page.count("Il valore è obbligatorio.") == 2
    with app.app_context():
        assert len(_services()) == 4


def test_an_admin_cannot_register_a_service_outside_their_scope(app, client, registry):
    login(client, "admin.lecce@example.org")

    page = _new(client, org_unit="072006").get_data(as_text=True)
    offered = _page(client, "/services/new")

    assert "è fuori dalle unità organizzative che gestisci" in page
    assert 'value="ATS-LE1"' in offered and 'value="072006"' not in offered
    assert 'value="075"' not in offered  # a province cannot hold a service
    with app.app_context():
        assert "CSF-LE-01" not in _services()


def test_editing_changes_the_values_keeps_the_code_and_deactivates_instead_of_deleting(app, client, registry):
    login(client, "admin.lecce@example.org")
    form = _page(client, f"/services/{registry.cd_lecce}/edit")
    assert 'value="Il Girasole"' in form

    response = post_form(
        client,
        f"/services/{registry.cd_lecce}/edit",
        {
            "code": "HIJACK",
            "name": "Centro diurno Il Girasole",
            "kind": "centro_diurno",
            "legal_reference": "art. 52 R.R. 4/2007",
            "org_unit": "075035",
            "provider_type": "third_sector",
            "provider_name": "Coop. Il Girasole",
            "targets": "Minori 6-17 anni",
            "capacity": "25",
        },  # "active" unticked
    )

    assert response.status_code == 302
    with app.app_context():
        service = db.session.get(Service, registry.cd_lecce)
        assert (service.code, service.capacity, service.provider_name, service.active) == (
            "CD-LE-01",
            25,
            "Coop. Il Girasole",
            False,
        )
        changes = _audit("service.updated")[0].details["changes"]
        assert changes == {
            "provider_name": ["Il Girasole", "Coop. Il Girasole"],
            "capacity": [30, 25],
            "active": [True, False],
        }


def test_a_service_outside_the_managed_scope_cannot_be_edited(client, registry):
    login(client, "admin.lecce@example.org")
    outside = client.get(f"/services/{registry.cap_bari}/edit")
    post_form(client, "/logout")
    login(client, "viewer.lecce@example.org")
    not_a_manager = client.get(f"/services/{registry.cd_lecce}/edit")

    assert outside.status_code == 404
    assert not_a_manager.status_code == 403


# Importing a registry file

HEADER = "code;name;kind;legal_reference;org_unit;provider_type;provider_name;targets;capacity\n"


def _import(client, content: bytes, name: str = "registro.csv"):
    data = {"csrf_token": csrf_token(client), "registry_file": (io.BytesIO(content), name)}
    return client.post("/services/import", data=data, content_type="multipart/form-data")


def test_an_import_with_one_bad_row_writes_nothing_and_lists_every_problem(app, client, registry):
    login(client, "admin.lecce@example.org")
    content = (
        HEADER
        + "CSF-LE-01;Centro Servizi per le Famiglie;csf;;ATS-LE1;terzo_settore;Coop. Il Melograno;Famiglie;\n"
        + "CD-LE-01;Centro diurno Il Girasole;centro_diurno;;075035;third_sector;Il Girasole;;tanti\n"
        + "CAP-BA-02;Centro aperto;cap;;072006;public;;;-1\n"
    ).encode()

    response = _import(client, content)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "&#39;tanti&#39; non è un numero intero di posti." in page
    assert "&#39;072006&#39; è fuori dalle unità organizzative che gestisci." in page
    assert "La capienza non può essere negativa (-1)." in page
    assert "<tr><td>3</td><td><code>capacity</code></td>" in page
    with app.app_context():
        services = _services()
        assert "CSF-LE-01" not in services and services["CD-LE-01"].name == "Centro diurno Il Girasole"
        assert _audit("service.created") == []


def test_an_import_upserts_by_code_from_a_windows_csv(app, client, registry):
    login(client, "admin.lecce@example.org")
    content = (
        HEADER
        + "CSF-LE-01;Centro Servizi per le Famiglie;CSF;;ATS-LE1;terzo_settore;Coop. Il Melograno;Famiglie;\n"
        + "CD-LE-01;Centro diurno Il Girasole;centro_diurno;art. 52 R.R. 4/2007;075035;third_sector;"
        + "Il Girasole;Minori 6-17 anni;30\n"
        + "COM-LE-01;Comunità educativa Casa Aurora;comunita;;075035;third_sector;Coop. Aurora;Minori;10\n"
    ).encode("cp1252")

    response = _import(client, content)

    assert response.status_code == 302
    with app.app_context():
        services = _services()
        assert services["CSF-LE-01"].provider_type == "third_sector"
        assert services["CSF-LE-01"].legal_reference == "art. 93 R.R. 4/2007"
        assert services["COM-LE-01"].name == "Comunità educativa Casa Aurora"
        assert services["COM-LE-01"].legal_reference == "art. 48 R.R. 4/2007"
        assert [e.details["code"] for e in _audit("service.created")] == ["CSF-LE-01", "COM-LE-01"]
        assert _audit("service.updated") == []  # CD-LE-01's row says what it already holds


def test_an_import_refuses_a_file_that_is_not_a_table_and_a_wrong_header(app, client, registry):
    login(client, "admin.lecce@example.org")

    binary = _import(client, b"%PDF-1.7 not a table").get_data(as_text=True)
    header = _import(client, b"codice,name\nX,Y\n").get_data(as_text=True)

    assert "PDF" in binary
    assert "La colonna &#39;codice&#39; non è tra" in header
    assert "Il file non ha la colonna &#39;org_unit&#39;" in header


# Submissions that name a service, and the forms' dataset


def _user(email: str, role: str, unit: OrgUnit | None, project: Project) -> User:
    user = accounts.create_user(email, PASSWORD)
    accounts.grant_role(user, role, db.session.get(OrgUnit, unit.id) if unit else None, project)
    return user


def test_a_service_page_lists_the_submissions_that_name_its_code(app, client, territory, registry):
    with app.app_context():
        project = Project(code="humus", name="HUMUS")
        rita = _user("rita.p@example.org", "researcher", None, project)
        lino = _user("lino@example.org", "operator", territory.ambito_lecce, project)
        olga = _user("olga@example.org", "operator", territory.ambito_bari, project)
        db.session.commit()
        form = surveys.upload_form(rita, project, MONITORING.encode(), "monitoraggio.md").version.form
        filed = [
            recording.record_submission(user, form, answers, None, unit, "it").submission_id
            for user, answers, unit in (
                (lino, {"servizio": {"codice_servizio": "CD-LE-01"}}, "075035"),
                (lino, {"servizio": {"codice_servizio": "ADE-LE-01"}, "note": "non CD-LE-01"}, "075035"),
                (olga, {"servizio": {"codice_servizio": "CD-LE-01"}}, "072006"),  # Bari's: not Lino's to read
            )
        ]
        form_id = form.id
    login(client, "lino@example.org")

    page = _page(client, f"/services/{registry.cd_lecce}")

    assert f"/forms/{form_id}/submissions/{filed[0]}" in page
    assert f"/forms/{form_id}/submissions/{filed[1]}" not in page  # the code only in a note
    assert f"/forms/{form_id}/submissions/{filed[2]}" not in page  # out of scope
    assert "Monitoraggio dei servizi" in page
    post_form(client, "/logout")
    login(client, "viewer.lecce@example.org")  # reads statistics, not submissions
    assert f"/submissions/{filed[0]}" not in _page(client, f"/services/{registry.cd_lecce}")


def test_the_forms_dataset_lists_the_active_services_in_the_user_s_scope(app, registry):
    with app.app_context():
        lecce = db.session.scalars(select(User).where(User.email == "op.lecce@example.org")).one()
        everyone = db.session.scalars(select(User).where(User.email == "viewer@example.org")).one()

        mine, all_of_them = services_csv(lecce), services_csv(everyone)

    assert mine.decode("utf-8").splitlines() == [
        "name,label,kind,org_unit,provider_type,tipo_servizio",
        "CD-LE-01,Centro diurno Il Girasole,centro_diurno,075035,third_sector,cd",
        "ADE-LE-01,Educativa domiciliare Lecce,ade,ATS-LE1,public,ade",
    ]
    assert b"CAP-BA-01,Centro aperto San Paolo,cap,072006,third_sector,cap" in all_of_them
    assert b"CAP-LE-09" not in all_of_them  # deactivated


def test_the_demo_services_land_in_the_demo_ambiti_once(app):
    from app.registry.demo import DEMO_SERVICES, demo_services
    from app.territory.tree import add_org_unit

    with app.app_context():
        region = add_org_unit("16", "Puglia", "region", None)
        for province, ambito, comuni in (
            ("072", "ATS-BARI", ["072006"]),
            ("075", "ATS-LECCE", ["075035", "075083"]),
        ):
            unit = add_org_unit(
                ambito, ambito, "ambito", add_org_unit(province, province, "province", region)
            )
            for code in comuni:
                add_org_unit(code, code, "comune", unit)
        db.session.commit()

        first, again = demo_services(), demo_services()

        assert len(first) == len(DEMO_SERVICES) >= 8 and again == []
        assert {s.org_unit.code for s in _services().values()} >= {"ATS-BARI", "ATS-LECCE", "075035"}
