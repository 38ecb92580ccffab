"""Protected tables laid out for reading: a cross-table for pages and reports, and display labels for charts.

    layout = grid(protected)        # rows: every combination of the first dimensions; columns: the last
    for row in layout.rows: row.headings, row.cells

Nodes come in each dimension's tree order, parents first (the total, a province, its Ambiti, the next
province...), with their depth so that a page can indent them. The grid holds the protected cells
themselves, so whatever renders it shows exactly what the protected table publishes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import product

from analysis.disclosure import ProtectedCell, ProtectedTable
from analysis.tables import Dimension


@dataclass(frozen=True)
class Heading:
    """A node of a dimension as a row or column heading."""

    label: str
    depth: int  # 0: the total; 1: the top categories; 2: those below them...
    total: bool  # the total or a subtotal (a node with nodes below it)


@dataclass(frozen=True)
class GridRow:
    headings: tuple[Heading, ...]  # one per row dimension
    cells: tuple[ProtectedCell, ...]  # one per column

    @property
    def total(self) -> bool:
        """A row of totals or subtotals along some row dimension."""
        return any(heading.total for heading in self.headings)


@dataclass(frozen=True)
class Grid:
    """A protected table as a cross-table: the last dimension across, the others down."""

    rows_by: tuple[str, ...]
    columns_by: str | None  # None for a table of one dimension: a single column of values
    columns: tuple[Heading, ...]
    rows: tuple[GridRow, ...]


def grid(protected: ProtectedTable) -> Grid:
    """The table's cells as rows and columns (see the module)."""
    dims = protected.dimensions
    cells = list(protected.cells())  # in array order: the last dimension varies fastest
    if len(dims) == 1:
        rows = tuple(GridRow((_heading(dims[0], node),), (cells[node],)) for node in range(len(cells)))
        return Grid((dims[0].name,), None, (), rows)
    *down, across = dims
    width = len(across.labels)
    found = []
    for row, nodes in enumerate(product(*(range(len(dim.labels)) for dim in down))):
        headings = tuple(_heading(dim, node) for dim, node in zip(down, nodes, strict=True))
        found.append(GridRow(headings, tuple(cells[row * width : (row + 1) * width])))
    columns = tuple(_heading(across, node) for node in range(width))
    return Grid(tuple(dim.name for dim in down), across.name, columns, tuple(found))


def _heading(dim: Dimension, node: int) -> Heading:
    return Heading(dim.labels[node], dim.depths[node], bool(dim.children[node]))


def relabelled(protected: ProtectedTable, labels: Mapping[str, Mapping[str, str]]) -> ProtectedTable:
    """The same table with categories renamed for display (legends, axes): code → label, per dimension.

    A label that another category of the dimension already shows keeps its code beside it, since cells
    are addressed by label and labels must stay distinct.
    """
    dims = []
    for dim in protected.dimensions:
        names = labels.get(dim.name)
        if not names:
            dims.append(dim)
            continue
        shown: list[str] = []
        for label in dim.labels:
            text = names.get(label, label)
            shown.append(text if text not in shown else f"{text} ({label})")
        dims.append(dataclasses.replace(dim, labels=tuple(shown)))
    return dataclasses.replace(protected, dimensions=tuple(dims))
