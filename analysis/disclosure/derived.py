"""Percentages, rates and ratios from protected counts: hidden wherever a count they use is hidden.

A percentage or a rate with a published denominator gives its numerator back (p · d / 100), and one with a
published numerator gives its denominator back, so each derived value is hidden when either count is; it
takes the status of the hidden count (the numerator's first). Population figures are public, so a rate is
hidden only with its count; a rate or percentage whose denominator is zero or unknown is `undefined`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analysis.disclosure.suppression import ProtectedTable
from analysis.errors import DisclosureSettingsError
from analysis.tables import Table

_UNDEFINED = 3


def percentages(protected: ProtectedTable, along: str | None = None) -> ProtectedTable:
    """Each cell as a percentage of its total along one dimension (of the grand total when None).

    For example, along="gender" gives the share of girls and boys within each Ambito.
    """
    shape = protected.published.shape
    axes = range(len(shape)) if along is None else [protected.table.axis(along)]
    # node 0 of every dimension is its total
    totals = np.ix_(*[[0] if axis in axes else range(size) for axis, size in enumerate(shape)])
    denominators = np.broadcast_to(protected.published[totals], shape)
    return _divide(protected, denominators, np.broadcast_to(protected.codes[totals], shape), 100.0, "percent")


def rates(protected: ProtectedTable, population: Table, per: int = 1000) -> ProtectedTable:
    """Each count per `per` residents (per 1,000 minors by default) of the population in its cell.

    `population` is a Table over some of the same dimensions (by name: territory, and gender or age band
    when known), with the same labels; a cell whose labels are not in it has an undefined rate.
    """
    figures = _population(protected, population)
    published_codes = np.zeros(protected.codes.shape, dtype=np.int8)
    return _divide(protected, figures, published_codes, float(per), "rate")


def ratios(
    numerator: Table,
    denominator: Table | None,
    guards: Sequence[ProtectedTable],
    per: float | None,
    kind: str,
) -> ProtectedTable:
    """numerator / denominator · per (or the numerator alone), shown only where every guard is published.

    The guards are the protected counts of the records behind numerator and denominator: a ratio over
    too few records is hidden with the status of the first guard that hides it.
    """
    first = guards[0]
    codes = np.zeros(first.codes.shape, dtype=np.int8)
    for guard in guards:
        codes = np.where(codes > 0, codes, guard.codes).astype(np.int8)
    values = numerator.values.astype(float)
    if denominator is not None:
        below = denominator.values.astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(below > 0, values / below * (per or 1.0), np.nan)
        codes = np.where((codes == 0) & (below <= 0), _UNDEFINED, codes).astype(np.int8)
    published = np.where(codes > 0, np.nan, values)
    return ProtectedTable(first.dimensions, published, codes, first.rule, kind)


def _divide(
    protected: ProtectedTable,
    denominators: np.ndarray,
    denominator_codes: np.ndarray,
    scale: float,
    kind: str,
) -> ProtectedTable:
    codes = np.where(protected.codes > 0, protected.codes, denominator_codes).astype(np.int8)
    undefined = (codes == 0) & ~(denominators > 0)
    codes = np.where(undefined, _UNDEFINED, codes).astype(np.int8)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(codes == 0, protected.published / denominators * scale, np.nan)
    return ProtectedTable(protected.dimensions, values, codes, protected.rule, kind)


def _population(protected: ProtectedTable, population: Table) -> np.ndarray:
    """The population of every cell of `protected`, NaN where its labels are not in `population`."""
    names = [dim.name for dim in protected.dimensions]
    lookups = []
    for dim in population.dimensions:
        if dim.name not in names:
            raise DisclosureSettingsError(
                f"La popolazione ha la dimensione {dim.name!r}, che la tabella non ha.",
                f"The population has the dimension {dim.name!r}, which the table does not have.",
            )
        ours = protected.dimensions[names.index(dim.name)]
        lookups.append(np.array([dim.index.get(label, -1) for label in ours.labels]))
    known = np.ones(protected.published.shape, dtype=bool)
    gathered = population.values.astype(float)[np.ix_(*[np.maximum(lookup, 0) for lookup in lookups])]
    order = [names.index(dim.name) for dim in population.dimensions]
    shape = [1] * len(names)
    for position, axis in enumerate(order):
        shape[axis] = len(lookups[position])
        mask_shape = [1] * len(names)
        mask_shape[axis] = len(lookups[position])
        known &= (lookups[position] >= 0).reshape(mask_shape)
    aligned = np.transpose(gathered, np.argsort(order)).reshape([shape[a] for a in range(len(names))])
    return np.where(known, np.broadcast_to(aligned, protected.published.shape), np.nan)
