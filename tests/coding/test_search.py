"""Search for auto-coding: lemma-aware hits in code points, widened to sentences, paragraphs or turns."""

import pytest

from coding.errors import SearchError
from coding.nlp import pipeline
from coding.search import (
    Hit,
    Unit,
    by_attribute,
    by_speaker,
    expand,
    find,
    inside,
    paragraphs,
    preview,
    restrict,
    sentences,
)

# Accents and an emoji (one code point, two UTF-16 units) come before the words searched for.
TEXT = "Perché 😊 è così: i servizi sociali sono pochi. Il servizio educativo funziona.\n\nL'affidamento è lento."


@pytest.fixture(scope="module")
def nlp():
    return pipeline("it", prefer_model=False)


def found(text: str, hits: list[Hit]) -> list[str]:
    return [text[hit.start : hit.end] for hit in hits]


def test_a_lemma_search_finds_the_other_forms_of_the_word(nlp):
    hits = find(nlp, TEXT, "servizio")

    assert found(TEXT, hits) == ["servizi", "servizio"]


def test_offsets_are_code_points_after_accents_and_emoji(nlp):
    hits = find(nlp, TEXT, "servizi")

    assert hits[0] == Hit(TEXT.index("servizi"), TEXT.index("servizi") + len("servizi"))
    assert hits[0].start == 19  # UTF-16 would say 20: the emoji is one code point


def test_a_phrase_matches_consecutive_words_by_lemma(nlp):
    hits = find(nlp, TEXT, "servizio sociale")

    assert found(TEXT, hits) == ["servizi sociali"]


def test_a_phrase_does_not_match_across_punctuation(nlp):
    assert find(nlp, "Servizi, sociali e sanitari.", "servizi sociali") == []


def test_a_word_search_matches_the_form_only_ignoring_case(nlp):
    hits = find(nlp, "Servizi e servizio.", "servizi", mode="word")

    assert found("Servizi e servizio.", hits) == ["Servizi"]


def test_a_trailing_star_matches_by_prefix(nlp):
    text = "Affido, affidamento e famiglia affidataria; non l'affitto."

    assert found(text, find(nlp, text, "affid*")) == ["Affido", "affidamento", "affidataria"]


def test_a_regular_expression_finds_code_point_offsets(nlp):
    hits = find(nlp, TEXT, r"serviz\w+ \w+", mode="regex")

    assert found(TEXT, hits) == ["servizi sociali", "servizio educativo"]
    assert hits[0].start == 19  # UTF-16 would say 20: the emoji is one code point


def test_a_regular_expression_is_case_insensitive_unless_asked(nlp):
    assert len(find(nlp, "Rete e rete", "rete", mode="regex")) == 2
    assert len(find(nlp, "Rete e rete", "rete", mode="regex", ignore_case=False)) == 1


@pytest.mark.parametrize(
    ("query", "mode", "message"),
    [
        ("   ", "lemma", "La ricerca è vuota"),
        ("(", "regex", "Espressione regolare non valida.*Invalid regular expression"),
        ("a" * 501, "regex", "troppo lunga.*too long"),
        ("rete", "fuzzy", "Modo di ricerca sconosciuto"),
    ],
)
def test_bad_queries_are_refused_with_a_message(nlp, query, mode, message):
    with pytest.raises(SearchError, match=message):
        find(nlp, TEXT, query, mode=mode)


def test_a_regular_expression_that_backtracks_without_end_is_stopped_with_a_message(nlp):
    # Without the limit this search would run for years: (a|aa)+ has Fibonacci(60) ways to split the a's.
    with pytest.raises(SearchError, match="troppo tempo.*takes too long"):
        find(nlp, "a" * 60 + "b", "(a|aa)+$", mode="regex")


def test_hits_widen_to_their_sentences(nlp):
    units = expand(find(nlp, TEXT, "servizio"), sentences(nlp, TEXT))

    assert [TEXT[u.start : u.end] for u in units] == [
        "Perché 😊 è così: i servizi sociali sono pochi.",
        "Il servizio educativo funziona.",
    ]


def test_a_hit_across_two_sentences_widens_to_both(nlp):
    text = "Prima frase. Seconda frase."
    units = sentences(nlp, text)

    assert expand([Hit(6, 20)], units) == units


def test_each_unit_is_proposed_once_however_many_hits_it_holds(nlp):
    text = "Servizi, servizi e ancora servizi. Altro."

    units = expand(find(nlp, text, "servizio"), sentences(nlp, text))

    assert [text[u.start : u.end] for u in units] == ["Servizi, servizi e ancora servizi."]


def test_hits_widen_to_their_paragraphs(nlp):
    units = expand(find(nlp, TEXT, "affidamento"), paragraphs(TEXT))

    assert [TEXT[u.start : u.end] for u in units] == ["L'affidamento è lento."]


def test_paragraphs_are_trimmed_and_skip_blank_runs():
    text = "  Uno.\n \n\n\tDue.\n  \n"

    assert [text[u.start : u.end] for u in paragraphs(text)] == ["Uno.", "Due."]


TRANSCRIPT = "AS1: Le famiglie ci cercano.\nED1: Le famiglie hanno paura.\nAS2: Con le famiglie va bene.\n"


def turns_of(text: str) -> list[Unit]:
    attributes = {"AS1": {"ruolo": "assistente sociale"}, "ED1": {"ruolo": "educatore"}}
    attributes["AS2"] = attributes["AS1"]
    units, start = [], 0
    for line in text.splitlines(keepends=True):
        speaker = line.split(":")[0]
        units.append(Unit(start, start + len(line.rstrip("\n")), speaker, attributes[speaker]))
        start += len(line)
    return units


def test_hits_widen_to_their_turns_with_speaker_and_attributes(nlp):
    turns = turns_of(TRANSCRIPT)

    units = expand(find(nlp, TRANSCRIPT, "famiglia"), turns)

    assert units == turns
    assert units[1].speaker == "ED1"


def test_hits_can_be_limited_to_one_speaker(nlp):
    hits = restrict(find(nlp, TRANSCRIPT, "famiglia"), turns_of(TRANSCRIPT), by_speaker("ED1"))

    assert len(hits) == 1
    assert TRANSCRIPT[: hits[0].start].count("\n") == 1


def test_hits_can_be_limited_to_speakers_with_an_attribute(nlp):
    keep = by_attribute("ruolo", "assistente sociale")

    hits = restrict(find(nlp, TRANSCRIPT, "famiglia"), turns_of(TRANSCRIPT), keep)

    assert [TRANSCRIPT[: h.start].count("\n") for h in hits] == [0, 2]


def test_hits_can_be_limited_to_the_inside_of_another_code(nlp):
    coded = [(TRANSCRIPT.index("ED1"), TRANSCRIPT.index("AS2"))]

    hits = inside(find(nlp, TRANSCRIPT, "famiglia"), coded)

    assert found(TRANSCRIPT, hits) == ["famiglie"]
    assert coded[0][0] <= hits[0].start


def test_a_preview_shows_each_proposal_in_context(nlp):
    snippets = preview(TEXT, find(nlp, TEXT, "servizio"), context=8)

    assert (snippets[0].before, snippets[0].match, snippets[0].after) == ("così: i ", "servizi", " sociali")
    assert snippets[0].before + snippets[0].match + snippets[0].after in TEXT


def test_a_preview_refuses_spans_outside_the_text():
    with pytest.raises(SearchError, match="fuori dal testo"):
        preview("breve", [Hit(2, 99)])


def test_long_texts_are_read_in_pieces_with_the_same_offsets(nlp, monkeypatch):
    text = "\n".join(["AS1: I servizi sociali 😊 ci sono.", "ED1: Il servizio c'è. Davvero."] * 5)
    whole = (find(nlp, text, "servizio"), sentences(nlp, text))

    monkeypatch.setattr("coding.search.PIECE", 40)

    assert (find(nlp, text, "servizio"), sentences(nlp, text)) == whole
    assert len(whole[0]) == 10
