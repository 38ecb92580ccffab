"""Disclosure control on many random tables: nothing small is published, nothing hidden can be worked out."""

from itertools import product

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.disclosure import differencing_cells, feasible_intervals, protect
from analysis.tables import Dimension, Table

# Mostly small counts, with zeros and some large ones: the cases where suppression has work to do.
COUNTS = st.one_of(st.integers(0, 4), st.integers(0, 4), st.integers(0, 60))
RULES = st.fixed_dictionaries(
    {
        "threshold": st.sampled_from([3, 5]),
        "suppress_zeros": st.booleans(),
        "width": st.sampled_from([1, 1, 3]),
    }
)
SETTINGS = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def flat_dimension(name: str, size: int) -> Dimension:
    return Dimension.flat(name, [f"{name}{n}" for n in range(size)])


@st.composite
def tree_dimension(draw) -> Dimension:
    """Up to three levels under the total: groups of sub-groups of leaves, some with a single child."""
    paths = []
    for g in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            paths += [(f"g{g}", f"g{g}l{n}") for n in range(draw(st.integers(1, 3)))]
        else:
            for s in range(draw(st.integers(1, 2))):
                paths += [(f"g{g}", f"g{g}s{s}", f"g{g}s{s}l{n}") for n in range(draw(st.integers(1, 2)))]
    return Dimension.tree("territorio", paths)


@st.composite
def tables(draw, dimensions) -> Table:
    dims = draw(dimensions)
    leaves = [[dim.labels[n] for n in dim.leaves] for dim in dims]
    return Table.from_leaves(dims, {key: draw(COUNTS) for key in product(*leaves)})


def flat(*max_sizes: int):
    return st.tuples(*(st.integers(1, size) for size in max_sizes)).map(
        lambda sizes: [flat_dimension(f"d{n}", size) for n, size in enumerate(sizes)]
    )


def hierarchical():
    return st.tuples(tree_dimension(), st.integers(1, 3)).map(
        lambda pair: [pair[0], flat_dimension("g", pair[1])]
    )


def assert_safe(table: Table, rule: dict) -> None:
    protected = protect(table, **rule)
    values = table.values
    shown = ~np.isnan(protected.published)
    small = (
        (values < rule["threshold"])
        if rule["suppress_zeros"]
        else (values > 0) & (values < rule["threshold"])
    )

    assert not (shown & small).any(), "a count under the threshold is published"
    assert np.array_equal(protected.published[shown], values[shown]), "a published count is not the true one"
    if not rule["suppress_zeros"]:
        assert shown[values == 0].all(), "a zero is hidden although zeros are published"
    assert differencing_cells(protected) == set()
    for key, (low, high) in feasible_intervals(protected).items():
        assert high - low >= rule["width"] - 1e-6, f"{key} can be narrowed to [{low}, {high}]"
        assert low - 1e-6 <= table[key] <= high + 1e-6


@settings(SETTINGS, max_examples=150)
@given(tables(flat(5, 5)), RULES)
def test_two_way_tables_with_totals_publish_nothing_small_and_nothing_recoverable(table, rule):
    assert_safe(table, rule)


@settings(SETTINGS, max_examples=60)
@given(tables(flat(3, 3, 3)), RULES)
def test_three_way_tables_with_all_margins_publish_nothing_small_and_nothing_recoverable(table, rule):
    assert_safe(table, rule)


@settings(SETTINGS, max_examples=80)
@given(tables(hierarchical()), RULES)
def test_hierarchical_territory_tables_publish_nothing_small_and_nothing_recoverable(table, rule):
    assert_safe(table, rule)


@settings(SETTINGS, max_examples=60)
@given(tables(flat(6)), RULES)
def test_one_way_tables_publish_nothing_small_and_nothing_recoverable(table, rule):
    assert_safe(table, rule)
