"""Training pages: the catalogue, an intervention with its editions, an edition's sessions, enrolment,
attendance register and completion list."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.models import OrgUnit, Project, TrainingEdition, TrainingIntervention, User
from app.permissions import Permission, require
from app.training import access, plan
from app.training.web import KIND_LABELS, TIER_LABELS, bp, label
from app.training.webforms import (
    NONE,
    ConfirmForm,
    EditionForm,
    EnrolmentForm,
    EnrolmentUploadForm,
    InterventionForm,
    SessionForm,
)

INTERVENTION_FIELDS = (
    "kind",
    "title",
    "work_package",
    "editions_planned",
    "hours",
    "recipients_planned",
    "recipient_type",
    "selection",
    "tier",
)


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.route("/", methods=("GET", "POST"))
@require(Permission.RUN_TRAINING)
def index():
    """The training plan's catalogue, and a form to add an intervention to it."""
    projects = access.training_projects(_user())
    form = _intervention_form(projects)
    if form.validate_on_submit():
        if form.project.data not in {p.id for p in projects}:
            abort(404)
        try:
            created = plan.create_intervention(_user(), form.project.data, _intervention_input(form))
        except plan.PlanError as error:
            flash(str(error), "error")
        else:
            flash(_("%(title)s added to the catalogue.", title=created.title), "success")
            return redirect(url_for("training.intervention", intervention_id=created.id))
    status = 422 if form.errors else 200
    return render_template(
        "training/index.html", interventions=access.interventions(_user()), form=form, projects=projects
    ), status


def _intervention_form(projects: list[Project]) -> InterventionForm:
    form = InterventionForm()
    form.project.choices = [(p.id, p.name) for p in projects]
    form.kind.choices = [(key, label(KIND_LABELS, key)) for key in KIND_LABELS]
    form.tier.choices = [
        (key, label(TIER_LABELS, key)) for key in ("all", "start_up", "miglioramento", "aggiornamento")
    ]
    project_id = form.project.data if form.is_submitted() else (projects[0].id if projects else None)
    forms = plan.evaluation_forms(project_id) if project_id else []
    form.evaluation_form.choices = [(NONE, _("None"))] + [(f.id, f.title) for f in forms]
    if not form.is_submitted():
        preferred = [f.id for f in forms if f.xml_form_id == "valutazione_formazione"]
        form.evaluation_form.data = preferred[0] if preferred else NONE
    return form


def _intervention_input(form: InterventionForm) -> plan.InterventionInput:
    values = {name: form[name].data for name in INTERVENTION_FIELDS}
    return plan.InterventionInput(**values, evaluation_form_id=form.evaluation_form.data or None)


@bp.route("/<int:intervention_id>", methods=("GET", "POST"))
@require(Permission.RUN_TRAINING)
def intervention(intervention_id: int):
    """An intervention of the catalogue with the editions the user may see, and a form to add one."""
    found = access.intervention_or_404(_user(), intervention_id)
    form = _edition_form(found)
    if form.validate_on_submit():
        unit = access.unit_in_scope(_user(), found.project_id, form.org_unit.data or None, access.PLACE_KINDS)
        if unit is None and not access.training_scope(_user(), found.project_id).everywhere:
            abort(404)
        try:
            edition = plan.create_edition(_user(), found, _edition_input(form, unit))
        except plan.PlanError as error:
            flash(str(error), "error")
        else:
            flash(_("Edition %(code)s added.", code=edition.code), "success")
            return redirect(url_for("training.edition", edition_id=edition.id))
    status = 422 if request.method == "POST" else 200
    editions = access.visible_editions(_user(), found)
    return render_template(
        "training/intervention.html", intervention=found, editions=editions, form=form
    ), status


def _edition_form(found: TrainingIntervention) -> EditionForm:
    form = EditionForm()
    units = access.units_in_scope(_user(), found.project_id, access.PLACE_KINDS)
    choices = [(u.id, f"{u.name} ({u.code})") for u in units]
    if access.training_scope(_user(), found.project_id).everywhere:
        choices.insert(0, (NONE, _("Whole network")))
    form.org_unit.choices = choices
    return form


def _edition_input(form: EditionForm, unit: OrgUnit | None) -> plan.EditionInput:
    return plan.EditionInput(
        code=form.code.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        place=form.place.data or "",
        org_unit=unit,
        completion_share=form.completion_percent.data / 100,
    )


@bp.get("/editions/<int:edition_id>")
@require(Permission.RUN_TRAINING)
def edition(edition_id: int):
    """An edition: sessions, enrolled participants, the attendance register and who completed."""
    found = access.edition_or_404(_user(), edition_id)
    return _edition_page(found)


def _edition_page(found: TrainingEdition, status: int = 200, **forms: object):
    enrol_form = forms.get("enrol_form") or _enrolment_form(found.intervention.project_id)
    return render_template(
        "training/edition.html",
        edition=found,
        intervention=found.intervention,
        session_form=forms.get("session_form") or SessionForm(),
        enrol_form=enrol_form,
        upload_form=forms.get("upload_form") or EnrolmentUploadForm(),
        register_form=ConfirmForm(),
        register=plan.attendance_hours(found),
        completion=plan.completion_list(found),
        total_hours=sum(s.hours for s in found.sessions),
    ), status


def _enrolment_form(project_id: int) -> EnrolmentForm:
    form = EnrolmentForm()
    units = access.units_in_scope(_user(), project_id, access.PEOPLE_KINDS)
    form.org_unit.choices = [(NONE, _("Not given"))] + [(u.id, f"{u.name} ({u.code})") for u in units]
    return form


@bp.post("/editions/<int:edition_id>/sessions")
@require(Permission.RUN_TRAINING)
def add_session(edition_id: int):
    """Add a session (day, hours, topic) to an edition."""
    found = access.edition_or_404(_user(), edition_id)
    form = SessionForm()
    if not form.validate_on_submit():
        return _edition_page(found, 422, session_form=form)
    try:
        plan.add_session(_user(), found, form.day.data, form.hours.data, form.topic.data or "")
    except plan.PlanError as error:
        flash(str(error), "error")
        return _edition_page(found, 422, session_form=form)
    flash(_("Session added."), "success")
    return redirect(url_for("training.edition", edition_id=found.id, _anchor="sessions"))


@bp.post("/editions/<int:edition_id>/enrolments")
@require(Permission.RUN_TRAINING)
def enrol(edition_id: int):
    """Enrol a participant: the tier follows the years of service."""
    found = access.edition_or_404(_user(), edition_id)
    form = _enrolment_form(found.intervention.project_id)
    if not form.validate_on_submit():
        return _edition_page(found, 422, enrol_form=form)
    unit = access.unit_in_scope(
        _user(), found.intervention.project_id, form.org_unit.data or None, access.PEOPLE_KINDS
    )
    try:
        enrolment = plan.enrol(
            _user(), found, form.code.data, form.name.data or "", form.role.data or "", form.years.data, unit
        )
    except plan.PlanError as error:
        flash(str(error), "error")
        return _edition_page(found, 422)
    flash(
        _(
            "%(code)s enrolled, tier %(tier)s.",
            code=enrolment.participant_code,
            tier=label(TIER_LABELS, enrolment.tier),
        ),
        "success",
    )
    return redirect(url_for("training.edition", edition_id=found.id, _anchor="enrolment"))


@bp.post("/editions/<int:edition_id>/enrolments.csv")
@require(Permission.RUN_TRAINING)
def upload_enrolments(edition_id: int):
    """Enrol the participants listed in a CSV file, all or none."""
    found = access.edition_or_404(_user(), edition_id)
    form = EnrolmentUploadForm()
    if not form.validate_on_submit():
        return _edition_page(found, 422, upload_form=form)
    try:
        added, skipped = plan.enrol_from_csv(_user(), found, form.data_file.data.read())
    except plan.PlanError as error:
        flash(str(error), "error")
        return _edition_page(found, 422, upload_form=form)
    flash(
        _("Participants enrolled: %(added)d; already enrolled: %(skipped)d.", added=added, skipped=skipped),
        "success",
    )
    return redirect(url_for("training.edition", edition_id=found.id, _anchor="enrolment"))


@bp.post("/editions/<int:edition_id>/attendance")
@require(Permission.RUN_TRAINING)
def attendance(edition_id: int):
    """Save the whole attendance register (sessions × participants, hours) in one go."""
    found = access.edition_or_404(_user(), edition_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        plan.save_attendance(_user(), found, request.form)
    except plan.PlanError as error:
        flash(str(error), "error")
        return _edition_page(found, 422)
    flash(_("Attendance register saved."), "success")
    return redirect(url_for("training.edition", edition_id=found.id, _anchor="completion"))


@bp.get("/editions/<int:edition_id>/completion.csv")
@require(Permission.RUN_TRAINING)
def completion_csv(edition_id: int):
    """The completion list as a CSV file."""
    found = access.edition_or_404(_user(), edition_id)
    response = Response(plan.completion_csv(found), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename=f"completamento_{found.code}.csv")
    return response
