"""Routes for forms: list, upload, versions, publishing and downloads."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.cases.datasets import entity_lists_read_by
from app.extensions import db
from app.models import Project, User
from app.permissions import Permission, require, user_can
from app.registry.datasets import SERVICES_FILE, reads_registry
from app.surveys import attachments, bp, drafts, services, submissions
from app.surveys.problems import problem_dicts
from app.surveys.webforms import UploadForm
from forms.errors import FormDefinitionError


def _user() -> User:
    return current_user._get_current_object()


@bp.route("/")
@login_required
def index():
    """List the forms of the user's projects."""
    forms = services.visible_forms(_user())
    can_upload = user_can(_user(), Permission.DESIGN_FORMS)
    return render_template(
        "surveys/index.html", forms=forms, can_upload=can_upload, published=services.published_version
    )


@bp.route("/upload", methods=("GET", "POST"))
@require(Permission.DESIGN_FORMS)
def upload():
    """Upload an XLSForm; show every problem with its sheet, row and column."""
    form = UploadForm()
    form.project.choices = [(p.id, p.name) for p in services.projects_for(_user(), Permission.DESIGN_FORMS)]
    if not form.validate_on_submit():
        return render_template("surveys/upload.html", form=form, problems=[]), 400 if form.errors else 200
    try:
        result = _store_upload(form)
    except FormDefinitionError as exc:
        return render_template("surveys/upload.html", form=form, problems=problem_dicts(exc.problems)), 400
    except services.SurveyError as exc:
        return render_template("surveys/upload.html", form=form, problems=[{"message": str(exc)}]), 400
    for warning in problem_dicts(result.warnings):
        flash(_("Warning: %(message)s", message=warning["message"]), "warning")
    flash(_("Version %(version)s was uploaded.", version=result.version.version), "success")
    return redirect(url_for("surveys.detail", form_id=result.version.form_id))


def _store_upload(form: UploadForm) -> services.Upload:
    project = db.session.get(Project, form.project.data)
    data = form.xlsform.data.read()
    return services.upload_form(_user(), project, data, form.xlsform.data.filename, form.publish.data)


@bp.route("/<int:form_id>")
@login_required
def detail(form_id: int):
    """Show a form's versions, their attachments and what can be done with them."""
    form = services.form_or_404(_user(), form_id)
    return render_template(
        "surveys/detail.html",
        form=form,
        can_design=services.can_design(_user(), form),
        can_fill=user_can(_user(), Permission.FILL_FORMS),
        published=services.published_version(form),
        changes={v.id: services.version_changes(v) for v in form.versions if v.status == "draft"},
        lang=str(get_locale()),
        my_drafts=drafts.drafts_of(_user(), form),
        test_counts=submissions.test_submission_counts(form),
        entity_files={v.id: entity_lists_read_by(v) for v in form.versions},
        registry_files={v.id: reads_registry(v) for v in form.versions},
        services_file=SERVICES_FILE,
    )


@bp.post("/<int:form_id>/versions/<int:version_id>/publish")
@require(Permission.DESIGN_FORMS)
def publish(form_id: int, version_id: int):
    """Publish a draft version."""
    form = services.form_or_404(_user(), form_id, Permission.DESIGN_FORMS)
    version = services.version_or_404(form, version_id)
    try:
        services.publish_version(_user(), version, confirm=request.form.get("confirm") == "yes")
        flash(_("Version %(version)s is now the one people fill in.", version=version.version), "success")
    except services.SurveyError as exc:
        flash(str(exc), "error")
    return redirect(url_for("surveys.detail", form_id=form.id))


@bp.get("/<int:form_id>/versions/<int:version_id>/xlsform")
@login_required
def download_xlsform(form_id: int, version_id: int):
    """Download the XLSForm of a version, exactly as it was uploaded."""
    version = services.version_or_404(services.form_or_404(_user(), form_id), version_id)
    return _attachment(version.xlsform, version.xlsform_filename, "application/octet-stream")


@bp.get("/<int:form_id>/versions/<int:version_id>/xform")
@login_required
def download_xform(form_id: int, version_id: int):
    """Download the XForm XML of a version."""
    version = services.version_or_404(services.form_or_404(_user(), form_id), version_id)
    filename = f"{version.form.xml_form_id}-{version.version}.xml"
    return _attachment(version.xform.encode(), filename, "application/xml")


def _attachment(content: bytes, filename: str, mimetype: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


@bp.post("/<int:form_id>/versions/<int:version_id>/attachments/<path:name>")
@require(Permission.DESIGN_FORMS)
def upload_attachment(form_id: int, version_id: int, name: str):
    """Upload a file a version expects (a CSV dataset, an image)."""
    form = services.form_or_404(_user(), form_id, Permission.DESIGN_FORMS)
    version = services.version_or_404(form, version_id)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise attachments.AttachmentError(_("Choose a file to upload."))
        attachments.attach_file(version, name, upload.read())
        flash(_("%(name)s was uploaded.", name=name), "success")
    except attachments.AttachmentError as exc:
        flash(str(exc), "error")
    return redirect(url_for("surveys.detail", form_id=form.id))
