"""Cohen's d_z and d_av, Hedges's g_av (Lakens 2013) and the noncentral-t interval for d_z."""

import pytest

from analysis.errors import UndefinedStatisticError
from analysis.impact import paired_effect_sizes
from tests.analysis.conftest import printed

# Lakens (2013), "Calculating and reporting effect sizes to facilitate cumulative science", Frontiers in
# Psychology 4:863, Table 1: ten people rate two movies (also the test data of the `apa` R package).
MOVIE_1 = [9, 7, 8, 9, 8, 9, 9, 10, 9, 9]
MOVIE_2 = [9, 6, 7, 8, 7, 9, 8, 8, 8, 7]

# R's `sleep` data, as in test_impact_tests.py.
SLEEP_DRUG_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_DRUG_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def test_effect_sizes_reproduce_lakens_movie_example():
    # Lakens (2013) reports d_z = 1.50 and d_av = 1.13 for Table 1 (the apa package's tests reproduce the
    # within-subjects d = 1.50). The paper's full text was not at hand to read its g_av, so g_av is derived
    # by hand with the correction Lakens gives for Hedges's g. By hand: d = movie 1 − movie 2 = 0,1,1,1,1,0,1,2,1,2, mean 1, sum of
    # squares 4, sd = √(4/9) = 2/3, so d_z = 1.5. sd(movie 1) = √(6.1/9) = 0.8233, sd(movie 2) = √(8.1/9) =
    # 0.9487, average 0.8860, so d_av = 1 / 0.8860 = 1.1287. Hedges's correction with n₁ = n₂ = 10:
    # J = 1 − 3 / (4·20 − 9) = 1 − 3/71 = 0.95775, so g_av = 1.1287 · 0.95775 = 1.0810.
    result = paired_effect_sizes(pre=MOVIE_2, post=MOVIE_1)

    assert result.d_z == pytest.approx(1.5)
    assert printed(result.d_av, 3) == "1.13"
    assert printed(result.d_av, 5) == "1.1287"
    assert printed(result.g_av, 4) == "1.081"


def test_d_z_interval_reproduces_effectsize_on_the_sleep_data():
    # effectsize (R), ?cohens_d: cohens_d(Pair(extra[group == 1], extra[group == 2]) ~ 1, data = sleep)
    # prints Cohen's d = -1.28, 95% CI [-2.12, -0.41]; effectsize inverts the noncentral t distribution,
    # the same exact method used here (easystats.github.io/effectsize/reference/cohens_d.html).
    result = paired_effect_sizes(pre=SLEEP_DRUG_2, post=SLEEP_DRUG_1)

    assert round(result.d_z, 2) == -1.28
    assert round(result.d_z_ci_low, 2) == -2.12
    assert round(result.d_z_ci_high, 2) == -0.41


def test_d_z_interval_narrows_with_a_lower_confidence_and_always_contains_d_z():
    wide = paired_effect_sizes(pre=MOVIE_2, post=MOVIE_1, confidence=0.99)
    narrow = paired_effect_sizes(pre=MOVIE_2, post=MOVIE_1, confidence=0.80)

    assert wide.d_z_ci_low < narrow.d_z_ci_low < narrow.d_z < narrow.d_z_ci_high < wide.d_z_ci_high


def test_effect_sizes_drop_incomplete_pairs():
    result = paired_effect_sizes(pre=[*MOVIE_2, None], post=[*MOVIE_1, 10])

    assert result.d_z == pytest.approx(1.5)
    assert (result.n, result.dropped) == (10, 1)


def test_effect_sizes_are_undefined_when_every_difference_is_the_same():
    with pytest.raises(UndefinedStatisticError, match="d_z non è definito.* / .*d_z is undefined"):
        paired_effect_sizes(pre=[1, 2, 3], post=[2, 3, 4])
