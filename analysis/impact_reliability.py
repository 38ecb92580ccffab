"""Internal consistency of a questionnaire scale: Cronbach's alpha with Feldt's confidence interval."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from analysis.errors import (
    InvalidValueError,
    MismatchedLengthsError,
    NotEnoughDataError,
    UndefinedStatisticError,
)
from analysis.impact_pairs import Score, check_confidence, is_missing, to_number

MISSING_POLICIES = ("listwise", "pairwise")


@dataclass(frozen=True)
class CronbachAlpha:
    """Alpha, its Feldt interval, the respondents used (`n`) and left out (`dropped`), the item count."""

    alpha: float
    ci_low: float
    ci_high: float
    n: int
    items: int
    dropped: int


def cronbach_alpha(
    items: Sequence[Sequence[Score]],
    missing: str = "listwise",
    reverse: Sequence[int] = (),
    scale_min: float | None = None,
    scale_max: float | None = None,
    confidence: float = 0.95,
) -> CronbachAlpha:
    """Cronbach's (1951) alpha of a respondents × items table, with Feldt's interval.

    alpha = k/(k − 1) · (1 − tr(C) / ΣC), C the item covariance matrix, as psych::alpha's raw_alpha.
    missing="listwise" keeps complete respondents only; "pairwise" builds each covariance from the
    respondents who answered both items, as psych::alpha(use = "pairwise"), and then, like psych, counts
    every respondent who answered at least one item in n. Respondents with no answers are always dropped.
    Items listed in `reverse` (0-based) are reverse-keyed first, x → scale_min + scale_max − x.
    The interval is feldt_interval(alpha, n, k, confidence).
    """
    check_confidence(confidence)
    if missing not in MISSING_POLICIES:
        raise InvalidValueError(
            f"missing deve essere 'listwise' o 'pairwise' (ho {missing!r}).",
            f"missing must be 'listwise' or 'pairwise' (got {missing!r}).",
        )
    table = _reverse_keyed(_item_table(items), reverse, scale_min, scale_max)
    answered = ~np.isnan(table)
    keep = answered.all(axis=1) if missing == "listwise" else answered.any(axis=1)
    used = table[keep]
    if len(used) < 2:
        raise NotEnoughDataError(
            f"Servono almeno 2 rispondenti con risposte utilizzabili (ne ho {len(used)}).",
            f"At least 2 respondents with usable answers are needed (got {len(used)}).",
        )
    covariance = _pairwise_covariance(used)
    total_variance = float(covariance.sum())
    if total_variance == 0:
        raise UndefinedStatisticError(
            "Il punteggio totale non varia tra i rispondenti: alpha non è definito.",
            "The total score does not vary across respondents: alpha is undefined.",
        )
    k = table.shape[1]
    alpha = k / (k - 1) * (1 - float(np.trace(covariance)) / total_variance)
    low, high = feldt_interval(alpha, len(used), k, confidence)
    return CronbachAlpha(alpha, low, high, len(used), k, len(table) - len(used))


def feldt_interval(alpha: float, n: int, items: int, confidence: float = 0.95) -> tuple[float, float]:
    """Feldt, Woodruff & Salih (1987) interval for alpha, as psych::alpha.ci and cocron::cronbach.alpha.CI.

    With F(p) the p-quantile of F(n − 1, (n − 1)(k − 1)): low = 1 − (1 − alpha)·F(1 − γ/2) and
    high = 1 − (1 − alpha)·F(γ/2), where γ = 1 − confidence.
    """
    check_confidence(confidence)
    if n < 2 or items < 2:
        raise NotEnoughDataError(
            f"Servono almeno 2 rispondenti e 2 item (ho {n} rispondenti, {items} item).",
            f"At least 2 respondents and 2 items are needed (got {n} respondents, {items} items).",
        )
    tail = (1 - confidence) / 2
    df1, df2 = n - 1, (n - 1) * (items - 1)
    low = 1 - (1 - alpha) * float(stats.f.ppf(1 - tail, df1, df2))
    high = 1 - (1 - alpha) * float(stats.f.ppf(tail, df1, df2))
    return low, high


def _item_table(items: Sequence[Sequence[Score]]) -> np.ndarray:
    """Rows of answers as a float matrix, NaN where an answer is missing."""
    if len(items) == 0 or len(items[0]) < 2:
        raise NotEnoughDataError(
            "Servono almeno 2 item e almeno un rispondente.",
            "At least 2 items and at least one respondent are needed.",
        )
    k = len(items[0])
    table = np.full((len(items), k), np.nan)
    for row, answers in enumerate(items):
        if len(answers) != k:
            raise MismatchedLengthsError(
                f"Il rispondente {row} ha {len(answers)} risposte invece di {k}.",
                f"Respondent {row} has {len(answers)} answers instead of {k}.",
            )
        for column, value in enumerate(answers):
            if not is_missing(value):
                table[row, column] = to_number(value, f"items[{row}][{column}]")
    return table


def _reverse_keyed(
    table: np.ndarray, reverse: Sequence[int], scale_min: float | None, scale_max: float | None
) -> np.ndarray:
    """Reverse-key the listed columns, x → min + max − x, after checking the scale bounds."""
    if not reverse:
        return table
    if scale_min is None or scale_max is None or not scale_min < scale_max:
        raise InvalidValueError(
            "Per invertire degli item servono scale_min e scale_max, con scale_min < scale_max.",
            "Reversing items needs scale_min and scale_max, with scale_min < scale_max.",
        )
    columns = sorted(set(reverse))
    if any(isinstance(c, bool) or not isinstance(c, int) or not 0 <= c < table.shape[1] for c in columns):
        raise InvalidValueError(
            f"Indici di item da invertire non validi: {list(reverse)} (gli item sono {table.shape[1]}).",
            f"Invalid indexes of items to reverse: {list(reverse)} (there are {table.shape[1]} items).",
        )
    flipped = table.copy()
    values = flipped[:, columns]
    if np.any((values < scale_min) | (values > scale_max)):
        raise InvalidValueError(
            f"Un item da invertire ha valori fuori dalla scala {scale_min:g}–{scale_max:g}.",
            f"An item to reverse has values outside the scale {scale_min:g}–{scale_max:g}.",
        )
    flipped[:, columns] = scale_min + scale_max - values
    return flipped


def _pairwise_covariance(table: np.ndarray) -> np.ndarray:
    """Pairwise-complete covariances, each pair with its own means, as R's cov(use = "pairwise")."""
    k = table.shape[1]
    covariance = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            both = ~np.isnan(table[:, i]) & ~np.isnan(table[:, j])
            if both.sum() < 2:
                raise NotEnoughDataError(
                    f"Gli item {i} e {j} hanno meno di 2 rispondenti in comune.",
                    f"Items {i} and {j} have fewer than 2 respondents in common.",
                )
            covariance[i, j] = covariance[j, i] = np.cov(table[both, i], table[both, j], ddof=1)[0, 1]
    return covariance
