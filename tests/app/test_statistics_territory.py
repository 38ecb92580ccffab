"""Statistics by zone (the provinces and Bari città) and narrowed to one unit or zone of the reader's scope."""

import csv
import io

import openpyxl

from app.extensions import db
from app.models import PopulationFigure
from tests.app.test_statistics import api, cells_by_key, page_cells, world  # noqa: F401 - fixture
from tests.conftest import login

# In `world`, the Ambito of Bari is the comune of Bari and nothing else, so its 13 cases are in Bari città;
# Lecce's 10 are in the zone of Lecce; the rest of the province of Bari has none.


def test_a_table_by_zone_splits_bari_city_from_the_rest_of_its_province(app, client, world):  # noqa: F811
    published = api(client, world, source="cases", by="zona").get_json()

    cells = cells_by_key(published["rows"], ("zona",))
    assert cells["072006",] == (13, "published")
    assert cells["075",] == (10, "published")
    assert cells["072",] == (0, "published")  # the rest of the province of Bari: a zero, shown
    assert cells["Totale",] == (23, "published")
    labels = published["labels"]["zona"]
    assert labels["072006"] == "Bari città" and labels["075"] == "Lecce"
    assert labels["072"] != "Bari" and "Bari" in labels["072"]  # never mistaken for the whole province


def test_the_zone_table_is_the_same_on_the_page_in_csv_and_xlsx(app, client, world):  # noqa: F811
    args = {"source": "cases", "by": "zona,sesso"}
    rows = api(client, world, **args).get_json()["rows"]
    login(client, "regione@example.org")

    page = client.get("/statistics/", query_string=args).get_data(as_text=True)
    exported = client.get("/statistics/export.csv", query_string=args).data.decode("utf-8-sig")
    workbook = client.get("/statistics/export.xlsx", query_string=args).data

    expected = cells_by_key(rows, ("zona", "sesso"))
    in_csv = {
        (row["zona"], row["sesso"]): (int(row["value"]) if row["value"] else None, row["status"])
        for row in csv.DictReader(io.StringIO(exported))
    }
    assert in_csv == expected
    header, *lines = list(
        openpyxl.load_workbook(io.BytesIO(workbook)).worksheets[0].iter_rows(values_only=True)
    )
    assert (
        cells_by_key([dict(zip(header, line, strict=True)) for line in lines], ("zona", "sesso")) == expected
    )
    assert page_cells(page) == [
        (row["status"], "n.d." if row["value"] is None else str(row["value"])) for row in rows
    ]
    assert "Bari città" in page


def test_a_table_narrowed_to_a_zone_counts_only_the_rows_of_that_zone(app, client, world):  # noqa: F811
    published = api(client, world, source="cases", by="ambito", area="zona:072006").get_json()

    cells = cells_by_key(published["rows"], ("ambito",))
    assert cells["Totale",] == (13, "published")
    assert "ATS-LE1" not in {row["ambito"] for row in published["rows"]}
    assert "Bari città" in published["area"] and "Bari città" in published["title"]
    assert published["query"]["area"] == "zona:072006"


def test_a_table_narrowed_to_a_comune_takes_the_cases_of_its_residents(app, client, world):  # noqa: F811
    published = api(client, world, source="cases", by="sesso", area="075035").get_json()

    assert cells_by_key(published["rows"], ("sesso",))["Totale",] == (10, "published")


def test_a_territory_outside_the_reader_s_scope_answers_404_and_the_page_says_so(app, client, world):  # noqa: F811
    outside = api(client, world, "bari@example.org", source="cases", by="sesso", area="ATS-LE1")
    unknown = api(client, world, "bari@example.org", source="cases", by="sesso", area="zona:075")
    login(client, "bari@example.org")
    page = client.get("/statistics/", query_string={"by": "sesso", "area": "ATS-LE1"}).get_data(as_text=True)

    assert outside.status_code == 404 and unknown.status_code == 404
    assert "outside the territory you cover" in page or "fuori dal territorio" in page
    assert page_cells(page)[0] == ("published", "13")  # the total of the whole of the reader's territory


def test_the_page_offers_the_zones_and_units_of_the_reader_s_scope(app, client, world):  # noqa: F811
    login(client, "bari@example.org")

    page = client.get("/statistics/").get_data(as_text=True)

    assert 'value="zona:072006"' in page and 'value="ATS-BA1"' in page
    assert 'value="zona:075"' not in page and 'value="ATS-LE1"' not in page
    assert '<option value="zona"' in page  # the zone is a breakdown too


def test_rates_by_zone_take_the_city_out_of_its_province(app, client, world, territory):  # noqa: F811
    with app.app_context():
        figures = [(territory.bari, 2000), (territory.comune_bari, 1300), (territory.lecce, 2000)]
        db.session.add_all(PopulationFigure(org_unit_id=unit.id, year=2025, count=n) for unit, n in figures)
        db.session.commit()

    published = api(client, world, source="cases", by="zona", rates="1").get_json()

    rates = {row["zona"]: row["rate_per_1000"] for row in published["rows"]}
    assert rates["072006"] == 10.0  # 13 per 1,300
    assert rates["075"] == 5.0  # 10 per 2,000
    assert rates["072"] == 0.0  # none in the other 700
    assert rates["Totale"] == round(23 / 4000 * 1000, 2)
