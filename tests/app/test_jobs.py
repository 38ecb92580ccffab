"""Background jobs run in-process: progress, results, failures, owner-only pages, downloads and expiry."""

import logging
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask_babel import get_locale
from sqlalchemy import event, select

from app.extensions import db
from app.jobs import JobContext, JobError, enqueue, files, queues, task
from app.models import AuditEvent, Job, JobStatus, User, utcnow
from tests.conftest import login

RELEASE = threading.Event()


@task("tests.write_lines", title="Test lines")
def write_lines(ctx: JobContext) -> None:
    count = ctx.params["lines"]
    with ctx.result_file("righe di prova.txt") as out:
        for n in range(count):
            out.write(f"line {n}\n".encode())
            ctx.progress(n + 1, count)


@task("tests.wait_for_release")
def wait_for_release(ctx: JobContext) -> None:
    ctx.progress(3, 10)
    assert RELEASE.wait(timeout=10), "the test never released the job"
    ctx.progress(10)


@task("tests.explode")
def explode(ctx: JobContext) -> None:
    with ctx.result_file("half.txt") as out:
        out.write(b"half")
    raise RuntimeError("secret internal detail")


@task("tests.refuse")
def refuse(ctx: JobContext) -> None:
    raise JobError("No submissions to export yet.")


@task("tests.write_locale")
def write_locale(ctx: JobContext) -> None:
    with ctx.result_file("locale.txt") as out:
        out.write(str(get_locale()).encode())


def start(app, kind: str, user: User, params: dict | None = None, total: int | None = None) -> int:
    with app.app_context():
        return enqueue(kind, params or {}, user, total=total).id


def load(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def wait_for(app, job_id: int, statuses=(JobStatus.DONE, JobStatus.FAILED), timeout: float = 10.0) -> Job:
    """Poll the database until the job reaches one of `statuses`."""
    deadline = time.monotonic() + timeout
    while True:
        job = load(app, job_id)
        if job.status in statuses:
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job.status} after {timeout} s"
        time.sleep(0.02)


@pytest.fixture(autouse=True)
def _own_instance_folder_and_runner(app, tmp_path):
    """Results go to this test's own folder; in-process jobs finish before the database is dropped."""
    app.instance_path = str(tmp_path / "instance")
    RELEASE.clear()
    yield
    RELEASE.set()
    queues.shutdown_local_runner(wait=True)


@pytest.fixture
def owner(make_user) -> User:
    return make_user("ada@example.org")


def test_a_job_runs_in_process_and_offers_its_file(app, owner):
    job_id = start(app, "tests.write_lines", owner, {"lines": 5})

    job = wait_for(app, job_id)

    assert (job.status, job.done, job.total) == (JobStatus.DONE, 5, 5)
    assert job.result_name == "righe di prova.txt"
    assert job.result_path == f"jobs/{job_id}/righe_di_prova.txt"
    assert job.result_size == len(b"".join(f"line {n}\n".encode() for n in range(5)))
    assert job.started_at <= job.finished_at


def test_enqueue_is_audited(app, owner):
    job_id = start(app, "tests.write_lines", owner, {"lines": 1})
    wait_for(app, job_id)

    with app.app_context():
        event_ = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "job.queued")).one()
        assert (event_.actor_id, event_.target_id, event_.details) == (
            owner.id,
            str(job_id),
            {"kind": "tests.write_lines"},
        )


def test_progress_shows_on_the_status_page_and_polls_until_the_job_ends(app, client, owner):
    login(client, owner.email)
    job_id = start(app, "tests.wait_for_release", owner)
    wait_for(app, job_id, statuses=(JobStatus.RUNNING,))
    deadline = time.monotonic() + 10
    while load(app, job_id).done != 3:
        assert time.monotonic() < deadline
        time.sleep(0.02)

    running = client.get(f"/jobs/{job_id}")
    fragment = client.get(f"/jobs/{job_id}/progress")
    RELEASE.set()
    wait_for(app, job_id)
    finished = client.get(f"/jobs/{job_id}/progress")

    assert running.status_code == 200
    assert b'value="30"' in running.data and b"30%" in running.data
    assert b'hx-trigger="every 1s"' in running.data
    assert f'hx-get="/jobs/{job_id}/progress"'.encode() in running.data
    assert b"<html" not in fragment.data and b'value="30"' in fragment.data
    assert b"hx-trigger" not in finished.data and b"<progress" not in finished.data


def test_progress_in_a_tight_loop_is_written_only_now_and_then(app, owner):
    job_id = start(app, "tests.wait_for_release", owner)
    RELEASE.set()
    wait_for(app, job_id)
    with app.app_context():
        updates = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: updates.append(args[2]))
        job = db.session.get(Job, job_id)
        context = JobContext(job)

        for n in range(20_000):
            context.progress(n + 1, 20_000)
        context.save_progress()

        written = [s for s in updates if s.lstrip().upper().startswith("UPDATE JOBS")]
        assert 1 <= len(written) <= 5
        db.session.expire_all()
        assert db.session.get(Job, job_id).done == 20_000


def test_a_failing_task_is_logged_with_its_traceback_and_the_user_gets_a_generic_message(
    app, client, make_user, caplog
):
    owner = make_user("bob@example.org")
    with app.app_context():
        db.session.get(User, owner.id).locale = "en"
        db.session.commit()
    login(client, owner.email)
    caplog.set_level(logging.ERROR, logger="app.jobs")

    job_id = start(app, "tests.explode", owner)
    job = wait_for(app, job_id)
    page = client.get(f"/jobs/{job_id}")

    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert job.message == "The job failed. Try again; if it fails again, tell your administrator."
    assert (job.result_name, job.result_path) == (None, None)
    assert not Path(app.instance_path, "jobs", str(job_id)).exists()
    assert b"secret internal detail" not in page.data and b"The job failed." in page.data
    logged = [r for r in caplog.records if r.exc_info and "secret internal detail" in str(r.exc_info[1])]
    assert logged and logged[0].exc_text and "Traceback" in logged[0].exc_text


def test_a_task_refusing_with_job_error_shows_its_own_message(app, owner):
    job_id = start(app, "tests.refuse", owner)

    job = wait_for(app, job_id)

    assert (job.status, job.message) == (JobStatus.FAILED, "No submissions to export yet.")


def test_an_unknown_kind_fails_with_the_generic_message(app, owner, caplog):
    job_id = start(app, "tests.nobody_registered_this", owner)

    job = wait_for(app, job_id)

    assert job.status == JobStatus.FAILED and job.message
    assert any("nobody_registered_this" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


@pytest.mark.parametrize(("locale", "expected"), [("en", b"en"), (None, b"it")])
def test_a_task_speaks_its_owners_language(app, client, make_user, locale, expected):
    owner = make_user("carla@example.org")
    with app.app_context():
        db.session.get(User, owner.id).locale = locale
        db.session.commit()
    login(client, owner.email)

    job_id = start(app, "tests.write_locale", owner)
    wait_for(app, job_id)

    assert client.get(f"/jobs/{job_id}/download").data == expected


def test_the_download_streams_the_file_under_the_server_name_and_is_audited(app, client, owner):
    login(client, owner.email)
    job_id = start(app, "tests.write_lines", owner, {"lines": 3})
    wait_for(app, job_id)

    response = client.get(f"/jobs/{job_id}/download")

    assert response.status_code == 200
    assert response.data == b"line 0\nline 1\nline 2\n"
    assert response.headers["Content-Disposition"] == 'attachment; filename="righe di prova.txt"'
    assert response.mimetype == "text/plain"
    assert "no-store" in response.headers["Cache-Control"]
    with app.app_context():
        audited = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "job.downloaded")).one()
        assert (audited.actor_id, audited.target_id) == (owner.id, str(job_id))


def test_the_status_page_offers_the_download_once_done(app, client, owner):
    login(client, owner.email)
    job_id = start(app, "tests.write_lines", owner, {"lines": 3})
    wait_for(app, job_id)

    page = client.get(f"/jobs/{job_id}")
    listing = client.get("/jobs/")

    assert f'href="/jobs/{job_id}/download"'.encode() in page.data
    assert b"Test lines" in listing.data and f"/jobs/{job_id}/download".encode() in listing.data


@pytest.mark.parametrize("suffix", ["", "/progress", "/download"])
def test_another_users_job_is_a_404_like_a_missing_one(app, client, owner, make_user, suffix):
    job_id = start(app, "tests.write_lines", owner, {"lines": 1})
    wait_for(app, job_id)
    other = make_user("eve@example.org", "admin")
    login(client, other.email)

    theirs = client.get(f"/jobs/{job_id}{suffix}")
    missing = client.get(f"/jobs/987654{suffix}")

    assert theirs.status_code == missing.status_code == 404
    assert b"line 0" not in theirs.data
    assert f"/jobs/{job_id}".encode() not in client.get("/jobs/").data


def test_job_pages_need_a_sign_in(app, client, owner):
    job_id = start(app, "tests.write_lines", owner, {"lines": 1})
    wait_for(app, job_id)

    response = client.get(f"/jobs/{job_id}/download")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def _finished_job(app, owner: User, days_ago: int) -> int:
    """A done job with a result file, finished `days_ago` days ago."""
    job_id = start(app, "tests.write_lines", owner, {"lines": 2})
    wait_for(app, job_id)
    with app.app_context():
        db.session.get(Job, job_id).finished_at = utcnow() - timedelta(days=days_ago)
        db.session.commit()
    return job_id


def test_expired_result_files_are_deleted_and_the_page_says_so(app, client, owner):
    old, recent = _finished_job(app, owner, days_ago=8), _finished_job(app, owner, days_ago=1)
    login(client, owner.email)

    result = app.test_cli_runner().invoke(args=["jobs", "clean"])

    assert result.exit_code == 0, result.output
    with app.app_context():
        assert load(app, old).result_path is None and load(app, old).result_name == "righe di prova.txt"
        assert not files.absolute_path(f"jobs/{old}/righe_di_prova.txt").parent.exists()
        assert files.absolute_path(load(app, recent).result_path).is_file()
    assert client.get(f"/jobs/{old}/download").status_code == 404
    assert (
        b"has been deleted" in client.get(f"/jobs/{old}").data
        or b"eliminato" in client.get(f"/jobs/{old}").data
    )


def test_delete_expired_keeps_younger_results(app, owner):
    job_id = _finished_job(app, owner, days_ago=3)

    with app.app_context():
        assert files.delete_expired(days=7) == 0
        assert files.delete_expired(days=2) == 1
        assert db.session.get(Job, job_id).result_path is None


def test_a_job_is_run_once_even_if_handed_over_twice(app, owner):
    from app.jobs.running import run_job

    job_id = start(app, "tests.write_lines", owner, {"lines": 1})
    wait_for(app, job_id)

    with app.app_context():
        run_job(job_id)  # already done: nothing happens

    assert load(app, job_id).status == JobStatus.DONE


def test_clean_marks_failed_the_jobs_a_dead_runner_left_unfinished(app, owner):
    with app.app_context():
        long_ago = utcnow() - timedelta(days=2)
        stuck = Job(kind="tests.write_lines", user_id=owner.id, status=JobStatus.RUNNING, created_at=long_ago)
        waiting = Job(kind="tests.write_lines", user_id=owner.id, status=JobStatus.QUEUED)
        db.session.add_all([stuck, waiting])
        db.session.commit()
        stuck_id, waiting_id = stuck.id, waiting.id

    result = app.test_cli_runner().invoke(args=["jobs", "clean"])

    assert result.exit_code == 0, result.output
    assert load(app, stuck_id).status == JobStatus.FAILED and load(app, stuck_id).message
    assert load(app, waiting_id).status == JobStatus.QUEUED
