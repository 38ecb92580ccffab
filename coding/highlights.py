"""Lay out a coded transcript for reading: blocks (turns and the text between them) cut into runs at every
coding boundary, each coding on a layer of its own so overlapping codings stay visible.

Offsets are code points into the document's text, end exclusive. A run is a stretch of text covered by the
same codings from end to end; a page draws it once, nested in one mark per coding, the coding on the
highest layer outermost. Layers are given greedily in order of start (the longer coding first), so a
coding keeps one layer over its whole length within a block, and nested or crossing codings get distinct
layers: a page can underline each at its own depth.
"""

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Mark:
    """One coding as the layout sees it: a key (the coding's id) and its span."""

    key: Hashable
    start: int
    end: int


@dataclass(frozen=True)
class Block:
    """A stretch of the text shown on its own: a speaker turn (`turn` is its index) or text between turns."""

    start: int
    end: int
    turn: int | None = None


@dataclass(frozen=True)
class Run:
    """Text covered by the same codings throughout; `marks` are their keys, the highest layer first."""

    start: int
    end: int
    marks: tuple[Hashable, ...] = ()


@dataclass(frozen=True)
class Layout:
    """A block's runs, the layer of each coding that touches it, and how many layers it uses."""

    runs: tuple[Run, ...]
    layers: dict[Hashable, int]
    depth: int


def blocks(
    text: str, turns: Sequence[tuple[int, int]], start: int = 0, end: int | None = None
) -> list[Block]:
    """The turns in text order, with the stretches outside every turn that hold more than white space.

    `turns` are (start, end) pairs; a text without turns is one block (when it is not blank). Given a
    window [start, end) that begins and ends outside every turn, the blocks of that part of the text only
    (`turns` then holds the turns inside the window): the same blocks as the whole text has there.
    """
    end = len(text) if end is None else end
    found: list[Block] = []
    position = start
    for index, (turn_start, turn_end) in sorted(enumerate(turns), key=lambda pair: pair[1]):
        if turn_start > position and text[position:turn_start].strip():
            found.append(Block(position, turn_start))
        found.append(Block(turn_start, turn_end, index))
        position = max(position, turn_end)
    if position < end and text[position:end].strip():
        found.append(Block(position, end))
    return found


def layers(marks: Iterable[Mark]) -> dict[Hashable, int]:
    """The lowest layer free over each mark's span, marks taken by start, the longer first, then by key."""
    ordered = sorted(marks, key=lambda m: (m.start, -m.end, str(m.key)))
    ends: list[int] = []  # the end of the mark last put on each layer
    found: dict[Hashable, int] = {}
    for mark in ordered:
        layer = next((i for i, end in enumerate(ends) if end <= mark.start), len(ends))
        if layer == len(ends):
            ends.append(mark.end)
        else:
            ends[layer] = mark.end
        found[mark.key] = layer
    return found


def layout(start: int, end: int, marks: Iterable[Mark]) -> Layout:
    """Cut text[start:end] into runs at every boundary of the marks that overlap it."""
    inside = [
        Mark(m.key, max(m.start, start), min(m.end, end)) for m in marks if m.start < end and m.end > start
    ]
    layer_of = layers(inside)
    cuts = sorted({start, end, *(m.start for m in inside), *(m.end for m in inside)})
    opening: dict[int, list[Mark]] = {}
    for mark in inside:
        opening.setdefault(mark.start, []).append(mark)
    active: dict[Hashable, Mark] = {}
    runs = []
    for left, right in zip(cuts, cuts[1:], strict=False):
        for key in [k for k, m in active.items() if m.end <= left]:
            del active[key]
        active.update((m.key, m) for m in opening.get(left, ()))
        keys = sorted(active, key=lambda k: -layer_of[k])
        runs.append(Run(left, right, tuple(keys)))
    depth = max(layer_of.values(), default=-1) + 1
    return Layout(tuple(runs), layer_of, depth)
