"""Pseudonym mappings across runs: known people keep their code, labels are never reused, records move."""

from coding.offsets import OffsetMap, Replacement
from coding.pseudonym_mapping import RECORDS, labelled, merged, names, records, relabel
from coding.pseudonyms import Substitution, apply, propose, restore

MAPPING = {
    "P03": "Giulia Rossi",
    "[PERSONA 2]": "Mario Bianchi",
    "[EMAIL 1]": "mario@example.org",
    RECORDS: [],
}


def test_names_are_the_participants_and_people_of_a_mapping_not_its_emails():
    assert names(MAPPING) == {"Giulia Rossi": "P03", "Mario Bianchi": "[PERSONA 2]"}
    assert labelled(MAPPING)["mario@example.org"] == "[EMAIL 1]"


def test_a_participant_found_by_one_of_her_names_gets_her_participant_code():
    text = "Ho parlato con Giulia e poi con Mario Bianchi, che scrive a mario@example.org."
    people = names(MAPPING)

    proposals = relabel(propose(text, participants=list(people)), people, labelled(MAPPING))

    assert [(p.original, p.replacement) for p in proposals] == [
        ("Giulia", "P03"),
        ("Mario Bianchi", "[PERSONA 2]"),
        ("mario@example.org", "[EMAIL 1]"),
    ]


def test_new_entities_get_labels_after_those_already_used():
    text = "Sono venuti Luca Neri e Anna Verdi; scrivete a info@esempio.it."

    proposals = relabel(propose(text), names(MAPPING), labelled(MAPPING))

    assert {(p.original, p.replacement) for p in proposals} == {
        ("Luca Neri", "[NOME 1]"),
        ("Anna Verdi", "[NOME 2]"),
        ("info@esempio.it", "[EMAIL 2]"),
    }


def test_one_entity_gets_one_label_everywhere():
    text = "Luca Neri è arrivato. Poi Luca Neri è andato via."

    proposals = relabel(propose(text))

    assert {p.replacement for p in proposals} == {"[NOME 1]"}


def test_a_merged_mapping_moves_earlier_records_and_restores_the_original_text():
    original = "Anna Verdi 😕 ha chiamato Luca Neri."
    first_text, first = apply(original, relabel(propose(original))[:1])  # only Anna Verdi
    mapping = merged({}, OffsetMap([]), first)
    proposals = relabel(propose(first_text), names(mapping), labelled(mapping))
    luca = [p for p in proposals if p.original == "Luca Neri"]
    second_text, second = apply(first_text, luca)
    offsets = OffsetMap(
        Replacement(p.start, p.end, len(s.replacement)) for p, s in zip(luca, second, strict=True)
    )

    result = merged(mapping, offsets, second)

    assert second_text == "[NOME 1] 😕 ha chiamato [NOME 2]."
    assert result["[NOME 1]"] == "Anna Verdi" and result["[NOME 2]"] == "Luca Neri"
    assert restore(second_text, records(result)) == original


def test_merging_never_changes_an_existing_entry():
    sub = Substitution(0, 3, "persona", "Giulia", "P03")

    result = merged(MAPPING, OffsetMap([]), [sub])

    assert result["P03"] == "Giulia Rossi" and records(result) == [sub]
