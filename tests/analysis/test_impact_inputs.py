"""Inputs shared by the impact statistics: missing values, unequal lengths, and bilingual error messages."""

import math

import numpy as np
import pytest

from analysis.errors import ImpactError, InvalidValueError, MismatchedLengthsError, NotEnoughDataError
from analysis.impact import (
    mcnemar,
    normalized_gain,
    paired_effect_sizes,
    paired_ttest,
    reliable_change,
    wilcoxon_signed_rank,
)

PAIRED_CALLS = [
    pytest.param(paired_ttest, id="paired_ttest"),
    pytest.param(wilcoxon_signed_rank, id="wilcoxon_signed_rank"),
    pytest.param(paired_effect_sizes, id="paired_effect_sizes"),
    pytest.param(lambda pre, post: reliable_change(pre, post, sd=10, reliability=0.8), id="reliable_change"),
    pytest.param(lambda pre, post: normalized_gain(pre, post, max_score=100), id="normalized_gain"),
    pytest.param(mcnemar, id="mcnemar"),
]


def test_too_few_pairs_are_explained_in_italian_then_english():
    with pytest.raises(NotEnoughDataError) as caught:
        paired_ttest(pre=[1, None, 3], post=[2, 5, None])

    assert str(caught.value) == (
        "Servono almeno 2 coppie complete (ne ho 1). / At least 2 complete pairs are needed (got 1)."
    )
    assert caught.value.italian == "Servono almeno 2 coppie complete (ne ho 1)."
    assert caught.value.english == "At least 2 complete pairs are needed (got 1)."


@pytest.mark.parametrize("statistic", PAIRED_CALLS)
def test_series_of_different_lengths_are_refused(statistic):
    with pytest.raises(MismatchedLengthsError, match=r"lunghezze diverse \(pre 3, post 2\)"):
        statistic([1, 0, 1], [0, 1])


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, float("nan")])
def test_none_and_nan_both_mark_a_missing_answer(missing):
    result = paired_ttest(pre=[1, 2, 3, missing], post=[2, 4, 5, 7])

    assert (result.n, result.dropped) == (3, 1)


@pytest.mark.parametrize("value", ["3", True, math.inf, object()])
def test_values_that_are_not_finite_numbers_are_refused_with_their_position(value):
    with pytest.raises(InvalidValueError, match=r"post\[1\]"):
        paired_ttest(pre=[1, 2, 3], post=[2, value, 5])


def test_numpy_arrays_are_accepted_as_series():
    result = wilcoxon_signed_rank(pre=np.array([1.0, 2.0, 3.0, 4.0]), post=np.array([2.0, 4.5, 3.5, 8.0]))

    assert result.statistic == 10


@pytest.mark.parametrize("confidence", [0, 1, 95])
def test_a_confidence_level_outside_zero_and_one_is_refused(confidence):
    with pytest.raises(InvalidValueError, match="livello di confidenza"):
        paired_ttest(pre=[1, 2, 3], post=[2, 4, 5], confidence=confidence)


def test_impact_errors_carry_both_languages():
    with pytest.raises(ImpactError) as caught:
        paired_effect_sizes(pre=[1, 2], post=[1])

    assert caught.value.italian.startswith("Le due serie")
    assert caught.value.english.startswith("The two series")
