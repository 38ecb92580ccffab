"""Handing jobs to a runner: RQ on Redis when REDIS_URL is set, otherwise threads in this process."""

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import redis
import rq
from flask import Flask
from rq.job import Job as RQJob

from app.extensions import db
from app.jobs.running import fail_abandoned, run_job

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "humus"
JOB_TIMEOUT = 4 * 60 * 60  # seconds: a large export or a model training can take a while
FAILURE_TTL = 7 * 24 * 60 * 60  # seconds RQ keeps a crashed job for `rq info`; the database keeps the rest
LOCAL_WORKERS = 2


class QueueUnavailable(Exception):
    """Redis could not take the job."""


def submit(app: Flask, job_id: int) -> None:
    """Queue a committed job for running, on RQ or in this process."""
    if app.config.get("REDIS_URL"):
        try:
            rq_queue(app).enqueue(
                run_job,
                job_id,
                job_timeout=JOB_TIMEOUT,
                result_ttl=0,  # run_job returns nothing: its outcome is in the jobs table
                failure_ttl=FAILURE_TTL,
                description=f"humus job {job_id}",
            )
        except redis.RedisError as exc:
            raise QueueUnavailable(str(exc)) from exc
    else:
        _local_executor().submit(_run_in_app, app, job_id).add_done_callback(_log_crash)


def queue_name(app: Flask) -> str:
    return app.config.get("JOBS_QUEUE") or DEFAULT_QUEUE


def redis_connection(app: Flask) -> redis.Redis:
    """One client (and connection pool) per app; redis-py opens new connections after a fork."""
    if "humus_jobs_redis" not in app.extensions:
        app.extensions["humus_jobs_redis"] = redis.Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=5
        )
    return app.extensions["humus_jobs_redis"]


def rq_queue(app: Flask) -> rq.Queue:
    return rq.Queue(queue_name(app), connection=redis_connection(app))


class AppWorker(rq.Worker):
    """An RQ worker whose work horse runs each job in a fresh app context, with its own connections."""

    app: Flask

    def main_work_horse(self, job: RQJob, queue: rq.Queue) -> None:
        with self.app.app_context():
            db.engine.dispose(close=False)  # the pooled connections are the parent's, not this fork's
        super().main_work_horse(job, queue)

    def perform_job(self, job: RQJob, queue: rq.Queue) -> bool:
        with self.app.app_context():
            return super().perform_job(job, queue)

    def handle_work_horse_killed(self, job: RQJob, retpid: Any, ret_val: Any, rusage: Any) -> None:
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        if job.func_name == f"{run_job.__module__}.{run_job.__name__}" and job.args:
            with self.app.app_context():
                fail_abandoned(job.args[0])


def make_worker(app: Flask, worker_class: type[rq.Worker] = AppWorker, **options: Any) -> rq.Worker:
    """A worker for the app's queue; each job runs inside an app context of `app`."""
    bound = type(worker_class.__name__, (worker_class,), {"app": app})
    return bound([queue_name(app)], connection=redis_connection(app), **options)


# The in-process runner. Threads do not survive a fork, so a forked process (a gunicorn worker forked
# from a preloaded master) starts with no executor and creates its own on first use.
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _local_executor() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=LOCAL_WORKERS, thread_name_prefix="humus-job")
        return _executor


def _forget_executor() -> None:
    global _executor, _executor_lock
    _executor, _executor_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_executor)


def shutdown_local_runner(wait: bool = True) -> None:
    """Let the in-process jobs finish (when `wait`) and drop the executor; the next job starts a new one."""
    global _executor
    with _executor_lock:
        executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown(wait=wait)


def _run_in_app(app: Flask, job_id: int) -> None:
    # A new app context gives this thread its own Flask-SQLAlchemy session.
    with app.app_context():
        run_job(job_id)


def _log_crash(future: Future[None]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("the in-process job runner crashed", exc_info=exc)
