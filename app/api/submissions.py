"""JSON API for submissions: record one (validated by the engine), list those in scope."""

from flask import jsonify, request
from flask_babel import gettext as _

from app.api import bp
from app.api.auth import along_rows, api_owner, token_required
from app.api.xml_text import unfit_text_field
from app.database import autocommit_until_atomic
from app.i18n import select_locale
from app.models import Form, FormVersion, Submission
from app.permissions import Permission
from app.surveys import services
from app.surveys import submissions as recording


@bp.post("/forms/<int:form_id>/submissions")
@autocommit_until_atomic  # reads, then one INSERT; recording calls atomic() when it writes more
@token_required(along=services.PUBLISHED_TO_FILL)  # the token and the form in one round trip
def create_submission(form_id: int):
    """Record `{"data", "instanceID"?, "org_unit"?}`: 201 new, 200 same again, 409 different, 422 invalid."""
    form, published = services.form_to_fill_or_404(api_owner(), form_id, along_rows())
    return _record(form, published)


@bp.post("/forms/<int:form_id>/versions/<version>/test-submissions")
@token_required
def create_test_submission(form_id: int, version: str):
    """Record a test submission to a draft version, kept apart from real data; answers as for real ones."""
    form = services.form_or_404(api_owner(), form_id, Permission.DESIGN_FORMS)
    row = next((v for v in form.versions if v.version == version), None)
    if row is None:
        message = _("This form has no version %(version)s.", version=version)
        return jsonify(errors=[{"field": None, "message": message}]), 404
    return _record(form, row, test=True)


def _record(form: Form, version: FormVersion | None = None, test: bool = False):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        message = _("Send a JSON object with the answers in “data”.")
        return jsonify(errors=[{"field": None, "message": message}]), 422
    problem = _text_problem(body)
    if problem is not None:
        return jsonify(errors=[problem]), 422
    try:
        recorded = recording.record_submission(
            api_owner(),
            form,
            body["data"],
            body.get("instanceID"),
            body.get("org_unit"),
            select_locale(),  # what get_locale() would parse into a Locale, as a string
            version=version,
            test=test,
        )
    except recording.SubmissionInvalid as exc:
        return jsonify(errors=[{"field": e.field, "message": e.message} for e in exc.errors]), 422
    except recording.SubmissionRefused as exc:
        return jsonify(errors=[{"field": exc.field, "message": str(exc)}]), exc.status
    except recording.SubmissionConflict as exc:
        return jsonify(errors=[{"field": "instanceID", "message": str(exc)}]), 409
    body = {"id": recorded.submission_id, "instanceID": recorded.instance_id, "test": test}
    return jsonify(body), 201 if recorded.created else 200


def _text_problem(body: dict) -> dict[str, str] | None:
    """An instanceID or org_unit that is not a string, or text an XML instance cannot hold (xml_text.py):
    refused here, since the database would fail on it with a 500."""
    field = unfit_text_field(body["data"], "/data")
    for name in ("instanceID", "org_unit"):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            return {"field": name, "message": _("“%(name)s” must be a string.", name=name)}
        field = field or unfit_text_field(value, name)
    if field is None:
        return None
    return {
        "field": field,
        "message": _("Text cannot hold invisible control characters (such as NUL) or broken Unicode."),
    }


@bp.get("/forms/<int:form_id>/submissions")
@token_required
def list_submissions(form_id: int):
    """The submissions of a form inside the token user's scope, as JSON."""
    form = services.form_or_404(api_owner(), form_id)
    return jsonify([_summary(row) for row in recording.submissions_in_scope(api_owner(), form)])


def _summary(row: Submission) -> dict[str, object]:
    return {
        "id": row.id,
        "instanceID": row.instance_id,
        "version": row.form_version.version,
        "submitted_at": row.created_at.isoformat() + "Z",
        "org_unit": row.org_unit.code if row.org_unit else None,
        "review_state": row.review_state,
        "data": row.data,
    }
