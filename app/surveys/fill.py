"""The web fill page: live logic through htmx, drafts, submission and receipt, all through the engine."""

import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.models import Form, FormVersion, Submission, SubmissionDraft, User, VersionStatus
from app.numbers import whole_number
from app.permissions import Permission, require
from app.surveys import bp, drafts, editing, services
from app.surveys import submissions as recording
from app.surveys.attachments import form_datasets
from app.surveys.services import form_now, spec_of
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


@dataclass(frozen=True)
class Filling:
    """What a fill page works on: the form, the version it shows, the saved draft resumed, whether a test,
    and the submission whose answers it edits (saved as a new version of it, see app/surveys/editing.py)."""

    form: Form
    version: FormVersion
    draft: SubmissionDraft | None
    test: bool
    editing: Submission | None = None

    @property
    def url(self) -> str:
        if self.editing is not None:
            return url_for("surveys.edit", form_id=self.form.id, submission_id=self.editing.id)
        if self.test:
            return url_for("surveys.test_fill", form_id=self.form.id, version_id=self.version.id)
        return url_for("surveys.fill", form_id=self.form.id)


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
    return _fill_page(Filling(form, version, draft, test=False))


@bp.route("/<int:form_id>/versions/<int:version_id>/test", methods=("GET", "POST"))
@require(Permission.DESIGN_FORMS)
def test_fill(form_id: int, version_id: int):
    """Try out a draft version on the real page; what is submitted is kept apart as a test submission."""
    form = services.form_or_404(_user(), form_id, Permission.DESIGN_FORMS)
    version = services.version_or_404(form, version_id)
    if version.status != VersionStatus.DRAFT:
        flash(_("Only a draft version is tested: this one is filled in for real."), "info")
        return redirect(url_for("surveys.detail", form_id=form.id))
    return _fill_page(Filling(form, version, None, test=True))


def _fill_page(filling: Filling):
    spec = spec_of(filling.version)
    language = form_language(spec, request.values.get("_language"))
    now = form_now()
    if request.method == "GET":
        if filling.editing is not None:
            root = editing.instance_to_edit(spec, filling.editing)
        else:
            root = _resumed(spec, filling.draft) if filling.draft else _new(spec, now)
        return _page(filling, spec, root, language, now, strict=False)
    root = _posted_instance(spec, now)
    action = request.form.get("_action", "refresh")
    if action.startswith("add:") or action.startswith("remove:"):
        root = _change_entries(spec, root, action, now)
    if action == "submit":
        return _submit(filling, spec, root, language, now)
    if action == "save_draft" and not filling.test and filling.editing is None:
        draft = drafts.save_draft(_user(), filling.form, filling.version, spec, root)
        filling = replace(filling, draft=draft)
        flash(_("Draft saved: you can finish it later from the form's page."), "success")
    return _page(filling, spec, root, language, now, strict=False)


def _new(spec: FormSpec, now: datetime):
    root = engine.new_instance(spec, now=now, username=_user().email, instance_id=f"uuid:{uuid.uuid4()}")
    _prefill(spec, root, request.args)
    return root


def _prefill(spec: FormSpec, root, args) -> None:
    """Answer questions from the address, as Enketo does: `?d[/data/caso]=…` (a case page opens a
    follow-up form already linked to its case). Only answerable questions outside meta are filled; the
    answers are checked like typed ones when the form is submitted."""
    prefix = spec.template.path + "/"
    for key, value in args.items():
        if not (key.startswith("d[") and key.endswith("]")):
            continue
        path = key[2:-1]
        bind = spec.binds.get(path)
        if (
            not path.startswith(prefix)
            or "/meta/" in path + "/"
            or bind is None
            or bind.calculate
            or bind.readonly
        ):
            continue
        element = root.find(path.removeprefix(prefix))
        if element is not None and len(element) == 0:
            element.text = value[:1000]


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


def _submit(filling: Filling, spec: FormSpec, root, language: str | None, now: datetime):
    try:
        recorded = _record(filling, root)
    except recording.SubmissionInvalid:
        flash(_("Some answers need attention: see the messages next to the questions."), "error")
        return _page(filling, spec, root, language, now, strict=True), 422
    except (recording.SubmissionRefused, recording.SubmissionConflict) as exc:
        flash(str(exc), "error")
        return _page(filling, spec, root, language, now, strict=True), 422
    if filling.editing is not None:
        flash(_("Your changes were saved as a new version of the submission."), "success")
        return redirect(
            url_for("surveys.history", form_id=filling.form.id, submission_id=recorded.submission_id)
        )
    return redirect(url_for("surveys.receipt", form_id=filling.form.id, submission_id=recorded.submission_id))


def _record(filling: Filling, root) -> recording.Recorded:
    # A stale edit raises editing.StaleEdit, answered with both versions by review_views.
    if filling.editing is not None:
        return editing.record_web_edit(_user(), filling.editing, root, str(get_locale()))
    return recording.record_instance(
        _user(),
        filling.form,
        root,
        request.form.get("_org_unit"),
        str(get_locale()),
        version=filling.version,
        test=filling.test,
    )


def _page(filling: Filling, spec: FormSpec, root, language, now, *, strict: bool):
    # The CSV datasets too: choices from a file (select_one_from_file) and pulldata() need them.
    attachments = form_datasets(_user(), filling.version, filling.form.project_id)
    options = {"now": now, "language": language, "username": _user().email, "attachments": attachments}
    evaluation = engine.validate(spec, root, **options) if strict else engine.evaluate(spec, root, **options)
    pages = paginate(build_widgets(PageContext(spec, evaluation, language, now, attachments)))
    current = _current_page(pages, strict)
    template = "surveys/fill_body.html" if request.headers.get("HX-Request") else "surveys/fill.html"
    return render_template(
        template,
        form=filling.form,
        version=filling.version,
        filling=filling,
        spec=spec,
        pages=pages,
        current_page=current,
        language=language,
        instance_id=instance_id(spec, evaluation.model or evaluation.root) or "",
        org_units=_org_units_to_choose(filling),
        chosen_unit=request.form.get("_org_unit", ""),
        draft=filling.draft,
    )


def _org_units_to_choose(filling: Filling) -> list:
    if filling.test or filling.editing is not None:
        return []  # a test submission belongs to no org unit; an edited one stays in its own
    scope = recording.fill_scope(_user(), filling.form)
    return recording.org_units_to_choose(_user(), filling.form, scope)


def _current_page(pages: list, strict: bool) -> int:
    """The page to show: the one asked for (by a page button or the page's own field), or, after a refused
    submit, the first page with a message."""
    if strict and (with_errors := page_with_errors(pages)) is not None:
        return with_errors
    action = request.form.get("_action", "")
    wanted = action.removeprefix("page:") if action.startswith("page:") else request.form.get("_page", "0")
    return min(whole_number(wanted) or 0, len(pages) - 1)


@bp.get("/<int:form_id>/receipt/<int:submission_id>")
@login_required
def receipt(form_id: int, submission_id: int):
    """Confirm a submission (or a test submission) to the person who sent it."""
    form = services.form_or_404(_user(), form_id)
    row = db.session.get(Submission, submission_id)
    if row is None or row.form_id != form.id or row.submitter_id != _user().id:
        abort(404)
    return render_template("surveys/receipt.html", form=form, submission=row)
