"""The Word report of the codebook with quotes."""

import io
from dataclasses import replace

from docx import Document

from coding.report_docx import ReportText, codebook_report
from tests.coding.coded_study import CODES, coded_study


def paragraphs(data: bytes) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in Document(io.BytesIO(data)).paragraphs]


def test_every_code_has_a_heading_nested_as_the_tree_and_its_rules():
    found = paragraphs(codebook_report("Focus group Lecce", CODES, coded_study().segments))

    headings = [(style, text.replace("  ■", "")) for style, text in found if style.startswith("Heading")]
    assert headings == [
        ("Heading 1", "Criticità"),
        ("Heading 2", "Personale"),
        ("Heading 1", "Risorse"),
        ("Heading 1", "Bisogni formativi"),
    ]
    assert ("Normal", "Definition: Ciò che non funziona nel servizio.") in found
    assert ("Normal", "When to use: Quando si cita un punto di forza.") in found


def test_quotes_name_the_speaker_code_and_the_document():
    found = paragraphs(codebook_report("Focus group Lecce", CODES, coded_study().segments))

    quotes = [text for style, text in found if style == "Quote"]
    assert "“le famiglie arrivano tardi 😕”" in quotes
    assert "— P01 · fg_lecce_2025.txt, 64–92" in [text for _, text in found]
    assert "— INTERVISTATORE · intervista_bari.txt, 0–11" in [text for _, text in found]
    assert len(quotes) == 9


def test_the_same_span_coded_twice_with_one_code_is_quoted_once():
    segments = coded_study().segments
    twice = [*segments, replace(segments[0], id=99, coder="bruno")]

    found = paragraphs(codebook_report("Studio", CODES, twice))

    assert [text for style, text in found if style == "Quote"].count("“le famiglie arrivano tardi 😕”") == 1


def test_the_words_of_the_report_can_be_translated():
    text = ReportText(definition="Definizione", quotes="Citazioni: {count}", no_quotes="Nessuna citazione.")

    found = [t for _, t in paragraphs(codebook_report("Studio", CODES, [], text))]

    assert "Definizione: Ciò che non funziona nel servizio." in found
    assert found.count("Nessuna citazione.") == 4
