"""Exports of a form's submissions as files (CSV zip, XLSX, SPSS, Stata), made by a background job."""

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from werkzeug.datastructures import MultiDict

from app import audit
from app.extensions import db
from app.i18n import N_
from app.jobs import JobContext, JobError, enqueue, task
from app.models import Form, FormVersion, Job, OrgUnit, Submission, User
from app.permissions import Permission
from app.surveys import services
from app.surveys.filtering import filter_from_args, filtered_query
from forms.exports import (
    ExportOptions,
    SubmissionRecord,
    build_layout,
    export_filename,
    file_extension,
    write_csv_zip,
    write_dta,
    write_sav,
    write_xlsx,
)
from forms.tables import Layout

WRITERS = {"csv": write_csv_zip, "xlsx": write_xlsx, "sav": write_sav, "dta": write_dta}
FORMAT_LABELS = {
    "csv": N_("CSV (a ZIP with one table per repeat)"),
    "xlsx": N_("Excel (one sheet per repeat)"),
    "sav": N_("SPSS (.sav, with variable and value labels)"),
    "dta": N_("Stata (.dta, with variable and value labels)"),
}
_BATCH = 1000  # rows read from the database at a time


class ExportError(ValueError):
    """An export that cannot be started; the message is for the person who asked."""


@dataclass(frozen=True)
class ExportChoice:
    """What the person asked for: the format, the export options, and the table's filter as a query string."""

    format: str = "csv"
    labels: bool = False
    language: str | None = None
    split_multiple: bool = False
    all_versions: bool = True  # False: only the submissions of the published version
    filter: Mapping[str, list[str]] | None = None  # the table's query string, when only its rows are wanted


def start_export(user: User, form: Form, choice: ExportChoice) -> Job:
    """Queue an export job for the submissions the user may read; its page shows progress and the file."""
    if choice.format not in WRITERS:
        raise ExportError(_("Unknown export format: %(format)s.", format=choice.format))
    if services.published_version(form) is None and not form.versions:
        raise ExportError(_("This form has no version to export."))
    params = {"form_id": form.id, **asdict(choice), "filter": dict(choice.filter or {})}
    return enqueue("submissions.export", params, user)


@task("submissions.export", title=N_("Export of submissions"))
def run_export(ctx: JobContext) -> None:
    """Write the export file, streaming rows from the database; the scope is checked again as it runs."""
    params = ctx.params
    user = db.session.get(User, ctx.job.user_id)
    form = db.session.get(Form, params["form_id"])
    if user is None or form is None or not _may_read(user, form):
        raise JobError(
            _("This form cannot be exported any more: it is gone, or you no longer read its data.")
        )
    versions = _versions(form, params["all_versions"])
    layout = build_layout([services.spec_of(v) for v in versions])
    query = _query(user, form, layout, params, versions)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ctx.progress(0, total)
    options = ExportOptions(params["labels"], params["language"], params["split_multiple"])
    filename = export_filename(form.xml_form_id, file_extension(layout, params["format"]))
    with ctx.result_file(filename) as out:
        WRITERS[params["format"]](layout, _records(ctx, query, total), out, options)
    audit.record("submissions.exported", form, actor=user, format=params["format"], rows=total)
    db.session.commit()


def _may_read(user: User, form: Form) -> bool:
    ids = services.project_ids(user, Permission.READ_DATA)
    return ids is None or form.project_id in ids


def _versions(form: Form, all_versions: bool) -> list[FormVersion]:
    """The versions whose submissions go in, oldest first (the newest gives column order and labels)."""
    kept = [v for v in form.versions if v.status != "draft"]
    if all_versions:
        return kept or list(form.versions)
    published = services.published_version(form)
    return [published] if published else kept[-1:]


def _query(user: User, form: Form, layout: Layout, params: Mapping[str, Any], versions: list[FormVersion]):
    chosen = filter_from_args(MultiDict(params["filter"]), layout)
    unit, submitter = aliased(OrgUnit), aliased(User)
    return (
        filtered_query(user, form, chosen)
        .where(Submission.form_version_id.in_([v.id for v in versions]))
        .outerjoin(unit, unit.id == Submission.org_unit_id)
        .outerjoin(submitter, submitter.id == Submission.submitter_id)
        .outerjoin(FormVersion, FormVersion.id == Submission.form_version_id)
        .with_only_columns(
            Submission.instance_id,
            Submission.data,
            Submission.created_at,
            Submission.review_state,
            submitter.email,
            unit.code,
            FormVersion.version,
        )
        .order_by(Submission.id)
    )


def _records(ctx: JobContext, query, total: int) -> Iterator[SubmissionRecord]:
    rows = db.session.execute(query.execution_options(yield_per=_BATCH))
    for done, row in enumerate(rows, start=1):
        instance_id, data, submitted_at, review_state, email, unit_code, version = row
        yield SubmissionRecord(instance_id, data, submitted_at, email, unit_code, review_state, version)
        if done % _BATCH == 0:
            ctx.progress(done, total)
    ctx.progress(total, total)
