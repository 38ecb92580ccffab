"""Events of the programme: recording them, their participants by category and gender, their attachments and
the transcripts of the coding workbench that record them.

An event is never deleted outright and its participation grid is never overwritten: deleting marks it,
saving the grid replaces its rows, so a report as of an earlier date still counts what was known then.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from analysis.programme import (
    CATEGORIES,
    EVENT_KINDS,
    GENDERS,
    ProgrammeError,
    check_event_date,
    check_participation,
    parse_count,
)
from analysis.programme_files import identify
from app import audit
from app.extensions import db
from app.models import (
    CodingDocument,
    EventAttachment,
    EventParticipation,
    EventTranscript,
    OrgUnit,
    ProgrammeAction,
    ProgrammeActivity,
    ProgrammeEvent,
    User,
    utcnow,
)
from app.programme.plan import PlanError, refused
from app.scoping import Scope, org_unit_condition


@dataclass(frozen=True)
class EventInput:
    activity: ProgrammeActivity
    kind: str
    title: str
    held_on: date
    org_unit: OrgUnit | None
    place: str
    organiser: str
    notes: str


def events_in(found: Scope, project_id: int, activity_id: int | None = None) -> list[ProgrammeEvent]:
    """The project's undeleted events inside a scope, newest first."""
    query = (
        select(ProgrammeEvent)
        .join(ProgrammeActivity, ProgrammeActivity.id == ProgrammeEvent.activity_id)
        .join(ProgrammeAction, ProgrammeAction.id == ProgrammeActivity.action_id)
        .where(
            ProgrammeAction.project_id == project_id,
            ProgrammeEvent.deleted_at.is_(None),
            org_unit_condition(found, ProgrammeEvent.org_unit_id),
        )
        .order_by(ProgrammeEvent.held_on.desc(), ProgrammeEvent.id.desc())
    )
    if activity_id is not None:
        query = query.where(ProgrammeEvent.activity_id == activity_id)
    return list(db.session.scalars(query))


def record_event(user: User, values: EventInput, today: date) -> ProgrammeEvent:
    _check(values, today)
    event = ProgrammeEvent(created_by_id=user.id)
    _assign(event, values)
    db.session.add(event)
    audit.record(
        "programme.event_recorded", event, org_unit_id=event.org_unit_id, actor=user, kind=values.kind
    )
    db.session.commit()
    return event


def update_event(user: User, event: ProgrammeEvent, values: EventInput, today: date) -> None:
    _check(values, today)
    _assign(event, values)
    audit.record("programme.event_updated", event, org_unit_id=event.org_unit_id, actor=user)
    db.session.commit()


def delete_event(user: User, event: ProgrammeEvent) -> None:
    """Take an event out of every list and of reports made from now on (earlier reports keep it)."""
    event.deleted_at = utcnow()
    audit.record("programme.event_deleted", event, org_unit_id=event.org_unit_id, actor=user)
    db.session.commit()


def _check(values: EventInput, today: date) -> None:
    if values.kind not in EVENT_KINDS:
        raise PlanError(_("Choose the type of event."))
    try:
        check_event_date(values.held_on, today)
    except ProgrammeError as error:
        raise refused(error) from None


def _assign(event: ProgrammeEvent, values: EventInput) -> None:
    event.activity_id = values.activity.id
    event.kind, event.title, event.held_on = values.kind, values.title, values.held_on
    event.org_unit_id = values.org_unit.id if values.org_unit else None
    event.place, event.organiser, event.notes = values.place, values.organiser, values.notes


def participation(event: ProgrammeEvent) -> dict[tuple[str, str], int]:
    """The current grid: people by (category, gender)."""
    query = select(EventParticipation).where(
        EventParticipation.event_id == event.id, EventParticipation.replaced_at.is_(None)
    )
    return {(p.category, p.gender): p.count for p in db.session.scalars(query)}


def save_participation(user: User, event: ProgrammeEvent, fields: Mapping[str, str]) -> int:
    """Store the whole grid from its fields `people-<category>-<gender>`, all or none; return the total."""
    cells = {}
    for category in CATEGORIES:
        for gender in GENDERS:
            raw = fields.get(f"people-{category}-{gender}") or ""
            try:
                value = parse_count(raw)
            except ProgrammeError:
                raise PlanError(
                    _("%(value)s is not a whole number of people, zero or more.", value=raw.strip()[:20])
                ) from None
            if value is not None:
                cells[(category, gender)] = value
    try:
        kept = check_participation(cells)
    except ProgrammeError as error:
        raise refused(error) from None
    if kept != participation(event):
        _replace_grid(event, kept)
    total = sum(kept.values())
    audit.record(
        "programme.participation_saved", event, org_unit_id=event.org_unit_id, actor=user, total=total
    )
    db.session.commit()
    return total


def _replace_grid(event: ProgrammeEvent, kept: Mapping[tuple[str, str], int]) -> None:
    now = utcnow()
    current = select(EventParticipation).where(
        EventParticipation.event_id == event.id, EventParticipation.replaced_at.is_(None)
    )
    for row in db.session.scalars(current):
        row.replaced_at = now
    for (category, gender), count in kept.items():
        db.session.add(
            EventParticipation(
                event_id=event.id, category=category, gender=gender, count=count, created_at=now
            )
        )


def attachments(event: ProgrammeEvent) -> list[EventAttachment]:
    query = select(EventAttachment).where(EventAttachment.event_id == event.id).order_by(EventAttachment.id)
    return list(db.session.scalars(query))


def add_attachment(
    user: User, event: ProgrammeEvent, kind: str, filename: str, data: bytes
) -> EventAttachment:
    """Store a file whose bytes are of an accepted type, named after that type."""
    try:
        found = identify(data, filename)
    except ProgrammeError as error:
        raise refused(error) from None
    attachment = EventAttachment(
        event_id=event.id,
        kind=kind,
        name=found.name,
        content_type=found.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        created_by_id=user.id,
    )
    db.session.add(attachment)
    audit.record(
        "programme.attachment_added",
        event,
        org_unit_id=event.org_unit_id,
        actor=user,
        kind=kind,
        name=found.name,
        type=found.kind,
    )
    db.session.commit()
    return attachment


def delete_attachment(user: User, event: ProgrammeEvent, attachment: EventAttachment) -> None:
    audit.record(
        "programme.attachment_deleted", event, org_unit_id=event.org_unit_id, actor=user, name=attachment.name
    )
    db.session.delete(attachment)
    db.session.commit()


def record_download(user: User, event: ProgrammeEvent, attachment: EventAttachment) -> None:
    """Sign-in sheets name people: who downloaded one, and when, goes in the audit log."""
    audit.record(
        "programme.attachment_downloaded",
        event,
        org_unit_id=event.org_unit_id,
        actor=user,
        attachment=attachment.id,
        kind=attachment.kind,
    )
    db.session.commit()


def transcripts(event: ProgrammeEvent) -> list[CodingDocument]:
    query = (
        select(CodingDocument)
        .join(EventTranscript, EventTranscript.document_id == CodingDocument.id)
        .where(EventTranscript.event_id == event.id)
        .order_by(CodingDocument.name)
    )
    return list(db.session.scalars(query))


def link_transcript(
    user: User, event: ProgrammeEvent, document_id: int, allowed: list[CodingDocument], unlink: bool
) -> None:
    """Link a transcript the user may see to the event, or unlink it."""
    if document_id not in {d.id for d in allowed}:
        raise PlanError(_("Choose a transcript of a study of this project in your scope."))
    link = db.session.get(EventTranscript, (event.id, document_id))
    if unlink and link is not None:
        db.session.delete(link)
    elif not unlink and link is None:
        db.session.add(EventTranscript(event_id=event.id, document_id=document_id))
    audit.record(
        "programme.transcript_linked",
        event,
        org_unit_id=event.org_unit_id,
        actor=user,
        document=document_id,
        unlink=unlink,
    )
    db.session.commit()
