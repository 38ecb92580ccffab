"""Programme pages: the plan (actions and activities with targets and dates), an activity, the timeline."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from analysis.programme import METRICS, ProgrammeError, Span
from analysis.programme_charts import timeline_chart
from analysis.programme_records import check_period
from analysis.programme_text import programme_text
from analysis.summary_charts import render
from app import edits
from app.models import ProgrammeAction, ProgrammeActivity, Project, User
from app.permissions import Permission, require
from app.programme import access, events, plan, reports
from app.programme.web import bp
from app.programme.webforms import ActionForm, ActivityForm, LinkForm, PeriodForm


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def today() -> date:
    """Today where the programme runs."""
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def _project(permission: Permission = Permission.READ_PROGRAMME) -> Project | None:
    chosen = request.values.get("project", type=int)
    return access.project_or_404(_user(), chosen, permission)


def period_args(project: Project) -> tuple[date, date, date, PeriodForm]:
    """The period and reference date asked for in the query string; defaults where missing or wrong.

    A wrong value is named on the form (its field's errors) and replaced by the default."""
    form = PeriodForm(request.args)
    form.validate()
    now = today()
    start = (
        form.start.data
        if form.start.data and not form.start.errors
        else reports.default_start(project.id, now)
    )
    end = form.end.data if form.end.data and not form.end.errors else now
    as_of = form.as_of.data if form.as_of.data and not form.as_of.errors else now
    try:
        check_period(start, end, as_of, now)
    except ProgrammeError as error:
        message = error.message(str(get_locale()))
        (form.as_of if as_of > now else form.end).errors = [message]
        start, end, as_of = reports.default_start(project.id, now), now, now
    form.start.data, form.end.data, form.as_of.data = start, end, as_of
    return start, end, as_of, form


@bp.get("/")
@require(Permission.READ_PROGRAMME)
def index():
    """The plan of a project: actions and activities with their dates, status and targets."""
    return _index_page(_project())


def _index_page(project: Project | None, form: ActionForm | None = None, status: int = 200):
    activities = plan.activities_of(project.id) if project else []
    rows = reports.timeline_of(project.id, today()).rows if project else ()
    standing = {a.id: row.status for a, row in zip(activities, rows, strict=True)}
    return render_template(
        "programme/index.html",
        project=project,
        projects=access.projects(_user()),
        actions=plan.actions_of(project.id) if project else [],
        standing=standing,
        targets={a.id: plan.current_targets(a) for a in activities},
        editor=bool(project) and access.edits_plan(_user(), project.id),
        form=form or ActionForm(formdata=None),
    ), status


@bp.post("/actions")
@require(Permission.RUN_PROGRAMME)
def add_action():
    """Add an action to the plan."""
    project = _project(Permission.RUN_PROGRAMME)
    if project is None:
        abort(404)
    access.require_plan_editor(_user(), project.id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _index_page(project, form, 422)
    try:
        action = plan.create_action(_user(), project.id, _action_input(form))
    except plan.PlanError as error:
        flash(str(error), "error")
        return _index_page(project, form, 422)
    flash(_("Action %(code)s added.", code=action.code), "success")
    return redirect(url_for("programme.action", action_id=action.id))


def _action_input(form: ActionForm) -> plan.ActionInput:
    return plan.ActionInput(
        form.code.data, form.title.data, form.description.data or "", form.position.data or 0
    )


@bp.get("/actions/<int:action_id>")
@require(Permission.RUN_PROGRAMME)
def action(action_id: int):
    """An action: its details and a form to add an activity."""
    found = access.action_or_404(_user(), action_id, Permission.RUN_PROGRAMME)
    access.require_plan_editor(_user(), found.project_id)
    return _action_page(found)


def _action_page(found: ProgrammeAction, status: int = 200, **forms: object):
    return render_template(
        "programme/action.html",
        action=found,
        form=forms.get("form") or _stored_action(found),
        activity_form=forms.get("activity_form") or ActivityForm(formdata=None),
        metrics=METRICS,
    ), status


def _stored_action(found: ProgrammeAction) -> ActionForm:
    return ActionForm(formdata=None, obj=found, seen=edits.row_version(found))


@bp.post("/actions/<int:action_id>")
@require(Permission.RUN_PROGRAMME)
def edit_action(action_id: int):
    """Change an action's code, title, description or order."""
    found = access.action_or_404(_user(), action_id, Permission.RUN_PROGRAMME)
    access.require_plan_editor(_user(), found.project_id)
    form = ActionForm()
    if edits.is_stale(found, form.seen.data):
        stored = _stored_action(found)
        edits.refuse(edits.unsaved(form, stored))
        return _action_page(found, 409, form=stored)
    if not form.validate_on_submit():
        return _action_page(found, 422, form=form)
    try:
        plan.update_action(_user(), found, _action_input(form))
    except plan.PlanError as error:
        flash(str(error), "error")
        return _action_page(
            access.action_or_404(_user(), action_id, Permission.RUN_PROGRAMME), 422, form=form
        )
    flash(_("Action saved."), "success")
    return redirect(url_for("programme.index", project=found.project_id))


@bp.post("/actions/<int:action_id>/activities")
@require(Permission.RUN_PROGRAMME)
def add_activity(action_id: int):
    """Add an activity to an action."""
    found = access.action_or_404(_user(), action_id, Permission.RUN_PROGRAMME)
    access.require_plan_editor(_user(), found.project_id)
    form = ActivityForm()
    if not form.validate_on_submit():
        return _action_page(found, 422, activity_form=form)
    try:
        activity = plan.create_activity(_user(), found, _activity_input(form), today())
    except plan.PlanError as error:
        flash(str(error), "error")
        found = access.action_or_404(_user(), action_id, Permission.RUN_PROGRAMME)
        return _action_page(found, 422, activity_form=form)
    flash(_("Activity %(code)s added.", code=activity.code), "success")
    return redirect(url_for("programme.activity", activity_id=activity.id))


def _activity_input(form: ActivityForm) -> plan.ActivityInput:
    return plan.ActivityInput(
        code=form.code.data,
        title=form.title.data,
        description=form.description.data or "",
        responsible_partner=form.responsible_partner.data or "",
        planned=Span(form.planned_start.data, form.planned_end.data),
        actual=Span(form.actual_start.data, form.actual_end.data),
        position=form.position.data or 0,
        targets=form.targets(),
    )


@bp.get("/activities/<int:activity_id>")
@require(Permission.READ_PROGRAMME)
def activity(activity_id: int):
    """An activity: responsible partner, dates, targets, the courses and forms it counts, its events."""
    found = access.activity_or_404(_user(), activity_id, Permission.READ_PROGRAMME)
    return _activity_page(found)


def _activity_page(found: ProgrammeActivity, status: int = 200, form: ActivityForm | None = None):
    project_id = found.action.project_id
    editor = access.edits_plan(_user(), project_id)
    if form is None:
        form = _stored_activity(found)
    reads = access.scope(_user(), project_id, Permission.READ_PROGRAMME)
    runs = access.scope(_user(), project_id, Permission.RUN_PROGRAMME)
    return render_template(
        "programme/activity.html",
        activity=found,
        targets=plan.current_targets(found),
        courses=plan.linked_courses(found),
        forms=plan.linked_forms(found),
        all_courses=plan.courses_for(project_id) if editor else [],
        all_forms=plan.forms_of(project_id) if editor else [],
        events=events.events_in(reads, project_id, found.id),
        runs_events=not runs.empty,
        editor=editor,
        form=form,
        link_form=LinkForm(formdata=None),
        metrics=METRICS,
    ), status


def _stored_activity(found: ProgrammeActivity) -> ActivityForm:
    form = ActivityForm(formdata=None, obj=found, seen=plan.activity_version(found))
    for metric, value in plan.current_targets(found).items():
        form[f"target_{metric}"].data = value
    return form


@bp.post("/activities/<int:activity_id>")
@require(Permission.RUN_PROGRAMME)
def edit_activity(activity_id: int):
    """Change an activity's details, dates and targets (a changed target replaces the old one)."""
    found = access.activity_or_404(_user(), activity_id, Permission.RUN_PROGRAMME)
    access.require_plan_editor(_user(), found.action.project_id)
    form = ActivityForm()
    if edits.is_stale(found, form.seen.data, plan.activity_version):
        stored = _stored_activity(found)
        edits.refuse(edits.unsaved(form, stored))
        return _activity_page(found, 409, stored)
    if not form.validate_on_submit():
        return _activity_page(found, 422, form)
    try:
        plan.update_activity(_user(), found, _activity_input(form), today())
    except plan.PlanError as error:
        flash(str(error), "error")
        return _activity_page(
            access.activity_or_404(_user(), activity_id, Permission.RUN_PROGRAMME), 422, form
        )
    flash(_("Activity saved."), "success")
    return redirect(url_for("programme.activity", activity_id=found.id))


@bp.post("/activities/<int:activity_id>/links")
@require(Permission.RUN_PROGRAMME)
def link(activity_id: int):
    """Count a course's trainees or a form's questionnaires for the activity, or stop counting them."""
    found = access.activity_or_404(_user(), activity_id, Permission.RUN_PROGRAMME)
    access.require_plan_editor(_user(), found.action.project_id)
    form = LinkForm()
    if not form.validate_on_submit():
        flash(_("Choose what to link."), "error")
        return _activity_page(found, 422)
    try:
        if form.what.data == "course":
            plan.link_course(_user(), found, form.target.data, form.unlink.data)
        else:
            plan.link_form(_user(), found, form.target.data, form.unlink.data)
    except plan.PlanError as error:
        flash(str(error), "error")
        return _activity_page(found, 422)
    flash(_("Links saved."), "success")
    return redirect(url_for("programme.activity", activity_id=found.id, _anchor="links"))


@bp.get("/timeline")
@require(Permission.READ_PROGRAMME)
def timeline():
    """The cronoprogramma: planned against actual months, as an accessible table and a chart."""
    project = _project()
    found = reports.timeline_of(project.id, today()) if project else None
    return render_template(
        "programme/timeline.html", project=project, projects=access.projects(_user()), timeline=found
    )


@bp.get("/timeline.png")
@require(Permission.READ_PROGRAMME)
def timeline_png():
    """The timeline as a PNG chart."""
    project = _project()
    if project is None:
        abort(404)
    found = reports.timeline_of(project.id, today())
    body = render(timeline_chart(found, programme_text(str(get_locale()))), "png")
    return Response(body, mimetype="image/png")
