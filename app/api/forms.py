"""JSON API for forms: upload an XLSForm, list forms, read one."""

from flask import jsonify, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from app.api import bp
from app.api.auth import api_user, token_required
from app.models import Form
from app.permissions import Permission, user_can
from app.surveys import attachments, services
from app.surveys.problems import problem_dicts
from forms.errors import FormDefinitionError


def _error(message: str, status: int = 400):
    return jsonify(errors=[{"sheet": None, "row": None, "column": None, "message": message}]), status


@bp.post("/forms")
@token_required
def upload_form():
    """Upload an XLSForm (multipart field `xlsform`, optional `project`)."""
    user = api_user()
    if not user_can(user, Permission.DESIGN_FORMS):
        return _error(_("You cannot upload forms."), 403)
    upload = request.files.get("xlsform")
    if upload is None or not upload.filename:
        return _error(_("Send the XLSForm file in the multipart field “xlsform”."))
    try:
        project = services.project_by_reference(user, request.form.get("project"))
        result = services.upload_form(
            user, project, upload.read(), upload.filename, _flag("publish"), _flag("confirm")
        )
    except FormDefinitionError as exc:
        return jsonify(errors=problem_dicts(exc.problems)), 400
    except services.SurveyError as exc:
        return _error(str(exc))
    lang = str(get_locale())
    changes = [
        {"code": c.code, "path": c.path, "reshapes": c.reshapes, "message": c.message(lang)}
        for c in result.changes
    ]
    body = _form_summary(result.version.form) | {
        "uploaded_version": result.version.version,
        "status": result.version.status,
        "changes": changes,
        "warnings": problem_dicts(result.warnings),
    }
    return jsonify(body), 201


def _flag(name: str) -> bool:
    return request.args.get(name, "").lower() in {"1", "true", "yes"}


@bp.get("/forms")
@token_required
def list_forms():
    """The forms of the projects the token's user works in."""
    return jsonify([_form_summary(form) for form in services.visible_forms(api_user())])


@bp.get("/forms/<int:form_id>")
@token_required
def get_form(form_id: int):
    """One form with its versions."""
    form = services.form_or_404(api_user(), form_id)
    versions = [
        {
            "version": v.version,
            "status": v.status,
            "published_at": v.published_at.isoformat() + "Z" if v.published_at else None,  # stored naive UTC
        }
        for v in form.versions
    ]
    return jsonify(_form_summary(form) | {"versions": versions})


def _form_summary(form: Form) -> dict[str, object]:
    published = services.published_version(form)
    return {
        "id": form.id,
        "form_id": form.xml_form_id,
        "title": form.title,
        "project": form.project.code,
        "version": published.version if published else form.versions[-1].version,
        "url": url_for("surveys.detail", form_id=form.id, _external=True),
        "fill_url": url_for("surveys.fill", form_id=form.id, _external=True),
    }


@bp.post("/forms/<int:form_id>/versions/<version>/attachments/<path:name>")
@token_required
def upload_attachment(form_id: int, version: str, name: str):
    """Upload a file a version expects (multipart field `file`)."""
    form = services.form_or_404(api_user(), form_id, Permission.DESIGN_FORMS)
    row = next((v for v in form.versions if v.version == version), None)
    upload = request.files.get("file")
    if row is None:
        return _error(_("This form has no version %(version)s.", version=version), 404)
    if upload is None:
        return _error(_("Send the file in the multipart field “file”."))
    try:
        attachment = attachments.attach_file(row, name, upload.read())
    except attachments.AttachmentError as exc:
        return _error(str(exc))
    return jsonify(name=attachment.name, md5=attachment.md5, size=attachment.size), 201
