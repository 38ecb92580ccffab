"""REFI-QDA exchange pages: export a study (.qdpx) or its codebook (.qdc); import a project or a codebook.

Exports hold the codings the user may see (their own while a study is blind) and never the names replaced
by participant codes. An import runs in one transaction: a file that is too large, unsafe or unreadable is
refused with a message and nothing is stored.
"""

import io
import re

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from app import audit
from app.extensions import db
from app.i18n import in_user_language
from app.models import CodingProject, Project, User
from app.permissions import Permission, require
from app.transcripts import access, refi_import, refi_mapping
from app.transcripts.web import bp
from app.transcripts.webforms import NONE
from coding import refi
from coding.errors import RefiError
from coding.refi.files import MiB

QDPX_TYPE = "application/zip"
QDC_TYPE = "application/xml"


class ProjectImportForm(FlaskForm):
    project = SelectField(_l("Project"), coerce=int, choices=[])
    org_unit = SelectField(_l("Org unit"), coerce=int, choices=[])
    name = StringField(
        _l("Name of the new study (the project's own when empty)"), validators=[Optional(), Length(max=200)]
    )
    file = FileField(_l("REFI-QDA project (.qdpx)"), validators=[FileRequired()])


class CodebookImportForm(FlaskForm):
    file = FileField(_l("REFI-QDA codebook (.qdc, or a .qdpx project)"), validators=[FileRequired()])


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def max_bytes() -> int:
    return int(current_app.config.get("TRANSCRIPTS_REFI_MAX_BYTES", refi_import.MAX_UPLOAD_BYTES))


def _upload(form: FlaskForm) -> bytes:
    """The uploaded file's bytes, reading at most one byte past the limit."""
    return form.file.data.stream.read(max_bytes() + 1)  # type: ignore[attr-defined]


def _file_name(study: CodingProject, extension: str) -> str:
    stem = re.sub(r"[^\w.-]+", "_", study.name, flags=re.ASCII).strip("._") or f"study_{study.id}"
    return f"{stem[:80]}.{extension}"


@bp.get("/studies/<int:study_id>/exchange")
@require(Permission.CODE_TRANSCRIPTS)
def exchange(study_id: int):
    """Export the study or its codebook as REFI-QDA, and (for leads) import a codebook into it."""
    study = access.study_or_404(_user(), study_id)
    return _exchange_page(study, CodebookImportForm())


def _exchange_page(study: CodingProject, form: CodebookImportForm, status: int = 200):
    return render_template(
        "transcripts/exchange.html",
        study=study,
        form=form,
        is_lead=access.is_lead(_user(), study),
        blind=access.is_blind_for(study),
        limit=max_bytes() // MiB,
    ), status


@bp.get("/studies/<int:study_id>/export.qdpx")
@require(Permission.CODE_TRANSCRIPTS)
def export_qdpx(study_id: int):
    """The study as a REFI-QDA project: transcripts, codebook, the codings the user sees, memos, cases."""
    study = access.study_or_404(_user(), study_id)
    project = refi_mapping.study_project(_user(), study)
    buffer = io.BytesIO()
    refi.write_qdpx(project, buffer)
    audit.record(
        "study.export_qdpx",
        study,
        org_unit_id=study.org_unit_id,
        actor=_user(),
        documents=len(project.sources),
        codings=sum(len(source.codings) for source in project.sources),
        blind=access.is_blind_for(study),
    )
    db.session.commit()
    buffer.seek(0)
    return send_file(buffer, mimetype=QDPX_TYPE, as_attachment=True, download_name=_file_name(study, "qdpx"))


@bp.get("/studies/<int:study_id>/export.qdc")
@require(Permission.CODE_TRANSCRIPTS)
def export_qdc(study_id: int):
    """The study's codebook as a REFI-QDA .qdc file."""
    study = access.study_or_404(_user(), study_id)
    codebook = refi_mapping.study_codebook(study)
    if not codebook.codes:
        flash(_("The codebook is empty: there is nothing to export."), "error")
        return redirect(url_for("transcripts.exchange", study_id=study.id))
    buffer = io.BytesIO()
    refi.write_qdc(codebook, buffer)
    audit.record(
        "study.export_qdc",
        study,
        org_unit_id=study.org_unit_id,
        actor=_user(),
        codes=len(codebook.all_codes()),
    )
    db.session.commit()
    buffer.seek(0)
    return send_file(buffer, mimetype=QDC_TYPE, as_attachment=True, download_name=_file_name(study, "qdc"))


@bp.post("/studies/<int:study_id>/import-codebook")
@require(Permission.CODE_TRANSCRIPTS)
def import_codebook(study_id: int):
    """A lead merges a REFI-QDA codebook into the study's, by name, without duplicates."""
    study = access.lead_study_or_404(_user(), study_id)
    form = CodebookImportForm()
    if not form.validate_on_submit():
        return _exchange_page(study, form, 422)
    try:
        codebook = refi_import.read_codebook(_upload(form), max_bytes())
        merged = refi_import.import_codebook(_user(), study, codebook)
    except refi_import.ExchangeError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _exchange_page(study, form, 422)
    db.session.commit()
    flash(
        _(
            "Codebook imported: %(added)d codes added, %(kept)d already there.",
            added=merged.added,
            kept=merged.kept,
        ),
        "success",
    )
    return redirect(url_for("transcripts.codebook", study_id=study.id))


@bp.route("/import", methods=("GET", "POST"))
@require(Permission.CODE_TRANSCRIPTS)
def import_project():
    """Import a REFI-QDA project (.qdpx) as a new study of one of the user's projects."""
    projects = access.coding_projects(_user())
    form = _project_form(projects)
    if form.validate_on_submit():
        project = next((p for p in projects if p.id == form.project.data), None)
        if project is None:
            abort(404)
        unit = access.unit_in_scope_or_404(_user(), project.id, form.org_unit.data)
        try:
            parsed = refi_import.read_project(_upload(form), max_bytes())
            result = refi_import.import_project(_user(), project, unit, parsed, form.name.data or "")
        except (refi_import.ExchangeError, RefiError) as error:
            db.session.rollback()
            flash(in_user_language(str(error)), "error")
        else:
            db.session.commit()
            _flash_import(result)
            return redirect(url_for("transcripts.study", study_id=result.study.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "transcripts/exchange_import.html", form=form, projects=projects, limit=max_bytes() // MiB
    ), status


def _project_form(projects: list[Project]) -> ProjectImportForm:
    form = ProjectImportForm()
    form.project.choices = [(p.id, p.name) for p in projects]
    project_id = form.project.data if form.is_submitted() else (projects[0].id if projects else None)
    units = access.units_in_scope(_user(), project_id) if project_id else []
    choices = [(u.id, f"{u.name} ({u.code})") for u in units]
    if project_id and access.coding_scope(_user(), project_id).everywhere:
        choices.insert(0, (NONE, _("Whole network")))
    form.org_unit.choices = choices
    return form


def _flash_import(result: refi_import.ProjectImport) -> None:
    flash(
        _(
            "Study %(name)s imported: %(documents)d transcripts, %(codes)d codes, %(codings)d codings, "
            "%(memos)d memos, %(participants)d participants.",
            name=result.study.name,
            documents=result.documents,
            codes=result.codes,
            codings=result.codings,
            memos=result.memos,
            participants=result.participants,
        ),
        "success",
    )
    for match in result.coders:
        if match.user is not None:
            flash(
                _(
                    "Codings by %(refi)s are attributed to %(user)s.",
                    refi=match.refi_name,
                    user=match.user.name or match.user.email,
                ),
                "info",
            )
        else:
            flash(
                _(
                    "Codings by %(refi)s match no member of the study: they are yours, labelled %(batch)s.",
                    refi=match.refi_name,
                    batch=match.batch,
                ),
                "info",
            )
    for note in result.notes:
        flash(note, "info")
