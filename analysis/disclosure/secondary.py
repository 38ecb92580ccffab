"""Secondary suppression by perturbation patterns: every suppressed cell gets a certificate that it is safe.

The algorithm (a generalisation of the hypercube method to hierarchical dimensions):

A *line pattern* on a dimension is a vector q over its nodes, with entries in {-1, 0, +1}, such that every
internal node equals the sum of its children: q[n] == Σ q[children of n]. There are two kinds:

* a *root chain*: +1 on a leaf and on every node above it up to the total;
* a *pair*: +1 on the path from a leaf up to a node w, -1 on the path from another leaf up to a sibling of w
  (in a flat dimension: +1 on one category, -1 on another).

The product of one line pattern per dimension, p[i, j, ...] = q1[i] · q2[j] · ..., satisfies every additive
relation of the table (each relation is linear along one dimension, where the factor for that dimension
sums to zero). So if every cell where p ≠ 0 is suppressed, the tables `values + t · p` agree with every
published cell and every relation, and they are non-negative for t in [-min(+ cells), min(- cells)]: each
suppressed cell of the pattern can take every integer value in that range, and nobody can tell them apart.

For each primary cell not yet covered, we look at the patterns whose support contains it (every product of
candidate line patterns through its nodes, evaluated at once by tensor contraction) and keep the valid one
of least cost: valid if it contains no published zero when zeros are published and if its range of t is at
least `width` wide; cost is Σ (value + 1) over the cells it would newly suppress, so already suppressed cells
are reused for free and small cells are preferred to large ones and to totals. All cells of the chosen
pattern are suppressed and marked as covered, so each pattern also protects its secondary cells.

Guarantee: when this returns, every suppressed cell lies in the support of a pattern whose range of t is at
least `width` wide, so the interval of values an intruder can derive for it, with any linear programming on
the published cells, the additive relations and non-negativity, is at least `width` wide (with `width` 1,
no suppressed cell is determined exactly). A valid pattern always exists: the product of the root chains
through the largest leaf cell below the target has cells of one sign, each a total of that leaf cell (so
positive whenever the target is, and never a published zero), so its range of t is unbounded above. When
the candidates are too many (deep hierarchies, many dimensions), each dimension's list is cut to those
cheapest along the target's own line, always keeping that root chain, so a valid pattern remains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.tables import Dimension

MAX_COMBINATIONS = 250_000  # products of line patterns evaluated for one target (memory ~ 10 arrays of this)


@dataclass(frozen=True)
class LinePatterns:
    """The candidate line patterns through one node: signs (candidates × nodes, int8), root chains' rows."""

    signs: np.ndarray
    root_rows: dict[int, int]


def line_patterns(dim: Dimension, node: int) -> LinePatterns:
    """Every root chain and every pair whose support contains `node`, with `node` at +1."""
    size = len(dim.labels)
    below = dim.leaves_below[node]
    chains = np.zeros((len(below), size), dtype=np.int8)
    for row, leaf in enumerate(below):
        chains[row, dim.path_up(leaf)] = 1
    blocks = [chains]
    for top in dim.path_up(node)[:-1]:  # `top` is where our side of a pair stops: node or one above it
        own = _paths_to(dim, below, top)
        for sibling in dim.children[dim.parents[top]]:
            if sibling != top:
                other = _paths_to(dim, dim.leaves_below[sibling], sibling)
                blocks.append((own[:, None, :] - other[None, :, :]).reshape(-1, size))
    return LinePatterns(np.concatenate(blocks), {leaf: row for row, leaf in enumerate(below)})


def _paths_to(dim: Dimension, leaves: tuple[int, ...], top: int) -> np.ndarray:
    """One row per leaf: 1 on the path from the leaf up to `top`, both included."""
    paths = np.zeros((len(leaves), len(dim.labels)), dtype=np.int8)
    for row, leaf in enumerate(leaves):
        path = dim.path_up(leaf)
        paths[row, path[: path.index(top) + 1]] = 1
    return paths


class PatternSearch:
    """Secondary suppression of one table: `cover` each primary cell with the cheapest valid pattern."""

    def __init__(
        self, values: np.ndarray, dims: tuple[Dimension, ...], suppressed: np.ndarray, publish_zeros: bool
    ) -> None:
        self.values = values
        self.dims = dims
        self.suppressed = suppressed.copy()
        self.covered = np.zeros_like(suppressed)
        self.forbidden = ((values == 0) & ~suppressed).astype(float) if publish_zeros else None
        self._lines: dict[tuple[int, int], LinePatterns] = {}

    def cover(self, target: tuple[int, ...], width: int) -> None:
        """Suppress the cheapest valid pattern through `target`, unless a chosen one covers it already."""
        if self.covered[target]:
            return
        signs = self._shortlist(target)
        score = self._score(signs, width)
        best = np.unravel_index(int(np.argmin(score)), score.shape)
        if not math.isfinite(score[best]):
            raise RuntimeError(f"no valid suppression pattern through cell {target}")  # impossible: see above
        support = np.ix_(*(np.flatnonzero(s[row]) for s, row in zip(signs, best, strict=True)))
        self.suppressed[support] = True
        self.covered[support] = True

    def _score(self, signs: list[np.ndarray], width: int) -> np.ndarray:
        """The cost of each product of candidates, or infinity where it is not valid."""
        sparse = [_sparse(s) for s in signs]
        spans = [(where, np.abs(weights)) for where, weights in sparse]
        lows = [(self.values < limit).astype(float) for limit in range(1, width + 1)]
        # one contraction for every unsigned sum: cost, published zeros, then cells below 1, 2, ... width
        stacked = [np.where(self.suppressed, 0.0, self.values + 1.0), self._forbidden(), *lows]
        unsigned = _contract(np.stack(stacked, axis=-1), spans)
        signed = _contract(np.stack(lows, axis=-1), sparse)
        cost, forbidden = unsigned[0], unsigned[1]
        # width: some k in 0..width with no + cell below k and no - cell below width - k
        plus = [np.zeros(())] + [(unsigned[2 + j] + signed[j]) / 2 for j in range(width)]
        minus = [np.zeros(())] + [(unsigned[2 + j] - signed[j]) / 2 for j in range(width)]
        wide = np.zeros(cost.shape, dtype=bool)
        for k in range(width + 1):
            wide |= (plus[k] < 0.5) & (minus[width - k] < 0.5)
        return np.where((forbidden < 0.5) & wide, cost, np.inf)

    def _forbidden(self) -> np.ndarray:
        """1 on published zeros, which a pattern may not hide; 0 everywhere when zeros are hidden anyway."""
        if self.forbidden is None:
            return np.zeros(self.values.shape)
        return self.forbidden

    def _shortlist(self, target: tuple[int, ...]) -> list[np.ndarray]:
        """Candidate signs per dimension, trimmed by their cost along the target's lines if too many."""
        lines = [self._line(axis, node) for axis, node in enumerate(target)]
        anchor = self._anchor(target)
        signs = [line.signs for line in lines]
        keep = [line.root_rows[leaf] for line, leaf in zip(lines, anchor, strict=True)]
        cost = np.where(self.suppressed, 0.0, self.values + 1.0)
        if self.forbidden is not None:
            cost = np.where(self.forbidden > 0, np.inf, cost)
        while math.prod(len(s) for s in signs) > MAX_COMBINATIONS:
            axis = max(range(len(signs)), key=lambda a: len(signs[a]))
            along = cost[target[:axis] + (slice(None),) + target[axis + 1 :]]
            line_cost = np.abs(signs[axis]) @ np.nan_to_num(along, posinf=1e18)
            line_cost[keep[axis]] = -1.0  # the anchor's root chain always stays: it keeps a valid product
            chosen = np.sort(np.argsort(line_cost, kind="stable")[: max(1, len(signs[axis]) // 2)])
            keep[axis] = int(np.searchsorted(chosen, keep[axis]))
            signs[axis] = signs[axis][chosen]
        return signs

    def _line(self, axis: int, node: int) -> LinePatterns:
        if (axis, node) not in self._lines:
            self._lines[axis, node] = line_patterns(self.dims[axis], node)
        return self._lines[axis, node]

    def _anchor(self, target: tuple[int, ...]) -> tuple[int, ...]:
        """The leaf cell below the target with the largest value (positive whenever the target is)."""
        below = [dim.leaves_below[node] for dim, node in zip(self.dims, target, strict=True)]
        block = self.values[np.ix_(*below)]
        where = np.unravel_index(int(np.argmax(block)), block.shape)
        return tuple(leaves[i] for leaves, i in zip(below, where, strict=True))


def _sparse(signs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each candidate's support as (node indices, signs), padded with zero weights to the longest one."""
    width = max(1, int(np.count_nonzero(signs, axis=1).max()))
    where = np.argsort(signs == 0, axis=1, kind="stable")[:, :width]
    return where, np.take_along_axis(signs, where, axis=1)


def _contract(array: np.ndarray, matrices: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Σ over cells of array[i, j, ..., s] · m0[a, i] · m1[b, j] ..., as result[s, a, b, ...].

    The last axis of `array` stacks several arrays contracted at once; it comes out first. Each matrix is
    given sparse (see `_sparse`): a line pattern touches a few nodes, so each step gathers those cells and
    adds them up, with no BLAS call, whose threads cost far more than they save on products this small.
    Dimensions whose candidates outnumber their nodes (hierarchies) go last, when the other dimensions
    are already reduced to their candidates, so no intermediate array grows much beyond the result.
    """
    growth = [where.size / size for (where, _), size in zip(matrices, array.shape, strict=False)]
    order = sorted(range(len(matrices)), key=lambda axis: growth[axis])
    result = np.moveaxis(array, order, range(len(order)))
    for axis in order:  # each step contracts the leading axis and appends that dimension's candidates
        where, weights = matrices[axis]
        summed = np.einsum("cw,cw...->c...", weights, result[where])
        result = np.moveaxis(summed, 0, -1)
    return result.transpose([0, *(1 + order.index(axis) for axis in range(len(order)))])
