"""Offsets after replacements: spans keep their text, and spans that overlap a replacement stay valid."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coding.offsets import OffsetError, OffsetMap, Replacement
from coding.pseudonyms import Proposal, apply

TEXT = "Giulia è arrivata 😕 con Marco Rossi; è andata bene 👍🏽, dice Giulia."


def replaced(text: str, *originals: str) -> tuple[str, OffsetMap, list[Proposal]]:
    """Pseudonymise every occurrence of `originals` with coding.pseudonyms.apply; the map of its offsets."""
    proposals = []
    for original in originals:
        start = text.find(original)
        while start >= 0:
            proposals.append(Proposal(start, start + len(original), "persona", original))
            start = text.find(original, start + 1)
    new_text, subs = apply(text, proposals)
    chosen = sorted(proposals, key=lambda p: p.start)
    offsets = OffsetMap(
        Replacement(p.start, p.end, s.end - s.start) for p, s in zip(chosen, subs, strict=True)
    )
    return new_text, offsets, proposals


def test_a_span_before_after_and_between_replacements_keeps_its_text_with_accents_and_emoji():
    new_text, offsets, _ = replaced(TEXT, "Giulia", "Marco Rossi")
    for piece in ("è arrivata 😕 con", "è andata bene 👍🏽, dice", "."):
        start = TEXT.find(piece)

        new_start, new_end = offsets.span(start, start + len(piece))

        assert new_text[new_start:new_end] == piece


def test_a_span_that_is_a_replaced_name_becomes_its_replacement():
    new_text, offsets, _ = replaced(TEXT, "Marco Rossi")
    start = TEXT.find("Marco Rossi")

    new_start, new_end = offsets.span(start, start + len("Marco Rossi"))

    assert new_text[new_start:new_end] == "[PERSONA 1]"


@pytest.mark.parametrize(
    ("piece", "expected"),
    [
        ("arco Rossi; è andata", "[PERSONA 1]; è andata"),  # starts inside the name
        ("con Marco", "con [PERSONA 1]"),  # ends inside the name
        ("rco Ro", "[PERSONA 1]"),  # wholly inside the name
        ("😕 con Marco Rossi; è", "😕 con [PERSONA 1]; è"),  # contains it
    ],
)
def test_a_span_overlapping_a_replacement_grows_to_cover_it_whole(piece, expected):
    new_text, offsets, _ = replaced(TEXT, "Marco Rossi")
    start = TEXT.find(piece)

    new_start, new_end = offsets.span(start, start + len(piece))

    assert new_text[new_start:new_end] == expected


def test_spans_touching_a_replacement_at_its_ends_do_not_take_it_in():
    new_text, offsets, _ = replaced(TEXT, "Marco Rossi")
    name = TEXT.find("Marco Rossi")

    before = offsets.span(name - 4, name)
    after = offsets.span(name + len("Marco Rossi"), name + len("Marco Rossi") + 2)

    assert new_text[before[0] : before[1]] == "con "
    assert new_text[after[0] : after[1]] == "; "
    assert not offsets.touches(name - 4, name) and offsets.touches(name - 4, name + 1)


def test_a_span_inside_a_stretch_replaced_by_nothing_is_gone():
    offsets = OffsetMap([Replacement(5, 10, 0)])

    assert offsets.span(6, 9) is None
    assert offsets.span(3, 12) == (3, 7)
    assert offsets.shift == -5


@pytest.mark.parametrize(
    "replacements",
    [
        [Replacement(0, 5, 3), Replacement(4, 8, 1)],  # overlapping
        [Replacement(3, 3, 2)],  # empty original
        [Replacement(-1, 2, 2)],
        [Replacement(2, 4, -1)],
    ],
)
def test_invalid_replacements_are_refused(replacements):
    with pytest.raises(OffsetError):
        OffsetMap(replacements)


def test_no_replacement_changes_nothing():
    offsets = OffsetMap([])

    assert offsets.span(3, 9) == (3, 9) and offsets.shift == 0


ALPHABET = st.sampled_from(list("ab è😕👍🏽\n"))


@given(
    text=st.text(ALPHABET, min_size=1, max_size=40),
    cuts=st.lists(st.integers(0, 40), max_size=8),
    lengths=st.lists(st.integers(1, 6), min_size=8, max_size=8),
    span=st.tuples(st.integers(0, 40), st.integers(0, 40)),
)
def test_any_span_maps_to_a_valid_span_with_its_untouched_text_intact(text, cuts, lengths, span):
    points = sorted({c % (len(text) + 1) for c in cuts})
    pairs = [(a, b) for a, b in zip(points[::2], points[1::2], strict=False) if b > a]
    new_text, parts, cursor = "", [], 0
    for (a, b), length in zip(pairs, lengths, strict=False):
        new_text += text[cursor:a] + "#" * length
        parts.append(Replacement(a, b, length))
        cursor = b
    new_text += text[cursor:]
    offsets = OffsetMap(parts)
    start, end = sorted(s % (len(text) + 1) for s in span)
    if start == end:
        return

    new_start, new_end = offsets.span(start, end)

    assert 0 <= new_start < new_end <= len(new_text)
    assert len(new_text) == len(text) + offsets.shift
    if not offsets.touches(start, end):
        assert new_text[new_start:new_end] == text[start:end]
