"""The codings as CSV and XLSX: one row per coding, emoji intact, formulas neutralised."""

import csv
import io
from dataclasses import replace
from datetime import datetime

from openpyxl import load_workbook

from coding.export_tables import Headers, coding_rows, codings_csv, codings_xlsx
from tests.coding.coded_study import coded_study


def test_one_row_per_coding_by_document_then_position():
    columns, rows = coding_rows(coded_study().segments)

    assert columns[:10] == [
        "document",
        "code",
        "start",
        "end",
        "text",
        "speaker",
        "participant",
        "coder",
        "origin",
        "created",
    ]
    assert [r["start"] for r in rows] == [31, 64, 76, 94, 94, 118, 0, 12, 29]
    assert rows[1]["text"] == "le famiglie arrivano tardi 😕"
    assert rows[3]["code"] == "Criticità / Personale"


def test_participant_and_document_attributes_get_a_column_each():
    columns, rows = coding_rows(coded_study().segments)

    assert columns[10:] == [
        "participant: gender",
        "participant: role",
        "participant: seniority_tier",
        "document: macro_area",
        "document: service_type",
    ]
    assert rows[0]["participant: role"] == "educatrice"
    assert rows[6]["participant: role"] is None  # the interviewer is no participant


def test_headers_come_in_the_readers_language():
    headers = Headers({"document": "Documento"}, participant_attribute="Partecipante: {name}")

    columns, _ = coding_rows(coded_study().segments, headers)

    assert columns[0] == "Documento" and columns[1] == "code"
    assert "Partecipante: role" in columns


def test_the_csv_keeps_the_emoji_and_neutralises_formulas():
    segments = coded_study().segments
    segments[0] = replace(segments[0], text='=HYPERLINK("http://x")', coder="@anna")

    rows = list(csv.reader(io.StringIO(codings_csv(segments).decode("utf-8-sig"))))

    assert len(rows) == 10
    texts = [row[4] for row in rows]
    assert "arrivano tardi 😕." in texts
    assert '\'=HYPERLINK("http://x")' in texts
    assert "'@anna" in [row[7] for row in rows]


def test_the_xlsx_stores_formula_like_text_as_text_and_offsets_as_numbers():
    segments = coded_study().segments
    segments[0] = replace(segments[0], text="=1+1", created=datetime(2025, 3, 4, 10, 0, 0, 123456))

    book = load_workbook(io.BytesIO(codings_xlsx(segments, notes=[("Studio", "Lecce")])))

    sheet = book.worksheets[0]
    formula = next(row for row in sheet.iter_rows(min_row=2) if row[4].value == "=1+1")
    assert formula[4].data_type == "s"
    assert formula[2].value == 64 and formula[9].value == datetime(2025, 3, 4, 10, 0, 0)
    assert sheet.max_row == 10
    assert book.worksheets[1]["B1"].value == "Lecce"


def test_attribute_columns_can_show_translated_labels():
    headers = Headers({}, participant_attribute="Partecipante: {name}", attribute_labels={"role": "Ruolo"})

    columns, rows = coding_rows(coded_study().segments, headers)

    assert "Partecipante: Ruolo" in columns
    assert rows[0]["Partecipante: Ruolo"] == "educatrice"
