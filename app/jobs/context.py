"""What a running task sees: its job, its parameters, a way to report progress and a file for its result."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.jobs import files
from app.models import Job

PROGRESS_INTERVAL = 0.5  # seconds between two progress writes


class JobError(Exception):
    """Raised by a task when it cannot go on; the message is shown as is to the person who asked."""


def save_state(job: Job, **values: Any) -> None:
    """Write job columns in a short transaction of their own and show them on `job` too.

    The task's session is left alone: its transaction (a streaming query, say) survives a progress report,
    and the in-memory job is updated as already stored, so the task's own commit never writes it again.
    On SQLite, one connection writes at a time: a task that writes should commit before reporting progress.
    """
    with db.engine.begin() as connection:
        connection.execute(update(Job).where(Job.id == job.id).values(**values))
    for name, value in values.items():
        set_committed_value(job, name, value)


class JobContext:
    """Handed to a task: `ctx.job` (read-only), `ctx.params`, `ctx.progress(...)`, `ctx.result_file(...)`."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.params: dict[str, Any] = dict(job.params or {})
        self._unsaved: dict[str, Any] = {}
        self._last_write = 0.0

    def progress(self, done: int, total: int | None = None) -> None:
        """Report `done` units out of `total` (unchanged when None); stored at most every half second."""
        self._unsaved["done"] = done
        if total is not None:
            self._unsaved["total"] = total
        if time.monotonic() - self._last_write >= PROGRESS_INTERVAL:
            self.save_progress()

    def save_progress(self) -> None:
        """Store the progress reported since the last write, if any."""
        if self._unsaved:
            save_state(self.job, **self._unsaved)
            self._unsaved = {}
        self._last_write = time.monotonic()

    @contextmanager
    def result_file(self, name: str) -> Iterator[BinaryIO]:
        """A binary file for the job's result, offered for download as `name` once the block ends."""
        relative = files.relative_path(self.job.id, name)
        target = files.absolute_path(relative)
        with files.write_atomically(target) as handle:
            yield handle
        save_state(self.job, result_name=name, result_path=relative, result_size=target.stat().st_size)
