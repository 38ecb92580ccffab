"""Laying out a coded transcript: blocks, runs cut at every coding boundary, layers for overlaps."""

from coding.highlights import Block, Mark, Run, blocks, layers, layout

TEXT = "Come state?\nBene 😕 grazie.\n"


def test_blocks_are_the_turns_and_the_text_between_them_that_is_not_blank():
    text = "Premessa.\nA: uno\n\nB: due\n"

    found = blocks(text, [(10, 16), (18, 24)])

    assert found == [Block(0, 10), Block(10, 16, 0), Block(18, 24, 1)]


def test_a_text_without_turns_is_one_block():
    assert blocks(TEXT, []) == [Block(0, len(TEXT))]
    assert blocks("  \n", []) == []


def test_turns_given_out_of_order_come_back_in_text_order_with_their_index():
    assert blocks("ab\ncd", [(3, 5), (0, 2)]) == [Block(0, 2, 1), Block(3, 5, 0)]


def test_nested_and_crossing_codings_get_distinct_layers_and_disjoint_ones_share():
    marks = [Mark("long", 0, 10), Mark("inside", 2, 4), Mark("crossing", 8, 14), Mark("after", 11, 13)]

    assert layers(marks) == {"long": 0, "inside": 1, "crossing": 1, "after": 0}


def test_runs_cut_at_every_boundary_with_the_highest_layer_first():
    marks = [Mark(1, 0, 4), Mark(2, 2, 6)]

    laid = layout(0, 8, marks)

    assert laid.runs == (Run(0, 2, (1,)), Run(2, 4, (2, 1)), Run(4, 6, (2,)), Run(6, 8, ()))
    assert laid.depth == 2


def test_a_coding_over_two_turns_is_clipped_to_each():
    laid = layout(12, 27, [Mark(7, 5, 17)])

    assert laid.runs == (Run(12, 17, (7,)), Run(17, 27, ()))


def test_offsets_are_code_points_so_an_emoji_is_one():
    emoji = TEXT.index("😕")

    laid = layout(12, 26, [Mark(1, emoji, emoji + 1)])

    assert [TEXT[r.start : r.end] for r in laid.runs] == ["Bene ", "😕", " grazie."]


def test_a_block_without_codings_is_one_run():
    assert layout(3, 9, []) == layout(3, 9, [Mark(1, 20, 30)])
    assert layout(3, 9, []).runs == (Run(3, 9, ()),)
    assert layout(3, 9, []).depth == 0


def test_a_window_from_one_turns_end_to_anothers_start_has_the_blocks_of_the_whole_text_there():
    text = "Premessa.\nA: uno\nnota a margine\nB: due\nC: tre\n"
    turns = [(text.index("A:"), text.index("uno") + 3), (text.index("B:"), text.index("due") + 3)]
    whole = blocks(text, [*turns, (text.index("C:"), text.index("tre") + 3)])

    window = blocks(text, [turns[1]], turns[0][1], text.index("C:"))

    assert window == [Block(turns[0][1], turns[1][0]), Block(*turns[1], 0)]
    assert [(b.start, b.end) for b in window] == [(b.start, b.end) for b in whole[2:4]]
