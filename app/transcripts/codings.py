"""Apply codes to spans of a transcript, code whole turns, and take codings back, each by its coder.

Offsets are Unicode code points into the document's canonical text, end exclusive (as REFI-QDA). A span is
trimmed of surrounding white space, so a selection that ran over a line end codes the words only. Applying a
code that the same coder already gave to the same span changes nothing: a double click does not make a
duplicate. Every change is audited with the study's org unit.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app import audit
from app.extensions import db
from app.models import AuditEvent, Code, Coding, CodingDocument, CodingOrigin, CodingTurn, User
from app.transcripts import access


class CodingError(ValueError):
    """A coding that cannot be made; the message is for the user, in their language."""


def trimmed_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without the white space at its ends; CodingError when it is outside the text or empty."""
    if not (0 <= start < end <= len(text)):
        raise CodingError(_("The selection is outside the text of the transcript."))
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise CodingError(_("The selection holds only spaces: select some words to code."))
    return start, end


def apply_codes(
    user: User,
    document: CodingDocument,
    codes: Iterable[Code],
    start: int,
    end: int,
    *,
    origin: str = CodingOrigin.MANUAL,
    batch: str = "",
    coder: int | None = None,
) -> list[Coding]:
    """Code `document.text[start:end]` with each of `codes`; the codings the coder already had are reused.

    The coder is the user, except when a removal is undone (see `removal`): the coding comes back under the
    coder who made it."""
    coder_id = user.id if coder is None else coder
    start, end = trimmed_span(document.text, start, end)
    codes = list(codes)
    if not codes:
        raise CodingError(_("Choose at least one code."))
    if any(code.coding_project_id != document.coding_project_id for code in codes):
        raise CodingError(_("That code belongs to another study."))
    existing = {
        c.code_id: c
        for c in db.session.scalars(
            select(Coding).where(
                Coding.document_id == document.id,
                Coding.coder_id == coder_id,
                Coding.start == start,
                Coding.end == end,
                Coding.code_id.in_([code.id for code in codes]),
            )
        )
    }
    made = []
    for code in codes:
        coding = existing.get(code.id)
        if coding is None:
            coding = Coding(
                document_id=document.id,
                code_id=code.id,
                start=start,
                end=end,
                coder_id=coder_id,
                origin=origin,
                batch=batch,
            )
            db.session.add(coding)
        made.append(coding)
    db.session.flush()
    new = [c.id for c in made if c.code_id not in existing]
    if new:
        others = {"coder": coder_id} if coder_id != user.id else {}
        audit.record(
            "coding.add",
            document,
            org_unit_id=document.coding_project.org_unit_id,
            actor=user,
            codings=new,
            codes=[c.id for c in codes],
            start=start,
            end=end,
            **others,
        )
    return made


def code_turn(user: User, turn: CodingTurn, codes: Iterable[Code]) -> list[Coding]:
    """Code a whole speaker turn."""
    document = db.session.get(CodingDocument, turn.document_id)
    assert document is not None
    return apply_codes(user, document, codes, turn.start, turn.end)


def remove_coding(user: User, coding: Coding) -> dict[str, int]:
    """Take a coding back: its coder may, and so may the study's leads. Returns what undo needs."""
    document = db.session.get(CodingDocument, coding.document_id)
    assert document is not None
    if coding.coder_id != user.id and not access.is_lead(user, document.coding_project):
        raise CodingError(_("Only its coder or a lead of the study can remove this coding."))
    undo = {"code_id": coding.code_id, "start": coding.start, "end": coding.end}
    audit.record(
        "coding.remove",
        document,
        org_unit_id=document.coding_project.org_unit_id,
        actor=user,
        coding=coding.id,
        coder=coding.coder_id,
        origin=coding.origin,
        **undo,
    )
    db.session.delete(coding)
    db.session.flush()
    return undo


@dataclass(frozen=True)
class Removal:
    """A coding the user took back, as the audit log recorded it: what undoing the removal puts back (with
    apply_codes, under `coder`: a new row, the old id is gone)."""

    code: Code
    start: int
    end: int
    coder: int
    origin: str


def removal(user: User, document: CodingDocument, coding_id: int) -> Removal:
    """The user's own removal of coding `coding_id` from `document`, read from the audit log; CodingError
    when there is none, or its code is gone.

    An undo puts a coding back under the coder who made it, so a lead's undo does not turn a coder's
    coding into the lead's. Only what the log says this user removed can come back, and another coder's
    coding only while the user is still a lead: nobody can code in another coder's name."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action == "coding.remove",
            AuditEvent.actor_id == user.id,
            AuditEvent.target_type == "CodingDocument",
            AuditEvent.target_id == str(document.id),
        )
        .order_by(AuditEvent.id.desc())
    )
    details = next((e.details for e in events if e.details.get("coding") == coding_id), None)
    if details is None:
        raise CodingError(_("There is no removal of yours to undo here."))
    code = db.session.get(Code, details["code_id"])
    if code is None or code.coding_project_id != document.coding_project_id:
        raise CodingError(_("The code of that coding no longer exists."))
    coder = details.get("coder") or user.id  # removals recorded before the coder was: the user's own
    if coder != user.id and not access.is_lead(user, document.coding_project):
        raise CodingError(_("Only a lead of the study can put back someone else's coding."))
    origin = details.get("origin") or CodingOrigin.MANUAL
    return Removal(code, details["start"], details["end"], coder, origin)


def new_batch() -> str:
    """An id that groups the codings of one auto-coding run, so they can be undone together."""
    return str(uuid.uuid4())


def undo_batch(user: User, document_ids: Iterable[int], batch: str) -> int:
    """Remove the user's codings of one auto-coding batch; returns how many went."""
    if not batch:
        return 0
    query = delete(Coding).where(
        Coding.batch == batch, Coding.coder_id == user.id, Coding.document_id.in_(list(document_ids))
    )
    removed = db.session.execute(query).rowcount or 0
    audit.record_row("coding.undo_batch", "Coding", batch, actor=user, removed=removed)
    return removed
