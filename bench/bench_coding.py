"""Benchmark of the coding workbench over HTTP (issue #7): importing a transcript and applying codings.

Targets: the upload of a 100,000-word .txt transcript answers in at most 2 s (median of 3), and applying a
coding through the workbench's endpoint answers in at most 100 ms at the 95th percentile with 10,000
codings in the study; on SQLite and, when its server answers, PostgreSQL.

Humus runs under gunicorn (as bench_submissions_http.py) on a temporary database with a network-wide
researcher, a project, a study of 12 codes and a second coder. The browser is played by a client holding
the session cookie after signing in through /login: it uploads the transcript (built as bench_transcripts.py
builds it) through `POST /transcripts/studies/<id>/upload` (file, name, org_unit=0, replace_names: the whole
import with speaker turns, participants and names replaced by codes), then 10,000 codings by two coders
are inserted straight into the database on that transcript, and it applies N codings to random spans
through `POST /transcripts/documents/<id>/codings` (JSON start, end, code_id with the X-CSRFToken header),
each answer holding the redrawn turns.

Baseline, in the same run on the same transcript: Taguette (pinned below), in its own virtualenv at
bench/.taguette-venv because its pinned dependencies clash with ours; the first run creates it with
`python -m venv` and installs Taguette from PyPI, saying so. It runs single-user on 127.0.0.1 with a
temporary SQLite database; its check of msg.taguette.org for news at start-up is switched off (no network
at run time), nothing else of it is changed. The client signs in with the single-user token it prints,
creates a project and 12 tags, uploads the transcript through `POST /api/project/<id>/document/new` and
adds highlights through `POST /api/project/<id>/document/<doc>/highlight/new` (both with its XSRF cookie
echoed in the X-Xsrftoken header). Taguette converts a .txt with calibre's ebook-convert: without it on
the PATH, the transcript goes as the .html that holds each of its lines as a paragraph, which Taguette
cleans with html5lib and bleach and no calibre (building that file is not timed). Its 10,000 highlights
are inserted straight into its SQLite database, tagged like a real one (highlights + highlight_tags), as
Taguette's highlight creation reads none of them. Its highlights are timed up to N or for at most
TAGUETTE_BUDGET_S seconds (it re-parses the whole document for each one), whichever comes first.

Beside the answer times, the table gives the CPU time the servers' processes spent (read from /proc),
which other work on a shared machine stretches far less than the answer times.

Servers are stopped and temporary folders and the scratch PostgreSQL database removed even on error; the
run (after any installation) is bounded by BENCH_DEADLINE_S. Exit code 0 when Humus meets its targets on
every database it ran on, 1 otherwise. Environment: BENCH_PG_URL (as the other benchmarks; "off" skips
PostgreSQL), BENCH_CODINGS (N, default 200).
Run: .venv/bin/python bench/bench_coding.py
"""

import contextlib
import html
import http.client
import json
import math
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_submissions_http import (  # noqa: E402
    PG_SERVER,
    free_port,
    gunicorn,
    postgres_database,
    sqlite_database,
)
from bench.bench_transcripts import transcript_lines  # noqa: E402

TARGET_IMPORT_S = 2.0
TARGET_APPLY_P95_MS = 100.0
WORDS = 100_000
PRESET = 10_000  # codings (highlights) already in the study (project) when the timed ones are added
APPLICATIONS = int(os.environ.get("BENCH_CODINGS", "200"))
IMPORTS = 3
WARMUP = 10
CODES = 12
TAGUETTE_VERSION = "1.5.2"
TAGUETTE_VENV = ROOT / "bench" / ".taguette-venv"
TAGUETTE_BUDGET_S = 90.0
DEADLINE_S = int(os.environ.get("BENCH_DEADLINE_S", "300"))
REQUEST_TIMEOUT_S = 60.0
PASSWORD = "Misura-codifica-2026!"  # noqa: S105 - a throw-away benchmark account
FIXTURE = ROOT / "tests/coding/data/transcripts/focus_group_genitori.txt"
# Taguette's entry point with its news check (a request to msg.taguette.org at start-up) switched off.
TAGUETTE_LAUNCH = (
    "import sys, taguette.web.base as base; base.Application.check_messages = lambda self: None; "
    "from taguette.main import main; sys.argv[0] = 'taguette'; main()"
)


@dataclass
class Result:
    label: str
    imports: list[float] = field(default_factory=list)  # seconds
    applications: list[float] = field(default_factory=list)  # seconds
    import_cpu: float = 0.0  # the server's CPU seconds per import, and per application, on average
    apply_cpu: float = 0.0
    note: str = ""

    def import_median_ms(self) -> float:
        return statistics.median(self.imports) * 1000

    def apply_ms(self, quantile: float) -> float:
        return percentile(self.applications, quantile) * 1000

    def passed(self) -> bool:
        return (
            self.import_median_ms() <= TARGET_IMPORT_S * 1000
            and self.apply_ms(0.95) <= TARGET_APPLY_P95_MS
            and len(self.applications) >= APPLICATIONS
        )


def percentile(values: list[float], quantile: float) -> float:
    """The nearest-rank percentile: the smallest value with `quantile` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(len(ordered) * quantile)) - 1]


def servers_cpu_s() -> float:
    """CPU seconds used so far by this process's descendants that still run (from Linux's /proc): the
    servers' own work, which other work on the machine stretches far less than their answer times."""
    parent_and_cpu = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parent_and_cpu[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    family, total = [os.getpid()], 0
    while family:
        parent = family.pop()
        for pid, (ppid, cpu) in parent_and_cpu.items():
            if ppid == parent:
                family.append(pid)
                total += cpu
    ticks = os.sysconf("SC_CLK_TCK")
    return total / ticks


# --- an HTTP client with cookies ------------------------------------------------------------------------


class Browser:
    """One HTTP connection with a cookie jar, kept alive while the server allows (gunicorn's sync workers
    close it after each answer; Taguette's tornado keeps it)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPResponse, bytes]:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S)
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.close()
            raise
        if response.will_close:
            self.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _sep, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in header.lower():
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        return response.status, response, data

    def timed(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[float, int, http.client.HTTPResponse, bytes]:
        start = time.perf_counter()
        status, response, data = self.request(method, path, body, headers)
        return time.perf_counter() - start, status, response, data

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def multipart(fields: dict[str, str], filename: str, content_type: str, data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with text fields and one file: (body, Content-Type header)."""
    boundary = f"----bench{uuid.uuid4().hex}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def spans(rng: random.Random, length: int, count: int) -> list[tuple[int, int]]:
    """`count` random spans of 20 to 400 characters inside a text of `length`."""
    found = []
    for _ in range(count):
        start = rng.randrange(0, length - 401)
        found.append((start, start + rng.randint(20, 400)))
    return found


# --- Humus ------------------------------------------------------------------------------------------------


@dataclass
class Study:
    study_id: int
    codes: list[int]
    coders: list[int]


def prepare_humus(url: str, folder: str) -> Study:
    """Schema, a project, a network-wide researcher and a second coder, a study with its codebook."""
    from app import accounts, create_app
    from app.extensions import db
    from app.models import Code, CodingProject, Project

    os.environ["HUMUS_INSTANCE_PATH"] = folder
    app = create_app({"TESTING": True, "SECRET_KEY": "bench-" + "c" * 40, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        project = Project(code="bench", name="Bench")
        db.session.add(project)
        researcher = accounts.create_user("ricerca@example.org", PASSWORD, name="Ricercatrice")
        accounts.grant_role(researcher, "researcher", None, project)
        colleague = accounts.create_user("collega@example.org", PASSWORD, name="Collega")
        accounts.grant_role(colleague, "evaluator", None, project)
        db.session.flush()
        study = CodingProject(project_id=project.id, name="Focus group genitori", created_by_id=researcher.id)
        db.session.add(study)
        db.session.flush()
        codes = [
            Code(coding_project_id=study.id, name=f"Codice {n + 1}", colour="#0066cc", position=n)
            for n in range(CODES)
        ]
        db.session.add_all(codes)
        db.session.commit()
        prepared = Study(study.id, [c.id for c in codes], [researcher.id, colleague.id])
        db.session.remove()
        db.engine.dispose()
    return prepared


def preset_codings(url: str, document_id: int, study: Study, rng: random.Random) -> int:
    """Insert PRESET codings by the two coders on the document in one Core insert; returns its text length."""
    from datetime import UTC, datetime

    from sqlalchemy import create_engine, select

    from app.models import Coding, CodingDocument

    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            length = len(
                connection.execute(
                    select(CodingDocument.text).where(CodingDocument.id == document_id)
                ).scalar_one()
            )
            now = datetime.now(UTC).replace(tzinfo=None)
            rows = [
                {
                    "document_id": document_id,
                    "code_id": rng.choice(study.codes),
                    "start_pos": start,
                    "end_pos": end,
                    "coder_id": study.coders[1 if n % 5 == 0 else 0],  # a fifth by the colleague
                    "origin": "manual",
                    "batch": "",
                    "guid": str(uuid.uuid4()),
                    "created_at": now,
                }
                for n, (start, end) in enumerate(spans(rng, length, PRESET))
            ]
            connection.execute(Coding.__table__.insert(), rows)
    finally:
        engine.dispose()
    return length


def count_codings(url: str, document_id: int) -> int:
    from sqlalchemy import create_engine, func, select

    from app.models import Coding

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = select(func.count()).where(Coding.document_id == document_id)
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_of(page: bytes) -> str:
    match = CSRF.search(page.decode("utf-8", "replace"))
    if match is None:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def humus_login(browser: Browser, email: str) -> None:
    _status, _response, page = browser.request("GET", "/login")
    form = {"csrf_token": csrf_of(page), "email": email, "password": PASSWORD}
    body = urlencode(form).encode()
    status, _response, answer = browser.request(
        "POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    if status != 302:
        raise RuntimeError(f"sign-in answered {status}: {answer[:500]!r}")


def humus_upload(browser: Browser, study_id: int, name: str, data: bytes, token: str) -> float:
    fields = {"csrf_token": token, "name": name, "org_unit": "0", "replace_names": "y"}
    body, content_type = multipart(fields, f"{name}.txt", "text/plain", data)
    path = f"/transcripts/studies/{study_id}/upload"
    elapsed, status, response, answer = browser.timed("POST", path, body, {"Content-Type": content_type})
    if status != 302 or f"/studies/{study_id}" not in (response.getheader("Location") or ""):
        raise RuntimeError(f"the upload of {name} answered {status}: {answer[:2000]!r}")
    return elapsed


def humus_document_id(url: str, study_id: int, name: str) -> int:
    from sqlalchemy import create_engine, select

    from app.models import CodingDocument

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = select(CodingDocument.id).where(
                CodingDocument.coding_project_id == study_id, CodingDocument.name == name
            )
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


def humus_apply(browser: Browser, document_id: int, token: str, start: int, end: int, code: int) -> float:
    body = json.dumps({"start": start, "end": end, "code_id": [code]}).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token}
    elapsed, status, _response, answer = browser.timed(
        "POST", f"/transcripts/documents/{document_id}/codings", body, headers
    )
    if status != 200 or not (json.loads(answer).get("codings") or json.loads(answer).get("reused")):
        raise RuntimeError(f"applying a coding answered {status}: {answer[:2000]!r}")
    return elapsed


def bench_humus(label: str, url: str, folder: str, transcript: bytes) -> Result:
    rng = random.Random(11)  # noqa: S311 - reproducible spans, not a secret
    study = prepare_humus(url, folder)
    result = Result(f"Humus {label}")
    with gunicorn("wsgi:app", url, folder, f"humus-{label}.log") as port:
        browser = Browser(port)
        humus_login(browser, "ricerca@example.org")
        _status, _response, page = browser.request("GET", f"/transcripts/studies/{study.study_id}/upload")
        token = csrf_of(page)
        for n in range(3):  # warm both workers up: their first requests load modules lazily
            humus_upload(browser, study.study_id, f"warm-up {n}", FIXTURE.read_bytes(), token)
        cpu = servers_cpu_s()
        for n in range(IMPORTS):
            result.imports.append(
                humus_upload(browser, study.study_id, f"focus group {n}", transcript, token)
            )
        result.import_cpu = (servers_cpu_s() - cpu) / IMPORTS
        document_id = humus_document_id(url, study.study_id, "focus group 0")
        length = preset_codings(url, document_id, study, rng)
        work = spans(rng, length, WARMUP + APPLICATIONS)
        for n, (start, end) in enumerate(work):
            if n == WARMUP:
                cpu = servers_cpu_s()
            elapsed = humus_apply(browser, document_id, token, start, end, rng.choice(study.codes))
            if n >= WARMUP:
                result.applications.append(elapsed)
        result.apply_cpu = (servers_cpu_s() - cpu) / len(result.applications)
        browser.close()
    stored = count_codings(url, document_id)
    result.note = f"{stored:,} codings on the transcript at the end"
    return result


# --- Taguette ---------------------------------------------------------------------------------------------


def taguette_python() -> Path:
    """The Taguette virtualenv's python, creating the virtualenv and installing Taguette on the first run."""
    python = TAGUETTE_VENV / "bin" / "python"
    probe = [str(python), "-c", "import importlib.metadata as m; print(m.version('taguette'))"]
    if python.exists():
        found = subprocess.run(probe, capture_output=True, text=True, check=False)  # noqa: S603
        if found.stdout.strip() == TAGUETTE_VERSION:
            return python
    print(
        f"installing Taguette {TAGUETTE_VERSION} from PyPI into {TAGUETTE_VENV.relative_to(ROOT)} "
        "(once: later runs reuse it)…",
        flush=True,
    )
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(TAGUETTE_VENV)], check=True, timeout=120)  # noqa: S603
    install = [str(python), "-m", "pip", "install", "--quiet", f"taguette=={TAGUETTE_VERSION}"]
    done = subprocess.run(install, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"installing Taguette failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return python


@contextlib.contextmanager
def taguette_server(python: Path, folder: str) -> Iterator[tuple[int, str]]:
    """Taguette single-user on 127.0.0.1 with a database in `folder`: (port, sign-in token)."""
    port = free_port()
    log_path = Path(folder) / "taguette.log"
    env = {**os.environ, "HOME": folder, "XDG_DATA_HOME": folder, "TORNADO_SHUTDOWN_TIME": "0"}
    database = str(Path(folder) / "taguette.sqlite3")
    command = [str(python), "-c", TAGUETTE_LAUNCH, "--no-browser", "-b", "127.0.0.1", "-p", str(port)]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [*command, "--database", database], cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield port, wait_for_token(process, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def wait_for_token(process: subprocess.Popen, log_path: Path) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        match = re.search(r"\?token=([0-9a-f]+)", log_path.read_text(errors="replace"))
        if match:
            return match.group(1)
        if process.poll() is not None:
            raise RuntimeError(f"Taguette exited early:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)
    raise RuntimeError("Taguette did not start within 60 s")


def taguette_file(lines: list[str], text: bytes) -> tuple[str, str, bytes, str]:
    """The transcript as Taguette takes it: (filename, content type, data, how)."""
    if shutil.which("ebook-convert"):
        return "focus_group.txt", "text/plain", text, ".txt (converted by calibre's ebook-convert)"
    page = "".join(f"<p>{html.escape(line)}</p>\n" for line in lines).encode()
    how = ".html of one paragraph per line (calibre, which Taguette needs for .txt, is not installed)"
    return "focus_group.html", "text/html", page, how


class Taguette:
    def __init__(self, port: int) -> None:
        self.browser = Browser(port)

    def sign_in(self, token: str) -> None:
        status, _response, _page = self.browser.request("GET", f"/?token={token}")
        self.browser.request("GET", "/project/new")  # sets the _xsrf cookie
        if status != 302 or "user" not in self.browser.cookies or "_xsrf" not in self.browser.cookies:
            raise RuntimeError(
                f"Taguette's sign-in answered {status}, cookies {sorted(self.browser.cookies)}"
            )

    @property
    def xsrf(self) -> str:
        return self.browser.cookies["_xsrf"]

    def new_project(self) -> int:
        body = urlencode({"name": "Bench", "description": "", "_xsrf": self.xsrf}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        status, response, answer = self.browser.request("POST", "/project/new", body, headers)
        if status != 303:
            raise RuntimeError(f"Taguette's project creation answered {status}: {answer[:500]!r}")
        return int((response.getheader("Location") or "").rstrip("/").rsplit("/", 1)[1])

    def post_json(self, path: str, payload: dict) -> tuple[float, dict]:
        headers = {"Content-Type": "application/json", "X-Xsrftoken": self.xsrf}
        elapsed, status, _response, answer = self.browser.timed(
            "POST", path, json.dumps(payload).encode(), headers
        )
        if status != 200:
            raise RuntimeError(f"Taguette's {path} answered {status}: {answer[:500]!r}")
        return elapsed, json.loads(answer)

    def upload(
        self, project: int, name: str, filename: str, content_type: str, data: bytes
    ) -> tuple[float, int]:
        body, multipart_type = multipart({"name": name, "description": ""}, filename, content_type, data)
        headers = {"Content-Type": multipart_type, "X-Xsrftoken": self.xsrf}
        elapsed, status, _response, answer = self.browser.timed(
            "POST", f"/api/project/{project}/document/new", body, headers
        )
        if status != 200:
            raise RuntimeError(f"Taguette's upload answered {status}: {answer[:500]!r}")
        return elapsed, int(json.loads(answer)["created"])


def preset_highlights(
    database: Path, document_id: int, tags: list[int], plain: str, rng: random.Random
) -> None:
    """PRESET highlights with one tag each, inserted straight into Taguette's SQLite database."""
    connection = sqlite3.connect(database)
    try:
        with connection:
            last = connection.execute("SELECT coalesce(max(id), 0) FROM highlights").fetchone()[0]
            found = spans(rng, len(plain.encode("utf-8")), PRESET)
            connection.executemany(
                "INSERT INTO highlights (id, document_id, start_offset, end_offset, snippet)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (last + n + 1, document_id, start, end, html.escape(plain[start:end]))
                    for n, (start, end) in enumerate(found)
                ],
            )
            connection.executemany(
                "INSERT INTO highlight_tags (highlight_id, tag_id) VALUES (?, ?)",
                [(last + n + 1, rng.choice(tags)) for n in range(PRESET)],
            )
    finally:
        connection.close()


def bench_taguette(python: Path, folder: str, lines: list[str], text: bytes, ends_by: float) -> Result:
    rng = random.Random(11)  # noqa: S311 - reproducible spans, not a secret
    filename, content_type, data, how = taguette_file(lines, text)
    result = Result(f"Taguette {TAGUETTE_VERSION} SQLite", note=f"uploaded as {how}")
    with taguette_server(python, folder) as (port, token):
        client = Taguette(port)
        client.sign_in(token)
        project = client.new_project()
        tags = [
            client.post_json(
                f"/api/project/{project}/tag/new", {"path": f"codice{n + 1}", "description": ""}
            )[1]["id"]
            for n in range(CODES)
        ]
        warm = FIXTURE.read_bytes()
        client.upload(
            project,
            "warm-up",
            "warm.html",
            "text/html",
            b"<p>" + html.escape(warm.decode()).encode() + b"</p>",
        )
        document_id, cpu = 0, servers_cpu_s()
        for n in range(IMPORTS):
            elapsed, created = client.upload(project, f"focus group {n}", filename, content_type, data)
            result.imports.append(elapsed)
            document_id = document_id or created
        result.import_cpu = (servers_cpu_s() - cpu) / IMPORTS
        # the text Taguette counts offsets in (UTF-8 bytes, tags left out), give or take
        plain = "\n".join(lines)
        preset_highlights(Path(folder) / "taguette.sqlite3", document_id, tags, plain, rng)
        budget = min(time.monotonic() + TAGUETTE_BUDGET_S, ends_by)
        path = f"/api/project/{project}/document/{document_id}/highlight/new"
        limit = len(plain.encode("utf-8")) * 9 // 10
        for n, (start, end) in enumerate(spans(rng, limit, WARMUP + APPLICATIONS)):
            if n == WARMUP:
                cpu = servers_cpu_s()
            payload = {"start_offset": start, "end_offset": end, "tags": [rng.choice(tags)]}
            elapsed, _answer = client.post_json(path, payload)
            if n >= WARMUP:
                result.applications.append(elapsed)
            if time.monotonic() > budget:
                result.note += (
                    f"; stopped after {len(result.applications)} timed highlights by the time budget"
                )
                break
        result.apply_cpu = (servers_cpu_s() - cpu) / len(result.applications)
        client.browser.close()
        with contextlib.closing(sqlite3.connect(Path(folder) / "taguette.sqlite3")) as connection:
            query = "SELECT count(*) FROM highlights WHERE document_id = ?"
            stored = connection.execute(query, (document_id,)).fetchone()[0]
        result.note += f"; {stored:,} highlights on the transcript at the end"
    return result


# --- the run ------------------------------------------------------------------------------------------------


def postgres_available() -> bool:
    if PG_SERVER.lower() == "off":
        return False
    import psycopg

    try:
        with psycopg.connect(f"{PG_SERVER}/test", connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def report(results: list[Result], words: int, megabytes: float) -> bool:
    print(
        f"coding workbench over HTTP: a {words:,}-word transcript ({megabytes:.2f} MB .txt); "
        f"{PRESET:,} codings (Taguette: highlights) on it before the timed ones"
    )
    width = 34
    header = f"{'':<{width}}" + "".join(f"{r.label:>24}" for r in results) + f"{'Humus target':>16}"
    print(header)
    rows: list[tuple[str, Callable[[Result], str], str]] = [
        (
            f"import, median of {IMPORTS}",
            lambda r: f"{r.import_median_ms():8.0f} ms",
            f"≤ {TARGET_IMPORT_S * 1000:.0f} ms",
        ),
        (f"import, slowest of {IMPORTS}", lambda r: f"{max(r.imports) * 1000:8.0f} ms", ""),
        ("apply a coding, median", lambda r: f"{r.apply_ms(0.5):8.1f} ms", ""),
        ("apply a coding, p95", lambda r: f"{r.apply_ms(0.95):8.1f} ms", f"≤ {TARGET_APPLY_P95_MS:.0f} ms"),
        ("apply a coding, slowest", lambda r: f"{max(r.applications) * 1000:8.1f} ms", ""),
        ("server CPU per import", lambda r: f"{r.import_cpu * 1000:8.0f} ms", ""),
        ("server CPU per coding, mean", lambda r: f"{r.apply_cpu * 1000:8.1f} ms", ""),
        ("codings timed", lambda r: f"{len(r.applications):>8}", f"{APPLICATIONS}"),
        (
            "verdict",
            lambda r: "—" if r.label.startswith("Taguette") else ("PASS" if r.passed() else "FAIL"),
            "",
        ),
    ]
    for name, cell, target in rows:
        print(f"{name:<{width}}" + "".join(f"{cell(r):>24}" for r in results) + f"{target:>16}")
    print("  server CPU: the web servers' processes only (gunicorn's workers, Taguette), not PostgreSQL's")
    for result in results:
        if result.note:
            print(f"  {result.label}: {result.note}")
    verdicts = [r.passed() for r in results if r.label.startswith("Humus")]
    return bool(verdicts) and all(verdicts)


class Deadline(Exception):
    pass


def on_alarm(_signum: int, _frame: object) -> None:
    raise Deadline(f"the run went past {DEADLINE_S} s")


def main() -> int:
    started = time.perf_counter()
    python = taguette_python()
    lines = transcript_lines(WORDS)
    text = ("\n".join(lines) + "\n").encode("utf-8")
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(DEADLINE_S)
    ends_by = time.monotonic() + DEADLINE_S - 20  # Taguette's highlights stop in time to report
    results = []
    try:
        cases: list[tuple[str, Callable[[str], contextlib.AbstractContextManager[str]]]] = [
            ("SQLite", sqlite_database)
        ]
        if postgres_available():
            cases.append(("PostgreSQL", lambda _folder: postgres_database()))
        else:
            print(f"PostgreSQL: skipped (no server answers at {PG_SERVER}; BENCH_PG_URL sets it)")
        for label, database in cases:
            with tempfile.TemporaryDirectory(prefix="humus-bench-") as folder, database(folder) as url:
                results.append(bench_humus(label, url, folder, text))
        with tempfile.TemporaryDirectory(prefix="taguette-bench-") as folder:
            results.append(bench_taguette(python, folder, lines, text, ends_by))
    finally:
        signal.alarm(0)
    passed = report(results, len(text.decode().split()), len(text) / 1e6)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average at the end {load} on {os.cpu_count()} cores (timings grow with other work running)")
    print(f"overall: {'PASS' if passed else 'FAIL'}   ({time.perf_counter() - started:.0f} s)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
