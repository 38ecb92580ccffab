"""Participants as cases: seniority tiers, typed attributes, and names replaced by codes with offsets moved."""

import math

import pytest

from coding.errors import ParticipantError
from coding.participants import (
    CASE_VARIABLES,
    Participant,
    participants_from_turns,
    rename,
    replace_names,
    seniority_tier,
)
from coding.turns import Turn, parse_turns
from tests.coding.transcript_files import transcript

PARTICIPANTS = (
    Participant("P01", "Anna Rossi", aliases=("Anna",), role="educatrice", seniority_years=6),
    Participant(
        "P02", "Giuseppe D'Amico", aliases=("Giuseppe",), role="assistente sociale", seniority_years=15
    ),
    Participant("P03", "Nicolò", role="psicologo", seniority_years=1),
    Participant("P04", "Maria Grazia Esposito", role="genitore", gender="F"),
    Participant("P05", "Fatima", role="mediatrice culturale", territory="Bari"),
    Participant("P06", "Lucia", role="genitore", gender="F"),
)


@pytest.mark.parametrize(
    ("years", "tier"),
    [
        (0, "start up"),
        (2.9, "start up"),
        (3, "miglioramento"),
        (10, "miglioramento"),
        (10.5, "aggiornamento"),
        (35, "aggiornamento"),
    ],
)
def test_seniority_falls_in_its_training_tier(years, tier):
    assert seniority_tier(years) == tier


@pytest.mark.parametrize("years", [-1, math.nan, math.inf])
def test_an_impossible_seniority_is_refused(years):
    with pytest.raises(ParticipantError, match="Invalid seniority"):
        Participant("P01", "Anna", seniority_years=years)


def test_a_participant_has_typed_attributes_but_not_their_name_among_them():
    anna = PARTICIPANTS[0]

    attributes = anna.attributes()

    assert set(attributes) == set(CASE_VARIABLES)
    assert attributes["seniority_years"] == 6
    assert attributes["seniority_tier"] == "miglioramento"
    assert "Anna Rossi" not in attributes.values()
    assert Participant("P09", "Ada").seniority_tier is None


def test_speakers_get_codes_in_order_of_first_turn_but_roles_do_not():
    turns = [
        Turn(0, 1, "MODERATRICE"),
        Turn(2, 3, "Lucia"),
        Turn(4, 5, "I"),
        Turn(6, 7, "ANNA"),
        Turn(8, 9, "LUCIA"),
    ]

    participants = participants_from_turns(turns)

    assert [(person.code, person.name) for person in participants] == [("P01", "Lucia"), ("P02", "ANNA")]


def test_names_are_replaced_as_speakers_and_in_the_text_with_turn_offsets_moved():
    parsed = parse_turns(transcript("focus_group_genitori.txt").decode("utf-8"))

    text, turns, mapping = replace_names(parsed.text_without_markers, parsed.turns, PARTICIPANTS)

    assert [turn.speaker for turn in turns[:7]] == ["MODERATRICE", "P01", "P02", "P03", "P04", "P05", "P06"]
    assert text[turns[1].start : turns[1].end] == (
        "Allora, sono P01, educatrice al centro diurno da sei anni.\nLavoro soprattutto con ragazzi dagli 11 ai 14 anni."
    )
    assert text[turns[5].start : turns[5].end] == (
        "Sono P05, mediatrice culturale. Lavoro con le famiglie arrivate da poco in città."
    )
    assert text[turns[17].start : turns[17].end] == (
        "Grazie P06. Direi che serve più personale stabile, non progetti di sei mesi."
    )
    assert mapping == {person.code: person.name for person in PARTICIPANTS}
    for name in ("Anna", "Giuseppe", "Nicolò", "Fatima", "Lucia"):
        assert name not in text


def test_every_turn_holds_the_same_words_with_the_names_replaced():
    parsed = parse_turns(transcript("focus_group_genitori.txt").decode("utf-8"))

    text, turns, _ = replace_names(parsed.text_without_markers, parsed.turns, PARTICIPANTS)

    for old, new in zip(parsed.turns, turns, strict=True):
        before = parsed.text_without_markers[old.start : old.end]
        assert text[new.start : new.end] == rename(before, PARTICIPANTS).text


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Come diceva NICOLÒ, e poi nicolò.", "Come diceva P03, e poi P03."),
        ("Nicolo senza accento resta.", "Nicolo senza accento resta."),
        ("Annalisa e Lucianna non sono Anna né Lucia.", "Annalisa e Lucianna non sono P01 né P06."),
        ("L'ha detto l'Anna, all'inizio.", "L'ha detto l'P01, all'inizio."),
        ("Ne parlava Giuseppe D’Amico.", "Ne parlava P02."),
        ("Ne parlava Anna\nRossi.", "Ne parlava P01."),
        ("Anna Rossi e Anna.", "P01 e P01."),
        ("Fatima😊 ha riso.", "P05😊 ha riso."),
    ],
)
def test_names_in_the_text_are_whole_words_in_any_case_with_accents_kept(sentence, expected):
    text, _, _ = replace_names(sentence, [], PARTICIPANTS)

    assert text == expected


def test_the_mapping_holds_only_the_participants_found():
    text, turns, mapping = replace_names("Grazie.", [Turn(0, 7, "Lucia")], PARTICIPANTS)

    assert mapping == {"P06": "Lucia"}
    assert turns == (Turn(0, 7, "P06"),)


def test_a_turn_that_starts_or_ends_on_a_name_keeps_the_whole_code():
    text = "Lucia, grazie. Parla Fatima"
    turns = [Turn(0, 14, "MODERATRICE"), Turn(15, len(text), "MODERATRICE")]

    new_text, new_turns, _ = replace_names(text, turns, PARTICIPANTS)

    assert [new_text[turn.start : turn.end] for turn in new_turns] == ["P06, grazie.", "Parla P05"]


def test_an_unknown_speaker_keeps_their_name():
    _, turns, mapping = replace_names("Sì.", [Turn(0, 3, "Mario")], PARTICIPANTS)

    assert turns[0].speaker == "Mario"
    assert mapping == {}


@pytest.mark.parametrize(
    ("participants", "message"),
    [
        ([Participant("P01", "Anna"), Participant("P01", "Lucia")], "The code P01 is used twice"),
        (
            [Participant("P01", "Anna"), Participant("P02", "ANNA")],
            "The name 'ANNA' belongs to two participants",
        ),
    ],
)
def test_participants_that_clash_are_refused(participants, message):
    with pytest.raises(ParticipantError, match=message):
        replace_names("Anna e Lucia.", [], participants)


def test_a_participant_needs_a_code_and_a_name():
    with pytest.raises(ParticipantError, match="needs a code and a name"):
        Participant("P01", " ")
