"""Routes for exporting a form's submissions: choose the format and options, then follow the job."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.models import User
from app.permissions import Permission, require
from app.surveys import bp, services
from app.surveys.exporting import FORMAT_LABELS, ExportChoice, ExportError, start_export

FILTER_ARGS = ("field", "op", "value", "from", "to", "submitter", "org_unit", "review")


def _user() -> User:
    return current_user._get_current_object()


@bp.route("/<int:form_id>/export", methods=("GET", "POST"))
@require(Permission.READ_DATA)
def export(form_id: int):
    """Ask for an export (of the table's filtered rows, when it came with a filter) and start its job."""
    form = services.form_or_404(_user(), form_id, Permission.READ_DATA)
    table_filter = {name: request.values.getlist(name) for name in FILTER_ARGS if request.values.get(name)}
    if request.method == "POST":
        try:
            job = start_export(_user(), form, _choice(table_filter))
        except ExportError as exc:
            flash(str(exc), "error")
        else:
            return redirect(url_for("jobs.status", job_id=job.id))
    spec = services.spec_of(services.published_version(form) or form.versions[-1])
    return render_template(
        "surveys/export.html",
        form=form,
        formats=FORMAT_LABELS,
        languages=spec.languages,
        table_filter=table_filter,
    )


def _choice(table_filter: dict[str, list[str]]) -> ExportChoice:
    values = request.form
    return ExportChoice(
        format=values.get("format", "csv"),
        labels=values.get("values") == "labels",
        language=values.get("language") or None,
        split_multiple=bool(values.get("split_multiple")),
        all_versions=values.get("versions", "all") == "all",
        filter=table_filter if values.get("only_filtered") else None,
    )
