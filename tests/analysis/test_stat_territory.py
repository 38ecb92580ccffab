"""The territory of statistics: codes of an org unit at each level, units of a level, population figures."""

import pytest

from analysis.aggregate import MISSING, count_table
from analysis.stat_territory import TerritoryIndex, Unit, figure, population_figures

# Puglia (1) > Lecce (2) > Ambito LE-1 (3) > comuni 4, 5 and a service 6; Lecce > comune 7 outside any Ambito;
# Puglia > Bari (8) > Ambito BA-1 (9) > comune 10.
UNITS = [
    Unit(1, "16", "Puglia", "region", "/1/"),
    Unit(2, "075", "Lecce", "province", "/1/2/"),
    Unit(3, "LE-1", "Ambito di Lecce", "ambito", "/1/2/3/"),
    Unit(4, "075035", "Lecce", "comune", "/1/2/3/4/"),
    Unit(5, "075029", "Galatina", "comune", "/1/2/3/5/"),
    Unit(6, "SRV-1", "Centro diurno", "service", "/1/2/3/5/6/"),
    Unit(7, "075099", "Zollino", "comune", "/1/2/7/"),
    Unit(8, "072", "Bari", "province", "/1/8/"),
    Unit(9, "BA-1", "Ambito di Bari", "ambito", "/1/8/9/"),
    Unit(10, "072006", "Bari", "comune", "/1/8/9/10/"),
]


@pytest.fixture
def index() -> TerritoryIndex:
    return TerritoryIndex(UNITS)


def test_a_unit_has_the_codes_of_itself_and_the_units_above_it(index):
    assert index.codes(6) == {"provincia": "075", "ambito": "LE-1", "comune": "075029"}
    assert index.codes(3) == {"provincia": "075", "ambito": "LE-1"}
    assert index.codes(7) == {"provincia": "075", "comune": "075099"}
    assert index.codes(1) == {}
    assert index.codes(None) == {} and index.codes(999) == {}


def test_a_comune_of_residence_counts_only_inside_the_unit(index):
    assert index.codes(3, comune="075035")["comune"] == "075035"
    assert "comune" not in index.codes(3, comune="072006")  # a comune of another Ambito
    assert "comune" not in index.codes(3, comune="LE-1")  # not a comune


def test_units_of_a_level_are_those_inside_the_scope(index):
    assert index.units_at("ambito") == [
        {"provincia": "072", "ambito": "BA-1"},
        {"provincia": "075", "ambito": "LE-1"},
    ]
    assert index.units_at("ambito", within=["/1/2/"]) == [{"provincia": "075", "ambito": "LE-1"}]
    assert [unit["comune"] for unit in index.units_at("comune", within=["/1/2/"])] == [
        "075029",
        "075035",
        "075099",
    ]


def test_a_breakdown_by_ambito_publishes_empty_ambiti_and_puts_higher_units_under_missing(index):
    records = [index.codes(4), index.codes(5), index.codes(2)]  # two in LE-1, one held by the province

    table = count_table(records, [index.breakdown("ambito")])

    assert table["LE-1",] == 2 and table["BA-1",] == 0 and table["075",] == 2
    assert table[MISSING,] == 1 and table["Totale",] == 3


def test_a_unit_without_figures_adds_up_those_of_its_comuni(index):
    figures = {4: {("", ""): 100}, 5: {("", ""): 50}, 10: {("", ""): 70}, 9: {("", ""): 80}}

    found = index.unit_figures(["LE-1", "BA-1", "075"], figures)

    assert found["LE-1"] == {("", ""): 150}
    assert found["BA-1"] == {("", ""): 80}  # its own figure wins
    assert "075" not in found  # comune 7 has no figure


@pytest.mark.parametrize(
    ("rows", "sex", "band", "expected"),
    [
        ({("", ""): 900, ("m", ""): 460}, "", "", 900),
        ({("m", "0-2"): 10, ("m", "3-5"): 12, ("f", "0-2"): 9}, "m", "", 22),
        ({("m", "0-2"): 10, ("m", "3-5"): 12, ("f", "0-2"): 9}, "", "0-2", 19),
        ({("m", "0-2"): 10, ("m", "3-5"): 12, ("f", "0-2"): 9}, "", "", 31),
        ({("m", ""): 40, ("f", ""): 38}, "", "", 78),
        ({("", "0-2"): 30, ("", "3-5"): 25}, "", "", 55),
        ({("", ""): 900}, "m", "", None),
    ],
)
def test_a_figure_is_the_matching_row_or_the_sum_of_the_finest_rows(rows, sex, band, expected):
    assert figure(rows, sex, band) == expected


def test_population_figures_are_keyed_as_population_tables_want_them():
    units = {"LE-1": {("m", ""): 40, ("f", ""): 38}, "BA-1": {("m", ""): 20, ("f", ""): 22}}

    assert population_figures(units) == {("LE-1",): 78, ("BA-1",): 42}
    assert population_figures(units, sexes=["m", "f"])[("BA-1", "f")] == 22
    assert population_figures(units, bands=["0-2"]) == {}
