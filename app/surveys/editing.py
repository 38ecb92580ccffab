"""Editing a submission on the web: its answers on the fill page, saved as a new version of it.

Like an edit sent from ODK Collect (app/openrosa/editing.py, whose helpers this reuses), an edit is a new
row with its own instanceID whose `deprecated_id` names the instanceID it replaces, and the old row is kept,
no longer current. The fill page's address names the version the edit started from: if that is no longer
the current version when the edit is saved, nothing is stored and StaleEdit carries both versions, so the
person can see what changed meanwhile instead of silently overwriting it.

The page posts only what it shows, so what it cannot show is carried over from the version edited: values
no question captures (start time, device id, hidden fields), answers the page cannot capture (files,
traces) and the entity's attributes. Inside repeats nothing is carried: entries have no identity, and a
value carried by position could land in another entry after one is removed.
"""

import uuid
from typing import Any
from xml.etree.ElementTree import Element, SubElement  # noqa: S405 - building trees; parsing is defused

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.extensions import db
from app.models import ReviewState, Submission, SubmissionEventKind, User
from app.monitoring.filing import file_report
from app.openrosa.editing import DEPRECATED_ID, stored_submission, take_deprecated_id
from app.openrosa.submission_files import expected_names, store_files
from app.surveys import review
from app.surveys.attachments import form_datasets
from app.surveys.services import form_now, spec_of
from app.surveys.submissions import (
    FieldError,
    Recorded,
    SubmissionConflict,
    SubmissionInvalid,
    content_digest,
)
from forms import engine
from forms.instance import data_from_instance, instance_from_xml, instance_id, instance_to_xml
from forms.spec import FormSpec
from forms.webform import UNSUPPORTED, locate

# Preloads a new version sets afresh: its own instanceID, and the time it was finished.
_RENEWED = {("uid", ""), ("timestamp", "end")}


class StaleEdit(Exception):
    """The version edited is no longer the current one: nothing was stored."""

    def __init__(self, base: Submission, current: Submission, attempted: dict[str, Any]) -> None:
        super().__init__(f"submission {base.id} was replaced by {current.id}")
        self.base = base  # the version the edit started from
        self.current = current  # the version that replaced it meanwhile
        self.attempted = attempted  # the answers the edit would have stored


def instance_to_edit(spec: FormSpec, row: Submission) -> Element:
    """The row's instance, ready for the fill page: without its deprecatedID, with a new instanceID."""
    root = instance_from_xml(spec, row.xml.encode())
    take_deprecated_id(spec, root)
    _set_instance_id(spec, root, f"uuid:{uuid.uuid4()}")
    return root


def record_web_edit(user: User, base: Submission, root: Element, lang: str) -> Recorded:
    """Validate the edited instance with the engine and store it as the new version of `base`.

    Raise SubmissionInvalid (nothing stored), StaleEdit (`base` is no longer current) or SubmissionConflict
    (the instanceID is already stored with other content). Saving the very same edit twice stores it once."""
    spec = spec_of(base.form_version)
    checked = _validated(user, base, spec, root, lang)
    data = data_from_instance(spec, checked)
    digest = content_digest(spec, data)
    new_id = _new_instance_id(spec, checked, base)
    again = _same_edit_again(base, new_id, digest)
    if again is not None:
        return again
    if not base.current:
        raise StaleEdit(base, review.current_of(base), data)
    _set_deprecated_id(spec, checked, base.instance_id)
    recorded = _supersede(user, base, _new_version(user, base, checked, new_id, data, digest), digest)
    if recorded.created:
        store_files(user, recorded.submission_id, expected_names(spec, checked), {}, previous_id=base.id)
    return recorded


def _validated(user: User, base: Submission, spec: FormSpec, root: Element, lang: str) -> Element:
    _carry_over(spec, instance_from_xml(spec, base.xml.encode()), root)
    take_deprecated_id(spec, root)  # the engine would refuse it as a field the form does not have
    evaluation = engine.validate(
        spec,
        root,
        now=form_now(),
        username=user.email,
        attachments=form_datasets(user, base.form_version, base.form.project_id),
    )
    if evaluation.problems:
        raise SubmissionInvalid([FieldError(p.path, p.message(lang)) for p in evaluation.problems])
    return evaluation.root


def _new_instance_id(spec: FormSpec, root: Element, base: Submission) -> str:
    """The instanceID the page gave the edit; a new one if it has none or kept the old one."""
    found = instance_id(spec, root) or ""
    if found in ("", base.instance_id):
        found = f"uuid:{uuid.uuid4()}"
        _set_instance_id(spec, root, found)
    return found


def _new_version(
    user: User, base: Submission, root: Element, new_id: str, data: dict[str, Any], digest: str
) -> Submission:
    """The row of the new version: filed where the old one is, sent by the person who edited it."""
    return Submission(
        form_id=base.form_id,
        form_version_id=base.form_version_id,
        instance_id=new_id,
        deprecated_id=base.instance_id,
        xml=instance_to_xml(root).decode(),
        data=data,
        content_sha256=digest,
        org_unit_id=base.org_unit_id,
        submitter_id=user.id,
        test=base.test,
        review_state=ReviewState.EDITED,
    )


def _same_edit_again(base: Submission, new_id: str, digest: str) -> Recorded | None:
    existing = stored_submission(base.form, new_id)
    if existing is None:
        return None
    if existing.deprecated_id != base.instance_id or existing.content_sha256 != digest:
        raise SubmissionConflict(_("A different submission with this instanceID is already stored."))
    return Recorded(existing.id, existing.instance_id, created=False)


def _supersede(user: User, base: Submission, row: Submission, digest: str) -> Recorded:
    """Mark `base` not current and insert `row`, in one transaction: of two edits of the same version saved
    at once, the second finds it no longer current and is refused."""
    claimed = db.session.execute(
        update(Submission)
        .where(Submission.id == base.id, Submission.current.is_(True))
        .values(current=False)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        db.session.refresh(base)
        again = _same_edit_again(base, row.instance_id, digest)
        if again is not None:
            return again
        raise StaleEdit(base, review.current_of(base), row.data)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # the same edit, saved twice at once: the other request stored it
        again = _same_edit_again(base, row.instance_id, digest)
        if again is None:
            raise
        return again
    db.session.refresh(base)
    review.record_event(user, row, SubmissionEventKind.EDIT, text=row.instance_id)
    audit.record(
        "submission.edited", row, org_unit_id=row.org_unit_id, form=row.form_id, replaces=base.id, actor=user
    )
    file_report(row.id)  # the edited report keeps (or moves) its slot of a reporting cycle
    recorded = Recorded(row.id, row.instance_id, created=True)
    db.session.commit()
    return recorded


def _carry_over(spec: FormSpec, base: Element, root: Element) -> None:
    """Copy from the version edited what the fill page cannot post back (see the module's docstring)."""
    for found in spec.fields():
        if found.repeats or not _carried(spec, found.path):
            continue
        source, target = locate(base, found.path), locate(root, found.path)
        if source is not None and target is not None:
            target.text = source.text
    entity = spec.entity.path if spec.entity else None
    source, target = (locate(base, entity), locate(root, entity)) if entity else (None, None)
    if source is not None and target is not None:
        target.attrib.update(source.attrib)


def _carried(spec: FormSpec, path: str) -> bool:
    found = spec.field(path)
    bind = found.bind
    if bind is not None and bind.calculate:
        return False  # the engine computes it again
    if bind is not None and bind.preload:
        key = (bind.preload.strip(), "" if bind.preload == "uid" else (bind.preload_params or "").strip())
        return key not in _RENEWED
    control = found.control
    return control is None or control.kind == "upload" or found.value_type in UNSUPPORTED


def _set_instance_id(spec: FormSpec, root: Element, value: str) -> None:
    element = locate(root, spec.submission.instance_id_path or "")
    if element is not None:
        element.text = value


def _set_deprecated_id(spec: FormSpec, root: Element, value: str) -> None:
    """Keep the deprecatedID in the stored XML, after the instanceID, as ODK's own servers do."""
    meta = locate(root, (spec.submission.instance_id_path or "").rsplit("/", 1)[0])
    if meta is not None:
        SubElement(meta, DEPRECATED_ID).text = value
