"""Family vouchers: eligibility, status changes, spending limits, expiry and the quota left."""

from datetime import date, datetime

import pytest

from analysis.programme import ProgrammeError
from analysis.programme_vouchers import (
    Change,
    Facts,
    Spending,
    check_facts,
    check_rules,
    check_spending,
    check_transition,
    effective_status,
    eligibility_problems,
    expiry,
    status_as_of,
    vouchers_left,
)

ALL_RULES = ["in_care", "disadvantage", "minors"]
TODAY = date(2026, 5, 1)
ASSIGNED_ON = date(2026, 1, 10)


def test_a_household_meeting_every_rule_is_eligible():
    assert eligibility_problems(ALL_RULES, Facts(in_care=True, isee=5_000, minors=2), isee_max=6_000) == []


@pytest.mark.parametrize(
    ("facts", "english"),
    [
        (Facts(in_care=False, isee=5_000, minors=2), "in the care of social services"),
        (Facts(in_care=True, isee=None, minors=2), "Give the household's ISEE"),
        (Facts(in_care=True, isee=9_000, minors=2), "above the voucher's threshold of 6000 euros"),
        (Facts(in_care=True, isee=5_000, minors=0), "at least one child under 18"),
    ],
)
def test_a_household_failing_a_rule_is_told_which(facts, english):
    problems = eligibility_problems(ALL_RULES, facts, isee_max=6_000)

    assert [p.english for p in problems if english in p.english]
    assert len(problems) == 1


def test_a_type_without_rules_takes_anyone():
    assert eligibility_problems([], Facts(in_care=False, isee=None, minors=0), None) == []


def test_facts_and_rules_are_checked():
    with pytest.raises(ProgrammeError):
        check_facts(Facts(in_care=True, isee=-1, minors=1))
    with pytest.raises(ProgrammeError):
        check_facts(Facts(in_care=True, isee=None, minors=21))
    assert check_rules(["minors", "in_care"]) == ["in_care", "minors"]
    with pytest.raises(ProgrammeError):
        check_rules(["rich"])


@pytest.mark.parametrize(
    ("current", "wanted", "allowed"),
    [
        ("assigned", "in_use", True),
        ("assigned", "expired", True),
        ("in_use", "spent", True),
        ("in_use", "expired", True),
        ("assigned", "spent", False),
        ("spent", "in_use", False),
        ("expired", "assigned", False),
        ("spent", "expired", False),
    ],
)
def test_status_changes_by_hand_follow_the_life_of_a_voucher(current, wanted, allowed):
    if allowed:
        assert check_transition(current, wanted) == wanted
    else:
        with pytest.raises(ProgrammeError):
            check_transition(current, wanted)


def spend(status="assigned", spent=(), cents=10_000, on=date(2026, 2, 1), expires_on=None):
    return check_spending(status, 50_000, list(spent), Spending(on, cents), ASSIGNED_ON, expires_on, TODAY)


def test_spending_part_of_a_voucher_puts_it_in_use():
    assert spend() == "in_use"


def test_spending_what_is_left_makes_it_spent():
    assert spend("in_use", [Spending(date(2026, 1, 20), 30_000)], 20_000) == "spent"


def test_spending_more_than_is_left_is_refused():
    with pytest.raises(ProgrammeError) as caught:
        spend("in_use", [Spending(date(2026, 1, 20), 30_000)], 20_001)

    assert "200.00 euros left" in caught.value.english
    assert "restano 200,00 euro" in caught.value.italian


@pytest.mark.parametrize(
    ("kwargs", "english"),
    [
        ({"status": "spent"}, "spent or expired"),
        ({"status": "expired"}, "spent or expired"),
        ({"on": date(2026, 1, 9)}, "between the assignment"),
        ({"on": date(2026, 5, 2)}, "between the assignment"),
        ({"on": date(2026, 3, 1), "expires_on": date(2026, 2, 28)}, "spent or expired"),
    ],
)
def test_spending_from_a_closed_voucher_or_on_a_wrong_day_is_refused(kwargs, english):
    with pytest.raises(ProgrammeError) as caught:
        spend(**kwargs)

    assert english in caught.value.english


@pytest.mark.parametrize(
    ("assigned", "months", "last_day"),
    [
        (date(2025, 3, 15), 12, date(2026, 3, 14)),
        (date(2025, 1, 31), 1, date(2025, 2, 27)),
        (date(2024, 11, 1), 3, date(2025, 1, 31)),
        (date(2025, 3, 15), None, None),
    ],
)
def test_a_voucher_expires_the_day_before_its_months_run_out(assigned, months, last_day):
    assert expiry(assigned, months) == last_day


def test_an_unspent_voucher_past_its_expiry_is_expired_and_a_spent_one_stays_spent():
    assert effective_status("in_use", date(2026, 4, 30), TODAY) == "expired"
    assert effective_status("in_use", date(2026, 5, 1), TODAY) == "in_use"
    assert effective_status("spent", date(2026, 1, 1), TODAY) == "spent"


def at(day: str) -> datetime:
    return datetime.fromisoformat(day)


HISTORY = (
    Change("assigned", date(2026, 1, 10), at("2026-01-10T10:00")),
    Change("in_use", date(2026, 2, 1), at("2026-02-03T10:00")),  # recorded two days late
    Change("spent", date(2026, 3, 1), at("2026-03-01T10:00")),
)


@pytest.mark.parametrize(
    ("as_of", "recorded_before", "expected"),
    [
        (date(2026, 1, 9), at("2026-06-01"), None),
        (date(2026, 1, 20), at("2026-06-01"), ("assigned", date(2026, 1, 10))),
        (date(2026, 2, 2), at("2026-02-03"), ("assigned", date(2026, 1, 10))),  # not yet recorded then
        (date(2026, 2, 2), at("2026-06-01"), ("in_use", date(2026, 2, 1))),
        (date(2026, 4, 1), at("2026-06-01"), ("spent", date(2026, 3, 1))),
    ],
)
def test_the_status_as_of_a_date_reads_only_what_was_recorded_by_then(as_of, recorded_before, expected):
    assert status_as_of(HISTORY, None, as_of, recorded_before) == expected


def test_an_assigned_voucher_counts_as_expired_from_the_day_after_its_expiry():
    history = HISTORY[:1]

    assert status_as_of(history, date(2026, 2, 28), date(2026, 3, 5), at("2026-06-01")) == (
        "expired",
        date(2026, 3, 1),
    )


def test_vouchers_left_counts_expired_unspent_ones_back_into_the_pool():
    given = [("assigned", 0), ("in_use", 100), ("spent", 500), ("expired", 0), ("expired", 200)]

    assert vouchers_left(5, given) == 1
