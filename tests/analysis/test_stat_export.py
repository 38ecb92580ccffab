"""Published statistics as CSV and XLSX: the same rows, hidden values empty, text safe for spreadsheets."""

import csv
import io

import openpyxl

from analysis.disclosure import protect
from analysis.stat_export import Sheet, notes_sheet, sheet_titles, table_csv, table_xlsx, workbook_xlsx
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


def test_a_report_workbook_has_its_sheets_in_order_with_valid_distinct_titles():
    rows, columns = rows_and_columns()
    sheets = [
        Sheet("Indice", ("sheet",), [{"sheet": "1 Territorio"}]),
        Sheet("Territorio/ambito: [totale]", columns, rows),
        Sheet("territorio/ambito: [totale]", columns, rows),
        notes_sheet("note", [("Periodo", "2025")]),
    ]

    book = openpyxl.load_workbook(io.BytesIO(workbook_xlsx(sheets)))

    assert book.sheetnames == [
        "Indice",
        "Territorio ambito   totale",
        "territorio ambito   totale (2)",
        "note",
    ]
    assert list(book.worksheets[1].iter_rows(values_only=True))[2] == ('=HYPERLINK("x")', None, "primary")
    assert list(book.worksheets[3].iter_rows(values_only=True)) == [("Periodo", "2025")]


def test_sheet_titles_are_cut_to_31_characters_and_kept_distinct():
    titles = sheet_titles(["x" * 40, "X" * 40, "", "'quoted'"])

    assert titles == ["x" * 31, "X" * 27 + " (2)", "sheet", "quoted"]
