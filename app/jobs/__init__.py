"""Blueprint and public API of background jobs: long work with progress, run by RQ or in this process.

Register a task, then start it from a view:

    @task("exports.csv", title=N_("CSV export"))
    def export_csv(ctx: JobContext) -> None:
        with ctx.result_file("export.csv") as out:
            ...; ctx.progress(done, total)

    job = enqueue("exports.csv", {"form_id": 3}, user)
    return redirect(url_for("jobs.status", job_id=job.id))
"""

from flask import Blueprint
from flask_babel import gettext

from app.i18n import N_
from app.jobs.context import JobContext, JobError
from app.jobs.registry import find_task, task
from app.jobs.services import enqueue
from app.models import Job, JobStatus

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

__all__ = ["JobContext", "JobError", "bp", "enqueue", "task"]

STATUS_LABELS = {
    JobStatus.QUEUED: N_("Waiting to start"),
    JobStatus.RUNNING: N_("Running"),
    JobStatus.DONE: N_("Done"),
    JobStatus.FAILED: N_("Failed"),
}


@bp.app_template_global()
def job_status_label(status: str) -> str:
    return gettext(STATUS_LABELS.get(status, status))


@bp.app_template_global()
def job_title(kind: str) -> str:
    registered = find_task(kind)
    return gettext(registered.title) if registered else kind


@bp.app_template_global()
def job_percent(job: Job) -> int | None:
    """How far a job has come, 0 to 100, or None while its size is unknown."""
    if not job.total:
        return None
    return max(0, min(100, 100 * job.done // job.total))


from app.jobs import cli, views  # noqa: E402,F401
