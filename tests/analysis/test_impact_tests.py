"""Paired t, Wilcoxon signed rank, McNemar and Holm against R's printed output on published examples."""

import math

import pytest

from analysis.errors import AnalysisError, InvalidValueError, UndefinedStatisticError
from analysis.impact import holm, mcnemar, paired_ttest, wilcoxon_signed_rank
from tests.analysis.conftest import printed

# R's `sleep` data (Cushny & Peebles 1905), printed in the Cookbook for R, "t-test" page: extra hours of
# sleep of the same ten patients under drug 1 and drug 2.
SLEEP_DRUG_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_DRUG_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]

# ?wilcox.test, Hollander & Wolfe (1973) p. 29: Hamilton depression scale factor IV at the first (x) and
# second (y) visit of nine patients.
DEPRESSION_FIRST = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
DEPRESSION_SECOND = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]


def test_paired_ttest_reproduces_r_on_the_sleep_data():
    # R, ?t.test: t.test(extra ~ group, data = sleep, paired = TRUE), i.e. drug 1 − drug 2, prints
    #   t = -4.0621, df = 9, p-value = 0.002833
    #   95 percent confidence interval: -2.4598858 -0.7001142; mean of the differences -1.58
    # (output published in "R For Dummies", Meys & de Vries, "How to compare paired data with R").
    result = paired_ttest(pre=SLEEP_DRUG_2, post=SLEEP_DRUG_1)

    assert printed(result.t, 5) == "-4.0621"
    assert result.df == 9
    assert printed(result.p_value, 4) == "0.002833"
    assert printed(result.mean_diff, 3) == "-1.58"
    assert printed(result.ci_low, 8) == "-2.4598858"
    assert printed(result.ci_high, 7) == "-0.7001142"
    assert (result.n, result.dropped) == (10, 0)


def test_paired_ttest_swapping_pre_and_post_flips_the_signs():
    result = paired_ttest(pre=SLEEP_DRUG_1, post=SLEEP_DRUG_2)

    assert printed(result.t, 5) == "4.0621"
    assert printed(result.ci_low, 7) == "0.7001142"
    assert printed(result.ci_high, 8) == "2.4598858"


def test_paired_ttest_drops_pairs_with_a_missing_side_and_counts_them():
    pre = [*SLEEP_DRUG_2, None, 3.0, math.nan]
    post = [*SLEEP_DRUG_1, 2.0, None, 1.0]

    result = paired_ttest(pre=pre, post=post)

    assert printed(result.t, 5) == "-4.0621"
    assert (result.n, result.dropped) == (10, 3)


def test_paired_ttest_of_constant_differences_is_undefined():
    with pytest.raises(UndefinedStatisticError, match="tutte uguali.* / The post − pre differences"):
        paired_ttest(pre=[1, 2, 3], post=[2, 3, 4])


def test_wilcoxon_exact_reproduces_r_on_the_depression_data():
    # R, ?wilcox.test: wilcox.test(x, y, paired = TRUE, alternative = "greater") prints V = 40,
    # p-value = 0.01953; the two-sided p-value is twice that, 0.03906 (exact, n = 9, no ties).
    # R's V sums the ranks of the positive x − y, so post = x, pre = y reproduces V = 40.
    result = wilcoxon_signed_rank(pre=DEPRESSION_SECOND, post=DEPRESSION_FIRST)

    assert result.statistic == 40
    assert printed(result.p_value, 4) == "0.03906"
    assert result.exact


def test_wilcoxon_statistic_is_the_positive_rank_sum_of_post_minus_pre():
    # With pre = first visit, d = y − x: the positive ranks sum to n(n+1)/2 − 40 = 45 − 40 = 5, and the
    # two-sided p-value is symmetric, still 0.03906.
    result = wilcoxon_signed_rank(pre=DEPRESSION_FIRST, post=DEPRESSION_SECOND)

    assert result.statistic == 5
    assert printed(result.p_value, 4) == "0.03906"


@pytest.mark.parametrize(
    ("pre", "post", "statistic", "p_value", "zeros"),
    [
        # Cross Validated q. 510275 ("Does Wilcoxon signed rank (paired test) in R automatically analyse data
        # by row?"): q1 = c(6, 19.5, 5.1, 4.7, 10.6), q4 = c(6, 5, 2.5, 2.1, 5.4); wilcox.test(q1, q4,
        # pair = T) prints "with continuity correction", V = 10, p-value = 0.1003, warning "cannot compute
        # exact p-value with zeroes". In floating point 5.1 − 2.5 ≠ 4.7 − 2.1, so R sees no tie there.
        ([6, 5, 2.5, 2.1, 5.4], [6, 19.5, 5.1, 4.7, 10.6], 10, "0.1003", 1),
        # Cross Validated, "Wilcoxon test in R will not calculate exact distribution due to ties, scipy.stats
        # .wilcoxon will" (imathworks.com/cv mirror): 0-month vs 3-month values of 12 people;
        # wilcox.test(dfb$Value, dfa$Value, paired = TRUE, exact = FALSE) prints V = 70.5, p-value = 0.01494.
        (
            [26, 4, 3, 26, 0, 3, 10, 9, 7, 1, 4, 9],
            [18, 23, 24, 27, 9, 40, 17, 33, 6, 8, 9, 26],
            70.5,
            "0.01494",
            0,
        ),
    ],
)
def test_wilcoxon_uses_rs_normal_approximation_with_ties_or_zeros(pre, post, statistic, p_value, zeros):
    result = wilcoxon_signed_rank(pre=pre, post=post)

    assert result.statistic == statistic
    assert printed(result.p_value, 4) == p_value
    assert not result.exact
    assert result.zeros == zeros


def test_wilcoxon_with_only_zero_differences_is_undefined():
    with pytest.raises(UndefinedStatisticError, match="Wilcoxon"):
        wilcoxon_signed_rank(pre=[3, 4, 5], post=[3, 4, 5])


def _outcomes(both_right: int, lost: int, gained: int, both_wrong: int) -> tuple[list[bool], list[bool]]:
    pre = [True] * (both_right + lost) + [False] * (gained + both_wrong)
    post = [True] * both_right + [False] * lost + [True] * gained + [False] * both_wrong
    return pre, post


def test_mcnemar_reproduces_r_on_the_presidential_approval_table():
    # R, ?mcnemar.test, Agresti (1990) p. 350: Performance <- matrix(c(794, 86, 150, 570), nrow = 2): 794
    # approved twice, 150 approved then disapproved, 86 the reverse, 570 disapproved twice.
    # mcnemar.test(Performance) prints McNemar's chi-squared = 16.818, df = 1, p-value = 4.115e-05
    # (printed on effectsize's cohens_g reference page, easystats.github.io/effectsize/reference/cohens_g.html,
    # and by hand: (|150 − 86| − 1)² / 236 = 3969 / 236 = 16.8178).
    pre, post = _outcomes(both_right=794, lost=150, gained=86, both_wrong=570)

    result = mcnemar(pre, post)

    assert printed(result.statistic, 5) == "16.818"
    assert printed(result.p_value, 4) == "4.115e-05"
    assert (result.b, result.c, result.n) == (150, 86, 1600)


def test_mcnemar_without_correction_reproduces_r():
    # dwoll/RExRepos md/npMcNemar.md: table(pre, post) = no/no 7, no/yes 3, yes/no 6, yes/yes 4;
    # mcnemar.test(cTab, correct = FALSE) prints McNemar's chi-squared = 1, df = 1, p-value = 0.3173
    # (by hand: (6 − 3)² / 9 = 1).
    pre, post = _outcomes(both_right=4, lost=6, gained=3, both_wrong=7)

    result = mcnemar(pre, post, correction=False)

    assert result.statistic == 1
    assert printed(result.p_value, 4) == "0.3173"


def test_mcnemar_accepts_ones_and_zeros_and_drops_missing_pairs():
    result = mcnemar([1, 1, 0, 0, None, 1], [1, 0, 1, 1, 1, math.nan], correction=False)

    assert (result.b, result.c, result.n, result.dropped) == (1, 2, 4, 2)


def test_mcnemar_without_discordant_pairs_is_undefined():
    with pytest.raises(UndefinedStatisticError, match="McNemar"):
        mcnemar([True, False], [True, False])


def test_mcnemar_rejects_answers_that_are_not_right_or_wrong():
    with pytest.raises(InvalidValueError, match=r"post_correct\[1\]"):
        mcnemar([1, 0], [1, 2])


@pytest.mark.parametrize(
    ("p_values", "adjusted"),
    [
        # By hand, R's p.adjust(p, "holm") = pmin(1, cummax((m − i + 1) · p[o]))[ro]; sorted 0.005, 0.01, 0.03,
        # 0.04 give 4·0.005 = 0.02, 3·0.01 = 0.03, 2·0.03 = 0.06, max(0.06, 1·0.04) = 0.06.
        ([0.01, 0.04, 0.03, 0.005], (0.03, 0.06, 0.06, 0.02)),
        # pingouin.holm docs example: 5·0.0003 = 0.0015, 4·0.003 = 0.012, 3·0.054 = 0.162, 2·0.32 = 0.64,
        # max(0.64, 1·0.50) = 0.64.
        ([0.50, 0.003, 0.32, 0.054, 0.0003], (0.64, 0.012, 0.64, 0.162, 0.0015)),
        # Capped at 1: 2·0.5 = 1.0, then max(1.0, 0.6).
        ([0.5, 0.6], (1.0, 1.0)),
        # A missing p-value stays missing and does not count in m, as R does with NA: 2·0.01, max(0.02, 0.02).
        ([0.02, None, 0.01], (0.02, None, 0.02)),
        ([], ()),
    ],
)
def test_holm_adjusts_like_r_p_adjust(p_values, adjusted):
    assert holm(p_values) == pytest.approx(adjusted)


def test_holm_rejects_a_value_that_is_not_a_p_value():
    with pytest.raises(InvalidValueError, match=r"p_values\[1\]"):
        holm([0.2, 1.5])


def test_every_impact_error_is_an_analysis_error():
    with pytest.raises(AnalysisError):
        paired_ttest(pre=[1.0], post=[2.0])
