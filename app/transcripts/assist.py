"""Machine-assisted coding: lemma-aware search of a study's transcripts, auto-coding of the hits as
sentences, turns or paragraphs (one batch per run, undone in one step), and theme discovery.

Searches read only the transcripts of the study; limits by speaker and attribute use the participants' codes
and attributes; "inside a code" uses the codings the user may see (their own in a blind study). Passages are
proposed, never applied, until a person ticks them and presses "apply".
"""

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from spacy.language import Language
from sqlalchemy import func, select

from app import audit
from app.extensions import db
from app.i18n import in_user_language
from app.models import Code, Coding, CodingDocument, CodingOrigin, CodingParticipant, CodingProject, User
from app.numbers import whole_number
from app.transcripts import access, codings
from coding import search
from coding.errors import SearchError, ThemeError
from coding.highlights import blocks
from coding.nlp import MODELS, pipeline
from coding.search import Unit
from coding.themes import discover_themes
from coding.turns import CONVENTIONAL_ROLES

MODES = ("lemma", "word", "regex")
UNITS = ("match", "sentence", "turn", "paragraph")
MAX_SHOWN = 500  # passages listed at once
CONTEXT = 60  # code points of text shown either side of a passage
ASKING_ROLES = frozenset({"moderatore", "intervistatore", "osservatore"})  # their turns ask, not answer
EXAMPLE_LENGTH = 300


class AssistError(ValueError):
    """A search, auto-coding or theme request that cannot be run; the message is for the user."""


@dataclass(frozen=True)
class SearchInput:
    query: str
    mode: str = "lemma"
    unit: str = "sentence"
    speaker: str = ""  # a participant's code
    attribute: str = ""  # "name=value" of a participant attribute
    inside_code: Code | None = None


@dataclass(frozen=True)
class Passage:
    """A unit proposed for coding, with its context; `pieces` mark the hits inside it."""

    document_id: int
    start: int
    end: int
    speaker: str
    before: str
    pieces: tuple[tuple[str, bool], ...]
    after: str

    @property
    def key(self) -> str:
        return f"{self.document_id}:{self.start}:{self.end}"


@dataclass(frozen=True)
class Results:
    passages: list[Passage]
    total: int
    documents: int  # transcripts with at least one passage


@dataclass(frozen=True)
class Batch:
    """One auto-coding run of the user: how many codings it left, with which codes, when."""

    id: str
    count: int
    codes: tuple[str, ...]
    created_at: datetime


def documents_of(study: CodingProject, ids: Iterable[int] = ()) -> list[CodingDocument]:
    """The study's transcripts by name, only those with the given ids when there are any."""
    query = select(CodingDocument).where(CodingDocument.coding_project_id == study.id)
    wanted = list(ids)
    if wanted:
        query = query.where(CodingDocument.id.in_(wanted))
    return list(db.session.scalars(query.order_by(CodingDocument.name, CodingDocument.id)))


def participants_of(study: CodingProject) -> dict[int, CodingParticipant]:
    query = select(CodingParticipant).where(CodingParticipant.coding_project_id == study.id)
    return {p.id: p for p in db.session.scalars(query.order_by(CodingParticipant.code))}


def attribute_choices(study: CodingProject) -> list[str]:
    """Every "name=value" the study's participants have, sorted."""
    pairs = {
        f"{name}={value}"
        for person in participants_of(study).values()
        for name, value in (person.attributes or {}).items()
        if value not in (None, "")
    }
    return sorted(pairs, key=str.casefold)


def turn_units(document: CodingDocument, people: dict[int, CodingParticipant]) -> list[Unit]:
    """The document's turns, each with its speaker's participant code and attributes."""
    units = []
    for turn in document.turns:
        person = people.get(turn.participant_id) if turn.participant_id else None
        speaker = person.code if person else turn.speaker
        units.append(Unit(turn.start, turn.end, speaker, dict(person.attributes or {}) if person else {}))
    return units


def is_asking(unit: Unit) -> bool:
    """Whether a turn is a moderator's or interviewer's (a question, not what participants said)."""
    return CONVENTIONAL_ROLES.get(" ".join((unit.speaker or "").split()).casefold()) in ASKING_ROLES


def answer_units(document: CodingDocument, people: dict[int, CodingParticipant]) -> list[Unit]:
    """What participants said: the turns that are not a moderator's, or the paragraphs of a document
    without speaker turns."""
    if not document.turns:
        return search.paragraphs(document.text)
    return [unit for unit in turn_units(document, people) if not is_asking(unit)]


def run_search(
    user: User, study: CodingProject, docs: Sequence[CodingDocument], given: SearchInput
) -> Results:
    """The passages of `docs` that the search finds, widened to the chosen unit and limited as asked."""
    if given.mode not in MODES or given.unit not in UNITS:
        raise AssistError(_("Choose a search mode and a unit from the lists."))
    nlp = study_pipeline(study)
    people = participants_of(study)
    try:
        search.find(nlp, "", given.query, given.mode)  # refuses an empty query or a bad pattern at once
        found = [_passages(user, nlp, study, doc, given, people) for doc in docs]
    except SearchError as error:
        raise AssistError(in_user_language(str(error))) from None
    passages = [passage for per_document in found for passage in per_document]
    audit.record(
        "transcript.search",
        study,
        org_unit_id=study.org_unit_id,
        actor=user,
        documents=[doc.id for doc in docs],
        mode=given.mode,
        unit=given.unit,
        found=len(passages),
    )
    return Results(passages[:MAX_SHOWN], len(passages), sum(1 for per_document in found if per_document))


def study_pipeline(study: CodingProject) -> Language:
    """The text pipeline of the study's language (Italian when it is not one the pipeline knows)."""
    return pipeline(study.language if study.language in MODELS else "it")


def _passages(
    user: User,
    nlp: Language,
    study: CodingProject,
    doc: CodingDocument,
    given: SearchInput,
    people: dict[int, CodingParticipant],
) -> list[Passage]:
    hits = search.find(nlp, doc.text, given.query, given.mode)
    if not hits:
        return []
    turns = turn_units(doc, people)
    keep = _turn_filter(given)
    if keep is not None:
        hits = search.restrict(hits, turns, keep)
    if given.inside_code is not None and hits:
        hits = search.inside(hits, _coded_ranges(user, study, doc, given.inside_code))
    hits = sorted(set(hits))
    starts = [hit.start for hit in hits]
    turn_starts = [turn.start for turn in turns]
    passages = []
    for unit in _widened(nlp, doc, hits, given.unit):
        near = hits[max(0, bisect_left(starts, unit.start) - 1) : bisect_left(starts, unit.end)]
        at = bisect_right(turn_starts, unit.start) - 1
        speaker = turns[at].speaker or "" if at >= 0 and unit.start < turns[at].end else ""
        passages.append(_passage(doc, unit, near, speaker))
    return passages


def _turn_filter(given: SearchInput) -> Callable[[Unit], bool] | None:
    tests: list[Callable[[Unit], bool]] = []
    if given.speaker:
        tests.append(search.by_speaker(given.speaker))
    if given.attribute:
        name, _sep, value = given.attribute.partition("=")
        tests.append(lambda turn: str(turn.attributes.get(name, "")) == value)
    if not tests:
        return None
    return lambda turn: all(test(turn) for test in tests)


def _coded_ranges(user: User, study: CodingProject, doc: CodingDocument, code: Code) -> list[tuple[int, int]]:
    query = select(Coding.start, Coding.end).where(
        Coding.document_id == doc.id, Coding.code_id == code.id, access.visible_codings(user, study)
    )
    return [(row.start, row.end) for row in db.session.execute(query)]


def _widened(nlp: Language, doc: CodingDocument, hits: list[search.Hit], unit: str) -> list[search.Spanned]:
    if unit == "match":
        return list(hits)
    if unit == "turn":
        return search.expand(hits, [Unit(t.start, t.end) for t in doc.turns])
    if unit == "paragraph":
        return search.expand(hits, search.paragraphs(doc.text))
    return search.expand(hits, sentence_units(nlp, doc))


def sentence_units(nlp: Language, doc: CodingDocument) -> list[Unit]:
    """The sentences of a transcript, found within each turn so that none runs across two speakers."""
    units = []
    for block in blocks(doc.text, [(t.start, t.end) for t in doc.turns]):
        for sentence in search.sentences(nlp, doc.text[block.start : block.end]):
            units.append(Unit(block.start + sentence.start, block.start + sentence.end))
    return units


def _passage(doc: CodingDocument, unit: search.Spanned, hits: list[search.Hit], speaker: str) -> Passage:
    text = doc.text
    pieces, cursor = [], unit.start
    for hit in hits:
        start, end = max(hit.start, unit.start), min(hit.end, unit.end)
        if start >= end or start < cursor:
            continue
        pieces += [(text[cursor:start], False), (text[start:end], True)]
        cursor = end
    pieces.append((text[cursor : unit.end], False))
    return Passage(
        doc.id,
        unit.start,
        unit.end,
        speaker,
        text[max(0, unit.start - CONTEXT) : unit.start],
        tuple(piece for piece in pieces if piece[0]),
        text[unit.end : unit.end + CONTEXT],
    )


def parse_keys(keys: Iterable[str]) -> list[tuple[int, int, int]]:
    """Passage keys "document:start:end" as numbers, each once; AssistError for anything else."""
    parsed = []
    for key in keys:
        parts = key.split(":")
        numbers = [whole_number(part) for part in parts]
        if len(numbers) != 3 or None in numbers:
            raise AssistError(_("Tick the passages to code from the list."))
        parsed.append((numbers[0], numbers[1], numbers[2]))
    return list(dict.fromkeys(parsed))


def autocode(
    user: User,
    study: CodingProject,
    code: Code,
    units: list[tuple[int, int, int]],
    docs: dict[int, CodingDocument],
) -> tuple[str, int]:
    """Code the ticked passages with `code` as one auto-coding batch; returns the batch and how many
    codings are new (a passage the user had already coded so keeps its coding). The caller commits."""
    if not units:
        raise AssistError(_("Tick at least one passage to code."))
    batch = codings.new_batch()
    made = 0
    try:
        for document_id, start, end in units:
            applied = codings.apply_codes(
                user, docs[document_id], [code], start, end, origin=CodingOrigin.AUTO, batch=batch
            )
            made += sum(1 for coding in applied if coding.batch == batch)
    except codings.CodingError as error:
        raise AssistError(str(error)) from None
    audit.record(
        "transcript.autocode",
        study,
        org_unit_id=study.org_unit_id,
        actor=user,
        batch=batch,
        code=code.id,
        passages=len(units),
        codings=made,
    )
    return batch, made


def recent_batches(user: User, study: CodingProject, limit: int = 10) -> list[Batch]:
    """The user's auto-coding batches in the study that still have codings, the latest first."""
    query = (
        select(Coding.batch, Code.name, func.count(), func.max(Coding.created_at))
        .join(CodingDocument, CodingDocument.id == Coding.document_id)
        .join(Code, Code.id == Coding.code_id)
        .where(
            CodingDocument.coding_project_id == study.id,
            Coding.coder_id == user.id,
            Coding.origin == CodingOrigin.AUTO,
            Coding.batch != "",
        )
        .group_by(Coding.batch, Code.name)
    )
    grouped: dict[str, tuple[int, list[str], datetime]] = {}
    for batch, name, count, created in db.session.execute(query):
        total, names, latest = grouped.get(batch, (0, [], created))
        grouped[batch] = (total + count, [*names, name], max(latest, created))
    ordered = sorted(grouped.items(), key=lambda item: item[1][2], reverse=True)[:limit]
    return [Batch(batch, count, tuple(sorted(names)), created) for batch, (count, names, created) in ordered]


def undo(user: User, study: CodingProject, batch: str) -> int:
    """Remove the user's codings of one batch of the study; AssistError when none is left."""
    removed = codings.undo_batch(user, [doc.id for doc in documents_of(study)], batch)
    if not removed:
        raise AssistError(_("Nothing is left to undo in that batch."))
    audit.record(
        "transcript.autocode.undo",
        study,
        org_unit_id=study.org_unit_id,
        actor=user,
        batch=batch,
        removed=removed,
    )
    return removed


@dataclass(frozen=True)
class Example:
    document: CodingDocument
    speaker: str
    text: str


@dataclass(frozen=True)
class ThemeView:
    name: str
    words: tuple[str, ...]
    examples: tuple[Example, ...]


def themes(
    user: User, study: CodingProject, docs: Sequence[CodingDocument], speaker: str, count: int
) -> list[ThemeView]:
    """Candidate themes in what participants said in `docs` (one speaker's turns when given)."""
    people = participants_of(study)
    units = [
        (doc, unit)
        for doc in docs
        for unit in answer_units(doc, people)
        if not speaker or unit.speaker == speaker
    ]
    texts = [doc.text[unit.start : unit.end] for doc, unit in units]
    try:
        found = discover_themes(study_pipeline(study), texts, count)
    except ThemeError as error:
        raise AssistError(in_user_language(str(error))) from None
    audit.record(
        "transcript.themes",
        study,
        org_unit_id=study.org_unit_id,
        actor=user,
        documents=[doc.id for doc in docs],
        themes=count,
    )
    return [
        ThemeView(
            theme.name,
            theme.words,
            tuple(
                Example(units[i][0], units[i][1].speaker or "", _shortened(texts[i])) for i in theme.examples
            ),
        )
        for theme in found
    ]


def _shortened(text: str) -> str:
    return text if len(text) <= EXAMPLE_LENGTH else text[: EXAMPLE_LENGTH - 1].rstrip() + "…"
