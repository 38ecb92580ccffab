"""The scenarios of issue #11: each runs on a fresh database, under gunicorn, and returns its Figures.

Every scenario starts its own database (a SQLite file, or a database in the suite's throw-away PostgreSQL
cluster) and its own gunicorn, configured as docs/deploy.md configures production (2 x cores + 1 sync workers,
timeout 60 s), and stops them when done. Faults run on a timeline measured from the start of the load.
"""

import contextlib
import http.client
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.common import Server, gunicorn_server
from bench.load import faults, figures, loadgen, storm
from bench.load.figures import Figures, Request
from bench.load.postgres import Cluster
from bench.load.seeding import Seeded, prepare

SQLITE, POSTGRES = "SQLite", "PostgreSQL"
USERS = 50
RATE_TARGET = 50.0
SMALL_FS_MB = 256
FAULT_STATUSES = {"F1": {503}, "F2": {503, 507}}
ACCESS_LOG = "access.log"
ACCESS_FORMAT = "%(p)s %(s)s %(M)sms %(m)s %(U)s"
WARM_UP_S = 180


@dataclass(frozen=True)
class Timing:
    """How long each scenario lasts: the issue's figures, or shorter ones for development (--quick)."""

    load_s: float = 300  # L1 and L2
    earlier_reports: int = 5000  # stored before L2, so its pages have rows to show
    storm_ids: int = 50
    storm_copies: int = 40
    fault_lead_s: float = 20  # load before the fault
    fault_s: float = 30  # database stopped (F1), disk full (F2)
    fault_tail_s: float = 40  # load after it
    kill_every_s: float = 30  # F3
    kill_run_s: float = 150

    @classmethod
    def quick(cls) -> "Timing":
        return cls(20, 1000, 10, 40, 6, 10, 14, 6, 30)


@dataclass
class Context:
    timing: Timing
    folder: Path  # logs and SQLite files of the run
    workers: int
    cluster: Cluster | None = None  # started on the first PostgreSQL scenario

    def gunicorn_options(self, folder: str) -> list[str]:
        """docs/deploy.md's settings, with an access log naming the worker (pid) that served each request."""
        log = ["--access-logfile", os.path.join(folder, ACCESS_LOG), "--access-logformat", ACCESS_FORMAT]
        return ["--timeout", "60", "--graceful-timeout", "30", *log]


@dataclass(frozen=True)
class Target:
    url: str
    folder: str
    small_fs: Path | None  # where the database lives, when it lives on a filesystem to fill


@contextlib.contextmanager
def target(context: Context, database: str, name: str, small: bool = False) -> Iterator[Target]:
    """A fresh database for one scenario, on a small filesystem when `small` (F2)."""
    folder = context.folder / f"{name}-{database.lower()}"
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        fs = stack.enter_context(faults.small_filesystem(SMALL_FS_MB)) if small else None
        if database == SQLITE:
            yield Target(f"sqlite:///{fs or folder}/humus.sqlite", str(folder), fs)
            return
        assert context.cluster is not None
        space = None
        if fs is not None:
            space = f"small_{name.lower()}"
            context.cluster.create_tablespace(space, fs / "tablespace")
        db_name = f"load_{name.lower()}"
        url = context.cluster.create_database(db_name, space)
        try:
            yield Target(url, str(folder), fs)
        finally:
            with contextlib.suppress(Exception):
                context.cluster.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            if space:
                with contextlib.suppress(Exception):
                    context.cluster.execute(f'DROP TABLESPACE IF EXISTS "{space}"')


@contextlib.contextmanager
def served(context: Context, where: Target) -> Iterator[Server]:
    """Humus under gunicorn on the scenario's database, every worker booted before the load begins."""
    options = context.gunicorn_options(where.folder)
    with gunicorn_server(
        "wsgi:app", where.url, where.folder, "gunicorn.log", context.workers, options
    ) as server:
        warm_up(server, Path(where.folder) / ACCESS_LOG)
        yield server


def warm_up(server: Server, access_log: Path) -> None:
    """Send bursts of /healthz until every worker has answered one (the access log names them).

    Without --preload (as in production) a worker imports the app after the master listens, which takes
    seconds: load sent before then would measure the boot, not the app."""
    deadline = time.monotonic() + WARM_UP_S
    while time.monotonic() < deadline:
        workers = set(faults.worker_pids(server.process.pid))
        served_by = (
            {line.split(" ", 1)[0].strip("<>") for line in access_log.read_text().splitlines()}
            if access_log.exists()
            else set()
        )
        if workers and {str(pid) for pid in workers} <= served_by:
            return
        with ThreadPoolExecutor(3 * max(len(workers), 1)) as pool:
            list(pool.map(lambda _n: _healthz(server.port), range(3 * max(len(workers), 1))))
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn's workers did not all answer within {WARM_UP_S} s")


def _healthz(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WARM_UP_S)
    try:
        connection.request("GET", "/healthz")
        connection.getresponse().read()
    except (http.client.HTTPException, OSError):
        pass
    finally:
        connection.close()


Fault = Callable[[loadgen.Run, Target, int], tuple[float, float] | None]


def locust_scenario(
    context: Context,
    name: str,
    database: str,
    user_class: str,
    duration_s: float,
    fault: Fault | None = None,
    small: bool = False,
    earlier_reports: int = 0,
) -> Figures:
    """Seed, serve, load with locust while `fault` runs, then check the database: the scenario's figures."""
    with target(context, database, name, small) as where:
        seeded = prepare(where.url, where.folder, earlier_reports)
        spawn = USERS if user_class == "Submitter" else 5  # signing in 50 people at once is not a workload
        with served(context, where) as server:
            run = loadgen.start(
                user_class,
                server.port,
                seeded.locust_config(),
                Path(where.folder),
                name,
                USERS,
                spawn,
                duration_s,
            )
            try:
                moments = fault(run, where, server.process.pid) if fault else None
                log = run.wait()
            finally:
                run.stop()  # only when something went wrong: a finished run has nothing to stop
        requests = figures.read_log(log)
        result = figures.from_requests(name, database, requests)
        if user_class == "Operator":
            result.notes.append(f"p95 ms by request: {figures.p95_by_kind(requests)}")
        _check_store(result, where.url, seeded, requests)
    _check_fault(result, requests, moments)
    return result


def _check_store(result: Figures, url: str, seeded: Seeded, requests: list[Request]) -> None:
    acknowledged = figures.acknowledged_ids(requests)
    result.stored, result.duplicates = figures.store_check(url, seeded.form_id, acknowledged)
    integrity = figures.integrity_check(url)
    result.notes.append(f"integrity {integrity}")
    result.check(integrity == "ok", f"integrity check: {integrity}")
    result.check(result.lost == 0, f"{result.lost} acknowledged submissions are not stored")
    result.check(result.duplicates == 0, f"{result.duplicates} instanceIDs are stored more than once")
    result.check(500 not in result.statuses, f"{result.statuses[500]} answers 500")


def _check_fault(result: Figures, requests: list[Request], moments: tuple[float, float] | None) -> None:
    if moments is None:
        return
    began, ended = moments
    allowed = FAULT_STATUSES.get(result.scenario, set())
    result.to_first_error = figures.first_error_after(requests, began, allowed)
    result.to_healthy = figures.healthy_after(requests, ended)
    during = [r for r in requests if began <= r.started <= ended]
    slowest = max((r.ms for r in during), default=0) / 1000
    result.notes.append(f"fault {ended - began:.0f} s, slowest answer during it {slowest:.1f} s")
    other = {s: n for s, n in result.errors.items() if s not in allowed}
    result.check(not other, f"answers other than 2xx, 3xx or {sorted(allowed)}: {other}")
    missing = sum(1 for r in requests if r.status == 503 and not r.retry_after)
    result.check(missing == 0, f"{missing} answers 503 without Retry-After")
    after = [r for r in requests if r.started >= ended and r.ok and r.kind in figures.SUBMISSION_KINDS]
    result.check(bool(after), "no submission was acknowledged after the fault ended")


# --- the scenarios ------------------------------------------------------------------------------------------


def l1(context: Context, database: str) -> Figures:
    """50 submissions/s for 5 minutes: 0 errors, p95 <= 300 ms, every acknowledged one stored once."""
    result = locust_scenario(context, "L1", database, "Submitter", context.timing.load_s)
    result.check(not result.errors, f"errors {result.errors}")
    result.check(result.p95 <= 300, f"p95 {result.p95:.0f} ms > 300 ms")
    acknowledged_rate = result.acknowledged / result.seconds if result.seconds else 0
    result.check(acknowledged_rate >= 0.95 * RATE_TARGET, f"only {acknowledged_rate:.1f} submissions/s")
    return result


def l2(context: Context, database: str) -> Figures:
    """50 signed-in users on a mixed workload (pages, API, Collect): p95 <= 500 ms, no errors."""
    timing = context.timing
    result = locust_scenario(
        context, "L2", database, "Operator", timing.load_s, earlier_reports=timing.earlier_reports
    )
    result.notes.append(f"{timing.earlier_reports} reports stored beforehand")
    result.check(not result.errors, f"errors {result.errors}")
    result.check(result.p95 <= 500, f"p95 {result.p95:.0f} ms > 500 ms")
    return result


def duplicate_storm(context: Context, database: str) -> Figures:
    """40 parallel identical posts for each of 50 instanceIDs: exactly 50 rows, one 201 each, no error."""
    timing = context.timing
    with target(context, database, "storm") as where:
        seeded = prepare(where.url, where.folder)
        with served(context, where) as server:
            requests = storm.run(server.port, seeded, timing.storm_ids, timing.storm_copies)
        result = figures.from_requests("storm", database, requests)
        _check_store(result, where.url, seeded, requests)
        rows = figures.row_count(where.url, seeded.form_id) - 1  # the template report is not the storm's
    created = sum(1 for r in requests if r.status == 201)
    result.notes.append(f"{rows} rows for {timing.storm_ids} instanceIDs, {created} answers 201")
    result.check(rows == timing.storm_ids, f"{rows} rows stored, not {timing.storm_ids}")
    result.check(created == timing.storm_ids, f"{created} answers 201, not one per instanceID")
    result.check(set(result.statuses) <= {200, 201}, f"statuses {dict(result.statuses)}")
    return result


def f1(context: Context, database: str) -> Figures:
    """PostgreSQL stopped for 30 s under load: 503 + Retry-After within 10 s, healthy within 5 s after."""
    timing = context.timing
    cluster = context.cluster

    def stop_database(run: loadgen.Run, _where: Target, _master: int) -> tuple[float, float]:
        assert cluster is not None
        _sleep_until(run.started + timing.fault_lead_s)
        began = time.time()
        cluster.stop("fast")
        _sleep_until(began + timing.fault_s)
        cluster.start()
        return began, time.time()

    duration = timing.fault_lead_s + timing.fault_s + timing.fault_tail_s
    result = locust_scenario(context, "F1", database, "Submitter", duration, fault=stop_database)
    result.check(result.to_first_error is not None and result.to_first_error <= 10, "no 503 within 10 s")
    result.check(
        result.to_healthy is not None and result.to_healthy <= 5, "not healthy within 5 s of recovery"
    )
    return result


def f2(context: Context, database: str) -> Figures:
    """The database's disk full for 30 s under load: 503/507 only, none acknowledged lost, writes resume."""
    timing = context.timing

    def fill_disk(run: loadgen.Run, where: Target, _master: int) -> tuple[float, float]:
        assert where.small_fs is not None
        _sleep_until(run.started + timing.fault_lead_s)
        filler, _written = faults.fill(where.small_fs)
        began = time.time()
        _sleep_until(began + timing.fault_s)
        filler.unlink()
        return began, time.time()

    duration = timing.fault_lead_s + timing.fault_s + timing.fault_tail_s
    result = locust_scenario(context, "F2", database, "Submitter", duration, fault=fill_disk, small=True)
    failed = sum(n for status, n in result.errors.items() if status in (503, 507))
    result.check(failed > 0, "the full disk never refused a write: the fault did not bite")
    return result


def f3(context: Context, database: str) -> Figures:
    """A gunicorn worker killed (SIGKILL) every 30 s under load: nothing acknowledged lost, no duplicate."""
    timing = context.timing
    kills: list[tuple[float, int]] = []

    def kill_workers(run: loadgen.Run, _where: Target, master: int) -> None:
        with faults.WorkerKiller(master, timing.kill_every_s) as killer:
            run.wait()
        kills.extend(killer.kills)

    result = locust_scenario(context, "F3", database, "Submitter", timing.kill_run_s, fault=kill_workers)
    result.notes.append(f"{len(kills)} workers killed")
    result.check(len(kills) >= 2, f"only {len(kills)} workers killed")
    unacknowledged = result.sent - result.acknowledged
    result.notes.append(f"{unacknowledged} submissions never acknowledged")
    return result


def _sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()))


SCENARIOS: dict[str, Callable[[Context, str], Figures]] = {
    "L1": l1,
    "L2": l2,
    "storm": duplicate_storm,
    "F1": f1,
    "F2": f2,
    "F3": f3,
}
POSTGRES_ONLY = {"F1"}
ROOT_ONLY = {"F2"}
