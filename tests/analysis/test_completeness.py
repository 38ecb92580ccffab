"""Completeness of reporting cycles: periods, where a report falls, reporting rates and missing slots."""

from datetime import date

import pytest

from analysis.completeness import (
    MAX_PERIODS,
    CycleDefinitionError,
    Slot,
    answer_at,
    completeness,
    containing_unit,
    cycle_periods,
    expected_slots,
    latest_due,
    normalise_label,
    report_period,
    service_codes,
)

BARI, LECCE, TARANTO = 1, 2, 3


def test_a_cycle_spans_every_period_from_first_to_last():
    assert cycle_periods("2024-T3", "2025-T2", "quarter") == ["2024-T3", "2024-T4", "2025-T1", "2025-T2"]
    assert cycle_periods("2024-S1", "2024-S2", "semester") == ["2024-S1", "2024-S2"]
    assert cycle_periods("2023", "2025", "year") == ["2023", "2024", "2025"]


def test_a_cycle_of_one_period_is_allowed():
    assert cycle_periods("2024-S2", "2024-S2", "semester") == ["2024-S2"]


def test_the_last_period_before_the_first_is_refused_in_italian_and_english():
    with pytest.raises(CycleDefinitionError) as raised:
        cycle_periods("2025-T1", "2024-T4", "quarter")

    assert raised.value.italian.startswith(
        "Il periodo finale 2024-T4 viene prima del periodo iniziale 2025-T1"
    )
    assert "comes before the first period 2025-T1" in raised.value.english


@pytest.mark.parametrize(
    ("label", "unit", "example"),
    [
        ("2024-S1", "quarter", "2024-T1"),
        ("2024-T5", "quarter", "2024-T1"),
        ("2024-T1", "semester", "2024-S1"),
        ("2024-S3", "semester", "2024-S1"),
        ("24", "year", "2024"),
        ("2024-T1", "year", "2024"),
    ],
)
def test_a_label_that_is_not_one_of_the_unit_is_refused_with_an_example(label, unit, example):
    with pytest.raises(CycleDefinitionError) as raised:
        cycle_periods(label, label, unit)

    assert f"si scrive come {example}" in raised.value.italian


def test_an_unknown_unit_and_a_cycle_too_long_are_refused():
    with pytest.raises(CycleDefinitionError, match="Periodicità 'month' sconosciuta"):
        cycle_periods("2024-01", "2024-02", "month")
    with pytest.raises(CycleDefinitionError, match=f"il massimo è {MAX_PERIODS}"):
        cycle_periods("2000-T1", "2024-T4", "quarter")


def test_a_typed_label_is_normalised():
    assert normalise_label(" 2024-t3 ") == "2024-T3"


def test_the_period_of_a_report_comes_from_its_date_answer_inside_a_group():
    data = {"intestazione": {"data_inizio": "2024-07-01", "data_fine": "2024-12-31"}}

    assert report_period(data, "intestazione/data_inizio", "semester") == "2024-S2"
    assert report_period(data, "intestazione/data_inizio", "quarter") == "2024-T3"
    assert report_period(data, "intestazione/data_fine", "year") == "2024"


def test_a_report_without_a_readable_date_has_no_period():
    assert report_period({"intestazione": {}}, "intestazione/data_inizio", "year") is None
    assert report_period({"intestazione": "x"}, "intestazione/data_inizio", "year") is None
    assert report_period({"d": "not a date"}, "d", "year") is None
    assert report_period(None, "d", "year") is None


def test_answer_at_reads_nested_groups():
    assert answer_at({"a": {"b": {"c": 3}}}, "a/b/c") == 3
    assert answer_at({"a": {"b": 1}}, "/a/b") == 1
    assert answer_at({"a": [1]}, "a/b") is None


def test_service_codes_are_read_from_top_level_and_groups_not_repeats():
    data = {
        "codice_servizio": " cd-ba-01 ",
        "servizio": {"servizio": "ade-02", "denominazione_servizio": "Centro diurno"},
        "personale": [{"codice_servizio": "IGNORED"}],
        "altro": "CD-BA-99",
    }

    assert service_codes(data) == ["CD-BA-01", "ADE-02"]


def test_a_report_filed_below_an_expected_unit_belongs_to_the_deepest_unit_holding_it():
    expected = {10: "/1/2/", 11: "/1/2/5/", 12: "/1/3/"}

    assert containing_unit("/1/2/5/9/", expected) == 11
    assert containing_unit("/1/2/6/", expected) == 10
    assert containing_unit("/1/3/", expected) == 12
    assert containing_unit("/1/4/", expected) is None
    assert containing_unit("/1/", expected) is None


def test_expected_slots_are_units_by_periods_or_services_by_periods():
    assert expected_slots([BARI, LECCE], ["2024-S1", "2024-S2"]) == [
        Slot(BARI, None, "2024-S1"),
        Slot(BARI, None, "2024-S2"),
        Slot(LECCE, None, "2024-S1"),
        Slot(LECCE, None, "2024-S2"),
    ]
    by_service = expected_slots([BARI, LECCE], ["2024"], {BARI: [7, 8]})
    assert by_service == [Slot(BARI, 7, "2024"), Slot(BARI, 8, "2024")]


def test_rates_per_period_and_per_unit_with_the_missing_slots():
    expected = expected_slots([BARI, LECCE, TARANTO], ["2024-S1", "2024-S2"])
    filed = [Slot(BARI, None, "2024-S1"), Slot(LECCE, None, "2024-S1"), Slot(BARI, None, "2024-S2")]

    result = completeness(expected, filed)

    first, second = result.by_period["2024-S1"], result.by_period["2024-S2"]
    assert (first.expected, first.filed, round(first.percent, 1)) == (3, 2, 66.7)
    assert first.missing == (Slot(TARANTO, None, "2024-S1"),)
    assert (second.filed, second.missing) == (
        1,
        (Slot(LECCE, None, "2024-S2"), Slot(TARANTO, None, "2024-S2")),
    )
    assert [result.by_unit[u].percent for u in (BARI, LECCE, TARANTO)] == [100, 50, 0]
    assert (result.overall.expected, result.overall.filed, result.overall.percent) == (6, 3, 50)
    assert result.is_filed(Slot(BARI, None, "2024-S2"))
    assert not result.is_filed(Slot(TARANTO, None, "2024-S2"))


def test_filings_outside_the_expected_slots_are_not_counted():
    expected = expected_slots([BARI], ["2024"])
    filed = [
        Slot(BARI, None, "2024"),
        Slot(LECCE, None, "2024"),
        Slot(BARI, None, "2023"),
        Slot(BARI, 7, "2024"),
    ]

    result = completeness(expected, filed)

    assert result.overall.filed == 1
    assert result.overall.percent == 100
    assert result.filed == {Slot(BARI, None, "2024")}


def test_a_slot_filed_twice_counts_once():
    result = completeness(expected_slots([BARI], ["2024"]), [Slot(BARI, None, "2024")] * 2)

    assert (result.overall.expected, result.overall.filed) == (1, 1)


def test_nothing_expected_has_no_rate():
    result = completeness(expected_slots([BARI], ["2024"], {BARI: []}), [])

    assert result.overall.percent is None
    assert result.by_period == {}


def test_rates_per_service_are_counted_in_their_unit():
    expected = expected_slots([BARI], ["2024-S1"], {BARI: [7, 8]})

    result = completeness(expected, [Slot(BARI, 8, "2024-S1")])

    assert result.by_unit[BARI].percent == 50
    assert result.by_period["2024-S1"].missing == (Slot(BARI, 7, "2024-S1"),)


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2024, 3, 1), "2024-S1"),  # nothing ended yet: the first period
        (date(2024, 7, 1), "2024-S1"),
        (date(2025, 2, 1), "2024-S2"),
        (date(2030, 1, 1), "2025-S1"),  # the cycle is over: its last period
    ],
)
def test_the_latest_period_due_is_the_last_one_ended(today, due):
    assert latest_due(["2024-S1", "2024-S2", "2025-S1"], today, "semester") == due


def test_no_periods_have_no_latest():
    assert latest_due([], date(2024, 1, 1), "year") is None
