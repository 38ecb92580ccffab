"""Retrieval of coded segments: which segments, in which order, and the sentence around each."""

import pytest

from coding.retrieval import Filters, attribute_values, context, quotes, select
from coding.segments import descendants
from tests.coding.coded_study import CODES, CRITICITA, FOCUS_GROUP, INTERVIEW, RISORSE, TEXTS, coded_study


def ids(segments):
    return [s.id for s in segments]


def test_the_segments_of_a_code_come_by_document_then_position():
    study = coded_study()

    assert ids(select(study.segments, {CRITICITA})) == [1, 6, 9]


def test_with_sub_codes_the_segments_of_the_codes_below_come_too():
    study = coded_study()

    assert ids(select(study.segments, descendants(CODES, CRITICITA))) == [1, 6, 3, 9, 7]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(documents=frozenset({2})), [8]),
        (Filters(coders=frozenset({"bruno"})), []),
        (Filters(attributes={"role": frozenset({"assistente"})}), [4]),
        (Filters(attributes={"seniority_tier": frozenset({"aggiornamento"})}), [2, 8]),
        (Filters(speakers=frozenset({"P02"})), [4]),
        (Filters(attributes={"role": frozenset()}), [2, 4, 8]),
    ],
)
def test_filters_keep_the_segments_of_a_document_coder_speaker_or_attribute(filters, expected):
    study = coded_study()

    assert ids(select(study.segments, {RISORSE}, filters)) == expected


def test_the_context_is_the_sentence_with_the_coded_words_apart():
    found = context(FOCUS_GROUP, 64, 92)

    assert (found.before, found.match, found.after) == (
        "Il servizio è aperto tre giorni; ",
        "le famiglie arrivano tardi 😕",
        ".",
    )
    assert not found.cut_before and not found.cut_after


def test_a_segment_that_ends_a_sentence_has_nothing_after_it():
    found = context(FOCUS_GROUP, 76, 93)

    assert found.after == ""
    assert found.match.endswith("😕.")


def test_a_segment_at_the_start_of_a_turn_has_nothing_before_it():
    found = context(INTERVIEW, 12, 27)

    assert (found.before, found.after) == ("", "; la rete con la scuola funziona.")


def test_a_long_sentence_is_cut_at_the_width_and_says_so():
    text = "parola " * 100 + "BERSAGLIO " + "parola " * 100
    start = text.index("BERSAGLIO")

    found = context(text, start, start + 9, width=20)

    assert len(found.before) <= 20 and len(found.after) <= 20
    assert found.cut_before and found.cut_after


def test_a_window_of_the_text_gives_the_same_context_as_the_whole_text():
    text = "Prima frase. " * 40 + "Qui c'è il punto 😕 che conta. " + "Dopo. " * 40
    start = text.index("punto")
    whole = context(text, start, start + 5, width=30)
    offset = start - 31

    window = context(text[offset : start + 5 + 31], start, start + 5, width=30, offset=offset)

    assert window == whole
    assert (whole.before, whole.after) == ("Qui c'è il ", " 😕 che conta.")


def test_quotes_pair_each_segment_with_its_context():
    study = coded_study()
    chosen = select(study.segments, {RISORSE})

    found = quotes(chosen, {s.id: (0, TEXTS[s.document_id]) for s in chosen})

    assert [q.context.match for q in found] == [s.text for s in chosen]


def test_attribute_values_list_what_the_speakers_have_for_the_menus():
    study = coded_study()

    assert attribute_values(study.segments, ["role", "territory"]) == {
        "role": ["assistente", "educatrice"],
        "territory": [],
    }
