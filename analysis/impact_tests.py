"""Significance tests of pre/post change: paired t, Wilcoxon signed rank, McNemar, Holm's adjustment."""

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from analysis.errors import InvalidValueError, UndefinedStatisticError
from analysis.impact_pairs import Score, check_confidence, check_same_length, complete_pairs, is_missing

# R's wilcox.test computes an exact p-value below this many non-zero differences (when there are no ties).
EXACT_WILCOXON_LIMIT = 50


@dataclass(frozen=True)
class PairedTTest:
    """Paired t-test of post − pre."""

    t: float
    df: int
    p_value: float
    mean_diff: float
    ci_low: float
    ci_high: float
    n: int
    dropped: int


@dataclass(frozen=True)
class WilcoxonSignedRank:
    """Wilcoxon signed rank test of post − pre; `zeros` pairs had post == pre and were left out."""

    statistic: float
    p_value: float
    exact: bool
    n: int
    zeros: int
    dropped: int


@dataclass(frozen=True)
class McNemar:
    """McNemar's test; b = right before and wrong after, c = wrong before and right after."""

    statistic: float
    p_value: float
    b: int
    c: int
    n: int
    dropped: int


def paired_ttest(pre: Sequence[Score], post: Sequence[Score], confidence: float = 0.95) -> PairedTTest:
    """Student's paired t-test on d = post − pre, two-sided, as R's t.test(post, pre, paired = TRUE).

    t = mean(d) / (sd(d) / √n) with df = n − 1, and the interval is mean(d) ± t(1 − α/2, n − 1) · sd(d) / √n.
    Pairs with a missing side are dropped and counted in `dropped`.
    """
    check_confidence(confidence)
    pairs = complete_pairs(pre, post)
    differences = pairs.differences
    standard_error = float(np.std(differences, ddof=1)) / math.sqrt(pairs.n)
    # R stops with "data are essentially constant" on this same test (here also when every d is 0).
    if standard_error <= 10 * np.finfo(float).eps * abs(float(np.mean(differences))):
        raise UndefinedStatisticError(
            "Le differenze post − pre sono tutte uguali: la statistica t non è definita.",
            "The post − pre differences are all equal: the t statistic is undefined.",
        )
    result = stats.ttest_rel(pairs.post, pairs.pre)
    interval = result.confidence_interval(confidence)
    return PairedTTest(
        t=float(result.statistic),
        df=int(result.df),
        p_value=float(result.pvalue),
        mean_diff=float(np.mean(differences)),
        ci_low=float(interval.low),
        ci_high=float(interval.high),
        n=pairs.n,
        dropped=pairs.dropped,
    )


def wilcoxon_signed_rank(pre: Sequence[Score], post: Sequence[Score]) -> WilcoxonSignedRank:
    """Two-sided Wilcoxon signed rank test on d = post − pre, as R's wilcox.test(post, pre, paired = TRUE).

    V is the sum of the ranks of |d| over the positive d, after dropping d = 0 (R's default). With fewer than
    50 non-zero differences and no ties or zeros the p-value is exact (the signed rank distribution);
    otherwise z = (V − n(n+1)/4 − ½·sign) / √(n(n+1)(2n+1)/24 − Σ(t³ − t)/48), the normal approximation
    with continuity correction and tie correction. Ties are judged on the floating-point differences, as R
    does with digits.rank = Inf. Wilcoxon (1945); Hollander & Wolfe (1973).
    """
    pairs = complete_pairs(pre, post)
    differences = pairs.differences
    nonzero = differences[differences != 0]
    zeros = pairs.n - len(nonzero)
    if len(nonzero) == 0:
        raise UndefinedStatisticError(
            "Tutte le differenze post − pre sono zero: il test di Wilcoxon non è definito.",
            "All post − pre differences are zero: the Wilcoxon test is undefined.",
        )
    ranks = stats.rankdata(np.abs(nonzero))
    statistic = float(ranks[nonzero > 0].sum())
    tied = len(np.unique(ranks)) < len(ranks)
    exact = len(nonzero) < EXACT_WILCOXON_LIMIT and not tied and zeros == 0
    if exact:
        p_value = _exact_signed_rank_p(int(statistic), len(nonzero))
    else:
        p_value = _normal_signed_rank_p(statistic, ranks)
    return WilcoxonSignedRank(statistic, p_value, exact, pairs.n, zeros, pairs.dropped)


def _exact_signed_rank_p(statistic: int, n: int) -> float:
    """Two-sided p from the exact null distribution of V, as R's psignrank: min(2·tail, 1)."""
    counts = [1] + [0] * (n * (n + 1) // 2)
    for rank in range(1, n + 1):
        for total in range(len(counts) - 1, rank - 1, -1):
            counts[total] += counts[total - rank]
    upper = statistic > n * (n + 1) / 4
    tail = sum(counts[statistic:]) if upper else sum(counts[: statistic + 1])
    return min(1.0, 2 * tail / 2**n)


def _normal_signed_rank_p(statistic: float, ranks: np.ndarray) -> float:
    """Two-sided p from the normal approximation with tie and continuity corrections."""
    n = len(ranks)
    _, tie_sizes = np.unique(ranks, return_counts=True)
    variance = n * (n + 1) * (2 * n + 1) / 24 - float(np.sum(tie_sizes**3 - tie_sizes)) / 48
    centred = statistic - n * (n + 1) / 4
    z = (centred - 0.5 * np.sign(centred)) / math.sqrt(variance)
    return min(1.0, 2 * float(stats.norm.sf(abs(z))))


def mcnemar(
    pre_correct: Sequence[object], post_correct: Sequence[object], correction: bool = True
) -> McNemar:
    """McNemar's test on paired right/wrong outcomes, as R's mcnemar.test.

    statistic = (|b − c| − 1)² / (b + c) with `correction` (R's correct = TRUE), else (b − c)² / (b + c);
    p from χ² with 1 df. Like R, the corrected statistic is 1 / (b + c) when b == c. Values are True/False
    or 1/0; None or NaN drops the pair. McNemar (1947); Agresti (1990), pp. 350–354.
    """
    check_same_length(pre_correct, post_correct)
    b = c = n = 0
    for index, (before, after) in enumerate(zip(pre_correct, post_correct, strict=True)):
        if is_missing(before) or is_missing(after):
            continue
        right_before = _outcome(before, f"pre_correct[{index}]")
        right_after = _outcome(after, f"post_correct[{index}]")
        b += right_before and not right_after
        c += right_after and not right_before
        n += 1
    if b + c == 0:
        raise UndefinedStatisticError(
            "Nessuna coppia è cambiata tra pre e post: il test di McNemar non è definito.",
            "No pair changed between pre and post: McNemar's test is undefined.",
        )
    statistic = (abs(b - c) - (1 if correction else 0)) ** 2 / (b + c)
    p_value = float(stats.chi2.sf(statistic, df=1))
    return McNemar(float(statistic), p_value, b, c, n, len(pre_correct) - n)


def _outcome(value: object, label: str) -> bool:
    """True/False or 1/0 (also 1.0/0.0) as a right/wrong answer."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating) and value in (0, 1):
        return bool(value)
    raise InvalidValueError(
        f"{label}: atteso vero/falso o 1/0, trovato {value!r}.",
        f"{label}: expected true/false or 1/0, got {value!r}.",
    )


def holm(p_values: Sequence[float | None]) -> tuple[float | None, ...]:
    """Holm's step-down adjustment, as R's p.adjust(p, method = "holm").

    With the m present p-values sorted ascending, p̃(i) = min(1, max over j ≤ i of (m − j + 1)·p(j)),
    returned in the input order. None or NaN stays None and does not count in m, as R does with NA.
    Holm (1979), Scandinavian Journal of Statistics 6:65–70.
    """
    present = [index for index, value in enumerate(p_values) if not is_missing(value)]
    values = []
    for index in present:
        value = p_values[index]
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
            raise InvalidValueError(
                f"p_values[{index}]: un p-value deve essere tra 0 e 1 (ho {value!r}).",
                f"p_values[{index}]: a p-value must be between 0 and 1 (got {value!r}).",
            )
        values.append(float(value))
    adjusted: list[float | None] = [None] * len(p_values)
    # Computed here rather than with statsmodels' multipletests, which runs gc.collect() on every call
    # (0.3 s in a web process with a large heap).
    order = sorted(range(len(values)), key=values.__getitem__)
    running, m = 0.0, len(values)
    for rank, position in enumerate(order):
        running = max(running, min(1.0, (m - rank) * values[position]))
        adjusted[present[position]] = running
    return tuple(adjusted)
