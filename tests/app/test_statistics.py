"""The statistics pages: one protected table on the page, in CSV, XLSX and the API, inside the reader's scope."""

import csv
import io
import re
import uuid
from datetime import date

import numpy as np
import openpyxl
import pytest
from werkzeug.datastructures import MultiDict

from analysis.disclosure import ProtectedTable, recoverable_cells
from app.auth.tokens import issue_token
from app.extensions import db
from app.models import (
    AuditEvent,
    CaseIntervention,
    Entity,
    EntityList,
    PopulationFigure,
    Project,
    Submission,
    User,
)
from app.statistics.query import query_from_args
from app.statistics.tables import statistics_table
from app.surveys import services
from tests.conftest import login

# (Ambito, sex, age band, how many cases): Lecce has two boys only, under the threshold of 5 for case data.
CASES = [
    ("bari", "f", "6_10", 7),
    ("bari", "m", "11_13", 6),
    ("lecce", "f", "6_10", 8),
    ("lecce", "m", "14_17", 2),
]
SECRETS = ("ROSSI MARIO", "PSEUDO", "LE2025A0", "Famiglia Bianchi")
CELL = re.compile(r'<td class="text-end[^"]*" data-status="(\w+)">([^<]*)</td>')


@pytest.fixture
def world(app, make_user, territory):
    """Cases in two Ambiti with one intervention each; a regional and a Bari reader, with API tokens."""
    region = make_user("regione@example.org", "viewer", territory.region)
    bari = make_user("bari@example.org", "viewer", territory.ambito_bari)
    with app.app_context():
        project = Project(code="humus", name="HUMUS")
        minori = EntityList(project=project, name="minori", properties=["codice", "sesso", "fascia_eta"])
        db.session.add_all([project, minori])
        db.session.flush()
        units = {"bari": territory.ambito_bari.id, "lecce": territory.ambito_lecce.id}
        number = 0
        for ambito, sex, band, count in CASES:
            for _ in range(count):
                number += 1
                case = Entity(
                    entity_list_id=minori.id,
                    uuid=str(uuid.uuid4()),
                    label=f"ROSSI MARIO {number}",
                    pseudonym=f"PSEUDO{number:04d}",
                    properties={
                        "codice": f"LE2025A0{number:02d}",
                        "sesso": sex,
                        "fascia_eta": band,
                        "stato": "aperta",
                        "data_presa_in_carico": "2025-02-10" if number % 2 else "2025-05-20",
                        "comune_istat": "072006" if ambito == "bari" else "075035",
                    },
                    org_unit_id=units[ambito],
                )
                db.session.add(case)
                db.session.flush()
                foster = ambito == "lecce" and sex == "m"
                db.session.add(
                    CaseIntervention(
                        entity_id=case.id,
                        kind="affido_residenziale" if foster else "ade",
                        provider_type="famiglia_affidataria" if foster else "terzo_settore",
                        provider_name="Famiglia Bianchi" if foster else "Coop. Il Melograno",
                        start_date=date(2025, 2 if number % 2 else 5, 17),
                        status="attivo",
                        org_unit_id=units[ambito],
                    )
                )
        tokens = {}
        for user in (region, bari):
            _row, tokens[user.email] = issue_token(db.session.get(User, user.id), "test")
        db.session.commit()
        project_id = project.id
    return {"project": project_id, "tokens": tokens}


def api(client, world, email="regione@example.org", **args):
    headers = {"Authorization": f"Bearer {world['tokens'][email]}"}
    return client.get("/api/v1/statistics", query_string=args, headers=headers)


def cells_by_key(rows, names):
    return {tuple(row[name] for name in names): (row["value"], row["status"]) for row in rows}


def page_cells(html: str) -> list[tuple[str, str]]:
    """(status, text) of each cell of the page's first table, in order."""
    first = html[html.index("<table") : html.index("</table>")]
    return CELL.findall(first)


def test_small_counts_are_hidden_alike_on_the_page_in_csv_xlsx_and_the_api(app, client, world):
    args = {"source": "cases", "by": "ambito,sesso"}

    published = api(client, world, **args).get_json()
    login(client, "regione@example.org")
    page = client.get("/statistics/", query_string=args).get_data(as_text=True)
    exported = client.get("/statistics/export.csv", query_string=args)
    workbook = client.get("/statistics/export.xlsx", query_string=args)

    assert published["threshold"] == 5 and published["sensitive"] is True
    rows = published["rows"]
    api_cells = cells_by_key(rows, ("ambito", "sesso"))
    assert api_cells["ATS-BA1", "f"] == (7, "published")
    assert api_cells["ATS-LE1", "m"] == (None, "primary")
    assert api_cells["Totale", "Totale"] == (23, "published")
    csv_rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
    csv_cells = {
        (row["ambito"], row["sesso"]): (int(row["value"]) if row["value"] else None, row["status"])
        for row in csv_rows
    }
    assert csv_cells == api_cells
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.data)).worksheets[0]
    header, *lines = [list(line) for line in sheet.iter_rows(values_only=True)]
    xlsx_rows = [dict(zip(header, line, strict=True)) for line in lines]
    assert cells_by_key(xlsx_rows, ("ambito", "sesso")) == api_cells
    expected = [(row["status"], "n.d." if row["value"] is None else str(row["value"])) for row in rows]
    assert page_cells(page) == expected
    assert "n.d." in page and "data:image/svg+xml;base64," in page


def test_secondary_suppression_leaves_nothing_to_work_out_from_what_is_published(app, client, world):
    args = {"source": "cases", "by": "ambito,sesso"}

    rows = api(client, world, **args).get_json()["rows"]

    with app.app_context():
        user = db.session.scalars(db.select(User).filter_by(email="regione@example.org")).one()
        dims = statistics_table(user, query_from_args(MultiDict(args))).counts.dimensions
    shape = tuple(len(dim.labels) for dim in dims)
    published, codes = np.full(shape, np.nan), np.zeros(shape, dtype=np.int8)
    statuses = {"published": 0, "primary": 1, "secondary": 2}
    for row in rows:
        position = tuple(dim.node(row[dim.name]) for dim in dims)
        published[position] = np.nan if row["value"] is None else row["value"]
        codes[position] = statuses[row["status"]]
    from analysis.disclosure import Rule

    seen = ProtectedTable(dims, published, codes, Rule(threshold=5))
    hidden = {key for key, value in cells_by_key(rows, ("ambito", "sesso")).items() if value[0] is None}
    assert ("ATS-LE1", "m") in hidden and len(hidden) > 2  # more than the two boys and their province
    assert recoverable_cells(seen) == set()
    lecce = cells_by_key(rows, ("ambito", "sesso"))
    assert lecce["ATS-LE1", "Totale"][0] is None or lecce["ATS-LE1", "f"][0] is None


def test_an_ambito_reader_sees_only_the_rows_of_their_ambito(app, client, world):
    published = api(client, world, "bari@example.org", source="cases", by="ambito").get_json()

    ambiti = {row["ambito"] for row in published["rows"]}
    assert "ATS-LE1" not in ambiti and "075" not in ambiti
    assert cells_by_key(published["rows"], ("ambito",))["Totale",] == (13, "published")
    login(client, "bari@example.org")
    page = client.get("/statistics/", query_string={"by": "ambito"}).get_data(as_text=True)
    assert "Ambito di Lecce" not in page and "Ambito di Bari" in page


def test_a_table_by_comune_places_cases_of_an_ambito_in_their_comune_of_residence(app, client, world):
    published = api(client, world, source="cases", by="comune").get_json()

    cells = cells_by_key(published["rows"], ("comune",))
    assert cells["072006",] == (13, "published") and cells["075035",] == (10, "published")
    assert published["labels"]["comune"]["075035"] == "Lecce"
    assert {row["comune_level"] for row in published["rows"]} == {"totale", "provincia", "comune"}


def test_identifiers_never_reach_any_output(app, client, world):
    args = {"source": "cases", "count": "interventions", "by": "ambito,ente_erogatore,tipo_intervento"}

    published = api(client, world, **args)
    login(client, "regione@example.org")
    outputs = [
        published.get_data(as_text=True),
        client.get("/statistics/", query_string=args).get_data(as_text=True),
        client.get("/statistics/report", query_string=args).get_data(as_text=True),
        client.get("/statistics/export.csv", query_string=args).data.decode("utf-8-sig"),
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/statistics/export.xlsx", query_string=args).data))
    outputs.append(
        " ".join(str(v) for ws in sheet.worksheets for line in ws.iter_rows(values_only=True) for v in line)
    )

    with app.app_context():
        uuids = list(db.session.scalars(db.select(Entity.uuid)))
    for text in outputs:
        assert "Coop. Il Melograno" in text  # providers are named, foster families are not
        for secret in (*SECRETS, *uuids):
            assert secret not in text


def test_interventions_are_counted_by_type_and_period(app, client, world):
    published = api(
        client, world, source="cases", count="interventions", by="tipo_intervento,periodo", unit="quarter"
    )

    cells = cells_by_key(published.get_json()["rows"], ("tipo_intervento", "periodo"))
    assert cells["Totale", "Totale"] == (23, "published")
    assert cells["affido_residenziale", "Totale"] == (None, "primary")
    assert set(published.get_json()["dimensions"]) == {"tipo_intervento", "periodo"}
    assert ("Totale", "2025-T1") in cells and ("Totale", "2025-T2") in cells


def test_counting_cases_refuses_breakdowns_of_interventions(app, client, world):
    published = api(client, world, source="cases", count="cases", by="tipo_intervento,sesso").get_json()

    assert published["dimensions"] == ["sesso"]
    assert published["warnings"]


def test_rates_per_thousand_minors_use_the_population_figures(app, client, world, territory):
    with app.app_context():
        db.session.add_all(
            [
                PopulationFigure(org_unit_id=territory.ambito_bari.id, year=2025, count=1300),
                PopulationFigure(org_unit_id=territory.ambito_lecce.id, year=2025, count=2000),
            ]
        )
        db.session.commit()

    published = api(client, world, source="cases", by="ambito", rates="1").get_json()

    rates = {row["ambito"]: row["rate_per_1000"] for row in published["rows"]}
    assert rates["ATS-BA1"] == 10.0 and rates["ATS-LE1"] == 5.0
    assert rates["Totale"] == round(23 / 3300 * 1000, 2)
    assert published["population_year"] == 2025


def test_percentages_are_hidden_with_the_counts_they_come_from(app, client, world):
    published = api(client, world, source="cases", by="ambito,sesso", percent="sesso").get_json()

    cells = {(row["ambito"], row["sesso"]): row for row in published["rows"]}
    assert cells["ATS-BA1", "f"]["percent"] == round(7 / 13 * 100, 2)
    assert all(row["percent"] is None for row in published["rows"] if row["value"] is None)


def test_the_report_prints_title_filters_table_and_note(app, client, world):
    login(client, "regione@example.org")

    page = client.get("/statistics/report", query_string={"by": "sesso,fascia_eta", "from": "2025-01-01"})

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "statistics.css" in html and "2025-01-01" in html
    assert "data:image/svg+xml;base64," in html and "<table" in html
    assert "da 1 a 4" in html or "from 1 to 4" in html  # the disclosure note, threshold 5


def test_exports_are_audited(app, client, world):
    login(client, "regione@example.org")

    client.get("/statistics/export.csv", query_string={"by": "ambito"})

    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="statistics.exported")).one()
        assert event.details["format"] == "csv" and event.details["query"]["by"] == "ambito"


def test_without_a_role_the_api_refuses(app, client, world):
    with app.app_context():
        from app import accounts

        user = accounts.create_user("nessuno@example.org", "Passw0rd-lunga-e-sicura")
        _row, token = issue_token(user, "test")
        db.session.commit()

    response = client.get("/api/v1/statistics", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 403


# --- a monitoring form in two versions -------------------------------------------------------------

MONITORING = """
| survey   |
|          | type           | name     | label             |
|          | select_one tipi| tipo     | Tipo di servizio  |
|          | date           | data_rif | Data di riferimento |
|          | integer        | minori   | Minori seguiti    |
|          | text           | note     | Note              |
| choices  |
|          | list_name | name | label          |
|          | tipi      | cd   | Centro diurno  |
|          | tipi      | ed   | Educativa      |
| settings |
|          | form_id      | version | form_title   |
|          | monitoraggio | {version} | Monitoraggio |
"""


@pytest.fixture
def monitoring(app, world, territory):
    """Two versions of a form (the second adds a question); submissions of each, some not to count."""
    with app.app_context():
        author = db.session.scalars(db.select(User).filter_by(email="regione@example.org")).one()
        project = db.session.get(Project, world["project"])
        first = services.upload_form(author, project, MONITORING.format(version="1").encode(), "m.md")
        second_text = MONITORING.format(version="2").replace(
            "|          | text           | note     | Note              |",
            "|          | text           | note     | Note              |\n"
            "|          | integer        | famiglie | Famiglie          |",
        )
        second = services.upload_form(author, project, second_text.encode(), "m.md", publish=True)
        versions = {"1": first.version, "2": second.version}
        rows = [
            ("1", territory.ambito_bari.id, {"tipo": "cd", "data_rif": "2025-03-31", "minori": 12}, {}),
            ("1", territory.ambito_lecce.id, {"tipo": "ed", "data_rif": "2025-03-31", "minori": 4}, {}),
            ("2", territory.ambito_bari.id, {"tipo": "cd", "data_rif": "2025-06-30", "minori": 10}, {}),
            ("2", territory.ambito_lecce.id, {"tipo": "cd", "data_rif": "2025-06-30", "minori": 5}, {}),
            ("2", territory.ambito_bari.id, {"tipo": "cd", "minori": 900}, {"test": True}),
            ("2", territory.ambito_bari.id, {"tipo": "cd", "minori": 800}, {"current": False}),
        ]
        for version, unit, data, extra in rows:
            row = versions[version]
            db.session.add(
                Submission(
                    form_id=row.form_id,
                    form_version_id=row.id,
                    instance_id=f"uuid:{uuid.uuid4()}",
                    xml="<data/>",
                    data={**data, "note": "ROSSI MARIO"},
                    content_sha256="0" * 64,
                    org_unit_id=unit,
                    **extra,
                )
            )
        db.session.commit()
        return first.version.form_id


def test_a_field_is_summed_across_versions_matched_by_name(app, client, world, monitoring):
    published = api(client, world, source="form", form=monitoring, measure="minori", by="ambito").get_json()

    cells = cells_by_key(published["rows"], ("ambito",))
    assert cells["ATS-BA1",] == (22, "published")
    assert cells["ATS-LE1",] == (9, "published")
    assert cells["Totale",] == (31, "published")
    assert published["threshold"] == 3 and published["sensitive"] is False


def test_submissions_are_counted_by_a_choice_and_the_period_of_a_date_field(app, client, world, monitoring):
    args = {
        "source": "form",
        "form": monitoring,
        "by": "tipo,periodo",
        "date_field": "data_rif",
        "unit": "quarter",
    }

    published = api(client, world, **args).get_json()

    cells = cells_by_key(published["rows"], ("tipo", "periodo"))
    assert cells["Totale", "Totale"] == (4, "published")
    assert cells["ed", "2025-T1"] == (None, "primary")  # a single submission
    assert cells["cd", "Totale"] == (None, "secondary")  # else 4 - 3 would give the one "ed" away
    assert published["labels"]["tipo"]["cd"] == "Centro diurno"


def test_a_form_outside_the_readers_projects_answers_404(app, client, world):
    response = api(client, world, source="form", form=987654)

    assert response.status_code == 404


def test_the_form_page_offers_its_fields_and_never_shows_free_text(app, client, world, monitoring):
    login(client, "regione@example.org")

    page = client.get(
        "/statistics/",
        query_string={"source": "form", "form": monitoring, "measure": "minori", "by": "ambito"},
    ).get_data(as_text=True)

    assert "Minori seguiti" in page and "Famiglie" in page
    assert "ROSSI MARIO" not in page
    assert page_cells(page)[0] == ("published", "31")


PICKS_A_CASE = """
| survey   |
|          | type                            | name | label |
|          | select_one_from_file minori.csv | caso | Caso  |
|          | integer                         | ore  | Ore   |
| settings |
|          | form_id        | version | form_title     |
|          | aggiornamento  | 1       | Aggiornamento  |
"""


def test_a_choice_of_cases_is_never_a_breakdown(app, client, world):
    with app.app_context():
        author = db.session.scalars(db.select(User).filter_by(email="regione@example.org")).one()
        upload = services.upload_form(
            author, db.session.get(Project, world["project"]), PICKS_A_CASE.encode(), "a.md"
        )
        form_id = upload.version.form_id

    published = api(client, world, source="form", form=form_id, by="caso").get_json()

    assert published["dimensions"] == ["ambito"]
    assert any("caso" in warning for warning in published["warnings"])
