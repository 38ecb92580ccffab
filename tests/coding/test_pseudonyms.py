"""Pseudonymisation: detection of identifiers, consistent proposals, applying them and the mapping back."""

import csv
from pathlib import Path

import pytest

from coding.errors import PseudonymError
from coding.pseudonym_rules import valid_fiscal_code
from coding.pseudonyms import Proposal, apply, dumps_mapping, loads_mapping, propose, restore

TERRITORY = Path(__file__).resolve().parents[3] / "shared" / "domain" / "puglia_territory.csv"


def kinds(text: str, **options) -> list[tuple[str, str]]:
    return [(p.kind, p.original) for p in propose(text, **options)]


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("RSSMRA80A01H501U", True),
        ("rssmra80a01h501u", True),
        ("RSSMRA80A01H501X", False),
        ("RSSMRA80A01H50", False),
    ],
)
def test_a_codice_fiscale_is_checked_by_its_control_character(code, valid):
    assert valid_fiscal_code(code) is valid


def test_a_valid_codice_fiscale_is_found_and_an_invalid_one_is_not():
    text = "CF RSSMRA80A01H501U, non RSSMRA80A01H501X."

    assert kinds(text) == [("codice_fiscale", "RSSMRA80A01H501U")]


@pytest.mark.parametrize(
    "phone",
    [
        "+39 333 123 4567",
        "3331234567",
        "333-123.4567",
        "080 5551234",
        "080/5551234",
        "0039 06 12345678",
        "+393331234567",
    ],
)
def test_italian_phone_numbers_are_found(phone):
    assert kinds(f"Chiamare il {phone} domani.") == [("telefono", phone)]


@pytest.mark.parametrize(
    "text",
    [
        "È nata il 03/05/2021.",
        "Costa 300 euro.",
        "Nel 2023 eravamo 35.",
        "Protocollo 0123.",
        "Alle 10.30 in sede.",
    ],
)
def test_dates_amounts_and_short_numbers_are_not_phone_numbers(text):
    assert kinds(text) == []


def test_emails_are_found():
    assert kinds("Scrivete a m.rossi+csf@comune.altamura.ba.it oggi.") == [
        ("email", "m.rossi+csf@comune.altamura.ba.it")
    ]


@pytest.mark.parametrize(
    "address",
    [
        "via Roma 12",
        "Piazza Garibaldi, 3/A",
        "viale della Repubblica 7",
        "corso Vittorio Emanuele II 45",
        "via 25 Aprile n. 3",
        "Via dei Mille 10 bis",
    ],
)
def test_addresses_with_a_street_name_and_number_are_found(address):
    assert kinds(f"Abita in {address}, al secondo piano.") == [("indirizzo", address)]


def test_a_street_word_without_a_capitalised_name_and_number_is_not_an_address():
    assert kinds("Il corso di formazione del 2024 è sulla via giusta.") == []


def test_participants_are_found_by_full_name_and_by_each_name_with_the_same_replacement():
    text = "Ho parlato con Maria Rossi. Poi maria rossi ha chiamato, e Rossi ha detto che Maria verrà."

    proposals = propose(text, participants=["Maria Rossi"])

    assert [p.original for p in proposals] == ["Maria Rossi", "maria rossi", "Rossi", "Maria"]
    assert {p.replacement for p in proposals} == {"[PERSONA 1]"}


def test_a_first_name_two_participants_share_is_a_person_of_its_own():
    text = "Maria Rossi e Maria Bianchi; Maria è in ritardo."

    proposals = propose(text, participants=["Maria Rossi", "Maria Bianchi"])

    assert [p.replacement for p in proposals] == ["[PERSONA 1]", "[PERSONA 2]", "[PERSONA 3]"]


def test_places_of_the_gazetteer_are_found_including_names_of_several_words():
    comuni = [row["comune"] for row in csv.DictReader(TERRITORY.open(encoding="utf-8"))]
    text = "Viene da San Giovanni Rotondo e lavora a Bari, non a Roma."

    assert kinds(text, gazetteer=comuni) == [
        ("luogo", "San Giovanni Rotondo"),
        ("luogo", "Bari"),
        ("nome", "Roma"),
    ]


def test_capitalised_words_inside_a_sentence_are_proposed_as_names():
    text = "Ieri la dottoressa Russo ha visto il piccolo Luca con Anna De Luca."

    assert kinds(text) == [("nome", "Russo"), ("nome", "Luca"), ("nome", "Anna De Luca")]


def test_sentence_starts_common_capitalised_words_and_known_words_are_not_names():
    text = "Stamattina il Comune e il Tribunale hanno scritto. Lunedì il Centro Arcobaleno apre."

    assert kinds(text, known_words=["Arcobaleno"]) == []


def test_a_name_after_an_abbreviation_dot_is_still_a_name():
    assert kinds("Ne ha parlato il Dott. Bianchi.") == [("nome", "Bianchi")]


def test_offsets_are_code_points_after_emoji_and_accents():
    text = "Perché 😊 Maria?"

    proposal = propose(text, participants=["Maria"])[0]

    assert (proposal.start, proposal.end) == (9, 14)
    assert text[proposal.start : proposal.end] == "Maria"


def test_the_stronger_detection_wins_where_two_overlap():
    text = "Scrivi a maria.rossi@example.it o passa in via Maria Rossi 3."

    assert kinds(text, participants=["Maria Rossi"]) == [
        ("email", "maria.rossi@example.it"),
        ("indirizzo", "via Maria Rossi 3"),
    ]


TRANSCRIPT = "AS1: Maria Rossi vive a Bari 😊, tel. 333 1234567. Maria viene il lunedì con Luca."


def test_applying_replaces_the_text_and_maps_back_to_the_originals():
    proposals = propose(TRANSCRIPT, participants=["Maria Rossi"], gazetteer=["Bari"])

    new_text, mapping = apply(TRANSCRIPT, proposals)

    assert (
        new_text
        == "AS1: [PERSONA 1] vive a [LUOGO 1] 😊, tel. [TELEFONO 1]. [PERSONA 1] viene il lunedì con [NOME 1]."
    )
    assert all(new_text[s.start : s.end] == s.replacement for s in mapping)
    assert [s.original for s in mapping] == ["Maria Rossi", "Bari", "333 1234567", "Maria", "Luca"]
    assert restore(new_text, mapping) == TRANSCRIPT


def test_only_accepted_proposals_are_applied():
    proposals = propose(TRANSCRIPT, participants=["Maria Rossi"], gazetteer=["Bari"])
    accepted = [p for p in proposals if p.kind != "luogo"]

    new_text, _ = apply(TRANSCRIPT, accepted)

    assert "Bari" in new_text and "Maria" not in new_text


def test_an_edited_replacement_is_used_for_every_mention_of_the_same_entity():
    proposals = propose(TRANSCRIPT, participants=["Maria Rossi"])
    edited = [
        p if p.original != "Maria Rossi" else Proposal(**{**p.__dict__, "replacement": "Giulia"})
        for p in proposals
    ]

    new_text, _ = apply(TRANSCRIPT, edited)

    assert new_text.count("Giulia") == 2


def test_proposals_made_by_hand_get_numbered_replacements_that_do_not_clash():
    text = "Carla e Piero, poi Carla."
    hand = [
        Proposal(0, 5, "persona", "Carla"),
        Proposal(8, 13, "persona", "Piero", "[PERSONA 1]"),
        Proposal(19, 24, "persona", "Carla"),
    ]

    new_text, _ = apply(text, hand)

    assert new_text == "[PERSONA 2] e [PERSONA 1], poi [PERSONA 2]."


@pytest.mark.parametrize(
    ("accepted", "message"),
    [
        ([Proposal(0, 5, "persona", "Maria")], "non corrisponde al testo"),
        ([Proposal(5, 99, "persona", "x")], "non corrisponde al testo"),
        ([Proposal(5, 10, "persona", "Maria"), Proposal(5, 16, "persona", "Maria Rossi")], "sovrapposte"),
        ([Proposal(5, 10, "segreto", "Maria")], "Tipo sconosciuto"),
    ],
)
def test_stale_overlapping_or_unknown_replacements_are_refused(accepted, message):
    with pytest.raises(PseudonymError, match=message):
        apply(TRANSCRIPT, accepted)


def test_the_mapping_round_trips_through_bytes_for_storage():
    new_text, mapping = apply(TRANSCRIPT, propose(TRANSCRIPT, participants=["Maria Rossi"]))

    assert loads_mapping(dumps_mapping(mapping)) == mapping
    assert restore(new_text, loads_mapping(dumps_mapping(mapping))) == TRANSCRIPT


def test_an_unreadable_mapping_is_refused():
    with pytest.raises(PseudonymError, match="Mappa non leggibile"):
        loads_mapping(b'[{"start": 1}]')


def test_restore_refuses_a_text_that_does_not_match_its_mapping():
    new_text, mapping = apply(TRANSCRIPT, propose(TRANSCRIPT, participants=["Maria Rossi"]))

    with pytest.raises(PseudonymError, match="non corrisponde alla mappa"):
        restore("x" + new_text, mapping)
