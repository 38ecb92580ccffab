"""Indicators on case records: cases or interventions meeting a numerator per 100 of a denominator, protected."""

import csv
import io

from app.extensions import db
from app.models import Entity, Project, User
from app.surveys import services
from tests.app.test_statistics import api, cells_by_key, world  # noqa: F401 - fixture
from tests.conftest import login

# `world`: Bari 7 girls (6-10) and 6 boys (11-13), Lecce 8 girls (6-10) and 2 boys (14-17); every case has
# one intervention, "ade", but Lecce's two boys, who are in residential foster care.


def indicators(rows):
    return {row["ambito"] if "ambito" in row else row["sesso"]: row["indicator"] for row in rows}


def test_an_indicator_on_cases_is_the_share_of_cases_meeting_its_conditions(app, client, world):  # noqa: F811
    published = api(client, world, source="cases", by="ambito", num="sesso:f").get_json()

    found = indicators(published["rows"])
    assert found["ATS-BA1"] == round(7 / 13 * 100, 2)
    assert found["ATS-LE1"] == round(8 / 10 * 100, 2)
    assert found["Totale"] == round(15 / 23 * 100, 2)
    assert published["indicator"]["numerator"] == [{"field": "sesso", "choice": "f"}]
    assert published["indicator"]["label"].startswith(("Cases with", "Casi con"))  # not submissions


def test_a_case_meets_a_condition_on_interventions_when_it_has_one_such(app, client, world):  # noqa: F811
    args = {"source": "cases", "by": "ambito", "num": "tipo_intervento:affido_residenziale"}

    rows = api(client, world, **args).get_json()["rows"]

    found = {row["ambito"]: (row["indicator"], row["status"]) for row in rows}
    assert found["ATS-BA1"][0] == 0.0  # none in Bari: a zero is no secret
    assert found["ATS-LE1"][0] is None  # two foster children: too few to publish, even as a share
    assert found["Totale"][0] is None


def test_an_indicator_on_interventions_counts_interventions(app, client, world):  # noqa: F811
    args = {
        "source": "cases",
        "count": "interventions",
        "by": "sesso",
        "num": "tipo_intervento:ade",
        "per": "1000",
    }

    published = api(client, world, **args).get_json()

    found = indicators(published["rows"])
    assert found["f"] == 1000.0 and found["m"] == round(6 / 8 * 1000, 2)
    assert found["Totale"] == round(21 / 23 * 1000, 2)
    assert published["indicator"]["per"] == 1000


def test_a_denominator_narrows_what_the_numerator_is_counted_out_of(app, client, world):  # noqa: F811
    args = {"source": "cases", "by": "ambito", "num": "fascia_eta:6-10,sesso:f", "den": "sesso:f"}

    found = indicators(api(client, world, **args).get_json()["rows"])

    assert found["ATS-BA1"] == 100.0 and found["ATS-LE1"] == 100.0  # every girl is 6-10


def test_an_unknown_field_or_choice_of_case_records_is_refused_with_a_reason(app, client, world):  # noqa: F811
    field = api(client, world, source="cases", by="ambito", num="colore:rosso")
    choice = api(client, world, source="cases", by="ambito", num="sesso:x")

    assert field.status_code == 400 and "colore" in field.get_json()["errors"][0]["message"]
    message = choice.get_json()["errors"][0]["message"]
    assert choice.status_code == 400 and "x" in message and ("Sesso" in message or "Sex" in message)


def test_the_case_indicator_is_the_same_on_the_page_and_in_csv(app, client, world):  # noqa: F811
    args = {"source": "cases", "by": "ambito", "num": "sesso:f"}
    rows = api(client, world, **args).get_json()["rows"]
    login(client, "regione@example.org")

    page = client.get("/statistics/", query_string=args).get_data(as_text=True)
    exported = client.get("/statistics/export.csv", query_string=args).data.decode("utf-8-sig")

    in_csv = {row["ambito"]: row["indicator"] for row in csv.DictReader(io.StringIO(exported))}
    assert in_csv == {
        row["ambito"]: "" if row["indicator"] is None else str(row["indicator"]) for row in rows
    }
    assert 'value="sesso:f" selected' in page and 'value="tipo_intervento:affido_residenziale"' in page
    assert "53.8" in page or "53,8" in page  # the indicator's table, formatted for the reader


INTAKE = """
| survey   |
|          | type            | name   | label          | save_to |
|          | text            | codice | Codice         | codice  |
|          | select_one sino | pippi  | Programma PIPPI | pippi  |
| choices  |
|          | list_name | name | label |
|          | sino      | si   | Sì    |
|          | sino      | no   | No    |
| entities |
|          | list_name | label     |
|          | minori    | ${codice} |
| settings |
|          | form_id | version | form_title |
|          | presa   | 1       | Presa in carico |
"""


def test_a_property_saved_from_a_choice_of_the_intake_is_a_condition_too(app, client, world):  # noqa: F811
    with app.app_context():
        author = db.session.scalars(db.select(User).filter_by(email="regione@example.org")).one()
        services.upload_form(
            author, db.session.get(Project, world["project"]), INTAKE.encode(), "p.md", publish=True
        )
        for number, case in enumerate(db.session.scalars(db.select(Entity).order_by(Entity.id))):
            case.properties = {
                **case.properties,
                "pippi": "si" if number < 6 else "no",
            }  # six of Bari's girls
        db.session.commit()

    published = api(client, world, source="cases", by="ambito", num="pippi:si").get_json()
    login(client, "regione@example.org")
    page = client.get("/statistics/", query_string={"source": "cases"}).get_data(as_text=True)

    found = indicators(published["rows"])
    assert found["ATS-BA1"] == round(6 / 13 * 100, 2) and found["ATS-LE1"] == 0.0
    assert "Programma PIPPI" in published["indicator"]["label"] and "Sì" in published["indicator"]["label"]
    assert 'value="pippi:si"' in page
