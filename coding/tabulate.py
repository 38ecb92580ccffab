"""Code frequencies: segments, distinct documents and distinct speakers per code, and code × dimension
cross-tabs (by document, speaker, coder, a participant attribute or a document attribute) with row percents.

A count of segments counts codings: the same words coded by two coders are two segments. Distinct counts
count each document or speaker once per cell, so a row's cells may add up to more than its total (a speaker
heard in two documents), and the row percentages of documents or speakers may then add up past 100.
With `rollup`, a code's row also counts the segments of every code below it.
"""

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from coding.retrieval import as_text
from coding.segments import CodeNode, Segment, descendants, tree

Measure = Literal["segments", "documents", "speakers"]
MEASURES: tuple[Measure, ...] = ("segments", "documents", "speakers")
Dimension = Callable[[Segment], str | None]

_KEYS: dict[str, Callable[[Segment], Hashable | None]] = {
    "segments": lambda s: s.id,
    "documents": lambda s: s.document_id,
    "speakers": lambda s: s.speaker_key,
}


@dataclass(frozen=True)
class CodeTotals:
    """How often a code was given: segments, and the distinct documents and speakers they come from."""

    code: CodeNode
    depth: int
    segments: int
    documents: int
    speakers: int


@dataclass(frozen=True)
class CrossTab:
    """Codes (rows, tree order) by the values of a dimension (columns; None: not recorded)."""

    measure: Measure
    rows: tuple[tuple[CodeNode, int], ...]  # (code, depth)
    columns: tuple[str | None, ...]
    counts: tuple[tuple[int, ...], ...]
    row_totals: tuple[int, ...]
    column_totals: tuple[int, ...]
    total: int

    def row_percent(self, row: int, column: int) -> float | None:
        """The cell as a percentage of its row's total; None for an empty row."""
        whole = self.row_totals[row]
        return None if whole == 0 else 100 * self.counts[row][column] / whole

    def nonempty(self) -> "CrossTab":
        """The table without the rows of codes no segment was given."""
        keep = [i for i, total in enumerate(self.row_totals) if total]
        return CrossTab(
            self.measure,
            tuple(self.rows[i] for i in keep),
            self.columns,
            tuple(self.counts[i] for i in keep),
            tuple(self.row_totals[i] for i in keep),
            self.column_totals,
            self.total,
        )


def by_document(segment: Segment) -> str | None:
    return segment.document


def by_speaker(segment: Segment) -> str | None:
    return segment.speaker or None


def by_coder(segment: Segment) -> str | None:
    return segment.coder or None


def by_participant_attribute(name: str) -> Dimension:
    """The value of a participant attribute of the segment's speaker, as text."""
    return lambda segment: as_text(segment.participant_attributes.get(name)) or None


def by_document_attribute(name: str) -> Dimension:
    """The value of an attribute of the segment's document, as text."""
    return lambda segment: as_text(segment.document_attributes.get(name)) or None


def code_totals(
    segments: Iterable[Segment], codes: Sequence[CodeNode], rollup: bool = False
) -> list[CodeTotals]:
    """Segments, distinct documents and distinct speakers of each code, in tree order."""
    rows = _rows(segments, codes, rollup)
    return [
        CodeTotals(
            code,
            depth,
            _distinct(found, "segments"),
            _distinct(found, "documents"),
            _distinct(found, "speakers"),
        )
        for (code, depth), found in rows
    ]


def crosstab(
    segments: Iterable[Segment],
    codes: Sequence[CodeNode],
    dimension: Dimension,
    measure: Measure = "segments",
    rollup: bool = False,
) -> CrossTab:
    """A code × dimension table of `measure`, with row, column and grand totals (distinct, not summed)."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    rows = _rows(segments, codes, rollup)
    columns = _columns(dimension(s) for _, found in rows for s in found)
    index = {value: i for i, value in enumerate(columns)}
    counts, row_totals = [], []
    column_sets: list[set[Hashable]] = [set() for _ in columns]
    for _code, found in rows:
        cells: list[set[Hashable]] = [set() for _ in columns]
        for segment in found:
            key = _KEYS[measure](segment)
            if key is not None:
                column = index[dimension(segment)]
                cells[column].add(key)
                column_sets[column].add(key)
        counts.append(tuple(len(cell) for cell in cells))
        row_totals.append(_distinct(found, measure))
    return CrossTab(
        measure,
        tuple(row for row, _ in rows),
        tuple(columns),
        tuple(counts),
        tuple(row_totals),
        tuple(len(keys) for keys in column_sets),
        len(set().union(*column_sets)),
    )


def _rows(
    segments: Iterable[Segment], codes: Sequence[CodeNode], rollup: bool
) -> list[tuple[tuple[CodeNode, int], list[Segment]]]:
    by_code: dict[int, list[Segment]] = {}
    for segment in segments:
        by_code.setdefault(segment.code_id, []).append(segment)
    rows = []
    for code, depth in tree(codes):
        ids = descendants(codes, code.id) if rollup else {code.id}
        rows.append(((code, depth), [s for code_id in ids for s in by_code.get(code_id, [])]))
    return rows


def _columns(values: Iterable[str | None]) -> list[str | None]:
    found = set(values)
    named = sorted((v for v in found if v is not None), key=lambda v: (v.casefold(), v))
    return named + ([None] if None in found else [])


def _distinct(segments: Iterable[Segment], measure: str) -> int:
    return len({key for s in segments if (key := _KEYS[measure](s)) is not None})
