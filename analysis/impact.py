"""Training impact statistics on pre/post scores, checked against R: the public API of the impact family."""

# Differences are always post − pre. Pairs with a missing side (None or NaN) are dropped and counted in
# each result's `dropped` field. Bad data raise an analysis.errors.ImpactError subclass whose message reads
# in Italian first, then English.

from analysis.impact_change import NormalizedGain, ReliableChange, normalized_gain, reliable_change
from analysis.impact_effects import PairedEffectSizes, paired_effect_sizes
from analysis.impact_reliability import CronbachAlpha, cronbach_alpha, feldt_interval
from analysis.impact_tests import (
    McNemar,
    PairedTTest,
    WilcoxonSignedRank,
    holm,
    mcnemar,
    paired_ttest,
    wilcoxon_signed_rank,
)

__all__ = [
    "CronbachAlpha",
    "McNemar",
    "NormalizedGain",
    "PairedEffectSizes",
    "PairedTTest",
    "ReliableChange",
    "WilcoxonSignedRank",
    "cronbach_alpha",
    "feldt_interval",
    "holm",
    "mcnemar",
    "normalized_gain",
    "paired_effect_sizes",
    "paired_ttest",
    "reliable_change",
    "wilcoxon_signed_rank",
]
