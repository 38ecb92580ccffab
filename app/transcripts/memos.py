"""Memos on a transcript, on a coded segment and on a code: write, edit and delete one's own, list them.

Memos are shared with the study's team, but a memo on a segment is listed only where its coding is: in a
blind study nobody reads a memo about someone else's coding before the release. Each memo is about one
thing only (document, coding or code), as a REFI-QDA note is. Every change is audited.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.edits import row_version
from app.extensions import db
from app.models import Code, Coding, CodingDocument, CodingMemo, CodingProject, User, utcnow
from app.transcripts import access

TITLE_LIMIT = 200
TEXT_LIMIT = 20_000


class MemoError(ValueError):
    """A memo that cannot be saved; the message is for the user, in their language."""


class NotTheAuthor(MemoError):
    """Someone other than its author tried to change or delete a memo."""


@dataclass(frozen=True)
class MemoInput:
    title: str
    text: str


@dataclass
class Memos:
    """The memos a transcript's page lists: on the transcript, on its segments, on the study's codes."""

    document: list[CodingMemo]
    segments: list[tuple[CodingMemo, Coding]]
    codes: list[tuple[CodingMemo, Code]]


def memos_of(user: User, document: CodingDocument) -> Memos:
    study = document.coding_project
    on_document = select(CodingMemo).where(CodingMemo.document_id == document.id).order_by(CodingMemo.id)
    on_segments = (
        select(CodingMemo, Coding)
        .join(Coding, Coding.id == CodingMemo.coding_id)
        .where(Coding.document_id == document.id, access.visible_codings(user, study))
        .order_by(Coding.start, CodingMemo.id)
    )
    on_codes = (
        select(CodingMemo, Code)
        .join(Code, Code.id == CodingMemo.code_id)
        .where(Code.coding_project_id == study.id)
        .order_by(Code.name, CodingMemo.id)
    )
    return Memos(
        list(db.session.scalars(on_document)),
        [(memo, coding) for memo, coding in db.session.execute(on_segments)],
        [(memo, code) for memo, code in db.session.execute(on_codes)],
    )


def add_memo(
    user: User,
    document: CodingDocument,
    data: MemoInput,
    *,
    coding: Coding | None = None,
    code: Code | None = None,
) -> CodingMemo:
    """A memo on the document, or on one of its codings, or on a code of its study."""
    title, text = _checked(data)
    memo = CodingMemo(
        coding_project_id=document.coding_project_id,
        document_id=document.id if coding is None and code is None else None,
        coding_id=coding.id if coding is not None else None,
        code_id=code.id if code is not None and coding is None else None,
        author_id=user.id,
        title=title,
        text=text,
    )
    db.session.add(memo)
    audit.record("memo.create", memo, org_unit_id=_unit(memo), actor=user, about=about(memo))
    return memo


def memo_version(memo: CodingMemo) -> str:
    """The version of a memo that its edit form shows (app.edits); merging codes moves a memo to another
    code, which its text does not undo."""
    return row_version(memo, exclude=("document_id", "coding_id", "code_id"))


def update_memo(user: User, memo: CodingMemo, data: MemoInput) -> CodingMemo:
    _check_author(user, memo)
    memo.title, memo.text = _checked(data)
    memo.updated_at = utcnow()
    audit.record("memo.update", memo, org_unit_id=_unit(memo), actor=user, about=about(memo))
    return memo


def delete_memo(user: User, memo: CodingMemo) -> None:
    _check_author(user, memo)
    audit.record("memo.delete", memo, org_unit_id=_unit(memo), actor=user, about=about(memo))
    db.session.delete(memo)
    db.session.flush()


def about(memo: CodingMemo) -> str:
    """What the memo is on, as "document:3", "coding:12", "code:5" or "study:1"."""
    for kind, value in (("coding", memo.coding_id), ("code", memo.code_id), ("document", memo.document_id)):
        if value is not None:
            return f"{kind}:{value}"
    return f"study:{memo.coding_project_id}"


def _checked(data: MemoInput) -> tuple[str, str]:
    title, text = " ".join(data.title.split()), data.text.strip()
    if not text:
        raise MemoError(_("Write the memo's text."))
    if len(title) > TITLE_LIMIT:
        raise MemoError(_("A memo's title can be at most %(count)d characters long.", count=TITLE_LIMIT))
    if len(text) > TEXT_LIMIT:
        raise MemoError(_("A memo can be at most %(count)d characters long.", count=TEXT_LIMIT))
    return title, text


def _check_author(user: User, memo: CodingMemo) -> None:
    if memo.author_id != user.id:
        raise NotTheAuthor(_("Only the author of a memo can change or delete it."))


def _unit(memo: CodingMemo) -> int | None:
    study = db.session.get(CodingProject, memo.coding_project_id)
    return study.org_unit_id if study else None
