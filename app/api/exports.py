"""JSON API for exports and the jobs that make them."""

from flask import jsonify, request, send_file, url_for
from flask_babel import gettext as _

from app.api import bp
from app.api.auth import api_user, token_required
from app.jobs import job_percent
from app.jobs import services as jobs
from app.models import Job
from app.permissions import Permission
from app.surveys import services
from app.surveys.exporting import ExportChoice, ExportError, start_export


@bp.post("/forms/<int:form_id>/exports")
@token_required
def create_export(form_id: int):
    """Start an export job: `{"format", "labels"?, "language"?, "split_multiple"?, "all_versions"?,
    "filter"?}`; 202 with the job."""
    form = services.form_or_404(api_user(), form_id, Permission.READ_DATA)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(errors=[{"message": _("Send a JSON object with the export's options.")}]), 400
    try:
        job = start_export(api_user(), form, _choice(body))
    except (ExportError, TypeError, ValueError) as exc:
        return jsonify(errors=[{"message": str(exc)}]), 400
    return jsonify(_job(job)), 202


@bp.get("/jobs/<int:job_id>")
@token_required
def get_job(job_id: int):
    """A job of the token's user: status, progress and, when done, where to download its file."""
    return jsonify(_job(jobs.job_or_404(api_user(), job_id)))


@bp.get("/jobs/<int:job_id>/download")
@token_required
def download_job(job_id: int):
    """The file a finished job made."""
    job, path = jobs.result_for_download(api_user(), job_id)
    response = send_file(path, as_attachment=True, download_name=job.result_name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _choice(body: dict) -> ExportChoice:
    filter_args = body.get("filter") or {}
    if not isinstance(filter_args, dict):
        raise ExportError(_("“filter” must be an object of query-string fields."))
    return ExportChoice(
        format=str(body.get("format", "csv")),
        labels=bool(body.get("labels", False)),
        language=body.get("language") or None,
        split_multiple=bool(body.get("split_multiple", False)),
        all_versions=bool(body.get("all_versions", True)),
        filter={k: [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in filter_args.items()},
    )


def _job(job: Job) -> dict[str, object]:
    done = job.status == "done" and job.result_path
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "percent": job_percent(job),
        "message": job.message or None,
        "url": url_for("api.get_job", job_id=job.id, _external=True),
        "download_url": url_for("api.download_job", job_id=job.id, _external=True) if done else None,
    }
