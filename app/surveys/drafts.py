"""Drafts of the web fill page: answers saved to finish later, private to the person who saved them."""

from xml.etree.ElementTree import Element  # noqa: S405 - serialising only; parsing goes through defusedxml

from flask import abort
from sqlalchemy import delete, select

from app.extensions import db
from app.models import Form, FormVersion, SubmissionDraft, User, utcnow
from forms.instance import instance_id, instance_to_xml
from forms.spec import FormSpec


def save_draft(
    user: User, form: Form, version: FormVersion, spec: FormSpec, root: Element
) -> SubmissionDraft:
    """Store (or update) the user's draft for this instance; the instanceID is kept for the final submit."""
    key = instance_id(spec, root) or ""
    draft = db.session.scalars(select(SubmissionDraft).where(SubmissionDraft.instance_id == key)).first()
    if draft is not None and draft.user_id != user.id:
        abort(404)  # someone else's instanceID: answer as if it did not exist
    if draft is None:
        draft = SubmissionDraft(form=form, form_version=version, user_id=user.id, instance_id=key, xml="")
        db.session.add(draft)
    draft.xml = instance_to_xml(root).decode()
    draft.updated_at = utcnow()
    db.session.commit()
    return draft


def drafts_of(user: User, form: Form) -> list[SubmissionDraft]:
    query = (
        select(SubmissionDraft)
        .where(SubmissionDraft.form_id == form.id, SubmissionDraft.user_id == user.id)
        .order_by(SubmissionDraft.updated_at.desc())
    )
    return list(db.session.scalars(query))


def draft_or_404(user: User, form: Form, draft_id: int) -> SubmissionDraft:
    draft = db.session.get(SubmissionDraft, draft_id)
    if draft is None or draft.form_id != form.id or draft.user_id != user.id:
        abort(404)
    return draft


def forget_draft(user: User, key: str) -> None:
    """Remove the user's draft for an instance once it has been submitted (the caller commits)."""
    db.session.execute(
        delete(SubmissionDraft).where(SubmissionDraft.instance_id == key, SubmissionDraft.user_id == user.id)
    )
