"""A study's codebook, codings and speaker turns loaded as the plain records coding/ analyses.

Only the codings the user may see are loaded (access.visible_codings: their own while a blind study is not
released). Transcripts are read only when the segments' texts are asked for (each read once, however many
codings it has), and a retrieval page cuts the context of its segments out of them in the database.
Participants appear by code: the table of names replaced at import (CodingNameMapping) is never read here.
"""

from collections.abc import Collection, Iterable
from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy import Row, Select, case, func, select

from app.extensions import db
from app.models import (
    Code,
    Coding,
    CodingDocument,
    CodingParticipant,
    CodingProject,
    CodingTurn,
    OrgUnit,
    User,
)
from app.transcripts import access
from app.transcripts.codebook import codes_of
from coding.errors import ParticipantError
from coding.participants import seniority_tier
from coding.segments import CodeNode, Segment, TurnSpan, code_paths, with_speakers


@dataclass(frozen=True)
class Coder:
    id: int
    label: str


@dataclass(frozen=True)
class StudyCodings:
    """What the analyses of one study work on, as one user may see it."""

    codes: list[CodeNode]  # tree order
    segments: list[Segment]
    turns: list[TurnSpan]
    documents: list[tuple[int, str]]  # every document of the study: (id, name), by name
    coders: list[Coder]  # those whose codings the user sees, by label


def code_nodes(study: CodingProject) -> list[CodeNode]:
    """The study's codebook in tree order."""
    return [_node(code) for code in codes_of(study)]


def load(
    user: User,
    study: CodingProject,
    *,
    coder_id: int | None = None,
    document_ids: Collection[int] = (),
    code_ids: Collection[int] | None = None,
    with_text: bool = True,
) -> StudyCodings:
    """The codes, the visible codings (of one coder, some documents, some codes when given) and the turns.

    Without `with_text` the segments' texts are left empty: frequencies and co-occurrence need offsets only.
    """
    codes = code_nodes(study)
    paths = code_paths(codes)
    query = _codings_query(user, study)
    if coder_id is not None:
        query = query.where(Coding.coder_id == coder_id)
    if document_ids:
        query = query.where(Coding.document_id.in_(list(document_ids)))
    if code_ids is not None:
        query = query.where(Coding.code_id.in_(list(code_ids)))
    rows = db.session.execute(query).all()
    places = _documents_by_id(study)
    visible = coders(user, study)
    people = {coder.id: coder.label for coder in visible}
    texts = _texts({row.document_id for row in rows}) if with_text else {}
    segments = [_segment(row, paths, places[row.document_id], people, texts) for row in rows]
    turns = turn_spans(study)
    return StudyCodings(codes, with_speakers(segments, turns), turns, documents(study), visible)


def documents(study: CodingProject) -> list[tuple[int, str]]:
    query = (
        select(CodingDocument.id, CodingDocument.name)
        .where(CodingDocument.coding_project_id == study.id)
        .order_by(CodingDocument.name, CodingDocument.id)
    )
    return [(row.id, row.name) for row in db.session.execute(query)]


def coders(user: User, study: CodingProject) -> list[Coder]:
    """The coders whose codings the user sees in the study."""
    query = (
        select(User.id, User.name, User.email)
        .join(Coding, Coding.coder_id == User.id)
        .join(CodingDocument, CodingDocument.id == Coding.document_id)
        .where(CodingDocument.coding_project_id == study.id, access.visible_codings(user, study))
        .distinct()
    )
    found = [Coder(row.id, row.name or row.email) for row in db.session.execute(query)]
    return sorted(found, key=lambda c: (c.label.casefold(), c.id))


def turn_spans(study: CodingProject) -> list[TurnSpan]:
    """Every speaker turn of the study's documents, with its participant's code and attributes."""
    query = (
        select(
            CodingTurn.document_id,
            CodingTurn.start,
            CodingTurn.end,
            CodingTurn.speaker,
            CodingParticipant.code,
            CodingParticipant.attributes,
        )
        .join(CodingDocument, CodingDocument.id == CodingTurn.document_id)
        .outerjoin(CodingParticipant, CodingParticipant.id == CodingTurn.participant_id)
        .where(CodingDocument.coding_project_id == study.id)
    )
    return [
        TurnSpan(row.document_id, row.start, row.end, row.speaker, row.code or "", _person(row.attributes))
        for row in db.session.execute(query)
    ]


def windows(segments: Iterable[Segment], width: int) -> dict[int, tuple[int, str]]:
    """For each segment, its document's text from `width` + 1 code points before it to as many after it
    (as coding.retrieval.context takes), cut out by the database: (offset of the window, text)."""
    reach = width + 1
    offset = case((Coding.start > reach, Coding.start - reach), else_=0)
    query = select(
        Coding.id,
        offset.label("offset"),
        func.substr(CodingDocument.text, offset + 1, Coding.end - offset + reach).label("text"),
    ).join(CodingDocument, CodingDocument.id == Coding.document_id)
    ids = [s.id for s in segments]
    found: dict[int, tuple[int, str]] = {}
    for chunk in range(0, len(ids), 500):
        for row in db.session.execute(query.where(Coding.id.in_(ids[chunk : chunk + 500]))):
            found[row.id] = (row.offset, row.text)
    return found


def document_texts(study: CodingProject) -> list[str]:
    """The texts of every document of the study (for word frequencies of whole transcripts)."""
    query = select(CodingDocument.text).where(CodingDocument.coding_project_id == study.id)
    return list(db.session.scalars(query))


def _codings_query(user: User, study: CodingProject) -> Select:
    return (
        select(
            Coding.id,
            Coding.document_id,
            Coding.code_id,
            Coding.start,
            Coding.end,
            Coding.coder_id,
            Coding.origin,
            Coding.created_at,
        )
        .join(CodingDocument, CodingDocument.id == Coding.document_id)
        .where(CodingDocument.coding_project_id == study.id, access.visible_codings(user, study))
    )


@dataclass(frozen=True)
class _Place:
    name: str
    attributes: dict[str, object]


def _documents_by_id(study: CodingProject) -> dict[int, _Place]:
    """Each document's name and attributes, its org unit's name among them."""
    query = (
        select(CodingDocument.id, CodingDocument.name, CodingDocument.attributes, OrgUnit.name.label("unit"))
        .outerjoin(OrgUnit, OrgUnit.id == CodingDocument.org_unit_id)
        .where(CodingDocument.coding_project_id == study.id)
    )
    found = {}
    for row in db.session.execute(query):
        attributes = {k: v for k, v in (row.attributes or {}).items() if v not in (None, "")}
        if row.unit and "org_unit" not in attributes:
            attributes["org_unit"] = row.unit
        found[row.id] = _Place(row.name, attributes)
    return found


def _texts(document_ids: Collection[int]) -> dict[int, str]:
    query = select(CodingDocument.id, CodingDocument.text).where(CodingDocument.id.in_(list(document_ids)))
    return {row.id: row.text for row in db.session.execute(query)}


def _segment(
    row: Row, paths: dict[int, str], place: _Place, people: dict[int, str], texts: dict[int, str]
) -> Segment:
    text = texts.get(row.document_id)
    return Segment(
        id=row.id,
        document_id=row.document_id,
        document=place.name,
        code_id=row.code_id,
        code_path=paths.get(row.code_id, ""),
        start=row.start,
        end=row.end,
        text=text[row.start : row.end] if text is not None else "",
        document_attributes=place.attributes,
        coder=people.get(row.coder_id, "") if row.coder_id is not None else "",
        origin=str(row.origin),
        created=row.created_at,
    )


def _person(attributes: dict | None) -> dict[str, object]:
    """A participant's attributes, with the seniority tier worked out from the years when not recorded."""
    found = {name: value for name, value in (attributes or {}).items() if value not in (None, "")}
    years = found.get("seniority_years")
    if "seniority_tier" not in found and isinstance(years, int | float) and not isinstance(years, bool):
        with suppress(ParticipantError):  # a negative number of years has no tier
            found["seniority_tier"] = seniority_tier(float(years))
    return found


def _node(code: Code) -> CodeNode:
    return CodeNode(
        code.id,
        code.name,
        code.parent_id,
        code.definition,
        code.when_to_use,
        code.when_not,
        code.example,
        code.colour,
    )
