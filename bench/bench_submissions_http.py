"""Benchmark (c): submissions per second through the HTTP API under gunicorn, on SQLite and on PostgreSQL.

Target: at least 100 submissions/s and at least 0.5x the baseline, on a 2-core machine.

Ours is `POST /api/v1/forms/<id>/submissions` of a realistic monitoring report (the domain form
monitoraggio_servizi.xlsx) with a bearer token: authentication, scope, engine validation, XML + JSON
projection, insert with the audit record. The baseline, measured in the same run against the same
database, is bench/bare_app.py: a bare Flask route that parses the same JSON and inserts it as a row.
Both run under gunicorn with the same workers and are driven by the same bounded client (a pool of
threads with their own HTTP connections, distinct instanceIDs, after a warm-up). Both servers are up at
once and measured in BENCH_ROUNDS interleaved rounds (5), the side going first alternating; the figures are
the medians, so a moment of load on the shared machine moves one round, not the verdict.

The SQLite database is a file in a temporary directory; the PostgreSQL one is a scratch database created
and dropped here (BENCH_PG_URL, default postgresql://postgres@127.0.0.1:5432). Servers are stopped and
the scratch database dropped even on error. Run: .venv/bin/python bench/bench_submissions_http.py
"""

import contextlib
import copy
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402, F401 - bench_coding imports free_port from here
    free_port,
    gunicorn,
    interleaved,
    monitoring_answers,
    seeded_app,
)

PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")

TARGET_RATE = 100.0
TARGET_RATIO = 0.5
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = 6
WARMUP = 40
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "600"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
RUN_DEADLINE_S = 45.0  # a load run stops here whatever it has done (the rate then counts what completed)
REQUEST_TIMEOUT_S = 10.0

MONITORAGGIO = monitoring_answers()


# --- databases -------------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database(folder: str) -> Iterator[str]:
    yield f"sqlite:///{folder}/bench.sqlite"


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    import psycopg

    name = f"humus_bench_{os.getpid()}"
    with psycopg.connect(f"{PG_SERVER}/test", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://{PG_SERVER.split('://', 1)[1]}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/test", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(url: str, folder: str) -> tuple[int, str]:
    """The seeded app (see bench/common.py) and the baseline's table: (form id, token)."""
    from bench.bare_app import make_engine, metadata

    _app, form_id, token = seeded_app(url, folder)
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    return form_id, token


def row_counts(url: str) -> tuple[int, int]:
    from sqlalchemy import text

    from bench.bare_app import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            ours = connection.execute(text("SELECT count(*) FROM submissions")).scalar_one()
            bare = connection.execute(text("SELECT count(*) FROM bare_submissions")).scalar_one()
    finally:
        engine.dispose()
    return ours, bare


# --- client ----------------------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP connection per thread (reopened whenever the server closes it)."""

    def __init__(self, port: int, path: str, headers: dict[str, str]) -> None:
        self.port, self.path, self.headers = port, path, headers
        self.local = threading.local()

    def post(self, body: dict) -> tuple[int, bytes]:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S
            )
        payload = json.dumps(body).encode()
        try:
            connection.request("POST", self.path, body=payload, headers=self.headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (http.client.HTTPException, OSError):
            connection.close()
            raise


def bodies(count: int) -> list[dict]:
    return [{"instanceID": f"uuid:{uuid.uuid4()}", "data": copy.deepcopy(MONITORAGGIO)} for _ in range(count)]


def load(client: Client, count: int) -> tuple[float, int, dict[int, int]]:
    """Post `count` distinct submissions from THREADS threads: (rate per second, completed, statuses)."""
    work = bodies(count)
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + RUN_DEADLINE_S
    cursor = iter(work)

    def worker() -> int:
        done = 0
        while time.monotonic() < deadline:
            with lock:
                body = next(cursor, None)
            if body is None:
                break
            try:
                status, _ = client.post(body)
            except (http.client.HTTPException, OSError):
                status = -1
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
            done += 1
        return done

    start = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        completed = sum(pool.map(lambda _n: worker(), range(THREADS)))
    elapsed = time.perf_counter() - start
    return statuses.get(201, 0) / elapsed, completed, statuses


def probe(client: Client) -> None:
    """One submission that must be accepted, then the warm-up."""
    status, answer = client.post(bodies(1)[0])
    if status != 201:
        raise RuntimeError(f"the probe submission answered {status}: {answer[:2000]!r}")
    load(client, WARMUP)


def bench_database(label: str, url: str, folder: str) -> dict[str, object]:
    """Both servers up at once, then ROUNDS rounds of one load run each, the side going first alternating.

    One run of each side lasts a second or two on a 2-core machine shared with the client, and the same
    code gave ratios 0.1 apart from one run to the next; rounds interleaved in time see the same machine,
    and the median of their ratios is the figure."""
    form_id, token = prepare(url, folder)
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {token}",
        "Accept-Language": "it",
    }
    with (
        gunicorn("wsgi:app", url, folder, f"humus-{label}.log") as our_port,
        gunicorn("bench.bare_app:create_app()", url, folder, f"bare-{label}.log") as bare_port,
    ):
        ours = Client(our_port, f"/api/v1/forms/{form_id}/submissions", headers)
        bare = Client(bare_port, f"/forms/{form_id}/submissions", headers)
        probe(ours)
        probe(bare)
        runs = interleaved(lambda: load(ours, REQUESTS), lambda: load(bare, REQUESTS), ROUNDS)
    rounds = [(our_run[0], bare_run[0]) for our_run, bare_run in runs]
    statuses: tuple[dict[int, int], dict[int, int]] = ({}, {})
    for run in runs:
        for side, (_rate, _completed, seen) in enumerate(run):
            for status, count in seen.items():
                statuses[side][status] = statuses[side].get(status, 0) + count
    return {"rounds": rounds, "statuses": statuses, "rows": row_counts(url)}


def report(label: str, result: dict[str, object]) -> bool:
    rounds: list[tuple[float, float]] = result["rounds"]  # type: ignore[assignment]
    ours = statistics.median(r[0] for r in rounds)
    bare = statistics.median(r[1] for r in rounds)
    ratio = statistics.median(r[0] / r[1] for r in rounds if r[1])
    passed = ours >= TARGET_RATE and ratio >= TARGET_RATIO
    our_statuses, bare_statuses = result["statuses"]  # type: ignore[misc]
    print(
        f"{label}: {ROUNDS} rounds of {REQUESTS} submissions a side, {THREADS} client threads, "
        f"gunicorn -w {WORKERS} (sync)"
    )
    print(f"  humus POST /api/v1/.../submissions : {ours:8.1f} /s   median; target ≥ {TARGET_RATE:.0f}/s")
    print(f"  baseline: bare Flask insert        : {bare:8.1f} /s   median")
    print(f"  ratio                              : {ratio:8.2f}   median of rounds; target ≥ {TARGET_RATIO}")
    print(f"  rounds' ratios                     : {', '.join(f'{r[0] / r[1]:.2f}' for r in rounds if r[1])}")
    print(f"  statuses humus {our_statuses}, bare {bare_statuses}; rows stored {result['rows']}")
    print(f"  verdict                            : {'PASS' if passed else 'FAIL'}")
    return passed


def main() -> int:
    started = time.perf_counter()
    verdicts = []
    cases = [("SQLite", sqlite_database), ("PostgreSQL", lambda _folder: postgres_database())]
    for label, database in cases:
        with tempfile.TemporaryDirectory(prefix="humus-bench-") as folder, database(folder) as url:
            verdicts.append(report(label, bench_database(label, url, folder)))
    print(f"overall: {'PASS' if all(verdicts) else 'FAIL'}   ({time.perf_counter() - started:.0f} s)")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
