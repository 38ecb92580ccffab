"""Shared pieces of the benchmarks: timing, generated XLSForms, a seeded throw-away app served by gunicorn."""

import contextlib
import functools
import http.client
import io
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

import forms  # noqa: F401 - first: keeps openpyxl on defusedxml (see forms/__init__.py)


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock seconds of each of `repeat` runs, after one warm-up run."""
    action()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return runs


def median_ms(runs: list[float]) -> float:
    return statistics.median(runs) * 1000


def interleaved(ours: Callable[[], Any], baseline: Callable[[], Any], rounds: int) -> list[tuple[Any, Any]]:
    """(ours(), baseline()) for each of `rounds` rounds, the side going first alternating: rounds close in
    time see the same shared machine, so a moment of load moves one round, and taking the median of the
    rounds' figures keeps it out of the verdict."""
    results = []
    for number in range(rounds):
        if number % 2 == 0:
            first = ours()
            results.append((first, baseline()))
        else:
            second = baseline()
            results.append((ours(), second))
    return results


def generated_xlsform(questions: int, form_id: str = "bench") -> bytes:
    """An .xlsx XLSForm with `questions` questions of mixed types, relevance and constraints."""
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "relevant", "constraint", "required"])
    for n in range(questions):
        kind = ("integer", "text", "select_one sino", "decimal", "date")[n % 5]
        relevant = f"${{q{n - 1}}} != ''" if n % 7 == 3 else ""
        constraint = ". >= 0" if kind in ("integer", "decimal") else ""
        survey.append([kind, f"q{n}", f"Domanda {n}", relevant, constraint, "yes" if n % 11 == 0 else ""])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    choices.append(["sino", "si", "Sì"])
    choices.append(["sino", "no", "No"])
    settings = book.create_sheet("settings")
    settings.append(["form_id", "version", "form_title"])
    settings.append([form_id, "1", "Benchmark"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- a seeded app under gunicorn (bench_submissions_http, bench_coding, bench/load) ------------------------

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FORM = SHARED / "domain" / "forms" / "monitoraggio_servizi.xlsx"
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
SECRET = "bench-" + "s" * 40
PASSWORD = "Misura-tempi-2026!"  # noqa: S105 - a throw-away benchmark account
OPERATOR = "operatore@example.org"


@functools.cache
def monitoring_answers() -> dict[str, Any]:
    """The demo's realistic second-semester report of a day centre in the Ambito di Lecce, keyed by field."""
    from app.demo_forms import monitoring_report

    return monitoring_report(
        provincia="075",
        ambito="Ambito Territoriale di Lecce",
        capofila="075035",
        tipo="cd",
        denominazione="Centro diurno Il Girasole",
        ente="Cooperativa sociale Il Melograno",
        children=31,
    )


def seeded_app(url: str, folder: str) -> tuple[Any, int, str]:
    """Schema, territory, project, researcher, operator with a token, the uploaded monitoring form.

    Returns the app (its connections closed, so the caller may add more in an app context), the form's id
    and the operator's API token. The operator reports for the Ambito di Gallipoli (ATS-LE3)."""
    from app import accounts, create_app
    from app.auth.tokens import issue_token
    from app.extensions import db
    from app.models import Project
    from app.surveys import services
    from app.territory.tree import add_org_unit

    config = {"TESTING": True, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url}
    os.environ["HUMUS_INSTANCE_PATH"] = folder
    app = create_app(config)
    with app.app_context():
        db.create_all()
        region = add_org_unit("16", "Puglia", "region", None)
        lecce = add_org_unit("075", "Lecce", "province", region)
        ambito = add_org_unit("ATS-LE3", "Ambito di Gallipoli", "ambito", lecce)
        project = Project(code="bench", name="Bench")
        db.session.add(project)
        researcher = accounts.create_user("ricerca@example.org", PASSWORD)
        accounts.grant_role(researcher, "researcher", None, project)
        operator = accounts.create_user(OPERATOR, PASSWORD)
        accounts.grant_role(operator, "operator", ambito, project)
        _row, token = issue_token(operator, "bench")
        db.session.commit()
        upload = services.upload_form(researcher, project, FORM.read_bytes(), FORM.name)
        db.session.commit()
        form_id = upload.version.form_id
        db.session.remove()
        db.engine.dispose()
    return app, form_id, token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Server:
    """A running gunicorn master: its port, its process (the workers are its children) and its log."""

    port: int
    process: subprocess.Popen
    log_path: str


@contextlib.contextmanager
def gunicorn_server(
    target: str, url: str, folder: str, log_name: str, workers: int = WORKERS, options: Sequence[str] = ()
) -> Iterator[Server]:
    """Serve `target` on a free loopback port until the block ends (terminated, then killed, even on error).

    No control socket: its default path is one per user, and benchmarks may run side by side."""
    port = free_port()
    env = {
        **os.environ,
        "SECRET_KEY": SECRET,
        "HUMUS_IDENTITY_KEYS": "YmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtMDE=",
        "HUMUS_PSEUDONYM_KEY": SECRET,
        "DATABASE_URL": url,
        "HUMUS_INSTANCE_PATH": folder,
        "SESSION_COOKIE_SECURE": "0",
    }
    command = [GUNICORN, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--no-control-socket", *options]
    command += ["--chdir", str(ROOT), target]
    log_path = os.path.join(folder, log_name)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        wait_until_listening(port, process, log_path)
        wait_until_answering(port)
        yield Server(port, process, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextlib.contextmanager
def gunicorn(target: str, url: str, folder: str, log_name: str) -> Iterator[int]:
    """`gunicorn_server` with the default workers, yielding only the port."""
    with gunicorn_server(target, url, folder, log_name) as server:
        yield server.port


def wait_until_answering(port: int, timeout_s: float = 120) -> None:
    """Wait for a first HTTP answer (any status): the master listens before its workers have imported the
    app, which takes seconds, more on a busy machine."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
    try:
        connection.request("GET", "/healthz")
        connection.getresponse().read()
    finally:
        connection.close()


def wait_until_listening(port: int, process: subprocess.Popen, log_path: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited early:\n{Path(log_path).read_text(errors='replace')[-3000:]}"
            )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not start listening within 30 s")
