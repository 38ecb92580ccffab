"""Co-occurrence of codes by overlapping spans and by speaker turn, on the coded study of coded_study.py."""

from coding.cooccurrence import by_overlap, by_turn
from coding.segments import CodeNode, Segment, TurnSpan
from tests.coding.coded_study import BISOGNI, CODES, CRITICITA, PERSONALE, RISORSE, coded_study


def test_by_overlap_pairs_segments_that_share_text_and_ignore_the_same_code():
    study = coded_study()

    matrix = by_overlap(study.segments, CODES)

    assert matrix.counts == (
        (3, 0, 0, 0),
        (0, 2, 0, 1),
        (0, 0, 3, 1),
        (0, 1, 1, 1),
    )  # 1 and 6 overlap but are both Criticità; 5 overlaps 3 (Personale) and 4 (Risorse)


def test_by_turn_counts_the_turns_where_both_codes_were_given():
    study = coded_study()

    matrix = by_turn(study.segments, study.turns, CODES)

    assert matrix.count(CRITICITA, CRITICITA) == 2
    assert matrix.count(CRITICITA, RISORSE) == 1  # P01's turn of the focus group
    assert matrix.count(PERSONALE, RISORSE) == 2  # P02's turn, and P01's turn of the interview
    assert matrix.count(PERSONALE, BISOGNI) == 1
    assert matrix.count(CRITICITA, PERSONALE) == 0
    assert matrix.count(RISORSE, RISORSE) == 3


def test_codes_that_never_overlap_can_still_share_a_turn():
    study = coded_study()

    assert by_overlap(study.segments, CODES).count(CRITICITA, RISORSE) == 0
    assert by_turn(study.segments, study.turns, CODES).count(CRITICITA, RISORSE) == 1


def test_a_segment_over_two_turns_counts_in_both():
    codes = [CodeNode(1, "A"), CodeNode(2, "B"), CodeNode(3, "C")]
    turns = [TurnSpan(1, 0, 10, "X"), TurnSpan(1, 11, 20, "Y")]
    segments = [
        Segment(1, 1, "d", 1, "A", 5, 15, ""),
        Segment(2, 1, "d", 2, "B", 0, 3, ""),
        Segment(3, 1, "d", 3, "C", 18, 20, ""),
    ]

    matrix = by_turn(segments, turns, codes)

    assert (matrix.count(1, 2), matrix.count(1, 3), matrix.count(2, 3)) == (1, 1, 0)


def test_touching_spans_do_not_overlap():
    codes = [CodeNode(1, "A"), CodeNode(2, "B")]
    segments = [Segment(1, 1, "d", 1, "A", 0, 5, ""), Segment(2, 1, "d", 2, "B", 5, 9, "")]

    assert by_overlap(segments, codes).count(1, 2) == 0


def test_pairs_list_the_co_occurring_codes_most_often_first():
    study = coded_study()

    pairs = by_turn(study.segments, study.turns, CODES).pairs()

    assert [(a.name, b.name, n) for a, b, n in pairs][0] == ("Personale", "Risorse", 2)
    assert len(pairs) == 4
