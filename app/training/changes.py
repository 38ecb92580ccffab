"""Correcting and removing entries of the training plan.

An intervention or an edition that has enrolled participants is never deleted: their attendance and
questionnaires would lose their course. Editing an edition's code is refused once participants are
enrolled, because their questionnaires name the course by that code.
"""

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.extensions import db
from app.models import Enrolment, TrainingEdition, TrainingIntervention, User
from app.training.plan import EditionInput, InterventionInput, PlanError, evaluation_forms


def update_intervention(user: User, intervention: TrainingIntervention, values: InterventionInput) -> None:
    if values.evaluation_form_id is not None and values.evaluation_form_id not in {
        f.id for f in evaluation_forms(intervention.project_id)
    }:
        raise PlanError(_("The evaluation form must be a form of the same project."))
    for name, value in vars(values).items():
        setattr(intervention, name, value)
    audit.record("training.intervention_updated", intervention, actor=user, title=values.title)
    db.session.commit()


def delete_intervention(user: User, intervention: TrainingIntervention) -> None:
    if any(_enrolled(edition) for edition in intervention.editions):
        raise PlanError(_("This intervention has editions with enrolled participants: it cannot be deleted."))
    audit.record("training.intervention_deleted", intervention, actor=user, title=intervention.title)
    db.session.delete(intervention)
    db.session.commit()


def update_edition(user: User, edition: TrainingEdition, values: EditionInput) -> None:
    if values.start_date and values.end_date and values.end_date < values.start_date:
        raise PlanError(_("The edition cannot end before it starts."))
    if values.code != edition.code and _enrolled(edition):
        raise PlanError(
            _("Participants are enrolled with the code %(code)s: it cannot change.", code=edition.code)
        )
    edition.code = values.code
    edition.start_date, edition.end_date = values.start_date, values.end_date
    edition.place = values.place
    edition.org_unit_id = values.org_unit.id if values.org_unit else None
    edition.completion_share = values.completion_share
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise PlanError(_("Another edition already has the code %(code)s.", code=values.code)) from None
    audit.record(
        "training.edition_updated", edition, org_unit_id=edition.org_unit_id, actor=user, code=edition.code
    )
    db.session.commit()


def delete_edition(user: User, edition: TrainingEdition) -> None:
    if _enrolled(edition):
        raise PlanError(_("This edition has enrolled participants: it cannot be deleted."))
    audit.record(
        "training.edition_deleted", edition, org_unit_id=edition.org_unit_id, actor=user, code=edition.code
    )
    db.session.delete(edition)
    db.session.commit()


def _enrolled(edition: TrainingEdition) -> int:
    return db.session.scalar(select(func.count()).where(Enrolment.edition_id == edition.id)) or 0
