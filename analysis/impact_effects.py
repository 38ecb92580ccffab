"""Standardized effect sizes of pre/post change (Lakens 2013), with a noncentral-t interval for d_z."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from analysis.errors import UndefinedStatisticError
from analysis.impact_pairs import Score, check_confidence, complete_pairs


@dataclass(frozen=True)
class PairedEffectSizes:
    """Cohen's d_z and d_av, Hedges's g_av, and a confidence interval for d_z."""

    d_z: float
    d_av: float
    g_av: float
    d_z_ci_low: float
    d_z_ci_high: float
    n: int
    dropped: int


def paired_effect_sizes(
    pre: Sequence[Score], post: Sequence[Score], confidence: float = 0.95
) -> PairedEffectSizes:
    """Effect sizes of d = post − pre for a pre/post design, after Lakens (2013), Front. Psychol. 4:863.

    d_z = mean(d) / sd(d); d_av = mean(d) / ((sd_pre + sd_post) / 2), after Cumming (2012);
    g_av = d_av · (1 − 3 / (4(n₁ + n₂) − 9)) with n₁ = n₂ = n, the Hedges correction Lakens gives for g.
    The interval for d_z is exact, not an approximation: with t = d_z·√n and df = n − 1 it finds the
    noncentrality parameters λ for which t is the 97.5th and the 2.5th percentile of the noncentral t
    distribution and returns λ/√n (Steiger & Fouladi 1997; as MBESS::ci.sm and effectsize::cohens_d).
    """
    check_confidence(confidence)
    pairs = complete_pairs(pre, post)
    differences = pairs.differences
    sd_difference = float(np.std(differences, ddof=1))
    if sd_difference == 0:
        raise UndefinedStatisticError(
            "Le differenze post − pre sono tutte uguali: d_z non è definito.",
            "The post − pre differences are all equal: d_z is undefined.",
        )
    # sd(post − pre) ≤ sd(pre) + sd(post), so this average is positive whenever d_z is defined.
    average_sd = (float(np.std(pairs.pre, ddof=1)) + float(np.std(pairs.post, ddof=1))) / 2
    mean_difference = float(np.mean(differences))
    d_z = mean_difference / sd_difference
    d_av = mean_difference / average_sd
    g_av = d_av * (1 - 3 / (4 * (2 * pairs.n) - 9))
    low, high = _noncentral_t_interval(d_z * math.sqrt(pairs.n), pairs.n - 1, confidence)
    root_n = math.sqrt(pairs.n)
    return PairedEffectSizes(d_z, d_av, g_av, low / root_n, high / root_n, pairs.n, pairs.dropped)


def _noncentral_t_interval(t: float, df: int, confidence: float) -> tuple[float, float]:
    """The noncentrality parameters that put the observed t at the upper and lower tail quantiles."""
    tail = (1 - confidence) / 2
    return _noncentrality_for(t, df, 1 - tail), _noncentrality_for(t, df, tail)


def _noncentrality_for(t: float, df: int, probability: float) -> float:
    """λ with P(T ≤ t | λ) = probability; that probability falls as λ grows, so bracket then solve."""

    def gap(noncentrality: float) -> float:
        value = float(stats.nct.cdf(t, df, noncentrality)) - probability
        if math.isnan(value):
            raise UndefinedStatisticError(
                "L'intervallo di confidenza di d_z non si può calcolare per un effetto così grande.",
                "The confidence interval of d_z cannot be computed for so large an effect.",
            )
        return value

    step = 1.0
    low, high = t - step, t + step
    while gap(low) < 0:
        step *= 2
        low = t - step
    step = 1.0
    while gap(high) > 0:
        step *= 2
        high = t + step
    return float(optimize.brentq(gap, low, high, xtol=1e-12))
