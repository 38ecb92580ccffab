"""Running one job: claim it, call its task in its owner's language, and record how it ended."""

import logging
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.extensions import db
from app.i18n import N_
from app.jobs import files
from app.jobs.context import JobContext, JobError, save_state
from app.jobs.registry import find_task
from app.models import Job, JobStatus, utcnow

log = logging.getLogger(__name__)

FAILED = N_("The job failed. Try again; if it fails again, tell your administrator.")
INTERRUPTED = N_("The job was interrupted before it finished. Start it again.")
STALE_AFTER = timedelta(days=1)  # longer than any job may run (see queues.JOB_TIMEOUT)


def run_job(job_id: int) -> None:
    """Run a queued job inside the current app context; it is never left running after an exception."""
    job = db.session.get(Job, job_id)
    if job is None or not _claim(job):
        log.warning("job %s not run: it is missing or no longer queued", job_id)
        return
    with force_locale(_owner_locale(job)):
        _run(job)


def fail_abandoned(job_id: int) -> None:
    """Mark failed a job whose runner died under it (killed, out of memory, restarted) without saying so."""
    job = db.session.get(Job, job_id)
    if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return
    log.error("job %s (%s) was abandoned by its worker", job.id, job.kind)
    with force_locale(_owner_locale(job)):
        _fail(job, _(INTERRUPTED))


def fail_stale(older_than: timedelta = STALE_AFTER) -> int:
    """Mark failed the jobs still queued or running long after they were requested; return how many."""
    unfinished = (JobStatus.QUEUED, JobStatus.RUNNING)
    cutoff = utcnow() - older_than
    stale = db.session.scalars(select(Job.id).where(Job.status.in_(unfinished), Job.created_at < cutoff))
    job_ids = list(stale)
    for job_id in job_ids:
        fail_abandoned(job_id)
    return len(job_ids)


def _claim(job: Job) -> bool:
    # One UPDATE decides, so two workers handed the same job cannot both run it.
    claimed = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, started_at=utcnow())
    )
    db.session.commit()
    return claimed.rowcount == 1


def _run(job: Job) -> None:
    context = JobContext(job)
    try:
        _perform(context)
    except JobError as exc:
        # repr: the message may quote the user's file (a column's name), line breaks and escapes included.
        log.info("job %s (%s) stopped: %r", job.id, job.kind, str(exc))
        _fail(job, str(exc))
    except Exception:
        # The boundary of the job, like the 500 page for a request: the traceback goes to the log, the
        # person who asked gets a message they can act on.
        log.exception("job %s (%s) failed", job.id, job.kind)
        _fail(job, _(FAILED))
    except BaseException:
        _fail(job, _(INTERRUPTED))
        raise


def _perform(context: JobContext) -> None:
    job = context.job
    task = find_task(job.kind)
    if task is None:
        raise LookupError(f"No task is registered for the job kind {job.kind!r}.")
    task.function(context)
    db.session.commit()
    context.save_progress()
    save_state(job, status=JobStatus.DONE, finished_at=utcnow())


def _fail(job: Job, message: str) -> None:
    db.session.rollback()
    files.remove_results(job.id)
    save_state(
        job,
        status=JobStatus.FAILED,
        message=message,
        finished_at=utcnow(),
        result_name=None,
        result_path=None,
        result_size=None,
    )


def _owner_locale(job: Job) -> str:
    languages = current_app.config["LANGUAGES"]
    locale = job.user.locale
    return locale if locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
