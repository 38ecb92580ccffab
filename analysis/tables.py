"""Tables of counts or sums over dimensions, with every total and subtotal: what disclosure control protects.

A `Dimension` is a tree whose root is the total and whose leaves are the finest categories; a flat one
(gender, service type) has only leaves under its total, a territorial one has levels in between (province →
Ambito → comune). A `Table` holds one figure for every combination of nodes, totals included, so that every
internal node is the sum of its children along each dimension: these are the additive relations that an
intruder can use for differencing, and that disclosure control must respect.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from analysis.errors import TableDefinitionError

TOTAL = "Totale"

Key = tuple[str, ...]


@dataclass(frozen=True)
class Dimension:
    """A dimension as a tree listed parents first: node 0 is the total, `parents[i]` is node i's parent.

    `levels` optionally names the depths, from the total down (for example ("regione", "provincia",
    "ambito")); labels must be unique within the dimension, because cells are addressed by label.
    """

    name: str
    labels: tuple[str, ...]
    parents: tuple[int, ...]
    levels: tuple[str, ...] = ()

    @classmethod
    def flat(cls, name: str, categories: Iterable[str], total: str = TOTAL) -> Dimension:
        """A total with the categories below it, in the order given."""
        return cls.tree(name, ((category,) for category in categories), total)

    @classmethod
    def tree(
        cls, name: str, paths: Iterable[Sequence[str]], total: str = TOTAL, levels: Sequence[str] = ()
    ) -> Dimension:
        """A hierarchy from root-to-leaf paths below the total, e.g. ("075", "LE-03", "075035").

        Children keep the order in which they first appear.
        """
        children: dict[str, list[str]] = {total: []}
        parent_of: dict[str, str] = {}
        for path in paths:
            above = total
            for label in path:
                label = str(label)
                known = parent_of.get(label)
                if label == total or (known is not None and known != above):
                    raise TableDefinitionError(
                        f"La voce {label!r} compare due volte nella dimensione {name!r}.",
                        f"The label {label!r} appears twice in the dimension {name!r}.",
                    )
                if known is None:
                    parent_of[label] = above
                    children[above].append(label)
                    children[label] = []
                above = label
        labels: list[str] = []
        parents: list[int] = []
        stack: list[tuple[str, int]] = [(total, -1)]
        while stack:
            label, parent = stack.pop()
            labels.append(label)
            parents.append(parent)
            here = len(labels) - 1
            stack.extend((child, here) for child in reversed(children[label]))
        return cls(name, tuple(labels), tuple(parents), tuple(levels))

    @property
    def total(self) -> str:
        return self.labels[0]

    @cached_property
    def index(self) -> dict[str, int]:
        return {label: node for node, label in enumerate(self.labels)}

    @cached_property
    def children(self) -> tuple[tuple[int, ...], ...]:
        found: list[list[int]] = [[] for _ in self.labels]
        for node, parent in enumerate(self.parents):
            if parent >= 0:
                found[parent].append(node)
        return tuple(tuple(nodes) for nodes in found)

    @cached_property
    def depths(self) -> tuple[int, ...]:
        depths = [0] * len(self.labels)
        for node in range(1, len(self.labels)):
            depths[node] = depths[self.parents[node]] + 1
        return tuple(depths)

    @cached_property
    def leaves(self) -> tuple[int, ...]:
        return tuple(node for node, below in enumerate(self.children) if not below)

    @cached_property
    def leaves_below(self) -> tuple[tuple[int, ...], ...]:
        """For each node, the leaves at or below it, in order."""
        found: list[list[int]] = [[] for _ in self.labels]
        for leaf in self.leaves:
            for node in self.path_up(leaf):
                found[node].append(leaf)
        return tuple(tuple(nodes) for nodes in found)

    @cached_property
    def membership(self) -> np.ndarray:
        """A (nodes × leaves) 0/1 matrix: which leaves add up to each node."""
        matrix = np.zeros((len(self.labels), len(self.leaves)), dtype=np.int64)
        column = {leaf: n for n, leaf in enumerate(self.leaves)}
        for node, leaves in enumerate(self.leaves_below):
            matrix[node, [column[leaf] for leaf in leaves]] = 1
        return matrix

    def path_up(self, node: int) -> list[int]:
        """The node, its parent and so on up to the total."""
        path = [node]
        while self.parents[path[-1]] >= 0:
            path.append(self.parents[path[-1]])
        return path

    def level(self, node: int) -> str:
        """The name of the node's level, or "" when levels are not named."""
        depth = self.depths[node]
        return self.levels[depth] if depth < len(self.levels) else ""

    def node(self, label: str) -> int:
        try:
            return self.index[str(label)]
        except KeyError:
            raise TableDefinitionError(
                f"La voce {label!r} non fa parte della dimensione {self.name!r}.",
                f"The label {label!r} is not part of the dimension {self.name!r}.",
            ) from None


@dataclass(frozen=True, eq=False)
class Table:
    """One figure for every combination of nodes of the dimensions: `values[i, j, ...]`, totals included."""

    dimensions: tuple[Dimension, ...]
    values: np.ndarray

    @classmethod
    def from_leaves(
        cls, dimensions: Sequence[Dimension], figures: Mapping[Key, float] | Iterable[tuple[Key, float]]
    ) -> Table:
        """The table whose leaf cells hold `figures` (missing ones are 0), with every total added up."""
        dimensions = tuple(dimensions)
        _check_names(dimensions)
        columns = [{leaf: n for n, leaf in enumerate(dim.leaves)} for dim in dimensions]
        items = list(figures.items() if isinstance(figures, Mapping) else figures)
        exact = all(isinstance(value, int | np.integer) for _, value in items)
        leaf_values = np.zeros([len(dim.leaves) for dim in dimensions], np.int64 if exact else np.float64)
        for key, value in items:
            leaf_values[_leaf_position(dimensions, columns, key)] += value
        return cls(dimensions, add_totals(leaf_values, dimensions))

    @property
    def shape(self) -> tuple[int, ...]:
        return self.values.shape

    def axis(self, name: str) -> int:
        """The position of the dimension called `name`."""
        for axis, dim in enumerate(self.dimensions):
            if dim.name == name:
                return axis
        raise TableDefinitionError(
            f"La tabella non ha la dimensione {name!r}.", f"The table has no dimension {name!r}."
        )

    def position(self, key: Sequence[str]) -> tuple[int, ...]:
        """The array position of the cell with these labels, one per dimension."""
        if len(key) != len(self.dimensions):
            raise TableDefinitionError(
                f"Servono {len(self.dimensions)} voci per individuare una cella, non {len(key)}.",
                f"A cell needs {len(self.dimensions)} labels, not {len(key)}.",
            )
        return tuple(dim.node(label) for dim, label in zip(self.dimensions, key, strict=True))

    def key(self, position: Sequence[int]) -> Key:
        return tuple(dim.labels[n] for dim, n in zip(self.dimensions, position, strict=True))

    def __getitem__(self, key: Sequence[str]) -> float:
        return self.values[self.position(key)].item()

    def items(self) -> Iterator[tuple[Key, float]]:
        """Every cell, totals included, in array order."""
        for position in np.ndindex(self.values.shape):
            yield self.key(position), self.values[position].item()


def add_totals(leaf_values: np.ndarray, dimensions: Sequence[Dimension]) -> np.ndarray:
    """From an array over leaves to one over all nodes: each internal node is the sum of its leaves."""
    values = leaf_values
    for axis, dim in enumerate(dimensions):
        values = np.moveaxis(np.tensordot(dim.membership, values, axes=([1], [axis])), 0, axis)
    return values


def relations(dimensions: Sequence[Dimension]) -> Iterator[tuple[np.ndarray, list[np.ndarray]]]:
    """The additive relations of a table: (flat indices of totals, flat indices of their parts).

    For each dimension and each internal node, value[total[k]] == Σ_i value[parts[i][k]] for every k.
    """
    shape = tuple(len(dim.labels) for dim in dimensions)
    flat = np.arange(int(np.prod(shape))).reshape(shape)
    for axis, dim in enumerate(dimensions):
        for node, below in enumerate(dim.children):
            if below:
                total = np.take(flat, node, axis=axis).ravel()
                yield total, [np.take(flat, child, axis=axis).ravel() for child in below]


def _check_names(dimensions: Sequence[Dimension]) -> None:
    names = [dim.name for dim in dimensions]
    if not names or len(set(names)) != len(names):
        raise TableDefinitionError(
            f"Una tabella ha almeno una dimensione e nomi tutti diversi, non {names}.",
            f"A table has at least one dimension and distinct names, not {names}.",
        )


def _leaf_position(
    dimensions: Sequence[Dimension], columns: list[dict[int, int]], key: Key
) -> tuple[int, ...]:
    if len(key) != len(dimensions):
        raise TableDefinitionError(
            f"La chiave {key!r} non ha una voce per ciascuna delle {len(dimensions)} dimensioni.",
            f"The key {key!r} does not have one label for each of the {len(dimensions)} dimensions.",
        )
    position = []
    for dim, column, label in zip(dimensions, columns, key, strict=True):
        leaf = column.get(dim.node(label))
        if leaf is None:
            raise TableDefinitionError(
                f"{label!r} è un totale della dimensione {dim.name!r}: i dati vanno sulle voci di dettaglio.",
                f"{label!r} is a total of the dimension {dim.name!r}: figures go on the finest categories.",
            )
        position.append(leaf)
    return tuple(position)
