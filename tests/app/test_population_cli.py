"""humus load-population: resident population figures from a CSV file, loaded whole or not at all."""

from app.extensions import db
from app.models import PopulationFigure
from tests.app.test_statistics import api, world  # noqa: F401 - fixture

GOOD = """org_unit,year,sex,age_band,count
ATS-BA1,2025,,,1300
ATS-LE1,2025,,,2000
ATS-BA1,2025,f,0-2,120
ATS-LE1,2025,m,14-17,310
"""


def load(app, tmp_path, text, name="popolazione.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["humus", "load-population", str(path)])


def counts(app, territory):
    codes = {territory.ambito_bari.id: "ATS-BA1", territory.ambito_lecce.id: "ATS-LE1"}
    with app.app_context():
        rows = db.session.scalars(db.select(PopulationFigure)).all()
        return {(codes[row.org_unit_id], row.year, row.sex, row.age_band): row.count for row in rows}


def test_a_good_file_loads_every_figure(app, territory, tmp_path):
    result = load(app, tmp_path, GOOD)

    assert result.exit_code == 0, result.output
    assert counts(app, territory) == {
        ("ATS-BA1", 2025, "", ""): 1300,
        ("ATS-LE1", 2025, "", ""): 2000,
        ("ATS-BA1", 2025, "f", "0-2"): 120,
        ("ATS-LE1", 2025, "m", "14-17"): 310,
    }


def test_a_bad_row_loads_nothing_and_is_named_with_its_column(app, territory, tmp_path):
    bad = GOOD + "ATS-XX9,2025,x,0_2,-4\n"

    result = load(app, tmp_path, bad)

    assert result.exit_code != 0
    for column in ("org_unit", "sex", "age_band", "count"):
        assert f"6, column {column}" in result.output or f"6, colonna {column}" in result.output
    assert "ATS-XX9" in result.output and "column year" not in result.output  # the year was right
    assert counts(app, territory) == {}


def test_a_missing_column_loads_nothing(app, territory, tmp_path):
    result = load(app, tmp_path, "org_unit,year,count\nATS-BA1,2025,1300\n")

    assert result.exit_code != 0 and "age_band" in result.output and "sex" in result.output
    assert counts(app, territory) == {}


def test_reloading_updates_the_counts_in_place(app, territory, tmp_path):
    load(app, tmp_path, GOOD)

    result = load(
        app, tmp_path, "org_unit;year;sex;age_band;count\nATS-BA1;2025;;;1400\nATS-BA1;2024;;;1250\n"
    )

    assert result.exit_code == 0, result.output
    loaded = counts(app, territory)
    assert loaded["ATS-BA1", 2025, "", ""] == 1400 and loaded["ATS-BA1", 2024, "", ""] == 1250
    assert loaded["ATS-LE1", 2025, "", ""] == 2000 and len(loaded) == 5


def test_the_statistics_then_show_a_rate_per_thousand_minors(app, client, world, territory, tmp_path):  # noqa: F811
    load(app, tmp_path, GOOD)

    published = api(client, world, source="cases", by="ambito", rates="1").get_json()

    rates = {row["ambito"]: row["rate_per_1000"] for row in published["rows"]}
    assert rates["ATS-BA1"] == 10.0 and rates["ATS-LE1"] == 5.0  # 13 of 1,300 and 10 of 2,000
    assert published["population_year"] == 2025
