"""Edits sent from a device: an instance whose meta/deprecatedID names the instanceID it replaces.

An edit is a new submission row (its own instanceID, `deprecated_id` naming the old one); the old row is
kept, no longer current. Only the current version can be edited, by someone whose filling scope covers the
record's org unit; the record stays filed under its org unit. Sending the same edit again changes nothing.
"""

from xml.etree.ElementTree import Element, SubElement  # noqa: S405 - builds one element; parsing is defused

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.extensions import db
from app.models import Form, FormVersion, ReviewState, Submission, User
from app.monitoring.filing import file_report
from app.surveys.attachments import form_datasets
from app.surveys.services import form_now, spec_of
from app.surveys.submissions import (
    FieldError,
    Recorded,
    SubmissionConflict,
    SubmissionInvalid,
    SubmissionRefused,
    content_digest,
    fill_scope,
)
from forms import engine
from forms.instance import data_from_instance, instance_id, instance_to_xml
from forms.spec import FormSpec

DEPRECATED_ID = "deprecatedID"


def take_deprecated_id(spec: FormSpec, root: Element) -> str | None:
    """Remove meta/deprecatedID from the instance and return it: the form's template has no such field,
    so the engine would refuse it as unknown."""
    meta = _meta(spec, root)
    if meta is None:
        return None
    for child in list(meta):
        if _local(child.tag) == DEPRECATED_ID:
            meta.remove(child)
            return (child.text or "").strip() or None
    return None


def stored_submission(form: Form, instance: str) -> Submission | None:
    query = select(Submission).where(
        Submission.form_id == form.id, Submission.instance_id == instance, Submission.deleted_at.is_(None)
    )
    return db.session.scalars(query).first()


def record_edit(
    user: User, form: Form, version: FormVersion, root: Element, deprecated_id: str, lang: str
) -> Recorded:
    """Validate the edited instance and store it as the new version of the submission it replaces.

    Raise SubmissionRefused (404 unknown or out of scope, 409 no longer current), SubmissionInvalid or
    SubmissionConflict (the new instanceID already stored with other content)."""
    spec = spec_of(version)
    old = _editable(user, form, deprecated_id)
    evaluation = engine.validate(
        spec,
        root,
        now=form_now(),
        username=user.email,
        attachments=form_datasets(user, version, form.project_id),
    )
    if evaluation.problems:
        raise SubmissionInvalid([FieldError(p.path, p.message(lang)) for p in evaluation.problems])
    data = data_from_instance(spec, evaluation.root)
    digest = content_digest(spec, data)
    new_id = instance_id(spec, evaluation.root) or ""
    again = _same_edit_again(form, new_id, deprecated_id, digest)
    if again is not None:
        return again
    if not old.current:
        raise _out_of_date(deprecated_id)
    _put_back(spec, evaluation.root, deprecated_id)
    row = Submission(
        form=form,
        form_version=version,
        instance_id=new_id,
        deprecated_id=deprecated_id,
        xml=instance_to_xml(evaluation.root).decode(),
        data=data,
        content_sha256=digest,
        org_unit_id=old.org_unit_id,
        submitter_id=user.id,
        test=old.test,
        review_state=ReviewState.EDITED,
    )
    return _supersede(old, row, user, digest)


def _editable(user: User, form: Form, deprecated_id: str) -> Submission:
    old = stored_submission(form, deprecated_id)
    unit_path = old.org_unit.path if old is not None and old.org_unit is not None else None
    if old is None or not fill_scope(user, form).covers_path(unit_path):
        # Out of scope answers exactly like a missing record.
        message = _("The submission this edit replaces (%(id)s) cannot be found.", id=deprecated_id)
        raise SubmissionRefused(message, status=404)
    return old


def _same_edit_again(form: Form, new_id: str, deprecated_id: str, digest: str) -> Recorded | None:
    existing = stored_submission(form, new_id)
    if existing is None:
        return None
    if existing.deprecated_id != deprecated_id or existing.content_sha256 != digest:
        raise SubmissionConflict(_("A different submission with this instanceID is already stored."))
    return Recorded(existing.id, existing.instance_id, created=False)


def _supersede(old: Submission, row: Submission, user: User, digest: str) -> Recorded:
    """Mark the old row not current and insert the new one, in one transaction; a concurrent edit of the
    same row finds it no longer current and is refused."""
    claimed = db.session.execute(
        update(Submission)
        .where(Submission.id == old.id, Submission.current.is_(True))
        .values(current=False)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise _out_of_date(row.deprecated_id or "")
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # the same edit, arriving twice at once: the other one stored it
        again = _same_edit_again(row.form, row.instance_id, row.deprecated_id or "", digest)
        if again is None:
            raise
        return again
    audit.record(
        "submission.edited", row, org_unit_id=row.org_unit_id, form=row.form_id, replaces=old.id, actor=user
    )
    file_report(row.id)  # the edited report keeps (or moves) its slot of a reporting cycle
    recorded = Recorded(row.id, row.instance_id, created=True)
    db.session.commit()
    return recorded


def _out_of_date(deprecated_id: str) -> SubmissionRefused:
    message = _(
        "The submission you edited (%(id)s) has been edited since: get the current version and edit that.",
        id=deprecated_id,
    )
    return SubmissionRefused(message, status=409)


def _put_back(spec: FormSpec, root: Element, deprecated_id: str) -> None:
    """Keep the deprecatedID in the stored XML, after the instanceID, as ODK's own servers do."""
    meta = _meta(spec, root)
    if meta is not None:
        element = SubElement(meta, DEPRECATED_ID)
        element.text = deprecated_id


def _meta(spec: FormSpec, root: Element) -> Element | None:
    path = spec.submission.instance_id_path
    if not path:
        return None
    element: Element | None = root
    for name in path.split("/")[2:-1]:
        element = next((child for child in element if _local(child.tag) == name), None)
        if element is None:
            return None
    return element


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
