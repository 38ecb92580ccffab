"""Disclosure control of a count table: primary and secondary suppression, and the protected table.

Primary suppression hides every cell, totals included, with 0 < count < threshold (3 by default, 5 for
tables on special categories of data or on court measures). True zeros are published by default, as ISTAT
and Eurostat practice does; `suppress_zeros=True` hides them too, for tables where "nobody" discloses
something (for example that no child of a small comune is in care). Secondary suppression then hides
further cells so that no suppressed cell can be recovered from the published ones: see
analysis/disclosure/secondary.py for the algorithm and its guarantee, and audit.py for the check.

The guarantee covers one table with all its totals. Tables that share cells (Ambito × gender and Ambito ×
age band share the Ambito totals) must not be protected one by one, since a total hidden in one may be
published in the other: protect the joint table (Ambito × gender × age band) and publish its slices.
Percentages and rates from derived.py are hidden wherever a count they use is, so they add nothing.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import product

import numpy as np

from analysis.disclosure.secondary import PatternSearch
from analysis.errors import DisclosureSettingsError, TableDefinitionError
from analysis.tables import Dimension, Key, Table

THRESHOLD = 3
SENSITIVE_THRESHOLD = 5


class Status(StrEnum):
    """Why a cell shows its value or not."""

    PUBLISHED = "published"
    PRIMARY = "primary"  # the count itself is under the threshold
    SECONDARY = "secondary"  # hidden so that a primary cell cannot be recovered by differencing
    UNDEFINED = "undefined"  # a rate or percentage with no denominator (only in derived tables)


_CODES = (Status.PUBLISHED, Status.PRIMARY, Status.SECONDARY, Status.UNDEFINED)


@dataclass(frozen=True)
class Rule:
    """The disclosure rule a table was protected with."""

    threshold: int = THRESHOLD
    suppress_zeros: bool = False
    width: int = 1


@dataclass(frozen=True)
class ProtectedCell:
    """One cell as published: its labels, its value (None when hidden) and why."""

    key: Key
    value: float | None
    status: Status

    @property
    def suppressed(self) -> bool:
        return self.status in (Status.PRIMARY, Status.SECONDARY)


@dataclass(frozen=True, eq=False)
class ProtectedTable:
    """A table as it may be published: NaN where hidden, and a status code per cell (see `Status`).

    It holds no hidden value, so whatever renders it (page, CSV, XLSX, API) cannot leak one. Counts come
    from `protect`; percentages, rates and indicators derived from them (derived.py) are ProtectedTables
    too, with their `kind`, so they render the same way.
    """

    dimensions: tuple[Dimension, ...]
    published: np.ndarray
    codes: np.ndarray
    rule: Rule
    kind: str = "count"  # or what a derived table holds: "percent", "rate", an indicator's name

    @property
    def table(self) -> Table:
        """The published values as a Table (NaN where hidden)."""
        return Table(self.dimensions, self.published)

    def cell(self, *key: str) -> ProtectedCell:
        """The cell with these labels, one per dimension (totals by their label, e.g. "Totale")."""
        return self._cell(self.table.position(key))

    def cells(self) -> Iterator[ProtectedCell]:
        """Every cell, totals included, in the order of the dimensions' nodes."""
        keys = product(*(dim.labels for dim in self.dimensions))
        values, codes = self.published.ravel().tolist(), self.codes.ravel().tolist()
        for key, value, code in zip(keys, values, codes, strict=True):
            yield ProtectedCell(key, self._shown(value), _CODES[code])

    def series(self, name: str, fixed: Mapping[str, str] | None = None) -> list[ProtectedCell]:
        """The cells along a dimension's leaves, the other dimensions at their `fixed` label or total."""
        table = self.table
        axis = table.axis(name)
        position = [dim.node(dim.total) for dim in self.dimensions]
        for other, label in (fixed or {}).items():
            position[table.axis(other)] = self.dimensions[table.axis(other)].node(label)
        cells = []
        for leaf in self.dimensions[axis].leaves:
            position[axis] = leaf
            cells.append(self._cell(tuple(position)))
        return cells

    def to_rows(self) -> list[dict[str, object]]:
        """One dict per cell for exports: a column per dimension (and its level if named), value, status."""
        columns = [_label_columns(dim) for dim in self.dimensions]
        rows = []
        for parts, cell in zip(product(*columns), self.cells(), strict=True):
            row: dict[str, object] = {}
            for part in parts:
                row.update(part)
            row["value"] = cell.value
            row["status"] = cell.status.value
            rows.append(row)
        return rows

    def suppressed_keys(self) -> set[Key]:
        return {cell.key for cell in self.cells() if cell.suppressed}

    def _cell(self, position: Sequence[int]) -> ProtectedCell:
        position = tuple(position)
        key = tuple(dim.labels[n] for dim, n in zip(self.dimensions, position, strict=True))
        return ProtectedCell(
            key, self._shown(self.published[position].item()), _CODES[int(self.codes[position])]
        )

    def _shown(self, value: float) -> float | None:
        if math.isnan(value):
            return None
        return int(value) if self.kind == "count" else value


def _label_columns(dim: Dimension) -> list[dict[str, str]]:
    """The export columns of each node: its label, and its level when the dimension names levels."""
    if not dim.levels:
        return [{dim.name: label} for label in dim.labels]
    return [{dim.name: label, f"{dim.name}_level": dim.level(node)} for node, label in enumerate(dim.labels)]


def protect(
    table: Table,
    threshold: int | None = None,
    *,
    sensitive: bool = False,
    suppress_zeros: bool = False,
    width: int = 1,
) -> ProtectedTable:
    """The table with small counts hidden (primary) and enough others (secondary) that none can be recovered.

    threshold: counts 0 < n < threshold are hidden; by default 3, or 5 when `sensitive` (special categories
    of data, court measures). suppress_zeros: hide zeros too (default: publish them). width: every hidden
    cell's value can only be narrowed down to an interval at least this wide by anybody who combines the
    published cells (1: never exactly; a larger width, e.g. the threshold, protects more and hides more).
    """
    rule = Rule(_threshold(threshold, sensitive), suppress_zeros, _width(width))
    values = _counts(table)
    primary = (values > 0) & (values < rule.threshold)
    if suppress_zeros:
        primary |= values == 0
    search = PatternSearch(values, table.dimensions, primary, publish_zeros=not suppress_zeros)
    for target in _targets(values, primary):
        search.cover(target, width)
    codes = np.where(primary, 1, np.where(search.suppressed, 2, 0)).astype(np.int8)
    published = np.where(codes > 0, np.nan, values.astype(float))
    return ProtectedTable(table.dimensions, published, codes, rule)


def _targets(values: np.ndarray, primary: np.ndarray) -> list[tuple[int, ...]]:
    """Primary cells, the smallest first: they constrain their patterns most, so they choose first."""
    cells = [tuple(int(i) for i in position) for position in np.argwhere(primary)]
    return sorted(cells, key=lambda position: (values[position], position))


def _threshold(threshold: int | None, sensitive: bool) -> int:
    chosen = (SENSITIVE_THRESHOLD if sensitive else THRESHOLD) if threshold is None else threshold
    if isinstance(chosen, bool) or not isinstance(chosen, numbers.Integral) or chosen < 1:
        raise DisclosureSettingsError(
            f"La soglia deve essere un numero intero positivo, non {chosen!r}.",
            f"The threshold must be a positive whole number, not {chosen!r}.",
        )
    return int(chosen)


def _width(width: int) -> int:
    if isinstance(width, bool) or not isinstance(width, numbers.Integral) or width < 1:
        raise DisclosureSettingsError(
            f"L'ampiezza di protezione deve essere un numero intero positivo, non {width!r}.",
            f"The protection width must be a positive whole number, not {width!r}.",
        )
    return int(width)


def _counts(table: Table) -> np.ndarray:
    values = np.asarray(table.values)
    whole = np.issubdtype(values.dtype, np.integer) or bool(np.all(np.mod(values, 1) == 0))
    if not whole or np.any(values < 0):
        raise TableDefinitionError(
            "La protezione si applica a conteggi: numeri interi non negativi.",
            "Disclosure control applies to counts: whole numbers that are not negative.",
        )
    return values.astype(np.int64)
