"""The training plan's rules: tier from years of service, the completion rule, the enrolment CSV."""

import pytest

from analysis.training import (
    TrainingDataError,
    check_hours,
    completions,
    has_completed,
    tier_for_years,
)
from analysis.training_enrolment import read_enrolments


@pytest.mark.parametrize(
    ("years", "tier"),
    [
        (0, "start_up"),
        (2, "start_up"),
        (3, "miglioramento"),
        (10, "miglioramento"),
        (11, "aggiornamento"),
        (40, "aggiornamento"),
    ],
)
def test_the_tier_follows_the_years_of_service(years, tier):
    assert tier_for_years(years) == tier


@pytest.mark.parametrize("years", [-1, 2.5, None, True, "3"])
def test_years_that_are_not_a_whole_number_of_zero_or_more_are_refused(years):
    with pytest.raises(TrainingDataError):
        tier_for_years(years)


def test_exactly_the_completion_share_of_the_hours_completes():
    assert has_completed(7, 10) is True
    assert has_completed(6.99, 10) is False


def test_a_share_reached_through_rounding_error_still_completes():
    # Seventy tenths of an hour add up, in floating point, to a hair under 7 of 10 hours.
    attended = sum([0.1] * 70)

    assert attended < 7
    assert has_completed(attended, 10) is True


def test_the_completion_share_is_configurable():
    assert has_completed(7, 10, share=0.8) is False
    assert has_completed(8, 10, share=0.8) is True


def test_nobody_completes_an_edition_without_hours():
    assert has_completed(0, 0) is False


@pytest.mark.parametrize("share", [0, 1.5, -0.1])
def test_a_completion_share_outside_0_to_1_is_refused(share):
    with pytest.raises(TrainingDataError):
        has_completed(5, 10, share)


def test_hours_above_the_session_length_are_refused():
    with pytest.raises(TrainingDataError, match="exceed"):
        check_hours(4.5, 4)


def test_completions_add_each_participant_s_hours_over_the_sessions():
    sessions = {1: 4.0, 2: 3.0, 3: 3.0}
    attended = {("AA0001", 1): 4.0, ("AA0001", 2): 3.0, ("BB0002", 1): 4.0, ("BB0002", 2): 2.75}

    rows = completions(["AA0001", "BB0002", "CC0003"], sessions, attended, 0.7)

    assert [(r.participant, r.attended, r.total, r.completed) for r in rows] == [
        ("AA0001", 7.0, 10.0, True),
        ("BB0002", 6.75, 10.0, False),
        ("CC0003", 0.0, 10.0, False),
    ]
    assert rows[0].share == pytest.approx(0.7)


def test_an_enrolment_csv_with_italian_headers_and_semicolons_is_read_with_tiers():
    data = b"codice;nome;ruolo;anni_servizio\nma0734 ;Maria Rossi;AS;2\nGI1215;Gino;Educatore;11\n"

    rows = read_enrolments(data)

    assert [(r.code, r.name, r.years, r.tier) for r in rows] == [
        ("MA0734", "Maria Rossi", 2, "start_up"),
        ("GI1215", "Gino", 11, "aggiornamento"),
    ]


def test_an_enrolment_csv_with_a_bad_row_is_refused_whole_naming_every_line():
    data = b"code,name,years\nMA0734,Maria,2\nMA0734,Again,3\n??,Bad,x\n"

    with pytest.raises(TrainingDataError) as raised:
        read_enrolments(data)

    assert "Line 3" in raised.value.english and "Line 4" in raised.value.english
    assert "Riga 3" in raised.value.italian


def test_an_enrolment_csv_without_the_years_column_is_refused():
    with pytest.raises(TrainingDataError, match="required columns"):
        read_enrolments(b"codice,nome\nMA0734,Maria\n")
