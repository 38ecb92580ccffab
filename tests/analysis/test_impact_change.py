"""Reliable change index (Jacobson & Truax 1991) and normalized gain (Hake 1998), derived by hand."""

import pytest

from analysis.errors import InvalidValueError, NotEnoughDataError
from analysis.impact import normalized_gain, reliable_change

# A measure with sd = 10 and reliability r = 0.68, chosen so the arithmetic is exact:
# SE = 10·√(1 − 0.68) = √32 = 5.657, S_diff = √(2·SE²) = √64 = 8, so RCI = (post − pre) / 8.
SD, RELIABILITY = 10, 0.68


@pytest.mark.parametrize(
    ("pre", "post", "rci", "category"),
    [
        (20, 40, 2.5, "improved"),  # +20 / 8
        (20, 10, -1.25, "unchanged"),  # −10 / 8
        (30, 14, -2.0, "deteriorated"),  # −16 / 8
        (10, 25.6, 1.95, "unchanged"),  # +15.6 / 8: just below the 1.96 threshold
        (10, 25.76, 1.97, "improved"),  # +15.76 / 8: just above it
        (10, 10, 0.0, "unchanged"),
    ],
)
def test_reliable_change_index_follows_jacobson_and_truax(pre, post, rci, category):
    result = reliable_change([pre], [post], sd=SD, reliability=RELIABILITY)

    assert result.s_diff == pytest.approx(8)
    assert result.rci[0] == pytest.approx(rci)
    assert result.category == (category,)


def test_reliable_change_flips_categories_when_lower_scores_are_better():
    # A symptom scale: a fall of 20 points (RCI −2.5) is an improvement.
    result = reliable_change([40, 20], [20, 40], sd=SD, reliability=RELIABILITY, higher_is_better=False)

    assert result.rci == pytest.approx((-2.5, 2.5))
    assert result.category == ("improved", "deteriorated")


def test_reliable_change_keeps_input_order_with_none_for_incomplete_pairs():
    result = reliable_change([20, None, 30, 20], [40, 35, 14, 21], sd=SD, reliability=RELIABILITY)

    assert result.category == ("improved", None, "deteriorated", "unchanged")
    assert result.rci[1] is None
    assert result.dropped == 1
    assert result.counts == {"improved": 1, "deteriorated": 1, "unchanged": 1}


@pytest.mark.parametrize(
    ("sd", "reliability", "message"),
    [
        (0, 0.8, "deviazione standard"),
        (10, 1.0, "attendibilità"),
        (10, -0.1, "attendibilità"),
    ],
)
def test_reliable_change_rejects_an_impossible_measure(sd, reliability, message):
    with pytest.raises(InvalidValueError, match=message):
        reliable_change([1], [2], sd=sd, reliability=reliability)


def test_normalized_gain_matches_hakes_definitions():
    # Hake (1998), Am. J. Phys. 66:64, eq. (1): ⟨g⟩ = (%post − %pre) / (100 − %pre) on class averages.
    # Max 20. Per person: (15 − 10)/(20 − 10) = 0.5; (15 − 15)/(20 − 15) = 0; pre = 20 has no room, None;
    # (20 − 5)/(20 − 5) = 1; (5 − 10)/(20 − 10) = −0.5. Mean of the four defined gains = 1.0 / 4 = 0.25.
    # Class: mean pre = 60/5 = 12, mean post = 75/5 = 15, ⟨g⟩ = (15 − 12)/(20 − 12) = 3/8 = 0.375.
    result = normalized_gain(pre=[10, 15, 20, 5, 10], post=[15, 15, 20, 20, 5], max_score=20)

    assert result.gains == pytest.approx((0.5, 0.0, None, 1.0, -0.5))
    assert result.mean_gain == pytest.approx(0.25)
    assert result.class_gain == pytest.approx(0.375)
    assert (result.n, result.at_ceiling, result.dropped) == (5, 1, 0)


def test_normalized_gain_on_percentages_gives_hakes_medium_gain():
    # Class averages 40% → 70%: ⟨g⟩ = 30 / 60 = 0.5, inside Hake's "medium-g" band (0.3 ≤ ⟨g⟩ < 0.7).
    result = normalized_gain(pre=[30, 50, None], post=[65, 75, 80], max_score=100)

    assert result.class_gain == pytest.approx(0.5)
    assert result.gains == pytest.approx((0.5, 0.5, None))
    assert result.dropped == 1


def test_normalized_gain_of_a_class_already_at_the_maximum_is_undefined():
    result = normalized_gain(pre=[10, 10], post=[10, 10], max_score=10)

    assert result.class_gain is None
    assert result.mean_gain is None
    assert result.at_ceiling == 2


def test_normalized_gain_rejects_scores_above_the_maximum():
    with pytest.raises(InvalidValueError, match="supera il massimo"):
        normalized_gain(pre=[10], post=[21], max_score=20)


def test_normalized_gain_needs_one_complete_pair():
    with pytest.raises(NotEnoughDataError, match=r"^Serve almeno 1 coppia completa \(ne ho 0\)\."):
        normalized_gain(pre=[None], post=[3], max_score=20)
