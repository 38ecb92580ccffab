"""The programme's plan: actions, activities with their dates and targets, and the courses and forms whose
records count for an activity.

Each function takes checked values, writes them with an audit event and commits; a PlanError carries a
message for the person who asked. Targets are never overwritten: a new value replaces the row, so a
report as of an earlier date reads the targets that held then.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from analysis.programme import ProgrammeError, Span, check_activity_dates, check_targets
from app import audit
from app.edits import row_version
from app.extensions import db
from app.models import (
    Form,
    ProgrammeAction,
    ProgrammeActivity,
    ProgrammeActivityForm,
    ProgrammeActivityTraining,
    ProgrammeTarget,
    TrainingIntervention,
    User,
    utcnow,
)


class PlanError(ValueError):
    """A change to the programme that cannot be made; the message is for the person who asked."""


def refused(error: ProgrammeError) -> PlanError:
    """The pure packages' refusal in the user's language."""
    return PlanError(error.message(str(get_locale())))


@dataclass(frozen=True)
class ActionInput:
    code: str
    title: str
    description: str
    position: int


@dataclass(frozen=True)
class ActivityInput:
    code: str
    title: str
    description: str
    responsible_partner: str
    planned: Span
    actual: Span
    position: int
    targets: Mapping[str, int | None]


def actions_of(project_id: int) -> list[ProgrammeAction]:
    """A project's actions in their order, each with its activities."""
    query = (
        select(ProgrammeAction)
        .where(ProgrammeAction.project_id == project_id)
        .order_by(ProgrammeAction.position, ProgrammeAction.code)
    )
    return list(db.session.scalars(query))


def activities_of(project_id: int) -> list[ProgrammeActivity]:
    """A project's activities, action by action, in their order."""
    return [activity for action in actions_of(project_id) for activity in action.activities]


def create_action(user: User, project_id: int, values: ActionInput) -> ProgrammeAction:
    action = ProgrammeAction(project_id=project_id, **vars(values))
    db.session.add(action)
    _flush_unique(_("Another action already has the code %(code)s.", code=values.code))
    audit.record("programme.action_created", action, actor=user, code=values.code)
    db.session.commit()
    return action


def update_action(user: User, action: ProgrammeAction, values: ActionInput) -> None:
    for name, value in vars(values).items():
        setattr(action, name, value)
    _flush_unique(_("Another action already has the code %(code)s.", code=values.code))
    audit.record("programme.action_updated", action, actor=user, code=values.code)
    db.session.commit()


def create_activity(
    user: User, action: ProgrammeAction, values: ActivityInput, today: date
) -> ProgrammeActivity:
    targets = _checked(values, today)
    activity = ProgrammeActivity(action_id=action.id)
    _assign(activity, values)
    db.session.add(activity)
    _flush_unique(_("Another activity of this action already has the code %(code)s.", code=values.code))
    _set_targets(activity, targets)
    audit.record("programme.activity_created", activity, actor=user, code=values.code, targets=targets)
    db.session.commit()
    return activity


def update_activity(user: User, activity: ProgrammeActivity, values: ActivityInput, today: date) -> None:
    targets = _checked(values, today)
    _assign(activity, values)
    _flush_unique(_("Another activity of this action already has the code %(code)s.", code=values.code))
    changed = _set_targets(activity, targets)
    audit.record("programme.activity_updated", activity, actor=user, code=values.code, targets=changed)
    db.session.commit()


def _checked(values: ActivityInput, today: date) -> dict[str, int]:
    try:
        check_activity_dates(values.planned, values.actual, today)
        return check_targets(values.targets)
    except ProgrammeError as error:
        raise refused(error) from None


def _assign(activity: ProgrammeActivity, values: ActivityInput) -> None:
    activity.code, activity.title, activity.description = values.code, values.title, values.description
    activity.responsible_partner, activity.position = values.responsible_partner, values.position
    activity.planned_start, activity.planned_end = values.planned.start, values.planned.end
    activity.actual_start, activity.actual_end = values.actual.start, values.actual.end


def _flush_unique(message: str) -> None:
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise PlanError(message) from None


def current_targets(activity: ProgrammeActivity) -> dict[str, int]:
    return {t.metric: t.value for t in activity.targets if t.replaced_at is None}


def activity_version(activity: ProgrammeActivity) -> str:
    """The version of an activity that its edit page shows (app.edits): its row and current targets."""
    return row_version(activity, extra={"targets": current_targets(activity)})


def _set_targets(activity: ProgrammeActivity, targets: Mapping[str, int]) -> dict[str, int | None]:
    """Replace the targets that changed (a blank removes one); return what changed."""
    now = utcnow()
    current = {t.metric: t for t in activity.targets if t.replaced_at is None}
    changed: dict[str, int | None] = {}
    for metric in sorted(set(current) | set(targets)):
        old, new = current.get(metric), targets.get(metric)
        if old is not None and old.value == new:
            continue
        if old is not None:
            old.replaced_at = now
        if new is not None:
            activity.targets.append(ProgrammeTarget(metric=metric, value=new, set_at=now))
        changed[metric] = new
    db.session.flush()
    return changed


def courses_for(project_id: int) -> list[TrainingIntervention]:
    """The project's training interventions, by title."""
    query = (
        select(TrainingIntervention)
        .where(TrainingIntervention.project_id == project_id)
        .order_by(TrainingIntervention.title)
    )
    return list(db.session.scalars(query))


def forms_of(project_id: int) -> list[Form]:
    """The project's forms, by title."""
    return list(db.session.scalars(select(Form).where(Form.project_id == project_id).order_by(Form.title)))


def linked_courses(activity: ProgrammeActivity) -> list[TrainingIntervention]:
    query = (
        select(TrainingIntervention)
        .join(ProgrammeActivityTraining, ProgrammeActivityTraining.intervention_id == TrainingIntervention.id)
        .where(ProgrammeActivityTraining.activity_id == activity.id)
        .order_by(TrainingIntervention.title)
    )
    return list(db.session.scalars(query))


def linked_forms(activity: ProgrammeActivity) -> list[Form]:
    query = (
        select(Form)
        .join(ProgrammeActivityForm, ProgrammeActivityForm.form_id == Form.id)
        .where(ProgrammeActivityForm.activity_id == activity.id)
        .order_by(Form.title)
    )
    return list(db.session.scalars(query))


def link_course(user: User, activity: ProgrammeActivity, intervention_id: int, unlink: bool) -> None:
    """Count a course's trainees for this activity (a course counts for one activity), or stop."""
    project_id = activity.action.project_id
    if intervention_id not in {c.id for c in courses_for(project_id)}:
        raise PlanError(_("Choose a training intervention of the same project."))
    link = db.session.get(ProgrammeActivityTraining, intervention_id)
    if unlink:
        if link is not None and link.activity_id == activity.id:
            db.session.delete(link)
    elif link is None:
        db.session.add(ProgrammeActivityTraining(intervention_id=intervention_id, activity_id=activity.id))
    else:
        link.activity_id = activity.id
    audit.record("programme.course_linked", activity, actor=user, intervention=intervention_id, unlink=unlink)
    db.session.commit()


def link_form(user: User, activity: ProgrammeActivity, form_id: int, unlink: bool) -> None:
    """Count a form's submissions as this activity's questionnaires, or stop."""
    project_id = activity.action.project_id
    form = db.session.get(Form, form_id)
    if form is None or form.project_id != project_id:
        raise PlanError(_("Choose a form of the same project."))
    link = db.session.get(ProgrammeActivityForm, (activity.id, form_id))
    if unlink and link is not None:
        db.session.delete(link)
    elif not unlink and link is None:
        db.session.add(ProgrammeActivityForm(activity_id=activity.id, form_id=form_id))
    audit.record("programme.form_linked", activity, actor=user, form=form_id, unlink=unlink)
    db.session.commit()
