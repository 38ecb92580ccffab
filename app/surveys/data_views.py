"""Routes for a form's submissions: the table with filters, one submission's page, summaries, exports."""

from flask import Response, make_response, render_template, request, url_for
from flask_login import current_user

from app.models import User
from app.permissions import Permission, require
from app.surveys import bp, services
from app.surveys.answers import read_submission
from app.surveys.filtering import review_state_label
from app.surveys.table import table_view

TABLE_AREA = "submissions-area"  # the element the filter form and the pager refresh through htmx


def _user() -> User:
    return current_user._get_current_object()


@bp.get("/<int:form_id>/submissions")
@require(Permission.READ_DATA)
def submissions(form_id: int):
    """The submissions of a form in the user's scope: filters, chosen columns, one page at a time."""
    form = services.form_or_404(_user(), form_id, Permission.READ_DATA)
    view = table_view(_user(), form, request.args)
    template = "surveys/_submissions_table.html" if _area_only() else "surveys/submissions.html"
    response = make_response(render_template(template, form=form, view=view, review_label=review_state_label))
    if _area_only():  # the address shows the filter as the server read it, without the blank row's fields
        response.headers["HX-Push-Url"] = url_for("surveys.submissions", form_id=form.id, **view.args())
    return _varies(response)


def _area_only() -> bool:
    """An htmx request for the table area; a history restore needs the whole page."""
    headers = request.headers
    return headers.get("HX-Target") == TABLE_AREA and not headers.get("HX-History-Restore-Request")


def _varies(response: Response) -> Response:
    response.vary.add("HX-Target")
    return response


@bp.get("/<int:form_id>/submissions/<int:submission_id>")
@require(Permission.READ_DATA)
def submission(form_id: int, submission_id: int):
    """One submission's answers laid out as its form, with who sent it and when; each reading is audited."""
    form = services.form_or_404(_user(), form_id, Permission.READ_DATA)
    labels = request.args.get("show") != "codes"
    reading = read_submission(_user(), form, submission_id, request.args.get("lang"), labels)
    return render_template(
        "surveys/submission.html",
        form=form,
        reading=reading,
        submission=reading.submission,
        spec=reading.spec,
        language=reading.language,
        review_label=review_state_label,
    )
