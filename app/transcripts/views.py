"""Pages of the coding workbench: studies, transcripts, participants and the codebook."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app import audit
from app.extensions import db
from app.models import Coding, CodingDocument, CodingParticipant, Project, User
from app.permissions import Permission, require
from app.transcripts import access, documents, studies
from app.transcripts.assist_pseudonyms import may_pseudonymise
from app.transcripts.web import bp
from app.transcripts.webforms import NONE, ConfirmForm, ParticipantForm, StudyForm, UploadForm

GENDERS = (("", "—"), ("F", "F"), ("M", "M"), ("altro", "altro"))
PARTICIPANT_FIELDS = ("role", "service_type", "territory", "gender", "seniority_years")


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.route("/", methods=("GET", "POST"))
@require(Permission.CODE_TRANSCRIPTS)
def index():
    """The studies the user codes in, and a form to start one."""
    projects = access.coding_projects(_user())
    form = _study_form(projects)
    if form.validate_on_submit():
        project = _project_or_404(projects, form.project.data)
        unit = access.unit_in_scope_or_404(_user(), project.id, form.org_unit.data)
        try:
            study = studies.create_study(_user(), project, unit, _study_input(form))
        except studies.StudyError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Study %(name)s created.", name=study.name), "success")
            return redirect(url_for("transcripts.study", study_id=study.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "transcripts/index.html", studies=access.studies(_user()), form=form, projects=projects
    ), status


def _project_or_404(projects: list[Project], project_id: int) -> Project:
    found = [p for p in projects if p.id == project_id]
    if not found:
        abort(404)
    return found[0]


def _study_form(projects: list[Project], obj: object = None) -> StudyForm:
    form = StudyForm(obj=obj)
    form.project.choices = [(p.id, p.name) for p in projects]
    form.language.choices = [("it", _("Italian")), ("en", _("English"))]
    project_id = form.project.data if form.is_submitted() else (projects[0].id if projects else None)
    units = access.units_in_scope(_user(), project_id) if project_id else []
    choices = [(u.id, f"{u.name} ({u.code})") for u in units]
    if project_id and access.coding_scope(_user(), project_id).everywhere:
        choices.insert(0, (NONE, _("Whole network")))
    form.org_unit.choices = choices
    return form


def _study_input(form: StudyForm) -> studies.StudyInput:
    return studies.StudyInput(
        name=form.name.data,
        description=form.description.data or "",
        language=form.language.data,
        turn_pattern=form.turn_pattern.data or "",
        blind=form.blind.data,
    )


@bp.get("/studies/<int:study_id>")
@require(Permission.CODE_TRANSCRIPTS)
def study(study_id: int):
    """A study: its transcripts, what it holds, and the way to its codebook, analysis and team pages."""
    found = access.study_or_404(_user(), study_id)
    docs = list(
        db.session.scalars(
            select(CodingDocument)
            .where(CodingDocument.coding_project_id == found.id)
            .order_by(CodingDocument.name)
        )
    )
    mine = dict(
        db.session.execute(
            select(Coding.document_id, func.count())
            .where(Coding.document_id.in_([d.id for d in docs]), access.visible_codings(_user(), found))
            .group_by(Coding.document_id)
        ).all()
    )
    return render_template(
        "transcripts/study.html",
        study=found,
        documents=docs,
        coded=mine,
        summary=studies.summary(found),
        is_lead=access.is_lead(_user(), found),
        blind=access.is_blind_for(found),
        pseudonymisable={d.id: may_pseudonymise(_user(), d) for d in docs},
    )


@bp.route("/studies/<int:study_id>/settings", methods=("GET", "POST"))
@require(Permission.CODE_TRANSCRIPTS)
def settings(study_id: int):
    """A lead changes the study's name, description, language and speaker pattern."""
    found = access.lead_study_or_404(_user(), study_id)
    form = _study_form([found.project], obj=found)
    form.org_unit.choices = [(found.org_unit_id or NONE, found.org_unit.name if found.org_unit else "—")]
    if form.validate_on_submit():
        try:
            studies.update_study(_user(), found, _study_input(form))
        except studies.StudyError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Study saved."), "success")
            return redirect(url_for("transcripts.study", study_id=found.id))
    status = 422 if request.method == "POST" else 200
    return render_template("transcripts/settings.html", study=found, form=form), status


@bp.route("/studies/<int:study_id>/upload", methods=("GET", "POST"))
@require(Permission.CODE_TRANSCRIPTS)
def upload(study_id: int):
    """Upload a transcript: its turns are found, and names replaced by participant codes on request."""
    found = access.study_or_404(_user(), study_id)
    form = UploadForm()
    units = access.units_in_scope(_user(), found.project_id)
    form.org_unit.choices = [(NONE, _("Not given"))] + [(u.id, f"{u.name} ({u.code})") for u in units]
    if form.validate_on_submit():
        if form.org_unit.data and form.org_unit.data not in {u.id for u in units}:
            abort(404)
        try:
            imported = documents.import_document(_user(), found, _document_input(form))
        except documents.ImportError_ as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            _flash_import(imported)
            return redirect(url_for("transcripts.study", study_id=found.id))
    status = 422 if request.method == "POST" else 200
    return render_template("transcripts/upload.html", study=found, form=form), status


def _document_input(form: UploadForm) -> documents.DocumentInput:
    upload = form.file.data
    attributes = {
        "date": form.date.data.isoformat() if form.date.data else "",
        "macro_area": form.macro_area.data or "",
        "service_type": form.service_type.data or "",
    }
    return documents.DocumentInput(
        filename=upload.filename or "",
        data=upload.read(),
        name=form.name.data or "",
        attributes=attributes,
        org_unit_id=form.org_unit.data or None,
        replace_names=form.replace_names.data,
    )


def _flash_import(imported: documents.Imported) -> None:
    flash(
        _(
            "%(name)s imported: %(turns)d speaker turns, %(new)d new participants.",
            name=imported.document.name,
            turns=imported.turns,
            new=len(imported.new_participants),
        ),
        "success",
    )
    for note in imported.notes:
        flash(note, "info")


@bp.post("/documents/<int:document_id>/delete")
@require(Permission.CODE_TRANSCRIPTS)
def delete_document(document_id: int):
    """A lead deletes a transcript with its turns, codings and memos."""
    document = access.document_or_404(_user(), document_id)
    study_id = document.coding_project_id
    access.lead_study_or_404(_user(), study_id)
    if ConfirmForm().validate_on_submit():
        audit.record(
            "transcript.delete", document, org_unit_id=document.coding_project.org_unit_id, actor=_user()
        )
        db.session.delete(document)
        db.session.commit()
        flash(_("Transcript deleted."), "success")
    return redirect(url_for("transcripts.study", study_id=study_id))


@bp.route("/studies/<int:study_id>/participants", methods=("GET", "POST"))
@require(Permission.CODE_TRANSCRIPTS)
def participants(study_id: int):
    """The study's participants with their attributes; each row saves on its own."""
    found = access.study_or_404(_user(), study_id)
    people = list(
        db.session.scalars(
            select(CodingParticipant)
            .where(CodingParticipant.coding_project_id == found.id)
            .order_by(CodingParticipant.code)
        )
    )
    status = 200
    if request.method == "POST":
        person = next((p for p in people if p.id == request.form.get("participant", type=int)), None)
        if person is None:
            abort(404)
        form = _participant_form()
        if form.validate():
            _save_participant(person, form)
            db.session.commit()
            flash(_("%(code)s saved.", code=person.code), "success")
            return redirect(url_for("transcripts.participants", study_id=found.id))
        status = 422
        for errors in form.errors.values():
            for message in errors:
                flash(f"{person.code}: {message}", "error")
    rows = [(person, _participant_form(person)) for person in people]
    return render_template("transcripts/participants.html", study=found, rows=rows), status


def _participant_form(person: CodingParticipant | None = None) -> ParticipantForm:
    form = ParticipantForm(
        formdata=None if person else request.form, data=dict(person.attributes) if person else None
    )
    form.gender.choices = list(GENDERS)
    return form


def _save_participant(person: CodingParticipant, form: ParticipantForm) -> None:
    values = {name: form[name].data for name in PARTICIPANT_FIELDS if form[name].data not in (None, "")}
    person.attributes = {
        **{k: v for k, v in person.attributes.items() if k not in PARTICIPANT_FIELDS},
        **values,
    }
    study = person.coding_project_id
    audit.record("participant.update", person, actor=_user(), study=study, fields=sorted(values))
