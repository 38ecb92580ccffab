"""Co-occurrence of codes, two ways: segments whose spans overlap, and codes given in the same speaker turn.

By overlap, a cell counts the pairs of segments (one of each code, in the same document) that share at
least one code point; its diagonal counts each code's segments. By turn, a cell counts the speaker turns
where both codes were given (a segment counts in every turn it shares text with); its diagonal counts the
turns where the code was given. Segments of the same code never pair with each other, and a document
without turns adds nothing to the turn table.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from coding.segments import CodeNode, Segment, TurnIndex, TurnSpan


@dataclass(frozen=True)
class Matrix:
    """A symmetric code × code table of counts, rows and columns in the order of `codes`."""

    codes: tuple[CodeNode, ...]
    counts: tuple[tuple[int, ...], ...]

    def count(self, a: int, b: int) -> int:
        """The cell of two code ids."""
        index = {code.id: i for i, code in enumerate(self.codes)}
        return self.counts[index[a]][index[b]]

    def pairs(self) -> list[tuple[CodeNode, CodeNode, int]]:
        """The pairs of different codes that co-occur, most often first."""
        found = [
            (self.codes[i], self.codes[j], self.counts[i][j])
            for i, j in combinations(range(len(self.codes)), 2)
            if self.counts[i][j]
        ]
        return sorted(found, key=lambda pair: -pair[2])


def by_overlap(segments: Iterable[Segment], codes: Sequence[CodeNode]) -> Matrix:
    """Pairs of overlapping segments of two codes; the diagonal holds each code's segments."""
    index = {code.id: i for i, code in enumerate(codes)}
    counts = [[0] * len(codes) for _ in codes]
    by_document: dict[int, list[Segment]] = {}
    for segment in segments:
        if segment.code_id in index:
            by_document.setdefault(segment.document_id, []).append(segment)
            counts[index[segment.code_id]][index[segment.code_id]] += 1
    for found in by_document.values():
        found.sort(key=lambda s: (s.start, s.end))
        for i, first in enumerate(found):
            for second in found[i + 1 :]:
                if second.start >= first.end:
                    break
                if second.code_id != first.code_id:
                    a, b = index[first.code_id], index[second.code_id]
                    counts[a][b] += 1
                    counts[b][a] += 1
    return Matrix(tuple(codes), tuple(tuple(row) for row in counts))


def by_turn(segments: Iterable[Segment], turns: Iterable[TurnSpan], codes: Sequence[CodeNode]) -> Matrix:
    """Speaker turns where both codes were given; the diagonal holds the turns where each code was."""
    index = {code.id: i for i, code in enumerate(codes)}
    turn_index = TurnIndex(turns)
    codes_in_turn: dict[tuple[int, int], set[int]] = {}
    for segment in segments:
        if segment.code_id in index:
            for turn in turn_index.overlapping(segment.document_id, segment.start, segment.end):
                codes_in_turn.setdefault(turn, set()).add(index[segment.code_id])
    counts = [[0] * len(codes) for _ in codes]
    for given in codes_in_turn.values():
        for a in given:
            counts[a][a] += 1
        for a, b in combinations(sorted(given), 2):
            counts[a][b] += 1
            counts[b][a] += 1
    return Matrix(tuple(codes), tuple(tuple(row) for row in counts))
