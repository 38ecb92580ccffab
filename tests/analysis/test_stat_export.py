"""Published statistics as CSV and XLSX: the same rows, hidden values empty, text safe for spreadsheets."""

import csv
import io

import openpyxl

from analysis.disclosure import protect
from analysis.stat_export import table_csv, table_xlsx
from analysis.tables import Dimension, Table


def rows_and_columns():
    ambiti = Dimension.flat("ente", ['=HYPERLINK("x")', "Coop. Stella"])
    protected = protect(Table.from_leaves([ambiti], {('=HYPERLINK("x")',): 2, ("Coop. Stella",): 9}))
    return protected.to_rows(), ["ente", "value", "status"]


def test_csv_has_a_header_hidden_values_empty_and_no_formulas():
    rows, columns = rows_and_columns()

    content = table_csv(rows, columns)

    assert content.startswith("\ufeff".encode())
    read = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [row["status"] for row in read] == ["published", "primary", "secondary"]
    assert read[1]["value"] == "" and read[1]["ente"].startswith("'=")


def test_xlsx_has_the_rows_then_the_notes():
    rows, columns = rows_and_columns()

    content = table_xlsx(rows, columns, [("Titolo", "Minori per ente")], ("tabella", "note"))

    book = openpyxl.load_workbook(io.BytesIO(content))
    table, notes = book.worksheets
    values = list(table.iter_rows(values_only=True))
    assert values[0] == ("ente", "value", "status")
    assert values[2] == ('=HYPERLINK("x")', None, "primary")
    assert table.cell(3, 1).data_type == "s"  # text, not a formula
    assert list(notes.iter_rows(values_only=True)) == [("Titolo", "Minori per ente")]
