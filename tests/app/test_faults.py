"""When the database fails: 503 with Retry-After in each client's own format, never 500 or a hung worker, and
service back as soon as the database is. bench/load (F1, F2) checks the same under load with real outages."""

import base64
import os
import socket
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app import database
from app.database import engine_options
from app.extensions import db
from app.models import Submission
from tests.app.openrosa_client import response_message
from tests.app.test_submissions import _submit, setup  # noqa: F401 - the form and tokens, shared with submissions
from tests.conftest import make_app

DOWN = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"  # nothing listens on port 1: refused at once


def test_a_full_disk_answers_503_stores_nothing_and_writes_resume_once_there_is_room(
    app,
    client,
    setup,  # noqa: F811 - the fixture imported above
    database_url,
    caplog,
):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's page limit stands in for a full disk; bench/load F2 fills a real one for both")

    def no_room(dbapi_connection, _record) -> None:  # the file may not grow by a single page
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    with app.app_context():
        event.listen(db.engine, "connect", no_room)
        db.engine.dispose()
    body = {
        "instanceID": "uuid:6a0e3c55-8f57-4b5e-9d0c-0d6f4f1a2b3c",
        "data": {"bambini": 1, "note": "lunga " * 4000},
    }

    full = _submit(client, setup, "bari", body)
    with app.app_context():
        stored_while_full = db.session.query(Submission).count()
        event.remove(db.engine, "connect", no_room)
        db.engine.dispose()
    again = _submit(client, setup, "bari", body)

    assert full.status_code == 503 and full.is_json
    assert full.headers["Retry-After"] == "30"
    assert "disk is full" in caplog.text  # the administrator's log says why
    assert stored_while_full == 0
    assert again.status_code == 201
    with app.app_context():
        assert db.session.query(Submission).count() == 1


def test_the_api_and_odk_collect_get_503_in_their_own_format_when_the_database_is_down():
    client = make_app(DOWN).test_client()
    credentials = base64.b64encode(b"device:password").decode()

    api = client.get("/api/v1/me", headers={"Authorization": "Bearer hms_whatever"})
    collect = client.post(
        "/submission", headers={"X-OpenRosa-Version": "1.0", "Authorization": f"Basic {credentials}"}
    )

    assert api.status_code == 503 and api.is_json and api.json["message"]
    assert api.headers["Retry-After"] == "30"
    assert collect.status_code == 503 and collect.headers["Retry-After"] == "30"
    assert collect.headers["X-OpenRosa-Version"] == "1.0"
    nature, message = response_message(collect.data)
    assert nature == "error" and "riprova tra qualche istante" in message  # Italian unless the phone asks


def test_readyz_answers_while_the_database_does(client):
    response = client.get("/readyz")

    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_answers_503_when_the_database_is_down_while_healthz_still_answers():
    client = make_app(DOWN).test_client()

    ready = client.get("/readyz", headers={"Accept": "application/json"})

    assert ready.status_code == 503 and ready.headers["Retry-After"] == "30"
    assert client.get("/healthz").status_code == 200


def test_a_database_server_that_never_answers_costs_seconds_not_a_hung_worker():
    with socket.socket() as silent:  # accepts connections (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        app = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{port}/humus", DATABASE_CONNECT_TIMEOUT_S=2)
        client, answers = app.test_client(), []
        started = time.monotonic()
        waiting = threading.Thread(target=lambda: answers.append(client.get("/readyz")), daemon=True)
        waiting.start()
        waiting.join(timeout=30)

        assert answers, "the request still waited for the database after 30 s"
    assert answers[0].status_code == 503 and answers[0].headers["Retry-After"] == "30"
    assert time.monotonic() - started < 15


def test_a_connect_timeout_written_in_the_database_url_wins_and_sqlite_needs_none():
    assert engine_options("postgresql+psycopg://h/db?connect_timeout=9", 5) == {}
    assert engine_options("postgresql+psycopg://h/db", 5)["connect_args"] == {"connect_timeout": 5}
    assert engine_options("sqlite:///x.sqlite", 5) == {}


def test_an_idle_connection_the_server_dropped_is_replaced_before_a_request_uses_it(request, monkeypatch):
    """A restart or an idle timeout drops connections that sit in the pool: one idle for longer than
    PING_AFTER_IDLE_S is checked at checkout (a connection in steady use is not: a round trip per request)."""
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    monkeypatch.setattr(database, "PING_AFTER_IDLE_S", 0.2)
    url = request.getfixturevalue("postgres_url")
    app = make_app(url)
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    with app.app_context():  # the pooled connection the next request will take
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        db.session.remove()
    _terminate(url, pid)
    time.sleep(0.3)

    after = client.get("/readyz")

    assert after.status_code == 200
    with app.app_context():
        db.engine.dispose()


def _terminate(url: str, pid: int) -> None:
    """End one server process, as a restart or an idle timeout does, and wait until it is gone."""
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 10
            alive = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
            while connection.execute(alive, {"pid": pid}).scalar_one() and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        admin.dispose()
