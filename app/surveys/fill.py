"""The web fill page: live logic through htmx, drafts, submission and receipt, all through the engine."""

import re
import uuid
from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.models import Form, FormVersion, Submission, User
from app.permissions import Permission, require
from app.surveys import bp, drafts, services
from app.surveys import submissions as recording
from app.surveys.attachments import csv_datasets
from app.surveys.services import spec_of
from forms import engine
from forms.engine_model import EngineError
from forms.instance import instance_from_xml, instance_id
from forms.spec import FormSpec
from forms.webform import instance_from_post
from forms.webpage import PageContext, build_widgets, page_with_errors, paginate

_CODE = re.compile(r"\(([a-z]{2,3})\)\s*$", re.IGNORECASE)
_LANGUAGE_NAMES = {"it": ("ital",), "en": ("engl",)}


def _user() -> User:
    return current_user._get_current_object()


def form_language(spec: FormSpec, wanted: str | None) -> str | None:
    """The form language to show: the one asked for, else the one matching the interface, else the default."""
    if wanted in spec.languages:
        return wanted
    ui = str(get_locale() or "it")
    for language in spec.languages:
        match = _CODE.search(language)
        code = match.group(1).lower() if match else None
        if code == ui or language.lower().startswith(_LANGUAGE_NAMES.get(ui, ())):
            return language
    return spec.default_language


@bp.route("/<int:form_id>/fill", methods=("GET", "POST"))
@require(Permission.FILL_FORMS)
def fill(form_id: int):
    """Show the published version of a form; on POST refresh its logic, add or remove entries, or submit."""
    form = services.form_or_404(_user(), form_id, Permission.FILL_FORMS)
    draft = (
        drafts.draft_or_404(_user(), form, int(request.values["_draft"]))
        if request.values.get("_draft")
        else None
    )
    # A draft goes on with the version it was started on, even if a newer one was published since.
    version = draft.form_version if draft else services.published_version(form) or abort(404)
    spec = spec_of(version)
    language = form_language(spec, request.values.get("_language"))
    now = datetime.now(UTC)
    if request.method == "GET":
        root = _resumed(spec, draft) if draft else _new(spec, now)
        return _page(form, version, spec, root, language, now, strict=False, draft=draft)
    root = _posted_instance(spec, now)
    action = request.form.get("_action", "refresh")
    if action.startswith("add:") or action.startswith("remove:"):
        root = _change_entries(spec, root, action, now)
    if action == "submit":
        return _submit(form, version, spec, root, language, now)
    if action == "save_draft":
        draft = drafts.save_draft(_user(), form, version, spec, root)
        flash(_("Draft saved: you can finish it later from the form's page."), "success")
    return _page(form, version, spec, root, language, now, strict=False, draft=draft)


def _new(spec: FormSpec, now: datetime):
    return engine.new_instance(spec, now=now, username=_user().email, instance_id=f"uuid:{uuid.uuid4()}")


def _resumed(spec: FormSpec, draft):
    return instance_from_xml(spec, draft.xml.encode())


def _posted_instance(spec: FormSpec, now: datetime):
    posted = {k: request.form.getlist(k) for k in request.form if k.startswith("/")}
    instance_id = request.form.get("_instance_id") or f"uuid:{uuid.uuid4()}"
    entries = request.form.getlist("_entry")
    return instance_from_post(spec, posted, entries, now=now, instance_id=instance_id, username=_user().email)


def _change_entries(spec: FormSpec, root, action: str, now: datetime):
    verb, _sep, path = action.partition(":")
    try:
        if verb == "add":
            return engine.add_repeat(spec, root, path, now=now)
        return engine.remove_repeat(spec, root, path, now=now)
    except EngineError as exc:
        flash(exc.message(str(get_locale())), "error")
        return root


def _submit(form: Form, version: FormVersion, spec: FormSpec, root, language: str | None, now: datetime):
    try:
        recorded = recording.record_instance(
            _user(), form, root, request.form.get("_org_unit"), str(get_locale()), version=version
        )
    except recording.SubmissionInvalid:
        flash(_("Some answers need attention: see the messages next to the questions."), "error")
        return _page(form, version, spec, root, language, now, strict=True), 422
    except (recording.SubmissionRefused, recording.SubmissionConflict) as exc:
        flash(str(exc), "error")
        return _page(form, version, spec, root, language, now, strict=True), 422
    return redirect(url_for("surveys.receipt", form_id=form.id, submission_id=recorded.submission_id))


def _page(form: Form, version: FormVersion, spec: FormSpec, root, language, now, *, strict: bool, draft=None):
    # The CSV datasets too: choices from a file (select_one_from_file) and pulldata() need them.
    attachments = csv_datasets(version)
    options = {"now": now, "language": language, "username": _user().email, "attachments": attachments}
    evaluation = engine.validate(spec, root, **options) if strict else engine.evaluate(spec, root, **options)
    pages = paginate(build_widgets(PageContext(spec, evaluation, language, now, attachments)))
    current = _current_page(pages, strict)
    scope = recording.fill_scope(_user(), form)
    template = "surveys/fill_body.html" if request.headers.get("HX-Request") else "surveys/fill.html"
    return render_template(
        template,
        form=form,
        version=version,
        spec=spec,
        pages=pages,
        current_page=current,
        language=language,
        instance_id=instance_id(spec, evaluation.model or evaluation.root) or "",
        org_units=recording.org_units_to_choose(_user(), form, scope),
        chosen_unit=request.form.get("_org_unit", ""),
        draft=draft,
    )


def _current_page(pages: list, strict: bool) -> int:
    """The page to show: the one asked for (by a page button or the page's own field), or, after a refused
    submit, the first page with a message."""
    if strict and (with_errors := page_with_errors(pages)) is not None:
        return with_errors
    action = request.form.get("_action", "")
    wanted = action.removeprefix("page:") if action.startswith("page:") else request.form.get("_page", "0")
    return min(max(int(wanted) if wanted.isdigit() else 0, 0), len(pages) - 1)


@bp.get("/<int:form_id>/receipt/<int:submission_id>")
@require(Permission.FILL_FORMS)
def receipt(form_id: int, submission_id: int):
    """Confirm a submission to the person who sent it."""
    form = services.form_or_404(_user(), form_id, Permission.FILL_FORMS)
    row = db.session.get(Submission, submission_id)
    if row is None or row.form_id != form.id or row.submitter_id != _user().id:
        abort(404)
    return render_template("surveys/receipt.html", form=form, submission=row)
