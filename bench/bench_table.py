"""Benchmark: the submissions table of a form over 100,000 rows with a filter; p95 at most 300 ms.

Ours is `GET /forms/<id>/submissions?<filter>&page=N` through the Flask test client, signed in: scope,
filter parsing, the page query (JSON conditions), the capped count, the cells with choice labels and the
HTML. The baseline, measured in the same run against the same rows, is a bare `SELECT ... LIMIT 50` of
those rows with the same JSON condition through SQLAlchemy Core (no scope, no count, no rendering).

The form is the domain's monitoraggio_servizi.xlsx (groups, a repeat, selects); 100,000 submissions are
made from 1,000 generated reports (their XML through the real codec) spread over 12 Ambiti, two years,
four review states, and bulk-inserted with Core. Eleven cases (no filter, a deep page, select_one,
select_multiple, number, text contains, a field inside the repeat, submission dates, review state, a
scoped operator) run ROUNDS times each after a warm-up; the p95 is over those 55 requests. A twelfth, a
needle matching one submission, must read every row: it is reported beside them, not in the p95. The
whole runs without, then with, the index the table wants, (form_id, created_at, id); the verdict is on
the run with it.

SQLite is a file in a temporary directory; PostgreSQL a scratch database `humus_bench_table_<pid>`
(BENCH_PG_URL, default postgresql://postgres@127.0.0.1:5432), dropped at the end even on error.
Run: .venv/bin/python bench/bench_table.py [--submissions N]
"""

import argparse
import contextlib
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import forms  # noqa: E402,F401 - first of our packages (see forms/__init__.py)
from app.demo_forms import monitoring_report  # noqa: E402

FORM = Path(__file__).resolve().parents[2] / "shared" / "domain" / "forms" / "monitoraggio_servizi.xlsx"
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
SUBMISSIONS = 100_000
ANSWER_SETS = 1_000
ROUNDS = 5
TARGET_P95_MS = 300.0
BATCH = 2_000
SECRET = "bench-" + "t" * 40
PASSWORD = "Misura-tempi-2026!"  # noqa: S105 - a throw-away benchmark account
RESEARCHER, OPERATOR = "ricerca@example.org", "operatore@example.org"
INDEX = "CREATE INDEX ix_submissions_form_created ON submissions (form_id, created_at, id)"
PROVINCES = ("071", "072", "073", "074", "075", "110")
SERVICES = ("csf", "cap", "cd", "ade")
NAMES = ("Il Girasole", "Il Faro", "Arcobaleno", "La Tenda", "Il Quartiere", "Stella Maris", "Il Melograno")
NAMES += (
    "San Nicola",
    "La Rondine",
    "Il Ponte",
    "Primavera",
    "La Casa di Nico",
    "Il Sorriso",
    "Mondo Piccolo",
)
PROFILES = ("coordinatore", "assistente_sociale", "educatore", "pedagogista", "psicologo", "animatore")
ACTIVITIES = ("informazione", "consulenza", "sostegno_scolastico", "laboratori", "sport", "uscite", "pasti")
TIPO = ("servizio", "tipo_servizio")
STATES = ("received",) * 14 + ("approved",) * 3 + ("has_issues",) * 2 + ("rejected",)
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


# --- databases -------------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database(folder: str) -> Iterator[str]:
    yield f"sqlite:///{folder}/bench.sqlite"


@contextlib.contextmanager
def postgres_database(_folder: str) -> Iterator[str]:
    import psycopg

    name = f"humus_bench_table_{os.getpid()}"
    with psycopg.connect(f"{PG_SERVER}/test", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://{PG_SERVER.split('://', 1)[1]}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/test", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the data --------------------------------------------------------------------------------------


def prepare(url: str, folder: str) -> tuple[Any, int, list[int], dict[str, int]]:
    """Schema, territory (6 provinces, 12 Ambiti), a researcher, an operator, the uploaded form."""
    from app import accounts, create_app
    from app.extensions import db
    from app.models import Project
    from app.surveys import services
    from app.territory.tree import add_org_unit

    os.environ["HUMUS_INSTANCE_PATH"] = folder
    config = {
        "TESTING": True,
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": url,
        "SESSION_COOKIE_SECURE": False,
    }
    app = create_app(config)
    with app.app_context():
        db.create_all()
        region = add_org_unit("16", "Puglia", "region", None)
        ambiti = []
        for code in PROVINCES:
            province = add_org_unit(code, f"Provincia {code}", "province", region)
            ambiti += [
                add_org_unit(f"ATS-{code}-{n}", f"Ambito {code}/{n}", "ambito", province) for n in (1, 2)
            ]
        project = Project(code="bench", name="Bench")
        db.session.add(project)
        researcher = accounts.create_user(RESEARCHER, PASSWORD, name="Ricerca")
        accounts.grant_role(researcher, "researcher", None, project)
        operator = accounts.create_user(OPERATOR, PASSWORD, name="Operatore")
        accounts.grant_role(operator, "operator", ambiti[2], project)
        db.session.commit()
        form_id = services.upload_form(researcher, project, FORM.read_bytes(), FORM.name).version.form_id
        users = {"researcher": researcher.id, "operator": operator.id, "ambito": ambiti[2].id}
        return app, form_id, [a.id for a in ambiti], users


def answer_sets(spec: Any, count: int, seed: int = 11) -> list[tuple[dict[str, Any], str]]:
    """`count` varied monitoring reports, each with its instance XML made by the real codec."""
    from forms.instance import instance_from_data, instance_to_xml

    rng = random.Random(seed)  # noqa: S311 - synthetic answers
    sets = []
    for n in range(count):
        kind = rng.choice(SERVICES)
        data = monitoring_report(
            provincia=rng.choice(PROVINCES),
            ambito=f"Ambito Territoriale {n % 12}",
            capofila="072006",
            tipo=kind,
            denominazione=f"Servizio {rng.choice(NAMES)} {n % 37}",
            ente=f"Cooperativa sociale {rng.choice(NAMES)}",
            children=rng.randint(5, 60),
        )
        data["accesso_attivita"]["attivita"] = sorted(rng.sample(ACTIVITIES, rng.randint(1, 4)))
        data["personale"] = [_staff(rng) for _ in range(rng.randint(1, 3))]
        if kind == "ade":
            data["servizio"]["ore_educative"] = rng.randint(50, 900)
        xml = instance_to_xml(instance_from_data(spec, data, f"uuid:set-{n}")).decode()
        sets.append((data, xml))
    return sets


def _staff(rng: random.Random) -> dict[str, Any]:
    return {
        "profilo": rng.choice(PROFILES),
        "n_operatori": rng.randint(1, 4),
        "ore_settimanali": 18 * rng.randint(1, 4),
        "rapporto_lavoro": "dipendente_ets",
    }


def fill(app: Any, form_id: int, ambiti: list[int], users: dict[str, int], total: int) -> float:
    """Bulk-insert `total` submissions with Core; the seconds it took."""
    from sqlalchemy import insert

    from app.extensions import db
    from app.models import Form, Submission
    from app.surveys.services import spec_of

    with app.app_context():
        version = db.session.get(Form, form_id).versions[-1]
        sets = answer_sets(spec_of(version), ANSWER_SETS)
        version_id = version.id
    data, xml = sets[0]
    needle = ({**data, "servizio": {**data["servizio"], "denominazione_servizio": "Servizio Unico"}}, xml)
    rng = random.Random(3)  # noqa: S311
    start, step = datetime(2024, 1, 1), timedelta(days=730) / total
    started = time.perf_counter()
    with app.app_context():
        for first in range(0, total, BATCH):
            rows = []
            for n in range(first, min(first + BATCH, total)):
                answers = needle if n == total // 2 else sets[n % len(sets)]
                rows.append(_row(n, form_id, version_id, answers, ambiti, users, start + n * step, rng))
            db.session.execute(insert(Submission.__table__), rows)
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("ANALYZE"))  # what autovacuum does after a load
            db.session.commit()
    return time.perf_counter() - started


def _row(
    n: int, form_id: int, version_id: int, answers: tuple, ambiti: list[int], users: dict, at: datetime, rng
):
    data, xml = answers
    test = rng.random() < 0.005
    return {
        "form_id": form_id,
        "form_version_id": version_id,
        "instance_id": f"uuid:bench-{n:08d}",
        "current": rng.random() >= 0.01,
        "xml": xml,
        "data": data,
        "content_sha256": f"{n:064d}",
        "org_unit_id": None if test else ambiti[n % len(ambiti)],
        "submitter_id": users["operator"] if n % 12 == 2 else users["researcher"],
        "test": test,
        "review_state": rng.choice(STATES),
        "created_at": at,
        "deleted_at": at if rng.random() < 0.01 else None,
    }


# --- the cases -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A request of the table, and the bare query of the same rows: `where(Submission, dialect, ambito)`."""

    name: str
    who: str  # "researcher" (reads all 100,000) or "operator" (reads one Ambito)
    query: str
    page: int
    where: Callable[[Any, str, int], list[Any]]
    in_target: bool = True  # the needle reads every row: reported apart from the p95


def _json(column: Any, *path: str) -> Any:
    return column[path].as_string()


def _in_repeat(s: Any, dialect: str, _ambito: int) -> list[Any]:
    from sqlalchemy import JSON, exists, func, literal_column, select, type_coerce

    if dialect == "sqlite":
        entries = func.json_each(s.data, "$.personale").table_valued("value").alias()
    else:
        entries = func.json_array_elements(s.data[("personale",)]).table_valued("value").alias()
    profile = _json(type_coerce(entries.c.value, JSON), "profilo") == "psicologo"
    return [exists(select(literal_column("1")).select_from(entries).where(profile))]


def _lower(s: Any, *path: str) -> Any:
    from sqlalchemy import func

    return func.lower(_json(s.data, *path))


CD = "field=servizio/tipo_servizio&op=equals&value=cd"
CASES = (
    Case("no filter, page 1", "researcher", "", 1, lambda s, d, a: []),
    Case("no filter, page 40", "researcher", "", 40, lambda s, d, a: []),
    Case("select_one = cd, page 1", "researcher", CD, 1, lambda s, d, a: [_json(s.data, *TIPO) == "cd"]),
    Case("select_one = cd, page 10", "researcher", CD, 10, lambda s, d, a: [_json(s.data, *TIPO) == "cd"]),
    Case(
        "number > 50",
        "researcher",
        "field=utenti/nuclei_familiari&op=greater&value=50",
        1,
        lambda s, d, a: [s.data[("utenti", "nuclei_familiari")].as_float() > 50],
    ),
    Case(
        "text contains 'girasole 1'",
        "researcher",
        "field=servizio/denominazione_servizio&op=contains&value=girasole+1",
        1,
        lambda s, d, a: [_lower(s, "servizio", "denominazione_servizio").like("%girasole 1%")],
    ),
    Case(
        "select_multiple has pasti",
        "researcher",
        "field=accesso_attivita/attivita&op=equals&value=pasti",
        1,
        lambda s, d, a: [_json(s.data, "accesso_attivita", "attivita").like('%"pasti"%')],
    ),
    Case(
        "repeat: any profilo = psicologo",
        "researcher",
        "field=personale/profilo&op=equals&value=psicologo",
        1,
        _in_repeat,
    ),
    Case(
        "submitted in March 2025",
        "researcher",
        "from=2025-03-01&to=2025-03-31",
        1,
        lambda s, d, a: [s.created_at >= datetime(2025, 2, 28, 23), s.created_at < datetime(2025, 3, 31, 22)],
    ),
    Case(
        "select_one + review approved",
        "researcher",
        f"{CD}&review=approved",
        1,
        lambda s, d, a: [_json(s.data, *TIPO) == "cd", s.review_state == "approved"],
    ),
    Case(
        "operator of one Ambito, select_one",
        "operator",
        CD,
        1,
        lambda s, d, a: [_json(s.data, *TIPO) == "cd", s.org_unit_id == a],
    ),
    Case(
        "needle: the one 'Servizio Unico'",
        "researcher",
        "field=servizio/denominazione_servizio&op=equals&value=servizio+unico",
        1,
        lambda s, d, a: [_lower(s, "servizio", "denominazione_servizio") == "servizio unico"],
        in_target=False,
    ),
)


def baseline_query(case: Case, form_id: int, dialect: str, ambito: int) -> Any:
    from sqlalchemy import select

    from app.models import Submission

    query = select(Submission.id, Submission.instance_id, Submission.data, Submission.created_at).where(
        Submission.form_id == form_id,
        Submission.current.is_(True),
        Submission.test.is_(False),
        Submission.deleted_at.is_(None),
        *case.where(Submission, dialect, ambito),
    )
    order = (Submission.created_at.desc(), Submission.id.desc())
    return query.order_by(*order).limit(50).offset((case.page - 1) * 50)


# --- measuring -------------------------------------------------------------------------------------


def signed_in(app: Any, email: str) -> Any:
    client = app.test_client()
    token = _CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return client


def measure(app: Any, form_id: int, users: dict[str, int]) -> dict[str, dict[str, list[float]]]:
    """Each case ROUNDS times after a warm-up: ours through the app, the baseline through Core (ms)."""
    from app.extensions import db

    clients = {
        who: signed_in(app, email) for who, email in (("researcher", RESEARCHER), ("operator", OPERATOR))
    }
    with app.app_context():
        baselines = [baseline_query(case, form_id, db.engine.dialect.name, users["ambito"]) for case in CASES]
        engine = db.engine
    ours: dict[str, list[float]] = {case.name: [] for case in CASES}
    bare: dict[str, list[float]] = {case.name: [] for case in CASES}
    for round_ in range(ROUNDS + 1):
        for case, baseline in zip(CASES, baselines, strict=True):
            url = f"/forms/{form_id}/submissions?{case.query}&page={case.page}"
            started = time.perf_counter()
            response = clients[case.who].get(url)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, (url, response.status_code)
            started = time.perf_counter()
            with engine.connect() as connection:
                rows = connection.execute(baseline).all()
            bare_elapsed = time.perf_counter() - started
            if round_ == 0:  # the warm-up, and a check that both read the same rows
                _check(response.get_data(as_text=True), rows, case)
                continue
            ours[case.name].append(elapsed * 1000)
            bare[case.name].append(bare_elapsed * 1000)
    return {"ours": ours, "bare": bare}


def _check(page: str, rows: list, case: Case) -> None:
    shown = len(re.findall(r'<th scope="row">', page))
    if case.who == "researcher":  # the operator's baseline keeps his Ambito without the scope's subquery
        assert shown == len(rows), f"{case.name}: the page shows {shown} rows, the baseline {len(rows)}"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(runs: dict[str, list[float]]) -> tuple[float, float]:
    """p50 and p95 over every request of the cases within the target."""
    every = [value for case in CASES if case.in_target for value in runs[case.name]]
    return statistics.median(every), percentile(every, 95)


def report(label: str, total: int, seconds: float, without: dict, with_index: dict) -> bool:
    p50, p95 = summary(with_index["ours"])
    passed = p95 <= TARGET_P95_MS
    requests = sum(len(with_index["ours"][case.name]) for case in CASES if case.in_target)
    print(f"{label}: {total:,} submissions (bulk insert {seconds:.0f} s); p95 over {requests} requests")
    print(f"  {'case: median ms, with the index':44} {'humus':>8} {'baseline':>9}")
    for case in CASES:
        ours, bare = (statistics.median(with_index[side][case.name]) for side in ("ours", "bare"))
        print(f"  {case.name:44} {ours:8.1f} {bare:9.1f}{'' if case.in_target else '   (not in the p95)'}")
    for title, runs in (("with the index", with_index), ("without the index", without)):
        ours50, ours95 = summary(runs["ours"])
        bare50, bare95 = summary(runs["bare"])
        print(f"  humus table page, {title:18}: p50 {ours50:7.1f} ms   p95 {ours95:7.1f} ms")
        print(f"  baseline SELECT, {title:19}: p50 {bare50:7.1f} ms   p95 {bare95:7.1f} ms")
    print(f"  target p95 ≤ {TARGET_P95_MS:.0f} ms, with the index: {'PASS' if passed else 'FAIL'}")
    return passed


def bench_database(label: str, database: Callable, total: int) -> bool:
    from app.extensions import db

    with tempfile.TemporaryDirectory(prefix="humus-bench-table-") as folder, database(folder) as url:
        app, form_id, ambiti, users = prepare(url, folder)
        try:
            seconds = fill(app, form_id, ambiti, users, total)
            without = measure(app, form_id, users)
            with app.app_context():
                db.session.execute(db.text(INDEX))
                if db.engine.dialect.name == "postgresql":
                    db.session.execute(db.text("ANALYZE submissions"))
                db.session.commit()
            return report(label, total, seconds, without, measure(app, form_id, users))
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=SUBMISSIONS)
    args = parser.parse_args()
    started = time.perf_counter()
    verdicts = [
        bench_database("SQLite", sqlite_database, args.submissions),
        bench_database("PostgreSQL", postgres_database, args.submissions),
    ]
    print(f"overall: {'PASS' if all(verdicts) else 'FAIL'}   ({time.perf_counter() - started:.0f} s)")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
