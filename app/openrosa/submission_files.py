"""The files of a submission: those its binary fields name, stored once each, carried over by an edit."""

from xml.etree.ElementTree import Element  # noqa: S405 - type only; parsing goes through defusedxml

from sqlalchemy import select
from sqlalchemy.orm import undefer

from app import audit
from app.extensions import db
from app.models import Submission, SubmissionAttachment, User
from app.openrosa.receiving import IncomingFile
from forms.spec import FormSpec

BINARY = "binary"


def expected_names(spec: FormSpec, root: Element) -> list[str]:
    """The file names the instance's binary fields (image, audio, video, file, audit) hold, in order."""
    names: list[str] = []
    _collect(spec, root, f"/{_local(root.tag)}", names)
    return list(dict.fromkeys(names))


def _collect(spec: FormSpec, element: Element, path: str, names: list[str]) -> None:
    bind = spec.binds.get(path)
    if bind is not None and bind.type == BINARY and (element.text or "").strip():
        names.append((element.text or "").strip())
    for child in element:
        _collect(spec, child, f"{path}/{_local(child.tag)}", names)


def store_files(
    user: User,
    submission_id: int,
    expected: list[str],
    files: dict[str, IncomingFile],
    previous_id: int | None = None,
) -> list[str]:
    """Store the received files the submission names (others are ignored, as ODK Central does); for an
    edit, copy the previous version's files that were not sent again. Return the names stored now."""
    submission = db.session.get(Submission, submission_id)
    assert submission is not None, "the submission was stored just before"
    held = {a.name: a for a in _attachments(submission_id)}
    stored = [name for name in expected if name in files and _store(submission, held, files[name], user)]
    if previous_id is not None:
        previous = {a.name: a for a in _attachments(previous_id, with_content=True)}
        for name in expected:
            if name not in held and name not in files and name in previous:
                _copy(submission_id, previous[name])
    db.session.commit()
    return stored


def _attachments(submission_id: int, with_content: bool = False) -> list[SubmissionAttachment]:
    query = select(SubmissionAttachment).where(SubmissionAttachment.submission_id == submission_id)
    if with_content:
        query = query.options(undefer(SubmissionAttachment.content))
    return list(db.session.scalars(query))


def _store(
    submission: Submission, held: dict[str, SubmissionAttachment], incoming: IncomingFile, user: User
) -> bool:
    """Add or replace one file; False when the very same file is already stored."""
    row = held.get(incoming.name)
    if row is not None and row.md5 == incoming.md5:
        return False
    if row is None:
        row = SubmissionAttachment(submission_id=submission.id, name=incoming.name)
        db.session.add(row)
    row.content = incoming.read()
    row.content_type, row.size, row.md5 = incoming.content_type, incoming.size, incoming.md5
    audit.record(
        "submission.file_received",
        submission,
        org_unit_id=submission.org_unit_id,
        actor=user,
        form=submission.form_id,
        name=incoming.name,
        size=incoming.size,
        md5=incoming.md5,
    )
    return True


def _copy(submission_id: int, source: SubmissionAttachment) -> None:
    db.session.add(
        SubmissionAttachment(
            submission_id=submission_id,
            name=source.name,
            content_type=source.content_type,
            size=source.size,
            md5=source.md5,
            content=source.content,
        )
    )


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
