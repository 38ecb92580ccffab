"""Protected tables laid out as cross-tables, and relabelled for charts."""

from analysis.disclosure import protect
from analysis.stat_layout import grid, relabelled
from analysis.tables import Dimension, Table

AMBITI = Dimension.tree(
    "ambito", [("075", "LE-1"), ("075", "LE-2"), ("072", "BA-1")], levels=("totale", "provincia", "ambito")
)
SEX = Dimension.flat("sesso", ["m", "f"])


def by_ambito_and_sex():
    figures = {("LE-1", "m"): 9, ("LE-1", "f"): 2, ("LE-2", "m"): 7, ("LE-2", "f"): 8, ("BA-1", "m"): 6}
    figures[("BA-1", "f")] = 5
    return protect(Table.from_leaves([AMBITI, SEX], figures))


def test_the_last_dimension_goes_across_and_the_others_down_in_tree_order():
    layout = grid(by_ambito_and_sex())

    assert layout.rows_by == ("ambito",) and layout.columns_by == "sesso"
    assert [column.label for column in layout.columns] == ["Totale", "m", "f"]
    assert [row.headings[0].label for row in layout.rows] == ["Totale", "075", "LE-1", "LE-2", "072", "BA-1"]
    assert [row.headings[0].depth for row in layout.rows] == [0, 1, 2, 2, 1, 2]
    assert [row.total for row in layout.rows] == [True, True, False, False, True, False]


def test_the_grid_holds_the_protected_cells_themselves():
    protected = by_ambito_and_sex()

    layout = grid(protected)

    lecce = next(row for row in layout.rows if row.headings[0].label == "LE-1")
    assert lecce.cells[2] == protected.cell("LE-1", "f")
    assert lecce.cells[2].value is None and lecce.cells[2].suppressed
    assert [cell for row in layout.rows for cell in row.cells] == list(protected.cells())


def test_a_table_of_one_dimension_is_a_single_column():
    protected = protect(Table.from_leaves([SEX], {("m",): 10, ("f",): 12}))

    layout = grid(protected)

    assert layout.columns_by is None and layout.columns == ()
    assert [(row.headings[0].label, row.cells[0].value) for row in layout.rows] == [
        ("Totale", 22),
        ("m", 10),
        ("f", 12),
    ]


def test_three_dimensions_put_every_combination_of_the_first_two_down():
    period = Dimension.flat("periodo", ["2024", "2025"])
    table = Table.from_leaves(
        [period, SEX, Dimension.flat("stato", ["aperta"])], {("2024", "m", "aperta"): 4}
    )

    layout = grid(protect(table))

    assert len(layout.rows) == 3 * 3 and len(layout.columns) == 2
    assert layout.rows[4].headings[0].label == "2024" and layout.rows[4].headings[1].label == "m"


def test_relabelled_tables_show_labels_and_keep_them_distinct():
    shown = relabelled(by_ambito_and_sex(), {"sesso": {"m": "Maschi", "f": "Maschi", "Totale": "Total"}})

    assert shown.dimensions[1].labels == ("Total", "Maschi", "Maschi (f)")
    assert shown.dimensions[0] == AMBITI
    assert shown.cell("BA-1", "Maschi").value == 6
