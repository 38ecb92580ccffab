"""Disclosure control by hand-made tables: which cells are hidden, why, and that none can be worked out."""

import math

import numpy as np
import pytest

from analysis.disclosure import (
    ProtectedTable,
    Rule,
    Status,
    differencing_cells,
    feasible_intervals,
    percentages,
    protect,
    rates,
    recoverable_cells,
)
from analysis.errors import DisclosureSettingsError, StatisticsError, TableDefinitionError
from analysis.tables import Dimension, Table

T = "Totale"


def ambito_by_gender(counts: dict[str, tuple[int, int]]) -> Table:
    ambiti = Dimension.flat("ambito", counts)
    gender = Dimension.flat("gender", ["F", "M"])
    figures = {}
    for ambito, (girls, boys) in counts.items():
        figures[ambito, "F"] = girls
        figures[ambito, "M"] = boys
    return Table.from_leaves([ambiti, gender], figures)


def hidden(protected) -> dict[tuple[str, ...], Status]:
    return {cell.key: cell.status for cell in protected.cells() if cell.suppressed}


def test_one_small_cell_of_a_two_by_two_table_hides_the_other_three_inner_cells():
    table = ambito_by_gender({"A1": (1, 10), "A2": (8, 12)})

    protected = protect(table)

    assert hidden(protected) == {
        ("A1", "F"): Status.PRIMARY,
        ("A1", "M"): Status.SECONDARY,
        ("A2", "F"): Status.SECONDARY,
        ("A2", "M"): Status.SECONDARY,
    }
    assert [protected.cell(a, T).value for a in ("A1", "A2", T)] == [11, 20, 31]
    assert recoverable_cells(protected) == set()


def test_the_hidden_cells_keep_a_wide_range_for_an_intruder():
    protected = protect(ambito_by_gender({"A1": (1, 10), "A2": (8, 12)}))

    intervals = feasible_intervals(protected)

    assert intervals["A1", "F"] == pytest.approx((0.0, 9.0))
    assert intervals["A2", "M"] == pytest.approx((11.0, 20.0))


def test_a_row_with_one_small_cell_hides_its_smallest_other_cell_not_the_total():
    table = Table.from_leaves(
        [Dimension.flat("servizio", ["a", "b", "c"])], {("a",): 1, ("b",): 10, ("c",): 12}
    )

    protected = protect(table)

    assert hidden(protected) == {("a",): Status.PRIMARY, ("b",): Status.SECONDARY}
    assert protected.cell(T).value == 23
    assert differencing_cells(protected) == set()


def test_when_the_only_complements_are_zeros_totals_are_hidden_instead():
    table = ambito_by_gender({"A1": (1, 5), "A2": (0, 9)})

    protected = protect(table)

    assert hidden(protected) == {
        ("A1", "F"): Status.PRIMARY,
        (T, "F"): Status.PRIMARY,
        ("A1", "M"): Status.SECONDARY,
        (T, "M"): Status.SECONDARY,
    }
    assert protected.cell("A2", "F").value == 0
    assert recoverable_cells(protected) == set()


def test_zeros_are_published_and_never_hidden_as_complements():
    table = ambito_by_gender({"A1": (1, 0), "A2": (0, 12), "A3": (9, 5)})

    protected = protect(table)

    assert protected.cell("A1", "M") == protected.cell("A1", "M").__class__(("A1", "M"), 0, Status.PUBLISHED)
    assert all(protected.cell(*key).value is None for key in hidden(protected))
    assert not any(cell.value == 0 and cell.suppressed for cell in protected.cells())
    assert recoverable_cells(protected) == set()


def test_zeros_can_be_hidden_as_well():
    table = ambito_by_gender({"A1": (0, 7), "A2": (6, 12), "A3": (9, 5)})

    protected = protect(table, suppress_zeros=True)

    assert protected.cell("A1", "F").status == Status.PRIMARY
    assert protected.cell("A1", "F").value is None
    assert recoverable_cells(protected) == set()


def test_comuni_that_add_up_to_ambiti_are_protected_at_every_level():
    territory = Dimension.tree(
        "territorio",
        [("LE", "LE-1", "c1"), ("LE", "LE-1", "c2"), ("LE", "LE-2", "c3"), ("LE", "LE-2", "c4")],
        levels=("regione", "provincia", "ambito", "comune"),
    )
    table = Table.from_leaves([territory], {("c1",): 1, ("c2",): 1, ("c3",): 8, ("c4",): 12})

    protected = protect(table)

    assert hidden(protected) == {
        ("c1",): Status.PRIMARY,
        ("c2",): Status.PRIMARY,
        ("LE-1",): Status.PRIMARY,
        ("LE-2",): Status.SECONDARY,
        ("c3",): Status.SECONDARY,
    }
    assert protected.cell("LE").value == 22
    assert recoverable_cells(protected) == set()


def test_a_hierarchical_table_by_gender_leaves_nothing_recoverable():
    territory = Dimension.tree(
        "territorio", [("LE-1", "c1"), ("LE-1", "c2"), ("LE-1", "c3"), ("LE-2", "c4"), ("LE-2", "c5")]
    )
    gender = Dimension.flat("gender", ["F", "M"])
    counts = {"c1": (1, 4), "c2": (6, 0), "c3": (7, 9), "c4": (2, 2), "c5": (11, 13)}
    figures = {(c, g): n for c, pair in counts.items() for g, n in zip("FM", pair, strict=True)}

    protected = protect(Table.from_leaves([territory, gender], figures))

    assert {("c1", "F"), ("c4", "F"), ("c4", "M")} <= set(hidden(protected))
    assert differencing_cells(protected) == set()
    assert recoverable_cells(protected) == set()


def test_sensitive_tables_hide_counts_under_five():
    table = ambito_by_gender({"A1": (4, 10), "A2": (8, 12)})

    ordinary, sensitive = protect(table), protect(table, sensitive=True)

    assert ordinary.cell("A1", "F").value == 4
    assert sensitive.cell("A1", "F").status == Status.PRIMARY
    assert sensitive.rule.threshold == 5


def test_an_explicit_threshold_wins_over_the_sensitive_default():
    table = ambito_by_gender({"A1": (6, 10), "A2": (8, 12)})

    protected = protect(table, threshold=7, sensitive=True)

    assert protected.cell("A1", "F").status == Status.PRIMARY


def test_a_wider_protection_keeps_every_hidden_cell_in_an_interval_at_least_that_wide():
    table = ambito_by_gender({"A1": (1, 2), "A2": (2, 12), "A3": (9, 1)})

    protected = protect(table, width=3)

    assert all(high - low >= 3 - 1e-9 for low, high in feasible_intervals(protected).values())
    assert recoverable_cells(protected) == set()


def test_rates_per_thousand_are_hidden_with_their_counts():
    protected = protect(ambito_by_gender({"A1": (1, 10), "A2": (8, 12)}))
    population = Table.from_leaves([Dimension.flat("ambito", ["A1", "A2"])], {("A1",): 2000, ("A2",): 4000})

    per_thousand = rates(protected, population)

    assert per_thousand.cell("A1", "F").value is None
    assert per_thousand.cell("A1", "F").status == Status.PRIMARY
    assert per_thousand.cell("A2", "F").status == Status.SECONDARY
    assert per_thousand.cell("A1", T).value == pytest.approx(5.5)
    assert per_thousand.cell(T, T).value == pytest.approx(31 / 6000 * 1000)


def test_a_rate_without_a_population_figure_is_undefined():
    protected = protect(ambito_by_gender({"A1": (5, 10), "A2": (8, 12)}))
    population = Table.from_leaves([Dimension.flat("ambito", ["A1"])], {("A1",): 2000})

    per_thousand = rates(protected, population)

    assert per_thousand.cell("A2", "F").status == Status.UNDEFINED
    assert per_thousand.cell("A1", "F").value == pytest.approx(2.5)


def test_percentages_are_hidden_when_their_count_or_their_total_is():
    table = ambito_by_gender({"A1": (1, 1), "A2": (8, 12), "A3": (10, 10)})
    protected = protect(table)

    shares = percentages(protected, along="gender")

    assert protected.cell("A1", T).status == Status.PRIMARY
    assert shares.cell("A1", "F").value is None
    assert shares.cell("A3", "F").value == pytest.approx(50.0)
    assert shares.cell(T, T).value == pytest.approx(100.0)


def test_percentages_of_the_grand_total():
    protected = protect(ambito_by_gender({"A1": (5, 5), "A2": (5, 5)}))

    shares = percentages(protected)

    assert shares.cell("A1", "F").value == pytest.approx(25.0)


def test_rows_for_export_carry_every_cell_with_its_status():
    protected = protect(ambito_by_gender({"A1": (1, 10), "A2": (8, 12)}))

    rows = protected.to_rows()

    assert len(rows) == 9
    assert rows[0] == {"ambito": T, "gender": T, "value": 31, "status": "published"}
    assert {"ambito": "A1", "gender": "F", "value": None, "status": "primary"} in rows


def test_rows_name_the_level_of_hierarchical_labels():
    territory = Dimension.tree(
        "territorio", [("LE-1", "c1"), ("LE-1", "c2")], levels=("regione", "ambito", "comune")
    )

    rows = protect(Table.from_leaves([territory], {("c1",): 5, ("c2",): 7})).to_rows()

    assert [row["territorio_level"] for row in rows] == ["regione", "ambito", "comune", "comune"]


def test_a_series_follows_one_dimension_at_the_totals_of_the_others():
    protected = protect(ambito_by_gender({"A1": (1, 10), "A2": (8, 12)}))

    by_ambito = protected.series("ambito")
    girls = protected.series("ambito", {"gender": "F"})

    assert [cell.value for cell in by_ambito] == [11, 20]
    assert [cell.status for cell in girls] == [Status.PRIMARY, Status.SECONDARY]


def test_a_table_with_no_small_count_is_published_whole():
    protected = protect(ambito_by_gender({"A1": (3, 10), "A2": (8, 12)}))

    assert hidden(protected) == {}
    assert not np.isnan(protected.published).any()


@pytest.mark.parametrize("threshold", [0, -1, 2.5, True])
def test_a_threshold_must_be_a_positive_whole_number(threshold):
    table = ambito_by_gender({"A1": (3, 10)})

    with pytest.raises(DisclosureSettingsError, match="soglia .* / The threshold"):
        protect(table, threshold=threshold)


def test_negative_or_fractional_counts_are_refused():
    dim = Dimension.flat("x", ["a", "b"])

    for figures in ({("a",): -1, ("b",): 4}, {("a",): 1.5, ("b",): 4.0}):
        with pytest.raises(TableDefinitionError, match="conteggi"):
            protect(Table.from_leaves([dim], figures))


def test_errors_speak_italian_then_english():
    with pytest.raises(StatisticsError) as raised:
        protect(ambito_by_gender({"A1": (3, 10)}), width=0)

    assert raised.value.italian.startswith("L'ampiezza")
    assert raised.value.english.startswith("The protection width")


def test_hidden_cells_have_no_value_anywhere_in_the_protected_table():
    table = ambito_by_gender({"A1": (1, 10), "A2": (8, 12)})

    protected = protect(table)

    assert math.isnan(protected.published[1, 1])
    assert not hasattr(protected, "values")


def hand_protected(table: Table, hidden_keys: set[tuple[str, ...]]) -> ProtectedTable:
    """A table with exactly these cells hidden, as a careless suppression might leave it."""
    published = table.values.astype(float)
    codes = np.zeros(table.values.shape, dtype=np.int8)
    for key in hidden_keys:
        published[table.position(key)] = np.nan
        codes[table.position(key)] = 1
    return ProtectedTable(table.dimensions, published, codes, Rule())


def test_the_audit_finds_a_cell_left_alone_in_its_row():
    table = ambito_by_gender({"A1": (1, 10), "A2": (8, 12)})

    careless = hand_protected(table, {("A1", "F")})

    assert differencing_cells(careless) == {("A1", "F")}
    assert recoverable_cells(careless) == {("A1", "F")}


def test_the_audit_finds_a_cell_pinned_although_every_row_and_column_hides_two():
    rows, cols = Dimension.flat("r", ["r1", "r2", "r3", "r4"]), Dimension.flat("c", ["c1", "c2", "c3", "c4"])
    table = Table.from_leaves([rows, cols], {(r, c): 7 for r in rows.labels[1:] for c in cols.labels[1:]})
    square = {(r, c) for r in ("r1", "r2") for c in ("c1", "c2")} | {
        (r, c) for r in ("r3", "r4") for c in ("c3", "c4")
    }

    careless = hand_protected(table, square | {("r1", "c3")})  # a bridge between two closed squares

    assert differencing_cells(careless) == set()
    assert recoverable_cells(careless) == {("r1", "c3")}


def test_the_audit_can_ask_for_a_wider_interval():
    protected = protect(ambito_by_gender({"A1": (1, 10), "A2": (8, 12)}))

    assert recoverable_cells(protected, width=10) == {("A1", "F"), ("A1", "M"), ("A2", "F"), ("A2", "M")}
