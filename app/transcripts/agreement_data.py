"""A study's codings as the plain data coding.agreement_report takes, and its answers back as page rows.

Documents come as lengths (counted by the database in characters, as Python counts code points) and
speaker turns; codings as spans keyed by coder id. Only documents of the study, and only codings of the
chosen coders, are read; callers check first that the study is not blind any more.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import Code, Coding, CodingDocument, CodingProject, CodingTurn, User
from coding.agreement_report import (
    CHARACTER,
    TURN,
    AgreementReport,
    Disagreement,
    TextUnits,
    agreement_report,
    disagreements,
)
from coding.agreement_units import Span

CONTEXT = 80  # characters shown either side of a disagreement at the character level
MAX_SHOWN = 2_000  # characters of a unit's text shown; longer turns are cut in the middle


def coder_label(user: User) -> str:
    return user.name or user.email


def coders(study: CodingProject) -> list[User]:
    """Everyone who has coded in the study, by name."""
    ids = select(Coding.coder_id).join(CodingDocument).where(CodingDocument.coding_project_id == study.id)
    users = db.session.scalars(select(User).where(User.id.in_(ids.distinct())))
    return sorted(users, key=lambda u: coder_label(u).casefold())


def coding_counts(study: CodingProject) -> list[tuple[User, int]]:
    """How many codings each coder has made in the study (all that a blind study may show)."""
    rows = db.session.execute(
        select(Coding.coder_id, func.count())
        .join(CodingDocument)
        .where(CodingDocument.coding_project_id == study.id, Coding.coder_id.is_not(None))
        .group_by(Coding.coder_id)
    ).all()
    counts = dict(rows)
    users = db.session.scalars(select(User).where(User.id.in_(list(counts))))
    return sorted(((u, counts[u.id]) for u in users), key=lambda pair: coder_label(pair[0]).casefold())


def documents(study: CodingProject) -> list[tuple[int, str]]:
    """(id, name) of the study's documents, by name."""
    query = (
        select(CodingDocument.id, CodingDocument.name)
        .where(CodingDocument.coding_project_id == study.id)
        .order_by(CodingDocument.name, CodingDocument.id)
    )
    return [(row.id, row.name) for row in db.session.execute(query)]


def text_units(study: CodingProject, document_ids: Sequence[int]) -> list[TextUnits]:
    """The chosen documents of the study with their lengths and turns, in the order given."""
    lengths = dict(
        db.session.execute(
            select(CodingDocument.id, func.length(CodingDocument.text)).where(
                CodingDocument.coding_project_id == study.id, CodingDocument.id.in_(document_ids)
            )
        ).all()
    )
    turns: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row in db.session.execute(
        select(CodingTurn.document_id, CodingTurn.start, CodingTurn.end)
        .where(CodingTurn.document_id.in_(list(lengths)))
        .order_by(CodingTurn.document_id, CodingTurn.position)
    ):
        turns[row.document_id].append((row.start, row.end))
    return [TextUnits(i, int(lengths[i]), tuple(turns[i])) for i in document_ids if i in lengths]


def spans(
    study: CodingProject, coder_ids: Sequence[int], document_ids: Sequence[int]
) -> dict[int, list[Span]]:
    """Each chosen coder's codings in the chosen documents, keyed by coder id in the order given."""
    found: dict[int, list[Span]] = {coder: [] for coder in coder_ids}
    query = (
        select(Coding.coder_id, Coding.document_id, Coding.code_id, Coding.start, Coding.end)
        .join(CodingDocument)
        .where(
            CodingDocument.coding_project_id == study.id,
            Coding.document_id.in_(document_ids),
            Coding.coder_id.in_(coder_ids),
        )
    )
    for row in db.session.execute(query):
        found[row.coder_id].append(Span(row.start, row.end, row.code_id, row.document_id))
    return found


def study_report(
    study: CodingProject,
    codes: Sequence[Code],
    coder_ids: Sequence[int],
    unit: str,
    document_ids: Sequence[int],
) -> AgreementReport:
    """Agreement per code (in the order of `codes`) and overall; AgreementError when it cannot be had."""
    return agreement_report(
        text_units(study, document_ids), spans(study, coder_ids, document_ids), [c.id for c in codes], unit
    )


@dataclass(frozen=True)
class CodingShown:
    """A coding of the disputed code near a disagreement, with who made it and its words."""

    id: int
    coder_id: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class DisagreementRow:
    document_id: int
    document_name: str
    start: int
    end: int
    speaker: str
    before: str
    text: str
    after: str
    with_code: tuple[int, ...]
    without_code: tuple[int, ...]
    codings: tuple[CodingShown, ...]  # by the compared coders and by the lead, overlapping the unit
    reconciled: bool  # the lead has coded this code here


def study_disagreements(
    study: CodingProject,
    code: Code,
    coder_ids: Sequence[int],
    unit: str,
    document_ids: Sequence[int],
    lead: User,
    limit: int,
) -> tuple[list[DisagreementRow], int]:
    """The first `limit` units where the coders differ on `code` (with their text, speaker and every coding
    of the code there), and how many there are in all."""
    # every code's spans: a document a coder coded with other codes only still counts as coded by them
    found = disagreements(
        text_units(study, document_ids), spans(study, coder_ids, document_ids), code.id, unit
    )
    shown = found[:limit]
    by_document: dict[int, list[Disagreement]] = defaultdict(list)
    for item in shown:
        by_document[int(item.document)].append(item)
    documents = {
        d.id: d
        for d in db.session.scalars(select(CodingDocument).where(CodingDocument.id.in_(list(by_document))))
    }
    rows: list[DisagreementRow] = []
    for document_id, items in by_document.items():
        document = documents[document_id]
        codings = list(
            db.session.scalars(
                select(Coding)
                .where(
                    Coding.document_id == document.id,
                    Coding.code_id == code.id,
                    Coding.coder_id.in_([*coder_ids, lead.id]),
                )
                .order_by(Coding.start, Coding.coder_id)
            )
        )
        rows.extend(_row(document, item, codings, unit, lead) for item in items)
    return rows, len(found)


def _row(
    document: CodingDocument, item: Disagreement, codings: list[Coding], unit: str, lead: User
) -> DisagreementRow:
    text = document.text
    near = [c for c in codings if c.start < item.end and item.start < c.end]
    speaker = next((t.speaker for t in document.turns if t.start <= item.start < t.end), "")
    context = CONTEXT if unit in (CHARACTER, TURN) else 0
    return DisagreementRow(
        document_id=document.id,
        document_name=document.name,
        start=item.start,
        end=item.end,
        speaker=speaker,
        before=text[max(0, item.start - context) : item.start] if unit == CHARACTER else "",
        text=_cut(text[item.start : item.end]),
        after=text[item.end : item.end + context] if unit == CHARACTER else "",
        with_code=tuple(int(c) for c in item.with_code),
        without_code=tuple(int(c) for c in item.without_code),
        codings=tuple(
            CodingShown(c.id, c.coder_id or 0, c.start, c.end, _cut(text[c.start : c.end])) for c in near
        ),
        reconciled=any(c.coder_id == lead.id for c in near),
    )


def _cut(text: str) -> str:
    if len(text) <= MAX_SHOWN:
        return text
    half = MAX_SHOWN // 2
    return f"{text[:half]} … {text[-half:]}"
