"""Segments for analysis: the code tree, code paths, and the speaker of each segment found from the turns."""

from coding.segments import CodeNode, TurnIndex, TurnSpan, code_paths, descendants, tree
from tests.coding.coded_study import BISOGNI, CODES, CRITICITA, PERSONALE, RISORSE, coded_study


def test_code_paths_join_the_names_from_the_top():
    paths = code_paths(CODES)

    assert paths[PERSONALE] == "Criticità / Personale"
    assert paths[RISORSE] == "Risorse"


def test_the_tree_puts_children_under_their_parent_with_depths():
    assert [(code.id, depth) for code, depth in tree(CODES)] == [
        (CRITICITA, 0),
        (PERSONALE, 1),
        (RISORSE, 0),
        (BISOGNI, 0),
    ]


def test_descendants_include_the_code_itself_and_every_level_below():
    codes = [*CODES, CodeNode(9, "Turni", parent_id=PERSONALE)]

    assert descendants(codes, CRITICITA) == {CRITICITA, PERSONALE, 9}
    assert descendants(codes, RISORSE) == {RISORSE}


def test_a_segment_gets_the_participant_code_and_attributes_of_its_turn():
    study = coded_study()

    first = study.segment(1)

    assert (first.speaker, first.participant) == ("P01", "P01")
    assert first.participant_attributes["role"] == "educatrice"
    assert first.text == "le famiglie arrivano tardi 😕"


def test_a_turn_without_participant_gives_its_label_as_speaker():
    segment = coded_study().segment(9)

    assert (segment.speaker, segment.participant, dict(segment.participant_attributes)) == (
        "INTERVISTATORE",
        "",
        {},
    )


def test_a_segment_starting_between_turns_belongs_to_the_next_turn():
    index = TurnIndex([TurnSpan(1, 0, 10, "A"), TurnSpan(1, 12, 20, "B")])

    assert index.at(1, 10, 15).speaker == "B"
    assert index.at(1, 10, 11) is None
    assert index.at(2, 0, 5) is None


def test_the_turns_a_span_overlaps_are_listed_in_order():
    index = TurnIndex([TurnSpan(1, 12, 20, "B"), TurnSpan(1, 0, 10, "A"), TurnSpan(1, 21, 30, "C")])

    assert index.overlapping(1, 5, 22) == [(1, 0), (1, 1), (1, 2)]
    assert index.overlapping(1, 10, 12) == []
