"""Event pages: the list in scope, recording an event, its participants grid, attachments and transcripts."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from analysis.programme import ATTACHMENT_KINDS, CATEGORIES, EVENT_KINDS, GENDERS
from app import edits
from app.models import ProgrammeEvent, Project, User
from app.permissions import Permission, require
from app.programme import access, events, plan
from app.programme.views import today
from app.programme.web import ATTACHMENT_LABELS, KIND_LABELS, bp, label
from app.programme.webforms import NONE, AttachmentForm, ConfirmForm, EventForm, TranscriptForm


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _runs(project_id: int):
    return access.scope(_user(), project_id, Permission.RUN_PROGRAMME)


@bp.get("/events")
@require(Permission.RUN_PROGRAMME)
def event_list():
    """The project's events in the user's scope, newest first."""
    project = access.project_or_404(_user(), request.args.get("project", type=int), Permission.RUN_PROGRAMME)
    found = events.events_in(_runs(project.id), project.id) if project else []
    projects = access.projects(_user(), Permission.RUN_PROGRAMME)
    return render_template("programme/events.html", project=project, projects=projects, events=found)


@bp.route("/events/new", methods=("GET", "POST"))
@require(Permission.RUN_PROGRAMME)
def new_event():
    """Record an event that took place."""
    project = access.project_or_404(
        _user(), request.values.get("project", type=int), Permission.RUN_PROGRAMME
    )
    if project is None:
        abort(404)
    form = _event_form(project)
    if request.method == "GET":
        form.activity.data = request.args.get("activity", type=int)
    elif form.validate_on_submit():
        try:
            event = events.record_event(_user(), _event_input(project, form), today())
        except (events.PlanError, _NoUnit) as error:
            flash(str(error), "error")
        else:
            flash(_("Event recorded: now add its participants and documents."), "success")
            return redirect(url_for("programme.event", event_id=event.id))
    status = 422 if request.method == "POST" else 200
    return render_template("programme/event_new.html", project=project, form=form), status


class _NoUnit(ValueError):
    pass


def _event_form(project: Project, event: ProgrammeEvent | None = None, stored: bool = False) -> EventForm:
    """The event form: what was posted, else (or when `stored`) the values of `event`."""
    form = EventForm(formdata=None, obj=event) if stored else EventForm(obj=event)
    form.activity.choices = [(a.id, f"{a.code} {a.title}") for a in plan.activities_of(project.id)]
    form.kind.choices = [(k, label(KIND_LABELS, k)) for k in EVENT_KINDS]
    units = access.units_in(_runs(project.id), access.EVENT_KINDS)
    choices = [(u.id, f"{u.name} ({u.code})") for u in units]
    if _runs(project.id).everywhere:
        choices.insert(0, (NONE, _("Whole network")))
    form.org_unit.choices = choices
    if event is not None and (stored or not form.is_submitted()):
        form.activity.data, form.org_unit.data = event.activity_id, event.org_unit_id or NONE
        form.seen.data = edits.row_version(event)
    return form


def _event_input(project: Project, form: EventForm) -> events.EventInput:
    activity = access.activity_or_404(_user(), form.activity.data, Permission.RUN_PROGRAMME)
    if activity.action.project_id != project.id:
        abort(404)
    unit = access.unit_in(_runs(project.id), form.org_unit.data or None, access.EVENT_KINDS)
    if unit is None and not _runs(project.id).everywhere:
        raise _NoUnit(_("Choose where the event took place."))
    return events.EventInput(
        activity=activity,
        kind=form.kind.data,
        title=form.title.data,
        held_on=form.held_on.data,
        org_unit=unit,
        place=form.place.data or "",
        organiser=form.organiser.data or "",
        notes=form.notes.data or "",
    )


@bp.get("/events/<int:event_id>")
@require(Permission.RUN_PROGRAMME)
def event(event_id: int):
    """An event: its details, participants by category and gender, documents and transcripts."""
    return _event_page(access.event_or_404(_user(), event_id))


def _event_page(found: ProgrammeEvent, status: int = 200, **forms: object):
    project = _project_of(found)
    attachment_form = forms.get("attachment_form") or AttachmentForm()
    attachment_form.kind.choices = [(k, label(ATTACHMENT_LABELS, k)) for k in ATTACHMENT_KINDS]
    linked = events.transcripts(found)
    return render_template(
        "programme/event.html",
        event=found,
        project=project,
        form=forms.get("form") or _event_form(project, found, stored=True),
        grid=forms.get("grid") or events.participation(found),
        categories=CATEGORIES,
        genders=GENDERS,
        confirm=ConfirmForm(),
        attachments=events.attachments(found),
        attachment_form=attachment_form,
        transcripts=linked,
        linkable=[d for d in access.linkable_documents(_user(), project.id) if d not in linked],
        transcript_form=TranscriptForm(formdata=None),
    ), status


def _project_of(found: ProgrammeEvent) -> Project:
    return found.activity.action.project


@bp.post("/events/<int:event_id>")
@require(Permission.RUN_PROGRAMME)
def edit_event(event_id: int):
    """Change an event's details."""
    found = access.event_or_404(_user(), event_id)
    project = _project_of(found)
    form = _event_form(project, found)
    if edits.is_stale(found, form.seen.data):
        stored = _event_form(project, found, stored=True)
        edits.refuse(edits.unsaved(form, stored))
        return _event_page(found, 409, form=stored)
    if not form.validate_on_submit():
        return _event_page(found, 422, form=form)
    try:
        events.update_event(_user(), found, _event_input(project, form), today())
    except (events.PlanError, _NoUnit) as error:
        flash(str(error), "error")
        return _event_page(access.event_or_404(_user(), event_id), 422, form=form)
    flash(_("Event saved."), "success")
    return redirect(url_for("programme.event", event_id=found.id))


@bp.post("/events/<int:event_id>/participation")
@require(Permission.RUN_PROGRAMME)
def participation(event_id: int):
    """Save the participants grid (categories × genders) in one go."""
    found = access.event_or_404(_user(), event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        total = events.save_participation(_user(), found, request.form)
    except events.PlanError as error:
        flash(str(error), "error")
        grid = {(c, g): request.form.get(f"people-{c}-{g}", "") for c in CATEGORIES for g in GENDERS}
        return _event_page(found, 422, grid=grid)
    flash(_("Participants saved: %(total)d in all.", total=total), "success")
    return redirect(url_for("programme.event", event_id=found.id, _anchor="participants"))


@bp.post("/events/<int:event_id>/attachments")
@require(Permission.RUN_PROGRAMME)
def add_attachment(event_id: int):
    """Attach a programme, sign-in sheet or minutes; its type is read from its bytes."""
    found = access.event_or_404(_user(), event_id)
    form = AttachmentForm()
    form.kind.choices = [(k, label(ATTACHMENT_LABELS, k)) for k in ATTACHMENT_KINDS]
    if not form.validate_on_submit():
        return _event_page(found, 422, attachment_form=form)
    upload = form.upload.data
    try:
        events.add_attachment(_user(), found, form.kind.data, upload.filename or "", upload.read())
    except events.PlanError as error:
        flash(str(error), "error")
        return _event_page(found, 422, attachment_form=form)
    flash(_("Document attached."), "success")
    return redirect(url_for("programme.event", event_id=found.id, _anchor="documents"))


@bp.get("/events/<int:event_id>/attachments/<int:attachment_id>")
@require(Permission.RUN_PROGRAMME)
def attachment(event_id: int, attachment_id: int):
    """Download an attachment, as the type its bytes showed at upload."""
    found = access.event_or_404(_user(), event_id)
    document = access.attachment_or_404(found, attachment_id)
    events.record_download(_user(), found, document)
    response = Response(document.content, mimetype=document.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=document.name)
    response.headers.set("Content-Security-Policy", "sandbox")
    response.headers.set("Cache-Control", "private, no-store")
    return response


@bp.post("/events/<int:event_id>/attachments/<int:attachment_id>/delete")
@require(Permission.RUN_PROGRAMME)
def delete_attachment(event_id: int, attachment_id: int):
    """Remove an attachment."""
    found = access.event_or_404(_user(), event_id)
    document = access.attachment_or_404(found, attachment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    events.delete_attachment(_user(), found, document)
    flash(_("Document removed."), "success")
    return redirect(url_for("programme.event", event_id=found.id, _anchor="documents"))


@bp.post("/events/<int:event_id>/transcripts")
@require(Permission.RUN_PROGRAMME)
def transcripts(event_id: int):
    """Link a transcript of the coding workbench to the event, or unlink it."""
    found = access.event_or_404(_user(), event_id)
    form = TranscriptForm()
    if not form.validate_on_submit():
        flash(_("Choose a transcript."), "error")
        return _event_page(found, 422)
    allowed = access.linkable_documents(_user(), _project_of(found).id)
    try:
        events.link_transcript(_user(), found, form.document.data, allowed, form.unlink.data)
    except events.PlanError as error:
        flash(str(error), "error")
        return _event_page(found, 422)
    flash(_("Transcripts saved."), "success")
    return redirect(url_for("programme.event", event_id=found.id, _anchor="transcripts"))


@bp.post("/events/<int:event_id>/delete")
@require(Permission.RUN_PROGRAMME)
def delete_event(event_id: int):
    """Take an event out of lists and of reports from now on."""
    found = access.event_or_404(_user(), event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    project_id = _project_of(found).id
    events.delete_event(_user(), found)
    flash(_("Event deleted."), "success")
    return redirect(url_for("programme.event_list", project=project_id))
