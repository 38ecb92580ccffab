"""Where job results live (<instance>/jobs/<job id>/<file>), how they are written, and when they go."""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select
from werkzeug.security import safe_join
from werkzeug.utils import secure_filename

from app.extensions import db
from app.models import Job, utcnow

JOBS_DIR = "jobs"
KEEP_DAYS = 7


def relative_path(job_id: int, name: str) -> str:
    """The result's path relative to the instance folder; the file name on disk is made safe."""
    return f"{JOBS_DIR}/{job_id}/{secure_filename(name) or 'result'}"


def absolute_path(relative: str) -> Path:
    """The file a stored relative path names, refusing any path that leaves the jobs folder."""
    joined = safe_join(current_app.instance_path, relative)
    if joined is None or not relative.startswith(f"{JOBS_DIR}/"):
        raise ValueError(f"Not a job result path: {relative!r}")
    return Path(joined)


@contextmanager
def write_atomically(target: Path) -> Iterator[BinaryIO]:
    """A file to write to that appears under its name only once it is complete; on an error, nothing."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        with partial.open("wb") as handle:
            yield handle
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def remove_results(job_id: int) -> None:
    """Delete every file a job wrote."""
    shutil.rmtree(Path(current_app.instance_path, JOBS_DIR, str(job_id)), ignore_errors=True)


def delete_expired(days: int = KEEP_DAYS) -> int:
    """Delete the result files of jobs finished more than `days` ago; return how many jobs lost theirs."""
    cutoff = utcnow() - timedelta(days=days)
    expired = db.session.scalars(
        select(Job).where(Job.result_path.is_not(None), Job.finished_at < cutoff).order_by(Job.id)
    ).all()
    for job in expired:
        remove_results(job.id)
        job.result_path = None  # the name and size stay, so the list can say what expired
    db.session.commit()
    return len(expired)
