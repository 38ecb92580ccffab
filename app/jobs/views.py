"""Routes for jobs: the list of one's jobs, a job's progress, and its result to download."""

from flask import render_template, send_file
from flask_login import current_user, login_required

from app.jobs import bp, files, services
from app.models import User


def _user() -> User:
    return current_user._get_current_object()


@bp.get("/")
@login_required
def index():
    """List the signed-in user's recent jobs."""
    return render_template("jobs/index.html", jobs=services.recent_jobs(_user()), keep_days=files.KEEP_DAYS)


@bp.get("/<int:job_id>")
@login_required
def status(job_id: int):
    """Show a job's progress, refreshed every second while it runs, then its result or what went wrong."""
    job = services.job_or_404(_user(), job_id)
    return render_template("jobs/status.html", job=job, keep_days=files.KEEP_DAYS)


@bp.get("/<int:job_id>/progress")
@login_required
def progress(job_id: int):
    """The progress fragment the status page polls."""
    job = services.job_or_404(_user(), job_id)
    return render_template("jobs/_progress.html", job=job, keep_days=files.KEEP_DAYS)


@bp.get("/<int:job_id>/download")
@login_required
def download(job_id: int):
    """Download a finished job's result under the name the server gave it."""
    job, path = services.result_for_download(_user(), job_id)
    response = send_file(path, as_attachment=True, download_name=job.result_name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"  # results hold personal data
    return response
