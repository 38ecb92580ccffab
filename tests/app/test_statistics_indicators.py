"""Indicators a researcher defines on the statistics page: numerator over denominator of a form's answers."""

import csv
import io
import uuid

import pytest
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Project, Submission, User
from app.statistics.query import query_from_args
from app.surveys import services
from tests.app.test_statistics import api, cells_by_key, page_cells, world  # noqa: F401 - fixture
from tests.conftest import login

FORM = """
| survey   |
|          | type                   | name     | label                     |
|          | select_one sino        | provv_ag | Provvedimento dell'AG     |
|          | select_multiple servizi| servizi  | Servizi attivati          |
|          | integer                | minori   | Minori seguiti            |
| choices  |
|          | list_name | name | label            |
|          | sino      | si   | Sì               |
|          | sino      | no   | No               |
|          | servizi   | ade  | Educativa domiciliare |
|          | servizi   | cd   | Centro diurno    |
| settings |
|          | form_id      | version | form_title       |
|          | segnalazioni | 1       | Segnalazioni     |
"""

# (Ambito, provv_ag, servizi, how many): Lecce has only two submissions with a measure, under the threshold.
ANSWERS = [
    ("bari", "si", ["ade"], 6),
    ("bari", "no", ["ade", "cd"], 4),
    ("lecce", "si", ["cd"], 2),
    ("lecce", "no", ["ade"], 6),
    ("lecce", "no", ["cd"], 5),
]


@pytest.fixture
def reports(app, world, territory):  # noqa: F811 - the fixture imported above
    """A form with a court-measure question, answered 23 times in two Ambiti; its id."""
    with app.app_context():
        author = db.session.scalars(db.select(User).filter_by(email="regione@example.org")).one()
        project = db.session.get(Project, world["project"])
        version = services.upload_form(author, project, FORM.encode(), "s.md", publish=True).version
        units = {"bari": territory.ambito_bari.id, "lecce": territory.ambito_lecce.id}
        for ambito, measure, chosen, count in ANSWERS:
            for _ in range(count):
                db.session.add(
                    Submission(
                        form_id=version.form_id,
                        form_version_id=version.id,
                        instance_id=f"uuid:{uuid.uuid4()}",
                        xml="<data/>",
                        data={"provv_ag": measure, "servizi": answer(ambito, chosen), "minori": 1},
                        content_sha256="0" * 64,
                        org_unit_id=units[ambito],
                    )
                )
        db.session.commit()
        return version.form_id


def answer(ambito, chosen):
    """Lecce's multiple choices as text ("ade cd"), as older submissions keep them; Bari's as a list."""
    return " ".join(chosen) if ambito == "lecce" else chosen


def indicator_args(form_id, **more):
    return {"source": "form", "form": form_id, "by": "ambito", "num": "provv_ag:si", **more}


def test_the_indicator_is_the_numerator_per_hundred_of_the_denominator(app, client, world, reports):  # noqa: F811
    published = api(client, world, **indicator_args(reports, num="servizi:ade")).get_json()

    rows = {row["ambito"]: row for row in published["rows"]}
    assert rows["ATS-BA1"]["indicator"] == 100.0  # 10 of 10
    assert rows["ATS-LE1"]["indicator"] == round(6 / 13 * 100, 2)
    assert rows["Totale"]["indicator"] == round(16 / 23 * 100, 2)
    assert published["indicator"]["numerator"] == [{"field": "servizi", "choice": "ade"}]
    assert published["indicator"]["per"] == 100 and published["sensitive"] is False


def test_a_share_of_a_denominator_per_thousand_on_a_court_measure(app, client, world, reports):  # noqa: F811
    args = indicator_args(reports, num="provv_ag:si,servizi:ade", den="servizi:ade", per="1000")

    published = api(client, world, **args).get_json()

    rows = {row["ambito"]: row for row in published["rows"]}
    assert rows["ATS-BA1"]["indicator"] == 600.0  # 6 with a measure of the 10 with home education
    assert rows["ATS-LE1"]["indicator"] == 0.0  # none of 6: zeros are published
    assert rows["Totale"]["indicator"] == 375.0
    assert published["threshold"] == 5 and published["sensitive"] is True
    assert published["query"]["den"] == "servizi:ade" and published["query"]["per"] == "1000"


def test_a_ratio_is_hidden_where_its_numerator_is_suppressed(app, client, world, reports):  # noqa: F811
    published = api(client, world, **indicator_args(reports)).get_json()

    rows = {row["ambito"]: row for row in published["rows"]}
    lecce = rows["ATS-LE1"]
    assert lecce["value"] == 13 and lecce["status"] == "published"  # the submissions are enough...
    assert lecce["indicator"] is None  # ...but 2 with a measure are not
    assert rows["Totale"]["indicator"] is None  # else 8 - 6 in Bari would give the 2 away
    assert rows["ATS-BA1"]["indicator"] == 60.0


def test_the_page_and_the_csv_show_the_same_indicator_as_the_api(app, client, world, reports):  # noqa: F811
    args = indicator_args(reports)

    rows = api(client, world, **args).get_json()["rows"]
    login(client, "regione@example.org")
    page = client.get("/statistics/", query_string=args).get_data(as_text=True)
    exported = client.get("/statistics/export.csv", query_string=args).data.decode("utf-8-sig")

    by_api = {row["ambito"]: row["indicator"] for row in rows}
    by_csv = {row["ambito"]: row["indicator"] for row in csv.DictReader(io.StringIO(exported))}
    assert by_csv == {key: "" if value is None else str(value) for key, value in by_api.items()}
    indicator_table = page[page.rindex("<table") :]  # the last table of the page
    assert "Provvedimento dell&#39;AG” = Sì" in indicator_table[: indicator_table.index("</caption>")]
    shown = [text.replace(",", ".") for _status, text in page_cells(indicator_table)]
    assert shown == ["n.d." if value is None else f"{value:.2f}" for value in by_api.values()]
    assert 'value="provv_ag:si" selected' in page  # the definition comes back in the form
    assert "num=provv_ag:si" in page  # and in the download links, to bookmark or share


def test_a_question_that_is_not_a_choice_is_refused_with_a_message(app, client, world, reports):  # noqa: F811
    response = api(client, world, **indicator_args(reports, num="minori:1"))

    assert response.status_code == 400
    message = response.get_json()["errors"][0]["message"]
    assert "Minori seguiti" in message
    assert "non è una domanda a scelta" in message or "is not a single or multiple choice" in message


def test_an_indicator_definition_round_trips_through_the_query_string():
    args = MultiDict([("num", "provv_ag:si"), ("num", "provv_ag:no,servizi:cd"), ("den", "servizi:ade")])
    args.add("per", "1000")

    query = query_from_args(args, "form")

    assert query.numerator == (("provv_ag", "si"), ("provv_ag", "no"), ("servizi", "cd"))
    assert query_from_args(MultiDict(query.to_args())) == query
    assert query.to_args()["num"] == "provv_ag:si,provv_ag:no,servizi:cd" and query.to_args()["per"] == "1000"


def test_case_records_take_an_indicator_too(app, client, world):  # noqa: F811
    published = api(client, world, source="cases", by="ambito", num="sesso:f").get_json()

    assert published["indicator"]["numerator"] == [{"field": "sesso", "choice": "f"}]
    assert all("indicator" in row for row in published["rows"])
    assert not published["warnings"]  # see tests/app/test_statistics_case_indicators.py
