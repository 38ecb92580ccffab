"""Offsets after text replacements: where the spans of a transcript (turns, codings, earlier replacements)
land once some stretches of its text were replaced by text of another length, as pseudonymisation does.

Offsets are Unicode code points from 0, end-exclusive. A span that does not touch a replaced stretch keeps
its text exactly. A span that overlaps one only in part grows to cover the whole replacement (half a name
cannot be coded once the name is "[PERSONA 1]"), so every coding stays a valid, non-empty span.
"""

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from coding.errors import CodingError

Side = Literal["start", "end"]


class OffsetError(CodingError):
    """Replacements that cannot be mapped: empty, outside the text, or overlapping one another."""


@dataclass(frozen=True, order=True)
class Replacement:
    """`old_text[start:end]` replaced by `length` code points of new text."""

    start: int
    end: int
    length: int


class OffsetMap:
    """Maps positions and spans of the old text to the new one, for non-overlapping replacements."""

    def __init__(self, replacements: Iterable[Replacement]) -> None:
        self._replacements = sorted(replacements)
        self._starts = [r.start for r in self._replacements]
        self._shift_before: list[int] = []  # how far everything before replacement i has moved
        shift, previous_end = 0, 0
        for r in self._replacements:
            if r.start < previous_end or r.start < 0 or r.end <= r.start or r.length < 0:
                raise OffsetError(
                    f"Sostituzione non valida o sovrapposta a {r.start}–{r.end}. / "
                    f"Invalid or overlapping replacement at {r.start}–{r.end}."
                )
            self._shift_before.append(shift)
            shift += r.length - (r.end - r.start)
            previous_end = r.end
        self.shift = shift  # the change in the text's length

    def position(self, position: int, side: Side = "start") -> int:
        """The new offset of `position`. Inside a replaced stretch, a span's start moves to the
        replacement's start and a span's end to the replacement's end."""
        index = bisect.bisect_right(self._starts, position) - 1
        if index < 0:
            return position
        r, shift = self._replacements[index], self._shift_before[index]
        if position >= r.end:
            return position + shift + r.length - (r.end - r.start)
        if position == r.start or side == "start":
            return r.start + shift
        return r.start + shift + r.length

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """The new (start, end) of a span, or None when nothing of it is left (it lay inside a stretch
        replaced by nothing)."""
        new_start, new_end = self.position(start, "start"), self.position(end, "end")
        return (new_start, new_end) if new_end > new_start else None

    def touches(self, start: int, end: int) -> bool:
        """Whether the span overlaps a replaced stretch (its text then changes)."""
        index = bisect.bisect_left(self._starts, end) - 1
        return index >= 0 and self._replacements[index].end > start
