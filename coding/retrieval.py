"""Retrieval: the segments of a code (and its sub-codes), filtered, each with the sentence around it.

The context of a segment is the sentence it lies in, cut to at most `width` code points either side: a
sentence ends at . ! ? or … followed by a space, or at a line end (turns are lines in our transcripts).
"""

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from coding.segments import Segment

SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)|\n")
CONTEXT_WIDTH = 200


@dataclass(frozen=True)
class Filters:
    """Which segments to keep; an empty set keeps everything on that count.

    `attributes` maps a participant attribute (role, gender, service_type, territory, seniority_tier) to
    the values accepted, compared as text; a segment without that attribute is left out.
    """

    documents: frozenset[int] = frozenset()
    coders: frozenset[str] = frozenset()
    speakers: frozenset[str] = frozenset()
    attributes: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def accepts(self, segment: Segment) -> bool:
        """Whether the segment passes every filter."""
        if self.documents and segment.document_id not in self.documents:
            return False
        if self.coders and segment.coder not in self.coders:
            return False
        if self.speakers and segment.speaker not in self.speakers:
            return False
        return all(
            as_text(segment.participant_attributes.get(name)) in values
            for name, values in self.attributes.items()
            if values
        )


@dataclass(frozen=True)
class Context:
    """A segment in its sentence: `before + match + after`; `cut_*` when the sentence went on further."""

    before: str
    match: str
    after: str
    cut_before: bool = False
    cut_after: bool = False


@dataclass(frozen=True)
class Quote:
    """A retrieved segment and its context."""

    segment: Segment
    context: Context


def as_text(value: object) -> str:
    """An attribute value as filters and tables show it: "" for none, 12 rather than 12.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def select(
    segments: Iterable[Segment], code_ids: Collection[int] | None = None, filters: Filters | None = None
) -> list[Segment]:
    """The segments of the given codes (all when None) that pass `filters`, by document, start, end, code."""
    filters = filters or Filters()
    kept = [s for s in segments if (code_ids is None or s.code_id in code_ids) and filters.accepts(s)]
    return sorted(kept, key=lambda s: (s.document.casefold(), s.document_id, s.start, s.end, s.code_path))


def context(text: str, start: int, end: int, width: int = CONTEXT_WIDTH, offset: int = 0) -> Context:
    """`text[start:end]` in its sentence, at most `width` code points either side.

    `text` may be a window of the document beginning at code point `offset` and reaching `width` + 1 code
    points beyond the span on both sides (or to the document's ends), so that a cut is seen; `start` and
    `end` are offsets in the whole document, like a segment's.
    """
    start, end = start - offset, end - offset
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"span {start + offset}-{end + offset} is outside the text given")
    low, high = max(0, start - width), min(len(text), end + width)
    left, cut_before = low, low > 0
    for found in SENTENCE_END.finditer(text, low, start):
        left, cut_before = found.end(), False
    right, cut_after = high, high < len(text)
    ending = SENTENCE_END.search(text, max(start, end - 1), high)
    if ending is not None:
        right, cut_after = (ending.start() if ending.group() == "\n" else ending.end()), False
        right = max(right, end)
    before = text[left:start].lstrip()
    after = text[end:right].rstrip()
    return Context(before, text[start:end], after, cut_before, cut_after)


def quotes(
    segments: Iterable[Segment], texts: Mapping[int, tuple[int, str]], width: int = CONTEXT_WIDTH
) -> list[Quote]:
    """Each segment with its context; `texts` maps its id to (offset, text): the document or a window of it
    as `context` takes."""
    found = []
    for segment in segments:
        offset, text = texts[segment.id]
        found.append(Quote(segment, context(text, segment.start, segment.end, width, offset)))
    return found


def attribute_values(segments: Iterable[Segment], names: Iterable[str]) -> dict[str, list[str]]:
    """The values each participant attribute takes among the segments' speakers, sorted, for filter menus."""
    names = list(names)
    values: dict[str, set[str]] = {name: set() for name in names}
    for segment in segments:
        for name in names:
            value = as_text(segment.participant_attributes.get(name))
            if value:
                values[name].add(value)
    return {name: sorted(found, key=str.casefold) for name, found in values.items()}
