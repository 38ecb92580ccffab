"""How Humus data maps to REFI-QDA and back: code descriptions, variables, turns, line ends."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from coding.exchange import (
    CodeText,
    TurnInfo,
    clean_text,
    describe_code,
    read_description,
    read_turn,
    refi_value,
    stored_value,
    turn_description,
    variable_type,
)

FULL = CodeText(
    definition="Difficoltà che gli operatori incontrano.\nAnche organizzative.",
    when_to_use="Quando si parla di ostacoli.",
    when_not="Per i bisogni delle famiglie.",
    example="«Le famiglie arrivano tardi»",
    marks_need=True,
)


@pytest.mark.parametrize("language", ["it", "en"])
def test_a_code_description_reads_back_into_its_fields(language):
    description = describe_code(FULL, language)

    assert read_description(description) == FULL


def test_the_description_is_labelled_in_the_study_language():
    assert describe_code(FULL, "it") == (
        "Difficoltà che gli operatori incontrano.\nAnche organizzative.\n\n"
        "Quando usarlo: Quando si parla di ostacoli.\n\n"
        "Quando non usarlo: Per i bisogni delle famiglie.\n\n"
        "Esempio: «Le famiglie arrivano tardi»\n\n"
        "Bisogno formativo: sì"
    )
    assert "When not to use: Per i bisogni" in describe_code(FULL, "en")


def test_an_empty_code_has_no_description_and_another_programs_text_is_the_definition():
    assert describe_code(CodeText()) is None
    assert read_description("Codes about opening hours.\r\nSee also: Orari") == CodeText(
        definition="Codes about opening hours.\nSee also: Orari"
    )
    assert read_description(None) == CodeText()


@pytest.mark.parametrize(
    ("values", "declared", "expected"),
    [
        (["educatrice", "assistente"], None, "Text"),
        ([12, 3.5], "Float", "Float"),
        ([12, 3], None, "Integer"),
        ([True, False], None, "Boolean"),
        (["2025-03-04", ""], "Date", "Date"),
        (
            ["2025-03-04", "marzo 2025"],
            "Date",
            "Text",
        ),  # a value that is not a date: the declared type yields
        ([], "Date", "Date"),
        ([], None, "Text"),
    ],
)
def test_variables_are_typed_from_their_values(values, declared, expected):
    assert variable_type(values, declared) == expected


def test_values_go_to_refi_typed_and_come_back_as_json():
    assert refi_value("2025-03-04", "Date") == date(2025, 3, 4)
    assert refi_value(12, "Float") == 12.0 and isinstance(refi_value(12, "Float"), float)
    assert refi_value(7, "Text") == "7"
    assert refi_value("", "Text") is None
    assert stored_value(date(2025, 3, 4)) == "2025-03-04"
    assert stored_value(datetime(2025, 3, 4, 10, 30)) == "2025-03-04T10:30:00"
    assert stored_value(Decimal("12")) == 12 and stored_value(Decimal("2.5")) == 2.5


def test_a_turn_selection_is_recognised_and_other_selections_are_not():
    description = turn_description("educatrice", 752.0, 790.5)

    assert read_turn(description) == TurnInfo("educatrice", 752.0, 790.5)
    assert read_turn(turn_description("", None, None)) == TurnInfo()
    assert read_turn("Una selezione qualsiasi") is None
    assert read_turn('{"kind": "something else"}') is None
    assert read_turn(None) is None


def test_cleaning_removes_cr_before_lf_and_control_characters_and_moves_offsets():
    text = "Sì,\r\npiù 😊\x00 operatori\rgrazie"
    quote = "operatori"

    clean = clean_text(text)

    assert clean.text == "Sì,\npiù 😊 operatori\ngrazie"
    start = text.index(quote)
    assert clean.text[clean.offset(start) : clean.offset(start + len(quote))] == quote
    assert clean.offset(len(text)) == len(clean.text)


def test_text_with_nothing_to_clean_keeps_its_offsets():
    clean = clean_text("Va bene così.\n")

    assert clean.removed == () and clean.offset(5) == 5
