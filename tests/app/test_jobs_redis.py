"""Background jobs on RQ with the real Redis at 127.0.0.1:6379: queued there, run by a worker in the app."""

import os
import signal
import uuid
from collections.abc import Iterator

import pytest
import redis
import rq
from flask import Flask
from rq.results import Result

from app.extensions import db
from app.jobs import JobContext, enqueue, queues, task
from app.models import Job, JobStatus, User
from tests.app.test_jobs import load, start
from tests.conftest import login, make_app

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TEST_PROCESS = os.getpid()


@task("tests.rq_lines", title="RQ test lines")
def rq_lines(ctx: JobContext) -> None:
    with ctx.result_file("rq.txt") as out:
        for n in range(ctx.params["lines"]):
            out.write(f"rq {n}\n".encode())
            ctx.progress(n + 1, ctx.params["lines"])


@task("tests.rq_explode")
def rq_explode(ctx: JobContext) -> None:
    raise ValueError("boom inside the worker")


@task("tests.rq_die")
def rq_die(ctx: JobContext) -> None:
    if os.getpid() == TEST_PROCESS:
        raise RuntimeError("this task kills its process: run it only in a forked work horse")
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.fixture(scope="module")
def redis_connection() -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is unreachable, and CI must run the RQ tests: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable ({exc}); start it to run the RQ tests")
    yield connection
    connection.close()


@pytest.fixture
def app(database_url: str, redis_connection: redis.Redis, tmp_path) -> Iterator[Flask]:
    """The app with REDIS_URL set, a queue of its own (emptied afterwards) and its own instance folder."""
    name = f"humus-test-{uuid.uuid4().hex}"
    app = make_app(database_url, REDIS_URL=REDIS_URL, JOBS_QUEUE=name)
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    _delete_queue(rq.Queue(name, connection=redis_connection))
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _delete_queue(queue: rq.Queue) -> None:
    """Remove the test queue, its registries, its jobs and their results from Redis."""
    registries = (queue.started_job_registry, queue.finished_job_registry, queue.failed_job_registry)
    ids = set(queue.get_job_ids()).union(*(registry.get_job_ids() for registry in registries))
    for job in rq.job.Job.fetch_many(list(ids), connection=queue.connection):
        if job is not None:
            Result.delete_all(job)
            job.delete()
    for registry in registries:
        queue.connection.delete(registry.key)
    queue.delete(delete_jobs=True)


@pytest.fixture
def owner(make_user) -> User:
    return make_user("ada@example.org")


def work_in_this_process(app: Flask) -> None:
    """Run every queued job with rq's SimpleWorker, inside this test's app."""
    with app.app_context():
        worker = rq.SimpleWorker([queues.queue_name(app)], connection=queues.redis_connection(app))
        worker.work(burst=True)


def test_with_redis_url_a_job_waits_on_the_rq_queue_until_a_worker_runs_it(app, client, owner):
    job_id = start(app, "tests.rq_lines", owner, {"lines": 4})
    queued = queues.rq_queue(app)

    assert load(app, job_id).status == JobStatus.QUEUED
    assert queued.count == 1
    work_in_this_process(app)

    job = load(app, job_id)
    assert (job.status, job.done, job.total, job.result_name) == (JobStatus.DONE, 4, 4, "rq.txt")
    assert queued.count == 0
    login(client, owner.email)
    assert client.get(f"/jobs/{job_id}/download").data == b"rq 0\nrq 1\nrq 2\nrq 3\n"


def test_a_task_failing_under_rq_is_marked_failed_with_the_generic_message(app, owner, caplog):
    job_id = start(app, "tests.rq_explode", owner)

    work_in_this_process(app)

    job = load(app, job_id)
    assert job.status == JobStatus.FAILED and "boom" not in job.message and job.message
    assert any("boom inside the worker" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_the_worker_command_runs_jobs_in_forked_work_horses(app, owner):
    job_id = start(app, "tests.rq_lines", owner, {"lines": 2})

    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])

    assert result.exit_code == 0, result.output
    assert load(app, job_id).status == JobStatus.DONE


def test_a_job_whose_work_horse_is_killed_is_marked_failed_not_left_running(app, owner):
    job_id = start(app, "tests.rq_die", owner)

    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])

    assert result.exit_code == 0, result.output
    job = load(app, job_id)
    assert job.status == JobStatus.FAILED and job.finished_at is not None and job.message


def test_an_unreachable_redis_fails_the_job_with_a_message_instead_of_an_error_page(app, owner):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    app.extensions.pop("humus_jobs_redis", None)

    with app.app_context():
        job = enqueue("tests.rq_lines", {"lines": 1}, db.session.get(User, owner.id))
        job_id = job.id

    job = load(app, job_id)
    assert job.status == JobStatus.FAILED and job.message and job.finished_at is not None


def test_the_worker_command_refuses_to_start_without_redis_url(app):
    app.config["REDIS_URL"] = None

    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])

    assert result.exit_code != 0 and "REDIS_URL" in result.output


def test_the_rq_job_carries_the_database_job_id(app, owner):
    job_id = start(app, "tests.rq_lines", owner, {"lines": 1})

    [queued] = queues.rq_queue(app).get_jobs()

    assert queued.args == (job_id,)
    with app.app_context():
        assert db.session.get(Job, job_id).status == JobStatus.QUEUED
