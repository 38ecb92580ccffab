"""Correcting or deleting a catalogue entry or an edition of the training plan."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import edits
from app.models import TrainingEdition, TrainingIntervention
from app.permissions import Permission, require
from app.training import access, changes
from app.training.plan import PlanError
from app.training.views import (
    _edition_form,
    _edition_input,
    _intervention_form,
    _intervention_input,
    _user,
)
from app.training.web import bp
from app.training.webforms import NONE, ConfirmForm, EditionForm, InterventionForm


@bp.route("/<int:intervention_id>/edit", methods=("GET", "POST"))
@require(Permission.RUN_TRAINING)
def edit_intervention(intervention_id: int):
    found = access.intervention_or_404(_user(), intervention_id)
    form = _intervention_form([found.project])
    if form.is_submitted() and edits.is_stale(found, form.seen.data):
        stored = _stored_intervention(_intervention_form([found.project]), found)
        edits.refuse(edits.unsaved(form, stored))
        return _intervention_page(found, stored, 409)
    if request.method == "GET":
        _stored_intervention(form, found)
    elif form.validate_on_submit():
        try:
            changes.update_intervention(_user(), found, _intervention_input(form))
        except PlanError as error:
            flash(str(error), "error")
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("training.intervention", intervention_id=found.id))
    return _intervention_page(found, form, 422 if request.method == "POST" else 200)


def _stored_intervention(form: InterventionForm, found: TrainingIntervention) -> InterventionForm:
    """`form` holding the intervention's stored values and their version."""
    form.process(obj=found, seen=edits.row_version(found))
    form.project.data = found.project_id
    form.evaluation_form.data = found.evaluation_form_id or NONE
    return form


def _intervention_page(found: TrainingIntervention, form: InterventionForm, status: int):
    return render_template(
        "training/intervention_edit.html", intervention=found, form=form, confirm=ConfirmForm()
    ), status


@bp.post("/<int:intervention_id>/delete")
@require(Permission.RUN_TRAINING)
def delete_intervention(intervention_id: int):
    found = access.intervention_or_404(_user(), intervention_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        changes.delete_intervention(_user(), found)
    except PlanError as error:
        flash(str(error), "error")
        return redirect(url_for("training.intervention", intervention_id=intervention_id))
    flash(_("The intervention was deleted."), "success")
    return redirect(url_for("training.index"))


@bp.route("/editions/<int:edition_id>/edit", methods=("GET", "POST"))
@require(Permission.RUN_TRAINING)
def edit_edition(edition_id: int):
    found = access.edition_or_404(_user(), edition_id)
    form = _edition_form(found.intervention)
    if form.is_submitted() and edits.is_stale(found, form.seen.data):
        stored = _stored_edition(_edition_form(found.intervention), found)
        edits.refuse(edits.unsaved(form, stored))
        return _edition_page(found, stored, 409)
    if request.method == "GET":
        _stored_edition(form, found)
    elif form.validate_on_submit():
        project_id = found.intervention.project_id
        unit = access.unit_in_scope(_user(), project_id, form.org_unit.data or None, access.PLACE_KINDS)
        if unit is None and not access.training_scope(_user(), project_id).everywhere:
            abort(404)
        try:
            changes.update_edition(_user(), found, _edition_input(form, unit))
        except PlanError as error:
            flash(str(error), "error")
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("training.edition", edition_id=found.id))
    return _edition_page(found, form, 422 if request.method == "POST" else 200)


def _stored_edition(form: EditionForm, found: TrainingEdition) -> EditionForm:
    """`form` holding the edition's stored values and their version."""
    form.process(obj=found, seen=edits.row_version(found))
    form.org_unit.data = found.org_unit_id or NONE
    form.completion_percent.data = round(found.completion_share * 100)
    return form


def _edition_page(found: TrainingEdition, form: EditionForm, status: int):
    return render_template(
        "training/edition_edit.html", edition=found, form=form, confirm=ConfirmForm()
    ), status


@bp.post("/editions/<int:edition_id>/delete")
@require(Permission.RUN_TRAINING)
def delete_edition(edition_id: int):
    found = access.edition_or_404(_user(), edition_id)
    intervention_id = found.intervention_id
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        changes.delete_edition(_user(), found)
    except PlanError as error:
        flash(str(error), "error")
        return redirect(url_for("training.edition", edition_id=edition_id))
    flash(_("The edition was deleted."), "success")
    return redirect(url_for("training.intervention", intervention_id=intervention_id))
