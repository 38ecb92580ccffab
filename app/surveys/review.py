"""Reviewing submissions: review states and comments, one at a time or in bulk, the trash, and the history.

Decisions:
- A submission is a chain of rows linked by `deprecated_id` (every edit adds a row). Its events attach to
  the chain's first row, whose id never changes; review states live on the current row, which is the one
  lists show. An edit starts the new row as "edited", as ODK Central does.
- Who may do what, with the existing permissions (ODK Central's split: project managers review, data
  collectors do not): reading a submission and commenting on it takes READ_DATA over its org unit;
  setting review states, editing, deleting and restoring take a role granting both READ_DATA and
  DESIGN_FORMS there (researchers and admins). Operators read and comment; they cannot approve.
- Deleting moves the whole chain to the trash (every row gets `deleted_at`), so no version of it shows
  anywhere; restoring takes it back. Only reviewers see the trash (the submissions table lists it, with
  the same scope: trash_scope in app/surveys/filtering.py).
- Comments are not copied into the audit log, which more people read: the event names the comment's id.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask import abort
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.i18n import N_
from app.models import Form, ReviewState, Submission, SubmissionEvent, SubmissionEventKind, User, utcnow
from app.permissions import Permission, roles_with
from app.scoping import Scope, org_unit_condition, user_scope
from app.surveys.services import spec_of
from app.surveys.submissions import read_scope
from forms.diff import Change, diff_answers

REVIEW_STATE_LABELS = {
    ReviewState.RECEIVED: N_("received"),
    ReviewState.EDITED: N_("edited"),
    ReviewState.HAS_ISSUES: N_("has issues"),
    ReviewState.APPROVED: N_("approved"),
    ReviewState.REJECTED: N_("rejected"),
}
# A reviewer sets these; "received" and "edited" say what happened to the data, not what a reviewer thinks.
SETTABLE_STATES = (ReviewState.HAS_ISSUES, ReviewState.APPROVED, ReviewState.REJECTED)
MAX_COMMENT = 10_000


def review_scope(user: User, form: Form) -> Scope:
    """Where the user may review, edit, delete and restore: roles granting READ_DATA and DESIGN_FORMS."""
    roles = roles_with(Permission.READ_DATA) & roles_with(Permission.DESIGN_FORMS)
    return user_scope(user, roles=roles, project_id=form.project_id)


def can_review(user: User, form: Form, row: Submission) -> bool:
    return review_scope(user, form).covers_path(_unit_path(row))


def submission_or_404(
    user: User, form: Form, submission_id: int, *, in_trash: bool | None = False
) -> Submission:
    """A row of the form the user may read, in the trash or not (None: either); a row in the trash only
    reviewers see. Anything else, test submissions of drafts too, answers 404."""
    row = db.session.get(Submission, submission_id)
    deleted = row is not None and row.deleted_at is not None
    if row is None or row.form_id != form.id or row.test or in_trash not in (None, deleted):
        abort(404)
    scope = review_scope(user, form) if deleted else read_scope(user, form)
    if not scope.covers_path(_unit_path(row)):
        abort(404)  # out of scope answers exactly like a missing id
    return row


def _unit_path(row: Submission) -> str | None:
    return row.org_unit.path if row.org_unit is not None else None


def first_of(row: Submission) -> Submission:
    """The chain's first row: the one its events attach to."""
    seen = {row.id}
    while row.deprecated_id:
        previous = _by_instance(row.form_id, row.deprecated_id)
        if previous is None or previous.id in seen:
            break
        seen.add(previous.id)
        row = previous
    return row


def chain_of(row: Submission) -> list[Submission]:
    """Every version of the submission, oldest first."""
    chain = [first_of(row)]
    while (following := _replacing(chain[-1])) is not None and following not in chain:
        chain.append(following)
    return chain


def current_of(row: Submission) -> Submission:
    """The current version of the chain `row` belongs to (`row` itself when it is current)."""
    return row if row.current else chain_of(row)[-1]


def _by_instance(form_id: int, instance_id: str) -> Submission | None:
    query = select(Submission).where(Submission.form_id == form_id, Submission.instance_id == instance_id)
    return db.session.scalars(query).first()


def _replacing(row: Submission) -> Submission | None:
    query = (
        select(Submission)
        .where(Submission.form_id == row.form_id, Submission.deprecated_id == row.instance_id)
        .order_by(Submission.id)
    )
    return db.session.scalars(query).first()


def set_state(user: User, row: Submission, state: ReviewState, comment: str = "") -> None:
    """Set the review state of the current row, with an optional comment; recorded and audited."""
    _set_state(user, row, state, comment)
    db.session.commit()


def _set_state(user: User, row: Submission, state: ReviewState, comment: str, bulk: bool = False) -> None:
    previous, row.review_state = row.review_state, state.value
    event = record_event(user, row, SubmissionEventKind.REVIEW, review_state=state.value, text=comment)
    details = {"form": row.form_id, "state": state.value, "previous": previous, "bulk": bulk}
    audit.record(
        "submission.reviewed", row, org_unit_id=row.org_unit_id, actor=user, event=event.id, **details
    )


def add_comment(user: User, row: Submission, text: str) -> SubmissionEvent:
    """Add a comment to the submission (to its chain: comments follow it across edits)."""
    event = record_event(user, row, SubmissionEventKind.COMMENT, text=text)
    audit.record("submission.commented", row, org_unit_id=row.org_unit_id, actor=user, event=event.id)
    db.session.commit()
    return event


@dataclass(frozen=True)
class BulkOutcome:
    asked: int  # distinct ids sent
    changed: int  # rows whose state was set; the others were out of scope, not current, or already so


def bulk_set_state(
    user: User, form: Form, ids: Iterable[int], state: ReviewState, comment: str = ""
) -> BulkOutcome:
    """Set the state of many current rows at once: only those in the user's review scope, and only those
    not in that state already. A row edited since the list was shown is left alone, as a stale edit is."""
    wanted = set(ids)
    query = (
        select(Submission)
        .where(Submission.form_id == form.id, Submission.id.in_(wanted))
        .where(Submission.current.is_(True), Submission.deleted_at.is_(None), Submission.test.is_(False))
        .where(org_unit_condition(review_scope(user, form), Submission.org_unit_id))
        .order_by(Submission.id)
    )
    changed = 0
    for row in db.session.scalars(query).all():
        if row.review_state != state.value:
            _set_state(user, row, state, comment, bulk=True)
            changed += 1
    db.session.commit()
    return BulkOutcome(asked=len(wanted), changed=changed)


def move_to_trash(user: User, row: Submission) -> None:
    """Soft-delete the submission: every version of it leaves the lists, exports and statistics."""
    _mark_deleted(row, utcnow())
    record_event(user, row, SubmissionEventKind.DELETE)
    audit.record("submission.deleted", row, org_unit_id=row.org_unit_id, actor=user, form=row.form_id)
    db.session.commit()


def restore(user: User, row: Submission) -> None:
    """Take the submission out of the trash, every version of it."""
    _mark_deleted(row, None)
    record_event(user, row, SubmissionEventKind.RESTORE)
    audit.record("submission.restored", row, org_unit_id=row.org_unit_id, actor=user, form=row.form_id)
    db.session.commit()


def _mark_deleted(row: Submission, when: datetime | None) -> None:
    for version in chain_of(row):
        version.deleted_at = when


def record_event(user: User, row: Submission, kind: SubmissionEventKind, **values: str) -> SubmissionEvent:
    """Add an event to the submission's chain, in the current transaction (the caller commits)."""
    event = SubmissionEvent(submission_id=first_of(row).id, actor_id=user.id, kind=kind.value, **values)
    db.session.add(event)
    db.session.flush()
    return event


def events_of(row: Submission) -> list[SubmissionEvent]:
    """What happened to the submission after it arrived, oldest first."""
    query = (
        select(SubmissionEvent)
        .where(SubmissionEvent.submission_id == first_of(row).id)
        .order_by(SubmissionEvent.at, SubmissionEvent.id)
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Moment:
    """One line of a submission's history: a version (with what it changed) or an event."""

    at: datetime
    version: Submission | None = None
    number: int = 0  # of the version, from 1
    changes: list[Change] = field(default_factory=list)
    event: SubmissionEvent | None = None


def history(row: Submission, language: str | None = None) -> list[Moment]:
    """The versions of the submission, each with its diff against the one before, and its events, in time
    order. Edit events are not listed apart: the version they made says the same, with its changes."""
    versions = chain_of(row)
    moments = [Moment(versions[0].created_at, versions[0], 1)]
    for number, (before, after) in enumerate(zip(versions, versions[1:], strict=False), start=2):
        changes = diff_answers(spec_of(after.form_version), before.data, after.data, language)
        moments.append(Moment(after.created_at, after, number, changes))
    moments += [Moment(e.at, event=e) for e in events_of(row) if e.kind != SubmissionEventKind.EDIT]
    return sorted(moments, key=lambda m: (m.at, m.event is not None))
