"""The coding page of a transcript: its turns with the codings a user may see, laid out for highlighting.

The page and every redraw after a change use the same layout (coding.highlights): blocks are the speaker
turns and any text between them, cut into runs at each coding's ends. A redraw covers only the blocks that
a changed span touches, so applying a code costs the same in a long transcript as in a short one.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import func, select

from app.extensions import db
from app.models import Code, Coding, CodingDocument, CodingProject, CodingTurn, User
from app.transcripts import access, codebook
from coding import highlights

SHORTCUT_KEYS = "1234567890"  # the first ten codes of the codebook answer to these keys
MAX_LAYER = 5  # deeper layers share the lowest underline (coding.css draws six)


@dataclass(frozen=True)
class Shown:
    """A coding as the page shows it, with its coder's name and whether the user may take it back."""

    id: int
    code_id: int
    start: int
    end: int
    coder_id: int | None
    coder: str
    origin: str
    removable: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code_id": self.code_id,
            "start": self.start,
            "end": self.end,
            "coder_id": self.coder_id,
            "coder": self.coder,
            "origin": self.origin,
            "removable": self.removable,
        }


@dataclass(frozen=True)
class BlockView:
    """A turn (or text between turns) ready to draw: its runs in their marks, and the codes applied in it."""

    key: str
    start: int
    end: int
    turn: CodingTurn | None
    text_html: Markup
    depth: int
    code_ids: tuple[int, ...]

    @property
    def time(self) -> str:
        return clock(self.turn.time_start) if self.turn is not None else ""

    @property
    def seconds(self) -> int | None:
        if self.turn is None or self.turn.time_start is None:
            return None
        return int(self.turn.time_start)


@dataclass
class Codebook:
    """The study's codes in tree order, with depths and the keyboard shortcut of the first ten."""

    codes: list[Code]
    depths: dict[int, int]
    shortcuts: dict[int, str] = field(default_factory=dict)

    @cached_property
    def by_id(self) -> dict[int, Code]:
        return {code.id: code for code in self.codes}

    def as_json(self) -> dict[str, dict[str, Any]]:
        return {str(code.id): code_json(code, self.shortcuts.get(code.id, "")) for code in self.codes}


def code_json(code: Code, shortcut: str = "") -> dict[str, Any]:
    return {
        "id": code.id,
        "name": code.name,
        "colour": code.colour,
        "definition": code.definition,
        "shortcut": shortcut,
    }


def codebook_of(study: CodingProject) -> Codebook:
    codes = codebook.codes_of(study)
    shortcuts = {code.id: key for code, key in zip(codes, SHORTCUT_KEYS, strict=False)}
    return Codebook(codes, codebook.depths(codes), shortcuts)


def shown_codings(
    user: User, document: CodingDocument, start: int | None = None, end: int | None = None
) -> list[Shown]:
    """The codings of the document the user may see (those touching [start, end) when given), by start."""
    study = document.coding_project
    query = (
        select(
            Coding.id,
            Coding.code_id,
            Coding.start,
            Coding.end,
            Coding.coder_id,
            Coding.origin,
            User.name,
            User.email,
        )
        .outerjoin(User, User.id == Coding.coder_id)
        .where(Coding.document_id == document.id, access.visible_codings(user, study))
        .order_by(Coding.start, Coding.id)
    )
    if start is not None and end is not None:
        query = query.where(Coding.start < end, Coding.end > start)
    lead = access.is_lead(user, study)
    return [
        Shown(
            row.id,
            row.code_id,
            row.start,
            row.end,
            row.coder_id,
            row.name or row.email or "—",
            row.origin,
            lead or row.coder_id == user.id,
        )
        for row in db.session.execute(query)
    ]


def blocks_of(document: CodingDocument) -> list[tuple[highlights.Block, CodingTurn | None]]:
    turns = list(document.turns)
    found = highlights.blocks(document.text, [(t.start, t.end) for t in turns])
    return [(block, turns[block.turn] if block.turn is not None else None) for block in found]


def block_views(
    document: CodingDocument,
    blocks: Sequence[tuple[highlights.Block, CodingTurn | None]],
    shown: Iterable[Shown],
    book: Codebook,
) -> list[BlockView]:
    """Lay out each block with the codings that overlap it."""
    starts = [block.start for block, _ in blocks]
    ends = [block.end for block, _ in blocks]
    per_block: list[list[Shown]] = [[] for _ in blocks]
    for coding in shown:
        # the blocks overlapping the coding: those ending after its start and starting before its end
        for index in range(bisect_right(ends, coding.start), bisect_left(starts, coding.end)):
            per_block[index].append(coding)
    return [
        _block_view(document.text, block, turn, mine, book)
        for (block, turn), mine in zip(blocks, per_block, strict=True)
    ]


def page_blocks(user: User, document: CodingDocument, book: Codebook) -> tuple[list[BlockView], list[Shown]]:
    """Every block of the document, and the codings shown in them."""
    shown = shown_codings(user, document)
    return block_views(document, blocks_of(document), shown, book), shown


def redraw(
    user: User, document: CodingDocument, start: int, end: int, book: Codebook
) -> tuple[list[BlockView], list[Shown]]:
    """The blocks that [start, end) touches, drawn afresh, and the codings shown in them.

    Only the turns around the span are read: the blocks lie between the end of the last turn before it
    and the start of the first turn after it.
    """
    of_document = CodingTurn.document_id == document.id
    turns = list(
        db.session.scalars(
            select(CodingTurn)
            .where(of_document, CodingTurn.start < end, CodingTurn.end > start)
            .order_by(CodingTurn.start)
        )
    )
    low = db.session.scalar(select(func.max(CodingTurn.end)).where(of_document, CodingTurn.end <= start))
    high = db.session.scalar(select(func.min(CodingTurn.start)).where(of_document, CodingTurn.start >= end))
    window = highlights.blocks(
        document.text,
        [(t.start, t.end) for t in turns],
        low or 0,
        len(document.text) if high is None else high,
    )
    touched = [
        (b, turns[b.turn] if b.turn is not None else None) for b in window if b.start < end and b.end > start
    ]
    if not touched:
        return [], []
    shown = shown_codings(user, document, touched[0][0].start, touched[-1][0].end)
    return block_views(document, touched, shown, book), shown


def clock(seconds: float | None) -> str:
    """A timestamp as m:ss, or h:mm:ss from an hour on."""
    if seconds is None:
        return ""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _block_view(
    text: str, block: highlights.Block, turn: CodingTurn | None, shown: list[Shown], book: Codebook
) -> BlockView:
    laid = highlights.layout(block.start, block.end, [highlights.Mark(c.id, c.start, c.end) for c in shown])
    code_of = {c.id: c.code_id for c in shown}
    present = set(code_of.values())
    code_ids = tuple(code.id for code in book.codes if code.id in present)
    key = f"turn-{turn.id}" if turn is not None else f"text-{block.start}"
    return BlockView(key, block.start, block.end, turn, _text_html(text, laid, code_of), laid.depth, code_ids)


def _text_html(text: str, laid: highlights.Layout, code_of: dict[int, int]) -> Markup:
    """The runs of a block, each in one mark per coding, written without white space between tags.

    Built here rather than in a template: a long transcript has tens of thousands of runs, and this is
    ten times faster. Everything but the escaped text is an integer.
    """
    parts = []
    for run in laid.runs:
        for key in run.marks:
            layer = min(laid.layers[key], MAX_LAYER)
            parts.append(f'<mark class="cw-hl code-{code_of[key]} cw-layer-{layer}" data-coding="{key}">')
        parts.append(
            f'<span class="cw-run" data-start="{run.start}">{escape(text[run.start : run.end])}</span>'
        )
        parts.append("</mark>" * len(run.marks))
    return Markup("".join(parts))  # noqa: S704 - the text is escaped above, the rest are integers
