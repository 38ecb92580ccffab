"""Audit of a protected table: what an intruder can work out about each hidden cell from what is published.

The intruder knows every published cell, that the table adds up along every dimension and hierarchy level,
and that counts are not negative. For each hidden cell, two linear programs (scipy's HiGHS) give the least
and the greatest value it can take under those constraints; a cell whose interval is narrower than the
protection width is disclosed. This is the strongest attack by linear reasoning; plain differencing (a
relation with a single hidden cell) is the special case `differencing_cells` reports on its own.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from analysis.disclosure.suppression import ProtectedTable
from analysis.tables import Key, relations

_TOLERANCE = 1e-6


def recoverable_cells(protected: ProtectedTable, width: float | None = None) -> set[Key]:
    """Hidden cells whose feasible interval is narrower than `width` (default: the table's rule width, 1).

    With width 1 these are the cells whose value is determined exactly by the published ones.
    """
    width = protected.rule.width if width is None else width
    return {
        key for key, (low, high) in feasible_intervals(protected).items() if high - low < width - _TOLERANCE
    }


def feasible_intervals(protected: ProtectedTable) -> dict[Key, tuple[float, float]]:
    """For each hidden cell, the least and greatest value consistent with the published table."""
    hidden = np.flatnonzero(np.isnan(protected.published.ravel()))
    if hidden.size == 0:
        return {}
    matrix, bounds = _equations(protected, hidden)
    intervals = {}
    for variable, flat in enumerate(hidden):
        objective = np.zeros(hidden.size)
        objective[variable] = 1.0
        low = _optimum(objective, matrix, bounds)
        high = -_optimum(-objective, matrix, bounds)
        position = np.unravel_index(int(flat), protected.published.shape)
        intervals[protected.table.key(tuple(int(i) for i in position))] = (low, high)
    return intervals


def differencing_cells(protected: ProtectedTable) -> set[Key]:
    """Hidden cells that are the only hidden cell of some total-equals-parts relation."""
    hidden = np.isnan(protected.published.ravel())
    found = set()
    for total, parts in relations(protected.dimensions):
        cells = np.stack([total, *parts])
        alone = hidden[cells].sum(axis=0) == 1
        for column in np.flatnonzero(alone):
            flat = cells[hidden[cells[:, column]], column][0]
            position = np.unravel_index(int(flat), protected.published.shape)
            found.add(protected.table.key(tuple(int(i) for i in position)))
    return found


def _equations(protected: ProtectedTable, hidden: np.ndarray) -> tuple[coo_matrix, np.ndarray]:
    """A_eq x = b over the hidden cells: every relation that involves one, published values moved right."""
    values = protected.published.ravel()
    variable = np.full(values.size, -1)
    variable[hidden] = np.arange(hidden.size)
    rows, cols, coefficients, rhs = [], [], [], []
    for total, parts in relations(protected.dimensions):
        cells = np.stack([total, *parts])
        signs = np.array([1.0] + [-1.0] * len(parts))[:, None] * np.ones(cells.shape)
        involved = np.flatnonzero((variable[cells] >= 0).any(axis=0))
        for column in involved:
            known = variable[cells[:, column]] < 0
            rhs.append(-float(np.sum(signs[known, column] * values[cells[known, column]])))
            unknown = ~known
            rows.extend([len(rhs) - 1] * int(unknown.sum()))
            cols.extend(variable[cells[unknown, column]].tolist())
            coefficients.extend(signs[unknown, column].tolist())
    matrix = coo_matrix((coefficients, (rows, cols)), shape=(len(rhs), hidden.size))
    return matrix, np.array(rhs)


def _optimum(objective: np.ndarray, matrix: coo_matrix, rhs: np.ndarray) -> float:
    result = linprog(objective, A_eq=matrix, b_eq=rhs, bounds=(0, None), method="highs")
    if result.status == 3:  # unbounded: the hidden cell can be as large (or as small) as one likes
        return -math.inf
    if result.status != 0:
        raise RuntimeError(f"the published table admits no solution: {result.message}")
    return float(result.fun)
