"""The standard report of a period and territory: every table of the set, protected alike in XLSX, HTML and API."""

import io
import re
from urllib.parse import parse_qsl

import openpyxl

from app.extensions import db
from app.models import AuditEvent
from tests.app.test_statistics import CELL, api, cells_by_key, monitoring, world  # noqa: F401 - fixtures
from tests.conftest import login

ARGS = {"source": "cases", "by": "zona", "from": "2025-01-01", "to": "2025-12-31"}
SECTIONS = 7  # territory, sex, age band, sex × age band, type of intervention, provider, period


def workbook(client, args):
    content = client.get("/statistics/standard.xlsx", query_string=args)
    assert content.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(content.data))


def sheet_rows(sheet):
    header, *lines = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, line, strict=True)) for line in lines]


def standard_api(client, world, email="regione@example.org", **args):  # noqa: F811
    headers = {"Authorization": f"Bearer {world['tokens'][email]}"}
    return client.get("/api/v1/statistics/standard", query_string=args, headers=headers)


def section_cells(html):
    """(status, text) of the first table of each section of the printable report."""
    sections = html.split('<section class="humus-stat-section"')[1:]
    return [CELL.findall(part[part.index("<table") : part.index("</table>")]) for part in sections]


def test_the_workbook_has_a_sheet_per_table_of_the_standard_set(app, client, world):  # noqa: F811
    login(client, "regione@example.org")

    book = workbook(client, ARGS)

    contents, *tables, notes = book.worksheets
    listed = sheet_rows(contents)
    assert len(tables) == len(listed) == SECTIONS
    assert [row["sheet"] for row in listed] == [sheet.title for sheet in tables]
    dimensions = [
        [c for c in sheet_rows(sheet)[0] if not c.endswith(("_level", "_label"))] for sheet in tables
    ]
    assert [d[: d.index("value")] for d in dimensions] == [
        ["zona"],
        ["sesso"],
        ["fascia_eta"],
        ["sesso", "fascia_eta"],
        ["tipo_intervento"],
        ["ente_erogatore"],
        ["periodo"],
    ]
    assert all("from=2025-01-01" in row["query"] and "to=2025-12-31" in row["query"] for row in listed)
    assert "count=interventions" in listed[4]["query"] and "count=interventions" not in listed[1]["query"]
    assert any("2025-01-01" in str(value) for line in notes.iter_rows(values_only=True) for value in line)


def test_every_table_of_the_workbook_the_report_and_the_api_publishes_the_same_cells(app, client, world):  # noqa: F811
    login(client, "regione@example.org")
    book = workbook(client, ARGS)
    html = client.get("/statistics/standard", query_string=ARGS).get_data(as_text=True)
    standard = standard_api(client, world, **ARGS).get_json()

    contents, *tables, _notes = book.worksheets
    printed = section_cells(html)
    assert len(standard["tables"]) == len(printed) == len(tables) == SECTIONS
    for listed, sheet, served, shown in zip(
        sheet_rows(contents), tables, standard["tables"], printed, strict=True
    ):
        alone = api(client, world, **dict(parse_qsl(listed["query"]))).get_json()
        names = alone["dimensions"]
        expected = cells_by_key(alone["rows"], names)
        assert cells_by_key(sheet_rows(sheet), names) == expected, listed["title"]
        assert cells_by_key(served["rows"], names) == expected
        assert shown == [
            (r["status"], "n.d." if r["value"] is None else f"{r['value']:,}") for r in alone["rows"]
        ]
    hidden = [row for table in standard["tables"] for row in table["rows"] if row["value"] is None]
    assert hidden  # Lecce's two boys, at least, are not published anywhere
    assert all(row["status"] in ("primary", "secondary") for row in hidden)


def test_the_printable_report_draws_a_chart_per_table(app, client, world):  # noqa: F811
    login(client, "regione@example.org")

    html = client.get("/statistics/standard", query_string=ARGS).get_data(as_text=True)

    assert html.count("data:image/svg+xml;base64,") == SECTIONS
    assert "Bari città" in html and "n.d." in html
    assert re.search(r"(da 1 a 4|from 1 to 4)", html)  # the disclosure rule: case records, threshold 5


def test_a_report_narrowed_to_a_zone_holds_only_that_zone(app, client, world):  # noqa: F811
    args = {**ARGS, "area": "zona:072006"}

    standard = standard_api(client, world, **args).get_json()

    territory = cells_by_key(standard["tables"][0]["rows"], ("zona",))
    assert territory == {("Totale",): (13, "published"), ("072006",): (13, "published")}
    assert all(table["query"]["area"] == "zona:072006" for table in standard["tables"])
    assert "Bari città" in standard["title"]


def test_a_reader_gets_the_report_of_their_own_territory_only(app, client, world):  # noqa: F811
    outside = standard_api(client, world, "bari@example.org", **{**ARGS, "area": "ATS-LE1"})
    own = standard_api(client, world, "bari@example.org", **{**ARGS, "by": "ambito"}).get_json()

    assert outside.status_code == 404
    assert cells_by_key(own["tables"][0]["rows"], ("ambito",)) == {
        ("Totale",): (13, "published"),
        ("072",): (13, "published"),
        ("ATS-BA1",): (13, "published"),
    }
    assert "Lecce" not in str(own)


def test_the_workbook_is_audited(app, client, world):  # noqa: F811
    login(client, "regione@example.org")

    workbook(client, ARGS)

    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="statistics.exported")).one()
        assert event.details["format"] == "standard-xlsx" and event.details["query"]["from"] == "2025-01-01"


def test_a_form_s_report_has_its_periods_and_its_choice_questions(app, client, world, monitoring):  # noqa: F811
    args = {
        "source": "form",
        "form": monitoring,
        "measure": "minori",
        "date_field": "data_rif",
        "unit": "quarter",
    }

    standard = standard_api(client, world, **args).get_json()

    assert [table["dimensions"] for table in standard["tables"]] == [["ambito"], ["periodo"], ["tipo"]]
    periods = cells_by_key(standard["tables"][1]["rows"], ("periodo",))
    assert periods[("2025-T1",)] == (16, "published") and periods[("Totale",)] == (31, "published")
    assert "ROSSI MARIO" not in str(standard)
