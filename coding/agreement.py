"""Inter-coder agreement: percent agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha."""

import math
import numbers
from collections.abc import Hashable, Iterable, Sequence

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats import inter_rater

from coding.agreement_units import Segment, Span, units_from_segments, units_from_spans
from coding.errors import AgreementError, UndefinedAgreementError

__all__ = [
    "Segment",
    "Span",
    "cohen_kappa",
    "fleiss_kappa",
    "fleiss_table",
    "krippendorff_alpha",
    "percent_agreement",
    "units_from_segments",
    "units_from_spans",
]

KAPPA_WEIGHTS = (None, "linear", "quadratic")
ALPHA_LEVELS = ("nominal", "ordinal", "interval", "ratio")


def percent_agreement(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Share of units (0 to 1) put in the same category by two coders; units either left blank are dropped."""
    pairs = _pairs(a, b)
    return sum(x == y for x, y in pairs) / len(pairs)


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable], weights: str | None = None) -> float:
    """Cohen's kappa of two coders, unweighted or with "linear" or "quadratic" weights.

    Units where either coder gave no category (None or NaN) are dropped. Weighted kappa counts the distance
    between two categories in steps along the categories present in the data, in sort order, as R's
    `irr::kappa2` does ("equal" weights there are "linear" here, "squared" are "quadratic"): with ratings
    1, 2, 3 and 6, the steps from 3 to 6 and from 2 to 3 weigh the same.
    """
    if weights not in KAPPA_WEIGHTS:
        raise AgreementError(
            f"Pesi sconosciuti '{weights}': usare None, 'linear' o 'quadratic'. / "
            f"Unknown weights '{weights}': use None, 'linear' or 'quadratic'."
        )
    pairs = _pairs(a, b)
    categories = _ordered({value for pair in pairs for value in pair}, ordered=weights is not None)
    if len(categories) < 2:
        raise UndefinedAgreementError(
            "Il kappa non è definito: entrambi i codificatori hanno usato una sola e identica categoria. / "
            "Kappa is undefined: both coders used one and the same category."
        )
    index = {category: position for position, category in enumerate(categories)}
    first = [index[x] for x, _ in pairs]
    second = [index[y] for _, y in pairs]
    labels = list(range(len(categories)))
    return float(cohen_kappa_score(first, second, labels=labels, weights=weights))


def fleiss_kappa(table: Sequence[Sequence[float]]) -> float:
    """Fleiss' kappa from a units × categories table of how many coders put each unit in each category.

    Every unit must have been coded by the same number of coders, at least two. `fleiss_table` builds the
    table from coders' codings.
    """
    counts = _count_table(table)
    coders = counts.sum(axis=1)
    if not np.all(coders == coders[0]):
        raise AgreementError(
            "Ogni unità deve essere codificata dallo stesso numero di codificatori; con codifiche mancanti "
            "usare l'alfa di Krippendorff. / Every unit must be coded by the same number of coders; with "
            "missing codings use Krippendorff's alpha."
        )
    if coders[0] < 2:
        raise AgreementError(_fewer_than_two(int(coders[0])))
    shares = counts.sum(axis=0) / counts.sum()
    if math.isclose(float(np.sum(shares**2)), 1.0):
        raise UndefinedAgreementError(
            "Il kappa non è definito: tutte le codifiche sono nella stessa categoria. / "
            "Kappa is undefined: every coding is in the same category."
        )
    return float(inter_rater.fleiss_kappa(counts, method="fleiss"))


def fleiss_table(data: Sequence[Sequence[Hashable]]) -> tuple[list[list[int]], list[Hashable]]:
    """Turn coders × units codings into the units × categories counts `fleiss_kappa` takes.

    Returns the table and its categories (the columns, sorted when they can be). Fleiss' kappa needs every
    coder to code every unit, so a missing coding (None or NaN) is refused.
    """
    rows = _coder_rows(data)
    if any(_is_missing(value) for row in rows for value in row):
        raise AgreementError(
            "Il kappa di Fleiss richiede che ogni codificatore codifichi ogni unità; con codifiche mancanti "
            "usare l'alfa di Krippendorff. / Fleiss' kappa needs every coder to code every unit; with "
            "missing codings use Krippendorff's alpha."
        )
    categories = _ordered({value for row in rows for value in row}, ordered=False)
    column = {category: position for position, category in enumerate(categories)}
    table = [[0] * len(categories) for _ in rows[0]]
    for row in rows:
        for unit, value in enumerate(row):
            table[unit][column[value]] += 1
    return table, categories


def krippendorff_alpha(data: Sequence[Sequence[Hashable]], level: str = "nominal") -> float:
    """Krippendorff's alpha of coders × units codings, None (or NaN) where a coder left a unit blank.

    `level` is the level of measurement: "nominal" (any categories), or "ordinal", "interval" or "ratio"
    (numbers). Units coded by fewer than two coders do not count, as in Krippendorff (2011).
    """
    if level not in ALPHA_LEVELS:
        raise AgreementError(
            f"Livello di misura sconosciuto '{level}': usare {', '.join(ALPHA_LEVELS)}. / "
            f"Unknown level of measurement '{level}': use {', '.join(ALPHA_LEVELS)}."
        )
    rows = _coder_rows(data)
    matrix = _alpha_matrix(rows, level)
    if len(np.unique(matrix[~np.isnan(matrix)])) < 2:
        raise UndefinedAgreementError(
            "L'alfa non è definito: tutte le codifiche hanno lo stesso valore. / "
            "Alpha is undefined: every coding has the same value."
        )
    if not np.any(np.sum(~np.isnan(matrix), axis=0) >= 2):
        raise UndefinedAgreementError(
            "L'alfa non è definito: nessuna unità è stata codificata da almeno due codificatori. / "
            "Alpha is undefined: no unit was coded by at least two coders."
        )
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))


def _pairs(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[tuple[Hashable, Hashable]]:
    first, second = list(a), list(b)
    if len(first) != len(second):
        raise AgreementError(
            f"Le due codifiche hanno lunghezze diverse ({len(first)} e {len(second)}). / "
            f"The two codings have different lengths ({len(first)} and {len(second)})."
        )
    pairs = [(x, y) for x, y in zip(first, second, strict=True) if not _is_missing(x) and not _is_missing(y)]
    if not pairs:
        raise AgreementError(
            "Non ci sono unità codificate da entrambi i codificatori. / "
            "There are no units coded by both coders."
        )
    return pairs


def _count_table(table: Sequence[Sequence[float]]) -> np.ndarray:
    try:
        counts = np.asarray(table, dtype=float)
    except (TypeError, ValueError) as err:
        raise AgreementError(_NOT_A_TABLE) from err
    if counts.size == 0:
        raise AgreementError("Non ci sono unità da confrontare. / There are no units to compare.")
    if counts.ndim != 2:
        raise AgreementError(_NOT_A_TABLE)
    if not np.all(np.isfinite(counts)) or np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise AgreementError(_NOT_A_TABLE)
    return counts


_NOT_A_TABLE = (
    "La tabella deve avere una riga per unità e una colonna per categoria, con conteggi interi non "
    "negativi. / "
    "The table must have one row per unit and one column per category, holding non-negative whole counts."
)


def _coder_rows(data: Iterable[Sequence[Hashable]]) -> list[list[Hashable]]:
    rows = [list(row) for row in data]
    if len(rows) < 2:
        raise AgreementError(_fewer_than_two(len(rows)))
    lengths = sorted({len(row) for row in rows})
    if len(lengths) > 1:
        raise AgreementError(
            f"I codificatori hanno codificato numeri diversi di unità ({', '.join(map(str, lengths))}). / "
            f"The coders coded different numbers of units ({', '.join(map(str, lengths))})."
        )
    if lengths[0] == 0:
        raise AgreementError("Non ci sono unità da confrontare. / There are no units to compare.")
    return rows


def _alpha_matrix(rows: list[list[Hashable]], level: str) -> np.ndarray:
    """Coders × units floats, NaN where missing; nominal categories become their positions in sort order."""
    present = {value for row in rows for value in row if not _is_missing(value)}
    if level == "nominal":
        position = {category: float(i) for i, category in enumerate(_ordered(present, ordered=False))}
        convert = position.__getitem__
    else:
        if not all(isinstance(value, numbers.Real) and not isinstance(value, bool) for value in present):
            raise AgreementError(
                f"Con il livello '{level}' le codifiche devono essere numeri. / "
                f"With level '{level}' the codings must be numbers."
            )
        convert = float
    return np.array([[math.nan if _is_missing(v) else convert(v) for v in row] for row in rows], dtype=float)


def _ordered(categories: set[Hashable], *, ordered: bool) -> list[Hashable]:
    """Categories in sort order; when they cannot be sorted, any fixed order unless an order is needed."""
    try:
        return sorted(categories)  # type: ignore[type-var]
    except TypeError as err:
        if not ordered:
            return sorted(categories, key=repr)
        raise AgreementError(
            "Le categorie non si possono ordinare (per esempio numeri e testo insieme): i pesi richiedono "
            "categorie ordinate. / The categories cannot be ordered (for instance numbers mixed with text): "
            "weights need ordered categories."
        ) from err


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, numbers.Real) and math.isnan(value))


def _fewer_than_two(count: int) -> str:
    return (
        f"Servono almeno due codificatori, ce ne sono {count}. / "
        f"At least two coders are needed, there are {count}."
    )
