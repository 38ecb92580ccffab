"""Counts and sums of records by any combination of breakdowns, with every total and subtotal, in one pass.

Records are plain dicts keyed by field name (a submission's JSON projection, a case-intervention row, or a
row already counted by SQL with its count in a `weight` field). Fields are matched by name, so records
from different versions of a form aggregate together: a field a version lacks reads as missing.

    table = count_table(records, [ByTerritory(("ambito",)), ByField("gender"), ByAgeBand(reference=day)])
    protected = protect(table)

One pass keeps a dict from the tuple of leaf labels to running sums, then `Table.from_leaves` adds up every
total and subtotal along the dimensions' trees (comune → Ambito → province → region). The records can be
any iterable, a server-side cursor included, and are not kept. Measured on a million dict records, the
dict pass takes about a second where pandas needs more than that just to build its DataFrame; for data
in a database, let SQL do the GROUP BY and pass its rows with `weight="n"` (bench/bench_aggregate.py).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from analysis.errors import RecordError
from analysis.periods import MISSING, ByAgeBand, ByPeriod
from analysis.tables import TOTAL, Dimension, Key, Table

__all__ = [
    "MISSING",
    "Breakdown",
    "ByAgeBand",
    "ByField",
    "ByPeriod",
    "ByTerritory",
    "Measure",
    "Tabulation",
    "count_table",
    "population_table",
    "tabulate",
]


class Breakdown(Protocol):
    """One dimension of a table: a name, the leaf category of a record, and the tree of categories."""

    name: str

    def classify(self, record: Mapping[str, object]) -> str: ...

    def path(self, record: Mapping[str, object]) -> tuple[str, ...]: ...

    def dimension(self, paths: Iterable[tuple[str, ...]]) -> Dimension: ...


@dataclass(frozen=True)
class ByField:
    """Categories of one field (gender, service type, agency): declared ones first, in their order."""

    name: str
    field: str | None = None
    categories: Sequence[str] = ()
    total: str = TOTAL

    def classify(self, record: Mapping[str, object]) -> str:
        value = record.get(self.field or self.name)
        return MISSING if value is None or value == "" else str(value)

    def path(self, record: Mapping[str, object]) -> tuple[str, ...]:
        return (self.classify(record),)

    def dimension(self, paths: Iterable[tuple[str, ...]]) -> Dimension:
        return Dimension.flat(self.name, ordered(self.categories, (path[-1] for path in paths)), self.total)


@dataclass(frozen=True)
class ByTerritory:
    """A territorial hierarchy by the codes a record carries at each level, e.g. ("provincia", "ambito").

    The last level is the finest. `units` (mappings from level to code, e.g. the rows of a territory list)
    adds the units with no record, so their zeros are published, and the upper levels of records that only
    carry the finest code. A record without the finest code is counted under MISSING, below the total.
    """

    levels: tuple[str, ...]
    units: Sequence[Mapping[str, str]] = ()
    name: str = "territorio"
    total: str = TOTAL
    total_level: str = "totale"

    def classify(self, record: Mapping[str, object]) -> str:
        code = record.get(self.levels[-1])
        return MISSING if code is None or code == "" else str(code)

    def path(self, record: Mapping[str, object]) -> tuple[str, ...]:
        leaf = self.classify(record)
        if leaf == MISSING:
            return (MISSING,)
        known = self._paths.get(leaf)
        if known is not None:
            return known
        codes = [record.get(level) for level in self.levels]
        if any(code is None or code == "" for code in codes):
            raise RecordError(
                f"Il territorio {leaf!r} non ha il codice di tutti i livelli {list(self.levels)}.",
                f"The territory {leaf!r} lacks the code of some of the levels {list(self.levels)}.",
            )
        return tuple(str(code) for code in codes)

    def dimension(self, paths: Iterable[tuple[str, ...]]) -> Dimension:
        found = list(self._paths.values())
        found += sorted(set(paths) - set(found), key=lambda path: (path == (MISSING,), path))
        return Dimension.tree(self.name, found, self.total, (self.total_level, *self.levels))

    @property
    def _paths(self) -> dict[str, tuple[str, ...]]:
        return {
            str(unit[self.levels[-1]]): tuple(str(unit[level]) for level in self.levels)
            for unit in self.units
        }


@dataclass(frozen=True)
class Measure:
    """What a cell adds up: records (field None) or a numeric field, over the records that pass `where`.

    `where` maps a field to its allowed values; a record passes when every such field holds one of them
    (for a list answer, such as a select_multiple, when any of its values is allowed).
    """

    field: str | None = None
    where: Mapping[str, Collection[object]] = dataclasses.field(default_factory=dict)

    def matches(self, record: Mapping[str, object]) -> bool:
        for name, allowed in self.where.items():
            value = record.get(name)
            if isinstance(value, list | tuple | set | frozenset):
                if not any(item in allowed for item in value):
                    return False
            elif value not in allowed:
                return False
        return True

    def amount(self, record: Mapping[str, object]) -> float | None:
        """The record's contribution: 1 for a count, the field's number for a sum, None when it is empty."""
        if self.field is None:
            return 1
        value = record.get(self.field)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            try:
                return float(str(value))
            except ValueError:
                raise RecordError(
                    f"Il campo {self.field!r} vale {value!r}, che non è un numero.",
                    f"The field {self.field!r} holds {value!r}, which is not a number.",
                ) from None
        return value


@dataclass(frozen=True)
class Tabulation:
    """Per measure: the table of sums (of records or of a field) and the table of contributing records."""

    sums: dict[str, Table]
    counts: dict[str, Table]


def tabulate(
    records: Iterable[Mapping[str, object]],
    by: Sequence[Breakdown],
    measures: Mapping[str, Measure],
    *,
    weight: str | None = None,
) -> Tabulation:
    """One pass over the records: every measure by every combination of the breakdowns' categories.

    weight: the field holding how many records a row stands for (rows counted by SQL's GROUP BY); it
    multiplies counts, while a sum adds the row's field as it is (already summed by SQL).
    """
    classify = [breakdown.classify for breakdown in by]
    first: dict[Key, Mapping[str, object]] = {}  # a record per key, to read the hierarchy of its labels
    if all(measure.field is None and not measure.where for measure in measures.values()):
        tally: defaultdict[Key, int] = defaultdict(int)
        for record in records:  # the common case, kept lean: counts of every record
            key = tuple([label(record) for label in classify])
            if key not in tally:
                first[key] = record
            tally[key] += 1 if weight is None else _weight(record, weight)
        sums: Mapping[str, Mapping[Key, float]] = dict.fromkeys(measures, tally)
        counts: Mapping[str, Mapping[Key, float]] = sums
    else:
        sums, counts = _measured(records, classify, measures, weight, first)
    dims = _dimensions(by, first)
    return Tabulation(
        {name: Table.from_leaves(dims, dict(values)) for name, values in sums.items()},
        {name: Table.from_leaves(dims, dict(values)) for name, values in counts.items()},
    )


def _measured(
    records: Iterable[Mapping[str, object]],
    classify: list[Callable[[Mapping[str, object]], str]],
    measures: Mapping[str, Measure],
    weight: str | None,
    first: dict[Key, Mapping[str, object]],
) -> tuple[dict[str, defaultdict[Key, float]], dict[str, defaultdict[Key, float]]]:
    """The general pass: each measure's filter, field and weight."""
    sums: dict[str, defaultdict[Key, float]] = {name: defaultdict(int) for name in measures}
    counts: dict[str, defaultdict[Key, float]] = {name: defaultdict(int) for name in measures}
    for record in records:
        key = tuple([label(record) for label in classify])
        if key not in first:
            first[key] = record
        times = _weight(record, weight)
        for name, measure in measures.items():
            if measure.matches(record):
                amount = measure.amount(record)
                if amount is not None:
                    sums[name][key] += amount * times if measure.field is None else amount
                    counts[name][key] += times
    return sums, counts


def _dimensions(by: Sequence[Breakdown], first: Mapping[Key, Mapping[str, object]]) -> list[Dimension]:
    """Each breakdown's tree, from the path of every label found (read from the first record with it)."""
    seen: list[dict[str, tuple[str, ...]]] = [{} for _ in by]
    for key, record in first.items():
        for breakdown, paths, label in zip(by, seen, key, strict=True):
            if label not in paths:
                paths[label] = breakdown.path(record)
    return [breakdown.dimension(paths.values()) for breakdown, paths in zip(by, seen, strict=True)]


def count_table(
    records: Iterable[Mapping[str, object]],
    by: Sequence[Breakdown],
    *,
    where: Mapping[str, Collection[object]] | None = None,
    weight: str | None = None,
) -> Table:
    """How many records fall in each combination of categories (optionally only those passing `where`)."""
    return tabulate(records, by, {"n": Measure(where=where or {})}, weight=weight).counts["n"]


def population_table(table: Table, names: Sequence[str], figures: Mapping[Key, float]) -> Table:
    """Population figures (e.g. residents aged 0-17) over some of a table's dimensions, for `rates`.

    figures: one number per combination of leaf labels of those dimensions, in the order of `names`;
    figures of units the table does not have are left out (a population list may cover more territory).
    """
    dims = [table.dimensions[table.axis(name)] for name in names]
    known = {key: value for key, value in figures.items() if _all_leaves(dims, key)}
    return Table.from_leaves(dims, known)


def ordered(declared: Sequence[str], found: Iterable[str]) -> list[str]:
    """Declared categories in their order, then the others found, sorted, with MISSING last."""
    extra = set(found) - set(declared)
    return [*declared, *sorted(extra, key=lambda label: (label == MISSING, label))]


def _weight(record: Mapping[str, object], weight: str | None) -> int:
    if weight is None:
        return 1
    value = record.get(weight)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RecordError(
            f"Il peso {weight!r} vale {value!r}: serve un numero intero non negativo.",
            f"The weight {weight!r} holds {value!r}: it must be a whole number, not negative.",
        )
    return value


def _all_leaves(dims: Sequence[Dimension], key: Key) -> bool:
    """Whether every label names a leaf; a key of the wrong length passes, for from_leaves to refuse."""
    if len(key) != len(dims):
        return True
    nodes = [dim.index.get(str(label)) for dim, label in zip(dims, key, strict=True)]
    return all(node is not None and not dim.children[node] for dim, node in zip(dims, nodes, strict=True))
