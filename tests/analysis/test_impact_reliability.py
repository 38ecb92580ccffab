"""Cronbach's alpha (listwise and pairwise, reverse-keyed items) and Feldt's interval."""

import pytest

from analysis.errors import InvalidValueError, MismatchedLengthsError, NotEnoughDataError
from analysis.impact import cronbach_alpha, feldt_interval
from tests.analysis.conftest import printed

# pingouin's "cronbach_wide_missing" data set (from real-statistics.com): 12 respondents, 11 binary items,
# 4 missing answers.
BINARY_WITH_GAPS = [
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0],
    [None, 0, 1, 1, None, 1, 1, 1, 1, 0, 0],
    [1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0],
    [1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0],
    [0, 1, None, 0, 1, 1, 1, 1, 0, 0, 0],
    [1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
    [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
    [0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 0],
    [1, 0, 0, 1, 0, 1, 0, 0, None, 0, 0],
    [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
]

# Four respondents, three items on a 1–5 scale, small enough to do by hand:
# item variances 5/3, 2/3, 11/12; totals 6, 8, 10, 13 with variance 107/12;
# alpha = 3/2 · (1 − (20/12 + 8/12 + 11/12) / (107/12)) = 3/2 · 68/107 = 102/107 = 0.95327.
SMALL = [[1, 2, 3], [2, 3, 3], [3, 3, 4], [4, 4, 5]]


def test_pairwise_alpha_matches_psych_on_data_with_missing_answers():
    # pingouin.cronbach_alpha docs: "In R: psych:alpha(data, use='pairwise')" gives
    # (0.732660835214447, [0.435, 0.909]); pingouin's test_reliability.py checks these against psych
    # (0.73). Feldt's interval there uses all 12 respondents, as psych does.
    result = cronbach_alpha(BINARY_WITH_GAPS, missing="pairwise")

    assert printed(result.alpha, 4) == "0.7327"
    assert (round(result.ci_low, 3), round(result.ci_high, 3)) == (0.435, 0.909)
    assert (result.n, result.items, result.dropped) == (12, 11, 0)


def test_listwise_alpha_uses_complete_respondents_only():
    # pingouin, same data: psych:alpha(data, use="complete.obs") → alpha 0.8016949 (psych: 0.80).
    result = cronbach_alpha(BINARY_WITH_GAPS, missing="listwise")

    assert printed(result.alpha, 4) == "0.8017"
    assert (result.n, result.dropped) == (9, 3)


def test_listwise_interval_is_feldts_on_the_complete_respondents():
    complete = [row for row in BINARY_WITH_GAPS if None not in row]

    result = cronbach_alpha(BINARY_WITH_GAPS, missing="listwise")

    assert (result.ci_low, result.ci_high) == pytest.approx(feldt_interval(result.alpha, len(complete), 11))


def test_alpha_of_a_small_table_matches_the_hand_computation():
    result = cronbach_alpha(SMALL)

    assert result.alpha == pytest.approx(102 / 107)


def test_reversed_items_are_rekeyed_before_alpha():
    # Item 1 stored reverse-keyed on 1–5: 6 − x turns 4, 3, 3, 2 back into 2, 3, 3, 4.
    stored = [[1, 4, 3], [2, 3, 3], [3, 3, 4], [4, 2, 5]]

    result = cronbach_alpha(stored, reverse=[1], scale_min=1, scale_max=5)

    assert result.alpha == pytest.approx(102 / 107)


def test_respondents_who_answered_nothing_are_dropped_even_pairwise():
    result = cronbach_alpha([*SMALL, [None, None, None]], missing="pairwise")

    assert result.alpha == pytest.approx(102 / 107)
    assert (result.n, result.dropped) == (4, 1)


def test_feldt_interval_matches_feldt_woodruff_and_salih():
    # Feldt, Woodruff & Salih (1987), Applied Psychological Measurement 11:93–103, p. 95: alpha = .790,
    # n = 41, k = 26, 90% interval; cocron's tests (cran/cocron inst/tests/test.r) give .705 and .862 (the
    # article prints .704 and .861, having used F values rounded to two decimals).
    low, high = feldt_interval(0.790, n=41, items=26, confidence=0.90)

    assert (round(low, 3), round(high, 3)) == (0.705, 0.862)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"items": [[1, 2, 3], [1, 2]]}, MismatchedLengthsError, "Il rispondente 1 ha 2 risposte"),
        ({"items": [[1], [2]]}, NotEnoughDataError, "almeno 2 item"),
        ({"items": [[1, 2], [None, 3]]}, NotEnoughDataError, "almeno 2 rispondenti"),
        ({"items": SMALL, "missing": "everything"}, InvalidValueError, "missing deve essere"),
        ({"items": SMALL, "reverse": [1]}, InvalidValueError, "servono scale_min e scale_max"),
        ({"items": SMALL, "reverse": [3], "scale_min": 1, "scale_max": 5}, InvalidValueError, "non validi"),
        (
            {"items": SMALL, "reverse": [2], "scale_min": 1, "scale_max": 4},
            InvalidValueError,
            "fuori dalla scala",
        ),
        ({"items": [[1, "due"], [2, 3]]}, InvalidValueError, r"items\[0\]\[1\]"),
    ],
)
def test_cronbach_alpha_explains_unusable_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        cronbach_alpha(**kwargs)
