"""What people do with jobs: start one, follow it, list theirs, download the result."""

import logging
from pathlib import Path
from typing import Any

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.jobs import files, queues
from app.jobs.context import save_state
from app.models import Job, JobStatus, User, utcnow

log = logging.getLogger(__name__)

RECENT_JOBS = 50


def enqueue(kind: str, params: dict[str, Any], user: User, total: int | None = None) -> Job:
    """Store a job for `user` and queue it; `params` must be JSON (the worker may be another machine)."""
    job = Job(kind=kind, params=dict(params), user_id=user.id, total=total, status=JobStatus.QUEUED)
    db.session.add(job)
    audit.record("job.queued", job, actor=user, kind=kind)
    db.session.commit()
    try:
        queues.submit(current_app._get_current_object(), job.id)
    except queues.QueueUnavailable as exc:
        log.error("job %s could not be queued: %s", job.id, exc)
        message = _("The job could not be started because the job queue is unreachable. Try again later.")
        save_state(job, status=JobStatus.FAILED, message=message, finished_at=utcnow())
    return job


def job_or_404(user: User, job_id: int) -> Job:
    """The user's own job; anyone else's answers 404, like a missing one."""
    job = db.session.get(Job, job_id)
    if job is None or job.user_id != user.id:
        abort(404)
    return job


def recent_jobs(user: User) -> list[Job]:
    query = select(Job).where(Job.user_id == user.id).order_by(Job.created_at.desc(), Job.id.desc())
    return list(db.session.scalars(query.limit(RECENT_JOBS)))


def result_for_download(user: User, job_id: int) -> tuple[Job, Path]:
    """The user's finished job and its result file, audited as downloaded; 404 when there is none."""
    job = job_or_404(user, job_id)
    if job.status != JobStatus.DONE or not job.result_path:
        abort(404)
    path = files.absolute_path(job.result_path)
    if not path.is_file():
        abort(404)
    audit.record("job.downloaded", job, actor=user, kind=job.kind, size=job.result_size)
    db.session.commit()
    return job, path
