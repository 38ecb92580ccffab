"""The load and fault suite of issue #11: one command, loopback only, bounded in time.

    .venv/bin/python bench/load/run.py             # everything, with the issue's durations (about 40 min)
    .venv/bin/python bench/load/run.py --quick     # shorter runs (about 12 min), for development
    .venv/bin/python bench/load/run.py --quick --only L1,F1 --db postgresql

L1  50 submissions/s for 5 min (JSON API, locust): 0 errors, p95 <= 300 ms, every acknowledged one stored once
L2  50 signed-in users on a mixed workload (pages, JSON API, ODK Collect): p95 <= 500 ms
storm  40 identical posts at once for each of 50 instanceIDs: exactly 50 rows
F1  PostgreSQL stopped 30 s under load: 503 + Retry-After within 10 s, no 500, healthy within 5 s after
F2  the database's disk full 30 s under load (a tmpfs filled up): 503/507 only, integrity clean, writes resume
F3  a gunicorn worker SIGKILLed every 30 s under load: nothing acknowledged lost, retries never duplicate

PostgreSQL runs in a throw-away cluster of the suite's own (never the shared server), SQLite in a temporary
file; F2 needs root (mount). Servers, the cluster and mounts are removed at the end, on error or on Ctrl+C.
It prints one table of the figures and PASS/FAIL, and exits 1 on FAIL. Not part of the test run.
"""

import argparse
import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def ensure_locust() -> None:
    """Install the `load` extra (locust) into this interpreter's environment when it is missing."""
    if importlib.util.find_spec("locust") is None:
        print("installing locust (pip install -e '.[load]')", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[load]"], check=True)  # noqa: S603


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, for development")
    parser.add_argument("--only", default="L1,L2,storm,F1,F2,F3", help="comma-separated scenarios")
    parser.add_argument("--db", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--keep", action="store_true", help="keep the logs (their folder is printed)")
    return parser.parse_args()


def plan(args: argparse.Namespace) -> list[tuple[str, str]]:
    from bench.load.scenarios import POSTGRES, POSTGRES_ONLY, SCENARIOS, SQLITE

    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise SystemExit(f"unknown scenarios {unknown}; choose among {list(SCENARIOS)}")
    databases = {"sqlite": SQLITE, "postgresql": POSTGRES}
    chosen = [databases[d.strip().lower()] for d in args.db.split(",") if d.strip()]
    return [(n, d) for n in names for d in chosen if not (n in POSTGRES_ONLY and d == SQLITE)]


def main() -> int:
    args = arguments()
    ensure_locust()
    from bench.load import faults, postgres, report
    from bench.load.figures import Figures
    from bench.load.scenarios import POSTGRES, ROOT_ONLY, SCENARIOS, Context, Timing

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)  # so that every `finally` cleans up, as on Ctrl+C
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="humus-load-"))
    context = Context(Timing.quick() if args.quick else Timing(), folder, args.workers)
    results: list[Figures] = []
    interrupted = False
    try:
        with contextlib.ExitStack() as stack:
            for name, database in plan(args):
                if database == POSTGRES and context.cluster is None:
                    context.cluster = stack.enter_context(postgres.cluster())
                print(f"== {name} on {database}", flush=True)
                if name in ROOT_ONLY and not faults.can_mount():
                    result = Figures(
                        name, database, failures=["not run: mounting a small filesystem needs root"]
                    )
                else:
                    result = _run_one(SCENARIOS[name], context, name, database)
                results.append(result)
                print(report.row_summary(result), flush=True)
    except (KeyboardInterrupt, SystemExit):
        interrupted = True  # everything started is cleaned up by now; report what finished
    finally:
        if args.keep:
            print(f"logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    passed = report.print_table(results, args, time.monotonic() - started) and not interrupted
    if interrupted:
        print("interrupted: the scenarios above are all that ran")
    return 0 if passed else 1


def _run_one(scenario, context, name: str, database: str):  # noqa: ANN001 - see scenarios.SCENARIOS
    from bench.load.figures import Figures

    try:
        return scenario(context, database)
    except Exception as exc:  # noqa: BLE001 - one broken scenario must not hide the others' figures
        traceback.print_exc()
        return Figures(name, database, failures=[f"crashed: {type(exc).__name__}: {exc}"[:300]])


def _exit_on_signal(signum: int, _frame: object) -> None:
    """Unwind once: a second signal (`timeout` forwards its own) must not cut the clean-up short."""
    for ignored in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(ignored, signal.SIG_IGN)
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())
