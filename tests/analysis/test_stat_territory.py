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
    lecce = {"regione": "16", "provincia": "075", "zona": "075"}
    assert index.codes(6) == {**lecce, "ambito": "LE-1", "comune": "075029"}
    assert index.codes(3) == {**lecce, "ambito": "LE-1"}
    assert index.codes(7) == {**lecce, "comune": "075099"}
    assert index.codes(1) == {"regione": "16"}
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


# --- zones: the provinces, with Bari città carved out of the province of Bari ----------------------------

# Bari (8) > Ambito BA-1 (9) > comune Bari 10 and a service 11; Bari > Ambito BA-5 (12) > comune Triggiano 13;
# Bari > comune Bitonto (14) directly under the province.
ZONED = [
    *UNITS,
    Unit(11, "SRV-BA", "Centro aperto", "service", "/1/8/9/10/11/"),
    Unit(12, "BA-5", "Ambito di Triggiano", "ambito", "/1/8/12/"),
    Unit(13, "072046", "Triggiano", "comune", "/1/8/12/13/"),
    Unit(14, "072011", "Bitonto", "comune", "/1/8/14/"),
]


@pytest.fixture
def zoned() -> TerritoryIndex:
    return TerritoryIndex(ZONED)


@pytest.mark.parametrize(
    ("unit_id", "zone"),
    [
        (10, "072006"),  # the comune of Bari is Bari città
        (11, "072006"),  # so is a service inside it
        (9, "072006"),  # and the Ambito that is the city and nothing else
        (12, "072"),  # another Ambito of the province
        (13, "072"),
        (14, "072"),  # a comune outside any Ambito
        (8, "072"),  # the province itself: its cases are in the rest of the province
        (4, "075"),  # Lecce has no city carved out
        (1, None),  # the region is in no zone
    ],
)
def test_a_unit_is_in_its_city_zone_else_in_its_province_zone(zoned, unit_id, zone):
    assert zoned.codes(unit_id).get("zona") == zone


def test_a_case_of_a_province_goes_to_the_zone_of_its_comune_of_residence(zoned):
    assert zoned.codes(8, comune="072006")["zona"] == "072006"
    assert zoned.codes(8, comune="072046")["zona"] == "072"
    assert zoned.codes(2, comune="072006")["zona"] == "075"  # a comune outside the unit is not read


def test_codes_name_the_region_too(zoned):
    assert zoned.codes(13) == {
        "regione": "16",
        "provincia": "072",
        "zona": "072",
        "ambito": "BA-5",
        "comune": "072046",
    }


def test_an_ambito_with_comuni_in_and_outside_the_city_stays_in_the_province_zone():
    units = [*ZONED, Unit(15, "072099", "Modugno", "comune", "/1/8/9/15/")]  # a second comune in BA-1

    index = TerritoryIndex(units)

    assert index.codes(9)["zona"] == "072"
    assert index.codes(10)["zona"] == "072006" and index.codes(15)["zona"] == "072"


def test_the_cities_are_configurable(zoned):
    no_city = TerritoryIndex(ZONED, cities={})
    lecce_city = TerritoryIndex(ZONED, cities={"075035": "Lecce città"})

    assert no_city.codes(10)["zona"] == "072" and no_city.zones.within(None) == ["072", "075"]
    assert lecce_city.codes(4)["zona"] == "075035" and lecce_city.codes(10)["zona"] == "072"
    assert lecce_city.name("075035", "zona") == "Lecce città" and lecce_city.zones.carved("075")


def test_the_zones_of_a_scope_are_those_of_its_units(zoned):
    assert [unit["zona"] for unit in zoned.units_at("zona")] == ["072", "072006", "075"]
    assert zoned.units_at("zona", within=["/1/8/9/"]) == [{"zona": "072006"}]
    assert [unit["zona"] for unit in zoned.units_at("zona", within=["/1/8/"])] == ["072", "072006"]
    assert zoned.name("072006", "zona") == "Bari città" and zoned.name("072", "zona") == "Bari"
    assert zoned.zones.carved("072") and not zoned.zones.carved("075")


def test_a_table_by_zone_adds_up_to_the_region_and_publishes_empty_zones(zoned):
    records = [zoned.codes(10), zoned.codes(11), zoned.codes(13), zoned.codes(14), zoned.codes(1)]

    table = count_table(records, [zoned.breakdown("zona")])

    assert table["072006",] == 2 and table["072",] == 2 and table["075",] == 0
    assert table[MISSING,] == 1 and table["Totale",] == 5


def test_a_table_by_region_has_one_row_per_region(zoned):
    table = count_table([zoned.codes(10), zoned.codes(4)], [zoned.breakdown("regione")])

    assert table["16",] == 2 and table["Totale",] == 2


def test_an_area_narrows_the_units_listed_and_holds_the_records_inside_it(zoned):
    city, province, ambito = zoned.area("zona:072006"), zoned.area("072"), zoned.area("BA-5")

    assert zoned.units_at("comune", area=city) == [{"provincia": "072", "comune": "072006"}]
    assert [u["comune"] for u in zoned.units_at("comune", area=zoned.area("zona:072"))] == [
        "072011",
        "072046",
    ]
    assert [u["zona"] for u in zoned.units_at("zona", area=province)] == ["072", "072006"]
    assert city.holds(zoned.codes(8, comune="072006")) and not city.holds(zoned.codes(13))
    assert ambito.holds(zoned.codes(13)) and not ambito.holds(zoned.codes(14))
    assert zoned.area("zona:999") is None and zoned.area("SRV-BA") is None and zoned.area("nessuno") is None


def test_a_zone_s_figures_add_up_its_comuni_or_take_the_city_from_the_province(zoned):
    by_comune = {
        10: {("", ""): 300},
        13: {("", ""): 20},
        14: {("", ""): 50},
        4: {("", ""): 90},
        5: {("", ""): 10},
    }
    by_province = {8: {("", ""): 400, ("m", ""): 210}, 10: {("", ""): 300, ("m", ""): 150}}

    assert zoned.unit_figures(["072", "072006"], by_comune, "zona") == {
        "072": {("", ""): 70},
        "072006": {("", ""): 300},
    }
    assert zoned.unit_figures(["072", "075"], by_province, "zona") == {"072": {("", ""): 100, ("m", ""): 60}}
