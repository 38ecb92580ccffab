"""Coded segments as the analyses see them: plain records of codes, codings and speaker turns.

The app loads these from its tables; retrieval, frequencies, co-occurrence, charts and exports take them and
never touch a database. Offsets are Unicode code points, end exclusive. A segment's speaker is the speaker
of the turn where it starts (or, when it starts between turns, of the first turn it reaches); speakers are
known by participant code, never by name.
"""

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

PATH_SEPARATOR = " / "


@dataclass(frozen=True)
class CodeNode:
    """A code of the codebook with the definition coders apply it by; `parent_id` None at the top."""

    id: int
    name: str
    parent_id: int | None = None
    definition: str = ""
    when_to_use: str = ""
    when_not: str = ""
    example: str = ""
    colour: str = "#0066cc"


@dataclass(frozen=True)
class TurnSpan:
    """A speaker turn of a document: `text[start:end]`, said by `speaker` (a participant code or a label
    such as MODERATORE), with the participant's code and attributes when the turn has a participant."""

    document_id: int
    start: int
    end: int
    speaker: str = ""
    participant: str = ""
    participant_attributes: Mapping[str, object] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Segment:
    """One coding: a code given by a coder to `text` (= document text[start:end]) of a document."""

    id: int
    document_id: int
    document: str
    code_id: int
    code_path: str
    start: int
    end: int
    text: str
    speaker: str = ""
    participant: str = ""
    participant_attributes: Mapping[str, object] = field(default_factory=dict, compare=False)
    document_attributes: Mapping[str, object] = field(default_factory=dict, compare=False)
    coder: str = ""
    origin: str = "manual"
    created: datetime | None = None

    @property
    def speaker_key(self) -> tuple[object, ...] | None:
        """Who speaks, told apart across documents: the participant, or a label within its document."""
        if self.participant:
            return ("participant", self.participant)
        if self.speaker:
            return ("label", self.document_id, self.speaker)
        return None


def tree(codes: Iterable[CodeNode]) -> list[tuple[CodeNode, int]]:
    """The codes with their depth (0 at the top), parents before children, siblings in the order given."""
    codes = list(codes)
    known = {code.id for code in codes}
    children: dict[int | None, list[CodeNode]] = {}
    for code in codes:
        parent = code.parent_id if code.parent_id in known else None
        children.setdefault(parent, []).append(code)
    ordered: list[tuple[CodeNode, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for code in children.get(parent, []):
            if code.id not in seen:
                seen.add(code.id)
                ordered.append((code, depth))
                walk(code.id, depth + 1)

    walk(None, 0)
    return ordered


def code_paths(codes: Iterable[CodeNode]) -> dict[int, str]:
    """Each code's path from the top of the tree, names joined by " / ": "Criticità / Personale"."""
    by_id = {code.id: code for code in codes}
    paths: dict[int, str] = {}
    for code in by_id.values():
        names, current, seen = [], code, set()
        while current is not None and current.id not in seen:
            seen.add(current.id)
            names.append(current.name)
            current = by_id.get(current.parent_id) if current.parent_id is not None else None
        paths[code.id] = PATH_SEPARATOR.join(reversed(names))
    return paths


def descendants(codes: Iterable[CodeNode], code_id: int) -> set[int]:
    """The ids of `code_id` and of every code below it."""
    children: dict[int | None, list[int]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code.id)
    found, todo = {code_id}, [code_id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


class TurnIndex:
    """The speaker turns of several documents, sorted for finding the turns of a span quickly."""

    def __init__(self, turns: Iterable[TurnSpan]) -> None:
        by_document: dict[int, list[TurnSpan]] = {}
        for turn in turns:
            by_document.setdefault(turn.document_id, []).append(turn)
        self._turns = {key: sorted(found, key=lambda t: t.start) for key, found in by_document.items()}
        self._starts = {key: [turn.start for turn in found] for key, found in self._turns.items()}

    def at(self, document_id: int, start: int, end: int) -> TurnSpan | None:
        """The turn where the span starts or, when it starts between turns, the first turn it reaches."""
        turns, starts = self._turns.get(document_id, []), self._starts.get(document_id, [])
        index = bisect.bisect_right(starts, start) - 1
        if index >= 0 and start < turns[index].end:
            return turns[index]
        following = index + 1
        if following < len(turns) and turns[following].start < end:
            return turns[following]
        return None

    def overlapping(self, document_id: int, start: int, end: int) -> list[tuple[int, int]]:
        """The turns the span shares text with, as (document id, position of the turn in its document)."""
        turns, starts = self._turns.get(document_id, []), self._starts.get(document_id, [])
        index = max(0, bisect.bisect_right(starts, start) - 1)
        found = []
        while index < len(turns) and turns[index].start < end:
            if turns[index].end > start:
                found.append((document_id, index))
            index += 1
        return found


def with_speakers(segments: Iterable[Segment], turns: Iterable[TurnSpan]) -> list[Segment]:
    """The segments with the speaker, participant code and participant attributes of their turn (see
    `TurnIndex.at`); a segment outside every turn keeps none."""
    index = TurnIndex(turns)
    found = []
    for segment in segments:
        turn = index.at(segment.document_id, segment.start, segment.end)
        if turn is None:
            found.append(replace(segment, speaker="", participant="", participant_attributes={}))
        else:
            found.append(
                replace(
                    segment,
                    speaker=turn.participant or turn.speaker,
                    participant=turn.participant,
                    participant_attributes=turn.participant_attributes,
                )
            )
    return found
