"""Per-person change: the Jacobson–Truax reliable change index and Hake's normalized gain."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.errors import InvalidValueError
from analysis.impact_pairs import Score, complete_pairs, to_number

# |RCI| above this is unlikely (p < .05, two-sided) from measurement error alone.
RCI_THRESHOLD = 1.96
IMPROVED = "improved"
DETERIORATED = "deteriorated"
UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ReliableChange:
    """Per-person RCI and category in input order; None where the pair was incomplete."""

    s_diff: float
    rci: tuple[float | None, ...]
    category: tuple[str | None, ...]
    dropped: int

    @property
    def counts(self) -> dict[str, int]:
        """How many people improved, deteriorated or stayed unchanged."""
        return {name: self.category.count(name) for name in (IMPROVED, DETERIORATED, UNCHANGED)}


@dataclass(frozen=True)
class NormalizedGain:
    """Per-person gains in input order (None when incomplete or pre == max), their mean, Hake's class gain."""

    gains: tuple[float | None, ...]
    mean_gain: float | None
    class_gain: float | None
    n: int
    dropped: int
    at_ceiling: int


def reliable_change(
    pre: Sequence[Score],
    post: Sequence[Score],
    sd: float,
    reliability: float,
    higher_is_better: bool = True,
) -> ReliableChange:
    """Jacobson & Truax (1991) reliable change index, J. Consult. Clin. Psychol. 59:12–19.

    SE = sd·√(1 − r), S_diff = √(2·SE²), RCI = (post − pre) / S_diff, where sd and r are the standard
    deviation and reliability of the measure in a reference (usually pre-test or norm) sample. A person
    "improved" when RCI > 1.96 and "deteriorated" when RCI < −1.96 (the signs swap when
    higher_is_better is False), otherwise "unchanged".
    """
    sd = to_number(sd, "sd")
    reliability = to_number(reliability, "reliability")
    if sd <= 0:
        raise InvalidValueError(
            f"La deviazione standard deve essere positiva (ho {sd}).",
            f"The standard deviation must be positive (got {sd}).",
        )
    if not 0 <= reliability < 1:
        raise InvalidValueError(
            f"L'attendibilità deve essere almeno 0 e minore di 1 (ho {reliability}).",
            f"The reliability must be at least 0 and less than 1 (got {reliability}).",
        )
    pairs = complete_pairs(pre, post, minimum=1)
    standard_error = sd * math.sqrt(1 - reliability)
    s_diff = math.sqrt(2 * standard_error**2)
    rci: list[float | None] = [None] * len(pre)
    category: list[str | None] = [None] * len(pre)
    for position, difference in zip(pairs.positions, pairs.differences, strict=True):
        index = float(difference) / s_diff
        rci[position] = index
        category[position] = _category(index if higher_is_better else -index)
    return ReliableChange(s_diff, tuple(rci), tuple(category), pairs.dropped)


def _category(index: float) -> str:
    if index > RCI_THRESHOLD:
        return IMPROVED
    if index < -RCI_THRESHOLD:
        return DETERIORATED
    return UNCHANGED


def normalized_gain(pre: Sequence[Score], post: Sequence[Score], max_score: float) -> NormalizedGain:
    """Hake (1998) normalized gain, Am. J. Phys. 66:64–74.

    Per person g = (post − pre) / (max − pre), None when pre == max (no room to gain). `mean_gain` is the
    mean of the defined individual gains; `class_gain` is Hake's ⟨g⟩ = (mean post − mean pre) /
    (max − mean pre) over the complete pairs, None when the mean pre-test is already at the maximum.
    """
    max_score = to_number(max_score, "max_score")
    pairs = complete_pairs(pre, post, minimum=1)
    highest = float(max(np.max(pairs.pre), np.max(pairs.post)))
    if highest > max_score:
        raise InvalidValueError(
            f"Un punteggio ({highest:g}) supera il massimo della prova ({max_score:g}).",
            f"A score ({highest:g}) is above the test maximum ({max_score:g}).",
        )
    gains: list[float | None] = [None] * len(pre)
    defined: list[float] = []
    for position, before, after in zip(pairs.positions, pairs.pre, pairs.post, strict=True):
        if before == max_score:
            continue
        gain = float((after - before) / (max_score - before))
        gains[position] = gain
        defined.append(gain)
    mean_pre, mean_post = float(np.mean(pairs.pre)), float(np.mean(pairs.post))
    class_gain = None if mean_pre == max_score else (mean_post - mean_pre) / (max_score - mean_pre)
    mean_gain = float(np.mean(defined)) if defined else None
    at_ceiling = pairs.n - len(defined)
    return NormalizedGain(tuple(gains), mean_gain, class_gain, pairs.n, pairs.dropped, at_ceiling)
