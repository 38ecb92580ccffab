"""Units for agreement built from codings: characters, speaker turns and documents."""

import pytest

from coding.agreement import (
    Segment,
    Span,
    cohen_kappa,
    krippendorff_alpha,
    percent_agreement,
    units_from_segments,
    units_from_spans,
)
from coding.errors import AgreementError

FOCUS_GROUP = (
    "Moderatrice: Com'è andato il primo anno?\n"
    "Giulia: All'inizio è stato difficile, però l'educatrice ci ha aiutato 😊.\n"
    "Marco: Sì, ma gli orari non andavano bene.\n"
)


def _span(text: str, quote: str, code: str) -> Span:
    start = text.index(quote)  # str.index counts code points, as REFI-QDA does
    return Span(start, start + len(quote), code)


def _turns(text: str) -> list[Segment]:
    turns, start = [], 0
    for line in text.splitlines(keepends=True):
        turns.append(Segment(start, start + len(line)))
        start += len(line)
    return turns


def test_each_character_is_a_unit_coded_one_where_the_code_was_applied():
    spans = {"anna": [(2, 5, "Orari")], "luca": [Span(4, 7, "Orari"), Span(0, 8, "Costi")]}

    units = units_from_spans(8, spans, "Orari")

    assert units == {"anna": [0, 0, 1, 1, 1, 0, 0, 0], "luca": [0, 0, 0, 0, 1, 1, 1, 0]}


def test_an_emoji_is_one_character_unit_as_in_refi_offsets():
    text = "Sì, però 😊 va bene"
    spans = {"anna": [_span(text, "😊", "Soddisfazione")], "luca": []}

    units = units_from_spans(len(text), spans, "Soddisfazione")

    assert len(units["anna"]) == 18  # code points; UTF-16 would count 19, UTF-8 bytes 23
    assert units["anna"] == [0] * 9 + [1] + [0] * 8
    assert text[units["anna"].index(1)] == "😊"


def test_overlapping_spans_of_one_coder_count_each_character_once():
    units = units_from_spans(6, {"anna": [(0, 4, "Orari"), (2, 6, "Orari")], "luca": []}, "Orari")

    assert units["anna"] == [1, 1, 1, 1, 1, 1]


def test_kappa_over_characters_matches_the_arithmetic():
    # 20 characters; Anna codes 0-10, Luca 0-8. They agree on 0-8 (both 1) and 10-20 (both 0): p_o = 18/20.
    # Anna marks half the characters, Luca 8/20: p_e = 0.5*0.4 + 0.5*0.6 = 0.5; kappa = (0.9-0.5)/0.5 = 0.8.
    units = units_from_spans(20, {"anna": [(0, 10, "Orari")], "luca": [(0, 8, "Orari")]}, "Orari")

    assert percent_agreement(*units.values()) == pytest.approx(0.9)
    assert cohen_kappa(*units.values()) == pytest.approx(0.8)


def test_accented_text_gives_as_many_units_as_code_points():
    anna = [_span(FOCUS_GROUP, "All'inizio è stato difficile", "Emozioni")]
    luca = [_span(FOCUS_GROUP, "è stato difficile, però", "Emozioni")]

    units = units_from_spans(len(FOCUS_GROUP), {"anna": anna, "luca": luca}, "Emozioni")

    both = [a and b for a, b in zip(units["anna"], units["luca"], strict=True)]
    assert "".join(char for char, flag in zip(FOCUS_GROUP, both, strict=True) if flag) == "è stato difficile"


def test_a_span_outside_the_text_is_refused():
    with pytest.raises(AgreementError, match="lies outside the text"):
        units_from_spans(10, {"anna": [(8, 12, "Orari")]}, "Orari")


def test_a_speaker_turn_is_coded_when_any_coding_of_the_code_overlaps_it():
    anna = [_span(FOCUS_GROUP, "gli orari", "Orari"), _span(FOCUS_GROUP, "difficile", "Emozioni")]
    luca = [_span(FOCUS_GROUP, "primo anno?\nGiulia", "Orari")]  # crosses from turn 1 into turn 2

    units = units_from_segments(_turns(FOCUS_GROUP), {"anna": anna, "luca": luca}, "Orari")

    assert units == {"anna": [0, 0, 1], "luca": [1, 1, 0]}


def test_a_coding_that_only_touches_a_turn_boundary_does_not_code_the_next_turn():
    turns = _turns(FOCUS_GROUP)
    end_of_first = turns[0].end

    units = units_from_segments(turns, {"anna": [(end_of_first - 5, end_of_first, "Orari")]}, "Orari")

    assert units["anna"] == [1, 0, 0]


def test_documents_are_units_matched_by_their_key():
    documents = [Segment(0, 120, "lecce"), Segment(0, 80, "brindisi"), Segment(0, 95, "taranto")]
    codings = {
        "anna": [Span(10, 20, "Orari", "lecce"), Span(5, 9, "Orari", "taranto")],
        "luca": [(10, 20, "Orari", "lecce"), (30, 40, "Costi", "brindisi")],
    }

    units = units_from_segments(documents, codings, "Orari")

    assert units == {"anna": [1, 0, 1], "luca": [1, 0, 0]}
    assert krippendorff_alpha(list(units.values())) == pytest.approx(0.4444, abs=5e-4)
    # Nominal alpha by hand: values 1,1 | 0,0 | 1,0 -> coincidences o(0,0)=2, o(1,1)=2, o(0,1)=o(1,0)=1;
    # n = 6, n_0 = n_1 = 3. D_o = 2/6; D_e = 2*3*3/(6*5) = 0.6; alpha = 1 - (1/3)/0.6 = 0.444.
