"""A throw-away PostgreSQL cluster of the load suite's own, which it may stop, start and fill.

Never the machine's shared server: others run their tests on it, and F1 stops the database on purpose. The
cluster lives in a temporary folder, listens on a free loopback port (its socket in the same folder), trusts
local connections, and is stopped and deleted by `cluster()` however the block ends. initdb refuses to run as
root, so as root every server command runs as the postgres OS user.
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

from bench.common import free_port

BIN = Path(os.environ.get("BENCH_PG_BIN", "/usr/lib/postgresql/15/bin"))
POSTGRES_USER = "postgres"


class Cluster:
    """One cluster: `url(name)` for the app, `execute()` for setup, `stop()`/`start()` for faults."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.log = root / "postgres.log"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def initialise(self) -> None:
        _run(
            [
                str(BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C.UTF-8",
            ]
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        _run(
            [
                str(BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        )

    def stop(self, mode: str = "fast") -> None:
        _run([str(BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"])

    def running(self) -> bool:
        status = subprocess.run(  # noqa: S603 - our own fixed command
            _as_postgres([str(BIN / "pg_ctl"), "-D", str(self.data), "status"]),
            capture_output=True,
            check=False,
        )
        return status.returncode == 0

    def execute(self, sql: str, database: str = "postgres") -> None:
        """Run one statement with autocommit (CREATE DATABASE and TABLESPACE refuse a transaction)."""
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/{database}", autocommit=True
        ) as db:
            db.execute(sql)  # type: ignore[arg-type] - the suite's own fixed statements

    def create_database(self, name: str, tablespace: str | None = None) -> str:
        where = f' TABLESPACE "{tablespace}"' if tablespace else ""
        self.execute(f'CREATE DATABASE "{name}"{where}')
        return self.url(name)

    def create_tablespace(self, name: str, location: Path) -> None:
        """A tablespace in `location` (made for the postgres user), e.g. on a small filesystem to fill."""
        location.mkdir(parents=True, exist_ok=True)
        _give_to_postgres(location)
        self.execute(f"CREATE TABLESPACE \"{name}\" LOCATION '{location}'")

    def wait_ready(self, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    """A new cluster, started; stopped (immediate) and deleted when the block ends, whatever happened."""
    root = Path(tempfile.mkdtemp(prefix="humus-load-pg-"))
    _give_to_postgres(root)
    server = Cluster(root)
    try:
        server.initialise()
        server.start()
        yield server
    finally:
        if server.data.exists() and server.running():
            with contextlib.suppress(subprocess.CalledProcessError):
                server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", POSTGRES_USER, "--", *command] if os.geteuid() == 0 else command


def _give_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, POSTGRES_USER, POSTGRES_USER)
        path.chmod(0o700)


def _run(command: list[str]) -> None:
    result = subprocess.run(_as_postgres(command), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise subprocess.CalledProcessError(result.returncode, command, result.stdout, result.stderr)
