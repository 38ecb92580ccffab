"""Reporting cycles: creating one, filing reports in their slots once, the completeness dashboard and its CSV."""

import csv
import io
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.auth.tokens import issue_token
from app.demo_forms import monitoring_report
from app.extensions import db
from app.models import (
    AuditEvent,
    Form,
    Project,
    ReportFiling,
    ReportingCycle,
    Service,
    Submission,
    SubmissionEvent,
    User,
)
from app.monitoring import cycles
from app.monitoring.filing import file_report
from app.surveys import attachments, services
from tests.app.cases_support import SHARED, TERRITORY, post_json
from tests.conftest import login, post_form

MONITORING = SHARED / "domain/forms/monitoraggio_servizi.xlsx"
BY_SERVICE_FORM = """
| survey   |
|          | type    | name             | label            |
|          | text    | codice_servizio  | Codice servizio  |
|          | date    | data_riferimento | Data riferimento |
|          | integer | utenti           | Utenti           |
| settings |
|          | form_id         | form_title              |
|          | rendiconto_serv | Rendiconto dei servizi  |
"""


@dataclass
class Setup:
    form_id: int
    project_id: int
    researcher_id: int
    tokens: dict[str, str]


@pytest.fixture
def setup(app, make_user, territory) -> Setup:
    """The monitoring form in a project; a network researcher; operators in both Ambiti and in the comune
    of Bari, with API tokens."""
    researcher = make_user("ricerca@example.org", "researcher")
    operators = [
        make_user("bari@example.org", "operator", territory.ambito_bari),
        make_user("lecce@example.org", "operator", territory.ambito_lecce),
        make_user("comune.bari@example.org", "operator", territory.comune_bari),
    ]
    with app.app_context():
        project = Project(code="humus", name="HUMUS")
        db.session.add(project)
        db.session.commit()
        upload = services.upload_form(
            db.session.get(User, researcher.id), project, MONITORING.read_bytes(), MONITORING.name
        )
        for expected in upload.version.attachments:
            if expected.name == "puglia_territory.csv":
                attachments.attach_file(upload.version, expected.name, TERRITORY.read_bytes())
        tokens = {}
        for user in operators:
            _row, tokens[user.email] = issue_token(db.session.get(User, user.id), "test")
        db.session.commit()
        return Setup(upload.version.form_id, project.id, researcher.id, tokens)


def report(client, setup: Setup, email: str, start: str = "2024-07-01", children: int = 24, **body) -> int:
    """Send a monitoring report through the API; the id of the stored submission."""
    data = monitoring_report(
        "072", "Ambito di Bari", "072006", "cd", "Centro diurno", "Coop. Stella", children
    )
    data["intestazione"].update(
        anno_riferimento=int(start[:4]), data_inizio=start, data_fine=f"{start[:4]}-12-31"
    )
    response = post_json(client, setup.tokens[email], setup.form_id, data, body.get("instance_id"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def filed(app, submission_id: int) -> tuple[int, int, str] | None:
    """File the submission as the submissions API will once it calls file_report; (unit, service, period)."""
    with app.app_context():
        filing = file_report(submission_id)
        db.session.commit()
        return None if filing is None else (filing.org_unit_id, filing.service_key, filing.period)


def make_cycle(app, setup: Setup, units, form_id=None, **values) -> int:
    with app.app_context():
        user = db.session.get(User, setup.researcher_id)
        defaults = {
            "name": "Monitoraggio semestrale",
            "period_unit": "semester",
            "first_period": "2024-S1",
            "last_period": "2025-S1",
            "date_field": "intestazione/data_inizio",
            "by_service": False,
            "unit_ids": tuple(unit.id for unit in units),
        }
        form = db.session.get(Form, form_id or setup.form_id)
        return cycles.create_cycle(user, form, cycles.CycleValues(**{**defaults, **values})).id


def rows(app, model, **where):
    with app.app_context():
        return db.session.scalars(select(model).filter_by(**where)).all()


# Creating a cycle


def test_a_researcher_creates_a_cycle_in_two_steps_and_it_is_audited(app, client, setup, territory):
    login(client, "ricerca@example.org")

    choose = client.get("/monitoring/new").get_data(as_text=True)
    page = client.get(f"/monitoring/new?form_id={setup.form_id}").get_data(as_text=True)
    response = post_form(
        client,
        f"/monitoring/new?form_id={setup.form_id}",
        {
            "name": "Centri diurni 2024",
            "period_unit": "semester",
            "first_period": "2024-s1",
            "last_period": "2024-S2",
            "date_field": "intestazione/data_inizio",
            "units": [str(territory.ambito_bari.id), str(territory.ambito_lecce.id)],
        },
    )

    assert f'value="{setup.form_id}"' in choose
    assert 'value="intestazione/data_inizio"' in page and 'value="intestazione/data_fine"' in page
    assert 'value="servizio/denominazione_servizio"' not in page  # text, not a date
    assert response.status_code == 302
    with app.app_context():
        cycle = db.session.scalars(select(ReportingCycle)).one()
        assert (cycle.name, cycle.first_period, cycle.last_period) == (
            "Centri diurni 2024",
            "2024-S1",
            "2024-S2",
        )
        assert cycle.date_field == "intestazione/data_inizio" and cycle.by_service is False
        assert {u.org_unit_id for u in cycle.units} == {territory.ambito_bari.id, territory.ambito_lecce.id}
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cycle.created")).one()
        assert event.target_id == str(cycle.id) and event.actor_email == "ricerca@example.org"
    assert response.headers["Location"].endswith(f"/monitoring/{cycle.id}")


def test_a_last_period_before_the_first_is_refused_with_an_italian_message(app, client, setup, territory):
    login(client, "ricerca@example.org")

    response = post_form(
        client,
        f"/monitoring/new?form_id={setup.form_id}",
        {
            "name": "Ciclo al contrario",
            "period_unit": "quarter",
            "first_period": "2025-T1",
            "last_period": "2024-T4",
            "date_field": "intestazione/data_inizio",
            "units": [str(territory.ambito_bari.id)],
        },
    )

    assert response.status_code == 422
    assert "Il periodo finale 2024-T4 viene prima del periodo iniziale 2025-T1" in response.get_data(
        as_text=True
    )
    assert rows(app, ReportingCycle) == []


def test_a_label_of_another_unit_is_refused(app, client, setup, territory):
    login(client, "ricerca@example.org")

    response = post_form(
        client,
        f"/monitoring/new?form_id={setup.form_id}",
        {
            "name": "Ciclo",
            "period_unit": "quarter",
            "first_period": "2024-S1",
            "last_period": "2024-T4",
            "date_field": "intestazione/data_inizio",
            "units": [str(territory.ambito_bari.id)],
        },
    )

    assert response.status_code == 422
    assert "&#39;2024-S1&#39; non è un trimestre: si scrive come 2024-T1" in response.get_data(as_text=True)


def test_a_cycle_offers_only_units_in_the_researcher_s_scope_and_refuses_others(
    app, client, setup, make_user, territory
):
    make_user("ricerca.bari@example.org", "researcher", territory.ambito_bari)
    login(client, "ricerca.bari@example.org")

    page = client.get(f"/monitoring/new?form_id={setup.form_id}").get_data(as_text=True)
    response = post_form(
        client,
        f"/monitoring/new?form_id={setup.form_id}",
        {
            "name": "Ciclo",
            "period_unit": "year",
            "first_period": "2024",
            "last_period": "2025",
            "date_field": "intestazione/data_inizio",
            "units": [str(territory.ambito_lecce.id)],
        },
    )

    assert "Ambito di Bari (ATS-BA1)" in page and "(072006)" in page
    assert "Ambito di Lecce" not in page
    assert response.status_code == 422
    assert rows(app, ReportingCycle) == []


def test_a_cycle_needs_a_unit_and_a_date_field_of_the_form(app, client, setup, territory):
    login(client, "ricerca@example.org")

    response = post_form(
        client,
        f"/monitoring/new?form_id={setup.form_id}",
        {
            "name": "Ciclo",
            "period_unit": "year",
            "first_period": "2024",
            "last_period": "2024",
            "date_field": "x",
        },
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="units-errors"' in page and 'id="date_field-errors"' in page
    assert rows(app, ReportingCycle) == []


def test_operators_cannot_create_cycles(client, setup):
    login(client, "bari@example.org")

    assert client.get("/monitoring/new").status_code == 403


# Filing reports


def test_a_report_fills_its_slot_in_the_period_of_its_date(app, client, setup, territory):
    make_cycle(app, setup, [territory.ambito_bari, territory.ambito_lecce])

    submission_id = report(client, setup, "bari@example.org", start="2024-07-01")

    assert filed(app, submission_id) == (territory.ambito_bari.id, 0, "2024-S2")


def test_a_report_of_a_comune_counts_for_the_expected_ambito_holding_it(app, client, setup, territory):
    make_cycle(app, setup, [territory.ambito_bari])

    submission_id = report(client, setup, "comune.bari@example.org", start="2025-03-15")

    assert filed(app, submission_id) == (territory.ambito_bari.id, 0, "2025-S1")


def test_filing_twice_for_a_slot_keeps_one_filing_with_the_newer_report_and_the_older_in_history(
    app, client, setup, territory
):
    make_cycle(app, setup, [territory.ambito_bari])
    first = report(client, setup, "bari@example.org", children=24)
    filed(app, first)

    second = report(client, setup, "bari@example.org", children=30)
    filed(app, second)
    filed(app, second)  # again: harmless

    filings = rows(app, ReportFiling)
    assert [(f.submission_id, f.period) for f in filings] == [(second, "2024-S2")]
    with app.app_context():
        old, new = db.session.get(Submission, first), db.session.get(Submission, second)
        assert (old.current, new.current) == (False, True)
        assert new.deprecated_id == old.instance_id
        assert new.review_state == "edited"
        events = db.session.scalars(select(SubmissionEvent).where(SubmissionEvent.kind == "edit")).all()
        assert [(e.submission_id, e.text) for e in events] == [(first, new.instance_id)]
        replaced = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.replaced")).all()
        assert len(replaced) == 1 and replaced[0].details["replaces"] == first


def test_the_older_report_stays_in_the_history_and_leaves_the_submission_list(app, client, setup, territory):
    make_cycle(app, setup, [territory.ambito_bari])
    first = report(client, setup, "bari@example.org", children=24)
    filed(app, first)
    second = report(client, setup, "bari@example.org", children=30)
    filed(app, second)
    login(client, "ricerca@example.org")

    listed = client.get(
        f"/api/v1/forms/{setup.form_id}/submissions", headers=_bearer(setup, "bari@example.org")
    )
    history = client.get(f"/forms/{setup.form_id}/submissions/{second}/history")

    assert [s["id"] for s in listed.get_json()] == [second]
    with app.app_context():
        old_instance = db.session.get(Submission, first).instance_id
    assert history.status_code == 200
    assert old_instance in history.get_data(as_text=True)  # version 1 of the report, still readable


def test_an_older_report_filed_late_does_not_take_the_slot_back(app, client, setup, territory):
    make_cycle(app, setup, [territory.ambito_bari])
    first = report(client, setup, "bari@example.org", children=24)
    second = report(client, setup, "bari@example.org", children=30)
    filed(app, second)

    filed(app, first)

    assert [f.submission_id for f in rows(app, ReportFiling)] == [second]
    with app.app_context():
        assert db.session.get(Submission, second).current and not db.session.get(Submission, first).current


def test_reports_of_different_periods_fill_different_slots(app, client, setup, territory):
    make_cycle(app, setup, [territory.ambito_bari])

    filed(app, report(client, setup, "bari@example.org", start="2024-01-01"))
    filed(app, report(client, setup, "bari@example.org", start="2024-07-01"))

    assert sorted(f.period for f in rows(app, ReportFiling)) == ["2024-S1", "2024-S2"]
    assert all(s.current for s in rows(app, Submission))


def test_a_unit_outside_the_cycle_and_a_period_outside_it_fill_nothing(app, client, setup, territory):
    make_cycle(app, setup, [territory.ambito_bari])

    outside = report(client, setup, "lecce@example.org")
    too_early = report(client, setup, "bari@example.org", start="2023-12-31")

    assert filed(app, outside) is None
    assert filed(app, too_early) is None
    assert rows(app, ReportFiling) == []


def test_a_form_without_cycles_files_nothing(app, client, setup):
    assert filed(app, report(client, setup, "bari@example.org")) is None


def test_a_report_fills_every_cycle_of_its_form(app, client, setup, territory):
    make_cycle(app, setup, [territory.ambito_bari])
    yearly = make_cycle(
        app, setup, [territory.ambito_bari], period_unit="year", first_period="2024", last_period="2024"
    )

    filed(app, report(client, setup, "bari@example.org"))

    assert rows(app, ReportFiling, cycle_id=yearly)[0].period == "2024"
    assert len(rows(app, ReportFiling)) == 2


def _service_setup(app, setup: Setup, territory) -> int:
    with app.app_context():
        user, project = db.session.get(User, setup.researcher_id), db.session.get(Project, setup.project_id)
        form_id = services.upload_form(
            user, project, BY_SERVICE_FORM.encode(), "rendiconto.md"
        ).version.form_id
        db.session.add_all(
            [
                Service(
                    code="CD-BA-01",
                    name="Centro diurno Il Quartiere",
                    kind="centro_diurno",
                    org_unit_id=territory.comune_bari.id,
                ),
                Service(code="ADE-BA-02", name="ADE Bari", kind="ade", org_unit_id=territory.ambito_bari.id),
                Service(
                    code="CAP-LE-01", name="CAP Il Faro", kind="cap", org_unit_id=territory.comune_lecce.id
                ),
                Service(
                    code="OLD-BA-09",
                    name="Servizio chiuso",
                    kind="other",
                    org_unit_id=territory.ambito_bari.id,
                    active=False,
                ),
            ]
        )
        db.session.commit()
        return form_id


def service_report(client, setup, form_id, email, code, day="2024-03-10"):
    data = {"codice_servizio": code, "data_riferimento": day, "utenti": 5}
    response = post_json(client, setup.tokens[email], form_id, data)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_a_cycle_by_service_files_each_service_in_its_own_slot(app, client, setup, territory):
    form_id = _service_setup(app, setup, territory)
    make_cycle(
        app, setup, [territory.ambito_bari], form_id=form_id, by_service=True, date_field="data_riferimento"
    )
    with app.app_context():
        centre = db.session.scalars(select(Service).filter_by(code="CD-BA-01")).one()

    centre_report = service_report(client, setup, form_id, "bari@example.org", "cd-ba-01")
    ade_report = service_report(client, setup, form_id, "bari@example.org", "ADE-BA-02")
    elsewhere = service_report(client, setup, form_id, "bari@example.org", "CAP-LE-01")  # a Lecce service
    unknown = service_report(client, setup, form_id, "bari@example.org", "NESSUNO")

    assert filed(app, centre_report) == (territory.ambito_bari.id, centre.id, "2024-S1")
    assert filed(app, ade_report)[1] != centre.id
    assert filed(app, elsewhere) is None
    assert filed(app, unknown) is None
    assert all(s.current for s in rows(app, Submission))


def seed_report(client, setup: Setup, email: str, tipo: str, name: str) -> int:
    """A report of the seed form, which names its service by type and name only."""
    data = monitoring_report("072", "Ambito di Bari", "072006", tipo, name, "Coop. Stella", 24)
    if tipo == "ade":  # home-based support: hours, and its own activities
        data["servizio"]["ore_educative"] = 300
        data["accesso_attivita"]["attivita"] = ["sostegno_scolastico"]
    response = post_json(client, setup.tokens[email], setup.form_id, data)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_a_seed_form_report_is_filed_in_the_service_its_type_and_name_match(app, client, setup, territory):
    _service_setup(app, setup, territory)
    make_cycle(app, setup, [territory.ambito_bari, territory.ambito_lecce], by_service=True)
    with app.app_context():
        centre = db.session.scalars(select(Service).filter_by(code="CD-BA-01")).one()

    exact = seed_report(client, setup, "bari@example.org", "cd", "centro diurno IL QUARTIERE")
    ade = seed_report(client, setup, "bari@example.org", "ade", "ADE Bari")
    unknown = seed_report(client, setup, "bari@example.org", "cd", "Centro diurno Il Faro")
    no_such_type = seed_report(client, setup, "bari@example.org", "cap", "Centro aperto Il Faro")

    assert filed(app, exact) == (territory.ambito_bari.id, centre.id, "2024-S2")
    assert filed(app, ade)[1] not in (0, centre.id)  # "cd" is a day centre, "ade" the ADE of the Ambito
    assert filed(app, unknown) is None  # a centre the registry lacks never takes another's slot
    assert filed(app, no_such_type) is None  # the only CAP registered is Lecce's, outside the Ambito


def test_the_service_page_lists_the_reports_filed_for_it_by_type_and_name(app, client, setup, territory):
    _service_setup(app, setup, territory)
    make_cycle(app, setup, [territory.ambito_bari], by_service=True)
    submission_id = seed_report(client, setup, "bari@example.org", "cd", "Centro diurno Il Quartiere")
    with app.app_context():
        centre_id = db.session.scalars(select(Service.id).filter_by(code="CD-BA-01")).one()
        ade_id = db.session.scalars(select(Service.id).filter_by(code="ADE-BA-02")).one()
    login(client, "ricerca@example.org")

    centre_page = client.get(f"/services/{centre_id}").get_data(as_text=True)
    ade_page = client.get(f"/services/{ade_id}").get_data(as_text=True)

    link = f"/forms/{setup.form_id}/submissions/{submission_id}"
    assert link in centre_page and link not in ade_page


# The dashboard


def test_the_dashboard_shows_who_has_filed_the_rates_and_who_is_missing(app, client, setup, territory):
    cycle_id = make_cycle(app, setup, [territory.ambito_bari, territory.ambito_lecce], last_period="2024-S2")
    bari_report = report(client, setup, "bari@example.org", start="2024-07-01")
    filed(app, bari_report)
    filed(app, report(client, setup, "lecce@example.org", start="2024-02-01"))
    login(client, "ricerca@example.org")

    page = client.get(f"/monitoring/{cycle_id}?period=2024-S2").get_data(as_text=True)

    assert "Monitoraggio semestrale" in page
    assert f'href="/forms/{setup.form_id}/submissions/{bari_report}"' in page
    assert page.count("✓") == 2 and page.count("✗") == 2
    assert ">50%<" in page  # each period, each unit and overall: one of two
    missing = page.split('id="missing"')[1]
    assert "Ambito di Lecce" in missing and "Ambito di Bari" not in missing


def test_a_report_in_the_trash_counts_as_missing(app, client, setup, territory):
    cycle_id = make_cycle(app, setup, [territory.ambito_bari], last_period="2024-S2")
    submission_id = report(client, setup, "bari@example.org")
    filed(app, submission_id)
    with app.app_context():
        db.session.get(Submission, submission_id).deleted_at = db.func.now()
        db.session.commit()
    login(client, "ricerca@example.org")

    page = client.get(f"/monitoring/{cycle_id}").get_data(as_text=True)

    assert "✓" not in page and page.count("✗") == 2


def test_the_dashboard_shows_only_units_in_the_reader_s_scope(app, client, setup, make_user, territory):
    both = make_cycle(app, setup, [territory.ambito_bari, territory.ambito_lecce])
    bari_only = make_cycle(app, setup, [territory.ambito_bari], name="Solo Bari")
    make_user("osservatorio.lecce@example.org", "viewer", territory.lecce)
    login(client, "osservatorio.lecce@example.org")

    listed = client.get("/monitoring/").get_data(as_text=True)
    page = client.get(f"/monitoring/{both}").get_data(as_text=True)
    hidden = client.get(f"/monitoring/{bari_only}")
    grid = client.get(f"/monitoring/{both}/completeness.csv").get_data(as_text=True)

    assert "Monitoraggio semestrale" in listed and "Solo Bari" not in listed
    assert "Ambito di Lecce" in page and "Ambito di Bari" not in page
    assert hidden.status_code == 404
    assert client.get(f"/monitoring/{bari_only}/completeness.csv").status_code == 404
    assert "ATS-LE1" in grid and "ATS-BA1" not in grid


def test_readers_without_read_data_see_filed_cells_without_links(app, client, setup, make_user, territory):
    cycle_id = make_cycle(app, setup, [territory.ambito_bari])
    submission_id = report(client, setup, "bari@example.org")
    filed(app, submission_id)
    make_user("osservatorio@example.org", "viewer")
    login(client, "osservatorio@example.org")

    page = client.get(f"/monitoring/{cycle_id}").get_data(as_text=True)

    assert "✓" in page
    assert f"/submissions/{submission_id}" not in page


def test_people_without_a_role_cannot_read_cycles(app, client, setup):
    from app import accounts
    from tests.conftest import PASSWORD

    with app.app_context():
        accounts.create_user("nessuno@example.org", PASSWORD)
        db.session.commit()
    login(client, "nessuno@example.org")

    assert client.get("/monitoring/").status_code == 403


def test_the_completeness_csv_has_one_row_per_unit_and_the_rates(app, client, setup, territory):
    cycle_id = make_cycle(app, setup, [territory.ambito_bari, territory.ambito_lecce], last_period="2024-S2")
    filed(app, report(client, setup, "bari@example.org", start="2024-07-01"))
    login(client, "ricerca@example.org")

    response = client.get(f"/monitoring/{cycle_id}/completeness.csv")

    assert response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert table[0][2:] == ["2024-S1", "2024-S2", table[0][-1]]
    assert table[1] == ["ATS-BA1", "Ambito di Bari", "0", "1", "50.0"]
    assert table[2] == ["ATS-LE1", "Ambito di Lecce", "0", "0", "0.0"]
    assert table[3][2:] == ["0.0", "50.0", "25.0"]


def test_the_dashboard_of_a_cycle_by_service_lists_the_missing_services(app, client, setup, territory):
    form_id = _service_setup(app, setup, territory)
    cycle_id = make_cycle(
        app,
        setup,
        [territory.ambito_bari, territory.ambito_lecce],
        form_id=form_id,
        by_service=True,
        date_field="data_riferimento",
        last_period="2024-S1",
    )
    filed(app, service_report(client, setup, form_id, "bari@example.org", "CD-BA-01"))
    login(client, "ricerca@example.org")

    page = client.get(f"/monitoring/{cycle_id}?period=2024-S1").get_data(as_text=True)

    missing = page.split('id="missing"')[1]
    assert "ADE Bari" in missing and "CAP Il Faro" in missing
    assert "Centro diurno Il Quartiere" not in missing
    assert "Servizio chiuso" not in page  # deactivated, and never filed
    assert ">33,3%<" in page


def test_a_cycle_id_that_does_not_exist_answers_404(client, setup):
    login(client, "ricerca@example.org")

    assert client.get("/monitoring/999").status_code == 404


def _bearer(setup: Setup, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {setup.tokens[email]}"}


def test_recording_a_report_files_it_in_the_same_transaction(app, client, setup, territory):
    """Submissions are filed as they are stored, with no explicit call: a second report of the same slot
    replaces the first, which is kept as its earlier version."""
    make_cycle(app, setup, [territory.ambito_bari])

    first = report(client, setup, "bari@example.org", children=24)
    second = report(client, setup, "bari@example.org", children=30)

    assert [f.submission_id for f in rows(app, ReportFiling)] == [second]
    assert [s.id for s in rows(app, Submission, current=True)] == [second]
    assert rows(app, Submission, id=second)[0].deprecated_id == rows(app, Submission, id=first)[0].instance_id


def _edit(app, submission_id: int, start: str) -> int:
    """A new version of the submission dated `start`, stored as an edit stores it (the old row kept)."""
    with app.app_context():
        old = db.session.get(Submission, submission_id)
        data = {**old.data, "intestazione": {**old.data["intestazione"], "data_inizio": start}}
        new = Submission(
            form_id=old.form_id,
            form_version_id=old.form_version_id,
            instance_id=f"uuid:edit-{submission_id}-{start}",
            deprecated_id=old.instance_id,
            xml=old.xml,
            data=data,
            content_sha256="edited",
            org_unit_id=old.org_unit_id,
            submitter_id=old.submitter_id,
            review_state="edited",
        )
        old.current = False
        db.session.add(new)
        db.session.commit()
        return new.id


def test_an_edit_keeps_the_slot_of_the_version_it_replaces(app, client, setup, territory):
    make_cycle(app, setup, [territory.ambito_bari])
    first = report(client, setup, "bari@example.org", start="2024-07-01")
    filed(app, first)

    edit = _edit(app, first, "2024-08-01")

    assert filed(app, edit) == (territory.ambito_bari.id, 0, "2024-S2")
    assert [f.submission_id for f in rows(app, ReportFiling)] == [edit]


def test_an_edit_that_moves_the_report_to_another_period_empties_the_old_slot(app, client, setup, territory):
    make_cycle(app, setup, [territory.ambito_bari])
    first = report(client, setup, "bari@example.org", start="2024-07-01")
    filed(app, first)

    edit = _edit(app, first, "2024-02-01")
    filed(app, edit)

    assert [(f.submission_id, f.period) for f in rows(app, ReportFiling)] == [(edit, "2024-S1")]


def test_a_report_and_its_filing_are_stored_together_or_not_at_all(
    app, client, setup, territory, monkeypatch
):
    # The API records a plain submission outside a transaction on PostgreSQL (one INSERT commits itself);
    # one that is filed as well must be one transaction, or a failed filing would leave the row behind.
    make_cycle(app, setup, [territory.ambito_bari])
    report(client, setup, "bari@example.org", start="2024-01-01")  # the token's first use is noted apart

    def failing(_submission_id: int) -> None:
        raise RuntimeError("the filing failed")

    monkeypatch.setattr("app.surveys.submissions.file_report", failing)
    with pytest.raises(RuntimeError, match="the filing failed"):
        report(client, setup, "bari@example.org", start="2024-07-01")

    assert len(rows(app, Submission)) == 1
    assert len(rows(app, AuditEvent, action="submission.created")) == 1
