"""The statistics engine: counts and sums by territory, gender, age band, service and period, with totals."""

from datetime import date

import numpy as np
import pytest

from analysis.aggregate import (
    MISSING,
    ByAgeBand,
    ByField,
    ByPeriod,
    ByTerritory,
    Measure,
    count_table,
    population_table,
    tabulate,
)
from analysis.disclosure import Status, percentages, protect, rates
from analysis.errors import IndicatorDefinitionError, RecordError, TableDefinitionError
from analysis.indicators import Indicator, indicator_tables
from analysis.periods import age_band, age_on, period_label, periods_between
from analysis.tables import Dimension, Table

T = "Totale"
DAY = date(2024, 6, 30)
UNITS = [
    {"provincia": "075", "ambito": "LE-1", "comune": "075035"},
    {"provincia": "075", "ambito": "LE-1", "comune": "075029"},
    {"provincia": "075", "ambito": "LE-2", "comune": "075031"},
    {"provincia": "072", "ambito": "BA-1", "comune": "072006"},
]


def case(comune: str, gender: str, birth: str, service: str = "adm", **extra: object) -> dict[str, object]:
    ambito = next(unit["ambito"] for unit in UNITS if unit["comune"] == comune)
    provincia = next(unit["provincia"] for unit in UNITS if unit["comune"] == comune)
    return {
        "comune": comune,
        "ambito": ambito,
        "provincia": provincia,
        "gender": gender,
        "birth_date": birth,
        "service": service,
        **extra,
    }


RECORDS = [
    case("075035", "F", "2020-01-10", "adm", date="2024-02-01", ore=10),
    case("075035", "M", "2015-05-05", "cd", date="2024-02-11", ore=4),
    case("075029", "F", "2009-07-01", "adm", date="2024-04-20", ore=6),
    case("075031", "F", "2012-12-31", "cd", date="2024-05-02"),
    case("072006", "M", "2023-01-01", "adm", date="2024-11-30", ore=2, tribunale="si"),
    case("072006", "F", "2010-03-03", "adm", date="2024-12-01", ore=8, tribunale="si"),
]


def test_counts_by_one_field_with_their_total():
    table = count_table(RECORDS, [ByField("gender")])

    assert table["F",] == 4
    assert table["M",] == 2
    assert table[T,] == 6


def test_totals_are_the_sum_of_their_parts_in_two_dimensions():
    table = count_table(RECORDS, [ByField("gender"), ByField("service")])

    for gender in ("F", "M", T):
        assert table[gender, T] == table[gender, "adm"] + table[gender, "cd"]
    for service in ("adm", "cd", T):
        assert table[T, service] == table["F", service] + table["M", service]
    assert table[T, T] == len(RECORDS)


def test_comuni_add_up_to_ambiti_and_provinces():
    territory = ByTerritory(("provincia", "ambito", "comune"), UNITS)

    table = count_table(RECORDS, [territory])

    assert table["075035",] == 2
    assert table["LE-1",] == 3
    assert table["075",] == 4
    assert table["BA-1",] == table["072",] == 2
    assert table[T,] == 6
    assert table.dimensions[0].levels == ("totale", "provincia", "ambito", "comune")


def test_territories_without_records_are_listed_with_zero():
    units = [*UNITS, {"provincia": "072", "ambito": "BA-2", "comune": "072004"}]

    table = count_table(RECORDS, [ByTerritory(("ambito",), units)])

    assert table["BA-2",] == 0


def test_the_hierarchy_can_come_from_the_records_alone():
    table = count_table(RECORDS, [ByTerritory(("provincia", "ambito"))])

    assert [table[a,] for a in ("BA-1", "LE-1", "LE-2", "072", "075")] == [2, 3, 1, 2, 4]


def test_a_record_without_a_territory_is_counted_as_not_given():
    table = count_table([*RECORDS, {"gender": "F"}], [ByTerritory(("provincia", "ambito"))])

    assert table[MISSING,] == 1
    assert table[T,] == 7


def test_a_territory_missing_an_upper_level_is_an_error():
    with pytest.raises(RecordError, match="livelli"):
        count_table([{"ambito": "LE-9"}], [ByTerritory(("provincia", "ambito"))])


def test_age_bands_come_from_birth_dates_on_the_reference_date():
    table = count_table(RECORDS, [ByAgeBand(reference=DAY)])

    assert [table[band,] for band in ("0-2", "3-5", "6-10", "11-13", "14-17")] == [1, 1, 1, 1, 2]


def test_age_bands_can_use_each_record_own_date():
    records = [
        {"birth_date": "2021-07-01", "date": "2024-06-30"},
        {"birth_date": "2021-07-01", "date": "2024-07-01"},
    ]

    table = count_table(records, [ByAgeBand(reference="date")])

    assert table["0-2",] == 1
    assert table["3-5",] == 1


def test_an_age_field_wins_over_the_birth_date_and_bands_are_configurable():
    records = [{"age": 19}, {"age": 4}, {"birth_date": ""}]

    table = count_table(records, [ByAgeBand(reference=DAY, bands=((0, 5), (6, 17)))])

    assert table.dimensions[0].labels == (T, "0-5", "6-17", "Altre età", MISSING)
    assert [table[band,] for band in ("0-5", "6-17", "Altre età", MISSING)] == [1, 0, 1, 1]


@pytest.mark.parametrize(
    ("birth", "reference", "age"),
    [
        (date(2010, 3, 3), date(2024, 3, 2), 13),
        (date(2010, 3, 3), date(2024, 3, 3), 14),
        (date(2008, 2, 29), date(2024, 2, 28), 15),
    ],
)
def test_age_is_in_completed_years(birth, reference, age):
    assert age_on(birth, reference) == age


def test_a_birth_after_the_reference_date_is_an_error():
    with pytest.raises(RecordError, match="dopo la data di riferimento"):
        count_table([{"birth_date": "2025-01-01"}], [ByAgeBand(reference=DAY)])


def test_default_age_bands():
    assert [age_band(a) for a in (0, 2, 3, 5, 6, 10, 11, 13, 14, 17, 18)] == [
        "0-2", "0-2", "3-5", "3-5", "6-10", "6-10", "11-13", "11-13", "14-17", "14-17", "Altre età",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("unit", "label"),
    [("month", "2024-08"), ("quarter", "2024-T3"), ("semester", "2024-S2"), ("year", "2024")],
)
def test_period_labels(unit, label):
    assert period_label(date(2024, 8, 15), unit) == label


def test_periods_with_no_record_are_listed_between_the_first_and_the_last():
    table = count_table(RECORDS, [ByPeriod("date", "quarter")])

    assert table.dimensions[0].labels == (T, "2024-T1", "2024-T2", "2024-T3", "2024-T4")
    assert [table[q,] for q in ("2024-T1", "2024-T2", "2024-T3", "2024-T4")] == [2, 2, 0, 2]


def test_periods_between_cross_the_year():
    assert periods_between("2023-11", "2024-02", "month") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert periods_between("2023-S2", "2024-S2", "semester") == ["2023-S2", "2024-S1", "2024-S2"]


def test_records_of_different_form_versions_aggregate_by_field_name():
    older = [{"servizio": "adm", "ore": 3}]  # version 1 had no `genere`
    newer = [{"servizio": "adm", "ore": 5, "genere": "F"}, {"servizio": "cd", "genere": "M"}]

    result = tabulate(older + newer, [ByField("servizio"), ByField("genere")], {"ore": Measure("ore")})

    assert result.sums["ore"]["adm", T] == 8
    assert result.sums["ore"]["adm", MISSING] == 3
    assert result.counts["ore"]["cd", T] == 0


def test_sums_of_a_field_with_a_filter():
    hours = Measure("ore", where={"service": {"adm"}})

    result = tabulate(RECORDS, [ByField("gender")], {"ore": hours})

    assert result.sums["ore"]["F",] == 10 + 6 + 8
    assert result.counts["ore"]["F",] == 3
    assert result.sums["ore"][T,] == 26


def test_a_filter_on_a_list_answer_matches_any_of_its_values():
    records = [{"aiuti": ["cibo", "casa"]}, {"aiuti": ["casa"]}, {"aiuti": []}]

    table = count_table(records, [ByField("x")], where={"aiuti": {"cibo"}})

    assert table[T,] == 1


def test_a_field_that_is_not_a_number_cannot_be_summed():
    with pytest.raises(RecordError, match="non è un numero"):
        tabulate([{"ore": "tante"}], [ByField("x")], {"ore": Measure("ore")})


def test_rows_counted_by_sql_aggregate_with_their_weight():
    rows = [{"ambito": "LE-1", "gender": "F", "n": 40}, {"ambito": "LE-1", "gender": "M", "n": 2}]

    table = count_table(rows, [ByTerritory(("ambito",)), ByField("gender")], weight="n")

    assert table["LE-1", T] == 42


def test_a_weight_must_be_a_whole_number():
    with pytest.raises(RecordError, match="peso"):
        count_table([{"n": 1.5}], [ByField("x")], weight="n")


def test_percentages_by_gender_within_each_territory():
    table = count_table(RECORDS, [ByTerritory(("provincia",)), ByField("gender")])

    shares = percentages(protect(table, threshold=1), along="gender")

    assert shares.cell("075", "F").value == pytest.approx(75.0)
    assert shares.cell(T, "M").value == pytest.approx(100 / 3)


def test_rates_per_thousand_minors_use_the_population_of_each_territory():
    table = count_table(RECORDS, [ByTerritory(("provincia",)), ByField("gender")])
    population = population_table(table, ["territorio"], {("075",): 2000, ("072",): 1000, ("999",): 5})

    per_thousand = rates(protect(table, threshold=1), population)

    assert per_thousand.cell("075", T).value == pytest.approx(2.0)
    assert per_thousand.cell(T, "F").value == pytest.approx(4 / 3)


def test_rates_by_gender_when_the_population_is_known_by_gender():
    table = count_table(RECORDS, [ByTerritory(("provincia",)), ByField("gender")])
    figures = {("075", "F"): 1000, ("075", "M"): 1000, ("072", "F"): 500, ("072", "M"): 500}
    population = population_table(table, ["territorio", "gender"], figures)

    per_thousand = rates(protect(table, threshold=1), population)

    assert per_thousand.cell("075", "F").value == pytest.approx(3.0)
    assert per_thousand.cell("072", T).value == pytest.approx(2.0)


def test_protected_counts_of_the_engine_hide_small_cells():
    table = count_table(RECORDS, [ByTerritory(("provincia",)), ByField("gender")])

    protected = protect(table)

    assert protected.cell("072", "M").status == Status.PRIMARY
    assert protected.cell(T, T).value == 6


def test_a_dimension_cannot_repeat_a_label_at_two_places():
    with pytest.raises(TableDefinitionError, match="due volte"):
        Dimension.tree("t", [("A", "x"), ("B", "x")])


def test_a_figure_cannot_go_on_a_total():
    dim = Dimension.tree("t", [("A", "x")])

    with pytest.raises(TableDefinitionError, match="totale"):
        Table.from_leaves([dim], {("A",): 3})


def test_an_indicator_is_a_ratio_of_filtered_measures():
    court = Indicator("con_tribunale", Measure(where={"tribunale": {"si"}}), Measure(), per=100)

    result = indicator_tables(RECORDS, [ByTerritory(("provincia",))], [court])["con_tribunale"]

    assert result.values["072",] == pytest.approx(100.0)
    assert result.values["075",] == pytest.approx(0.0)
    assert result.values[T,] == pytest.approx(100 / 3)


def test_an_indicator_can_average_a_field():
    hours = Indicator("ore_medie", Measure("ore"), Measure(where={"service": {"adm"}}))

    result = indicator_tables(RECORDS, [ByField("service")], [hours])["ore_medie"]

    assert result.values["adm",] == pytest.approx(26 / 4)
    assert np.isnan(result.values["cd",])


def test_an_indicator_is_hidden_where_its_records_are_too_few():
    court = Indicator("con_tribunale", Measure(where={"tribunale": {"si"}}), Measure(), per=100)
    result = indicator_tables(RECORDS, [ByTerritory(("provincia",))], [court])["con_tribunale"]

    loose, strict = result.protect(threshold=2), result.protect()

    assert loose.cell("072").value == pytest.approx(100.0)
    assert loose.cell("075").value == pytest.approx(0.0)
    assert strict.cell("072").status == Status.PRIMARY  # 2 of 2 records
    assert strict.cell("075").status == Status.SECONDARY  # its 4 records hidden to protect the 2
    assert strict.cell(T).status == Status.PRIMARY  # 2 of 6: the numerator is under 3


def test_an_indicator_without_denominator_cannot_have_per():
    with pytest.raises(IndicatorDefinitionError, match="denominatore"):
        Indicator("x", Measure(), per=1000)
