"""Benchmark: case records at 50,000 cases and 200,000 interventions, on SQLite and PostgreSQL.

Targets: (1) the case search page, p95 at most 300 ms; (2) the entity-list CSV dataset a form reads for
50,000 cases, built from the database in at most 2 s.

(1) Ours is `GET /cases/?q=…&status=…&page=N` through the Flask test client, signed in: scope, the search,
the count, the page of cases with their org units, the HTML. Seven searches (first page, a deep page, a code
fragment, a status, a pseudonym, a regional keeper's search, an Ambito operator's search) run ROUNDS times
each after a warm-up. Baseline, in the same run: the bare `SELECT … LIMIT 50` of the same rows with the same
condition through SQLAlchemy Core (no scope, no count, no rendering).
(2) Ours is `app.cases.datasets.scoped_list` with its cache emptied, then its CSV: the stamp query, the
entities' rows, the engine's rows and the file. Baseline: a bare SELECT of the same columns written with
csv.writer.

The cases are bulk-inserted with Core over 12 Ambiti, each with four interventions (200,000 in all).
SQLite is a file in a temporary directory; PostgreSQL a scratch database (BENCH_PG_URL), dropped at the end.
Run: .venv/bin/python bench/bench_cases.py [--cases N]
"""

import argparse
import csv
import io
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import forms  # noqa: E402,F401 - first of our packages (see forms/__init__.py)
from bench.bench_table import percentile, postgres_database, signed_in, sqlite_database  # noqa: E402

TARGET_P95_MS = 300.0
TARGET_CSV_MS = 2000.0
ROUNDS = 8
SECRET = "bench-" + "c" * 40
PASSWORD = "Misura-tempi-2026!"  # noqa: S105 - a throw-away benchmark account
PROVINCES = ("071", "072", "073", "074", "075", "110")
PROPERTIES = [
    "codice",
    "sesso",
    "anno_nascita",
    "fascia_eta",
    "comune_istat",
    "data_presa_in_carico",
    "stato",
]
KINDS = ("ade", "centro_diurno", "csf", "cap", "sostegno_economico", "spazio_neutro", "affido_diurno")


def prepare(url: str, folder: str) -> tuple[Any, dict[str, Any]]:
    import os

    from app import accounts, create_app
    from app.extensions import db
    from app.models import EntityList, Project
    from app.territory.tree import add_org_unit

    os.environ["HUMUS_INSTANCE_PATH"] = folder
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url})
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
        regional = accounts.create_user("regione@example.org", PASSWORD, name="Regione")
        accounts.grant_role(regional, "operator", region, project)
        local = accounts.create_user("ambito@example.org", PASSWORD, name="Ambito")
        accounts.grant_role(local, "operator", ambiti[2], project)
        entity_list = EntityList(project=project, name="minori", properties=PROPERTIES)
        db.session.add(entity_list)
        db.session.commit()
        return app, {"list": entity_list.id, "ambiti": [a.id for a in ambiti], "local_ambito": ambiti[2].id}


def fill(app: Any, ids: dict[str, Any], cases: int) -> tuple[float, str, str]:
    """Insert the cases and their interventions; (seconds, a code and a pseudonym that exist)."""
    from sqlalchemy import insert, select

    from app.extensions import db
    from app.models import CaseIntervention, Entity, utcnow

    rng = random.Random(5)  # noqa: S311 - synthetic data, not secrets
    started = time.perf_counter()
    now = utcnow()
    with app.app_context():
        for start in range(0, cases, 5000):
            rows = []
            for n in range(start, min(cases, start + 5000)):
                born = 2006 + rng.randrange(18)
                code = f"C{n:07d}"
                sex = rng.choice("mf")
                properties = {
                    "codice": code,
                    "sesso": sex,
                    "anno_nascita": str(born),
                    "fascia_eta": rng.choice(["0_2", "3_5", "6_10", "11_13", "14_17"]),
                    "comune_istat": f"0750{n % 97:02d}",
                    "data_presa_in_carico": f"20{15 + n % 10}-0{1 + n % 9}-15",
                    "stato": "chiusa" if n % 4 == 0 else "aperta",
                }
                rows.append(
                    {
                        "entity_list_id": ids["list"],
                        "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "label": f"{code} ({sex}, {born})",
                        "version": 1,
                        "properties": properties,
                        "org_unit_id": ids["ambiti"][n % len(ids["ambiti"])],
                        "pseudonym": f"MIN-{n:010d}",
                        "created_at": now - timedelta(minutes=n),
                        "updated_at": now - timedelta(minutes=n),
                    }
                )
            entity_ids = db.session.scalars(
                insert(Entity.__table__).returning(Entity.__table__.c.id, sort_by_parameter_order=True), rows
            ).all()
            interventions = [
                {
                    "entity_id": entity_id,
                    "kind": KINDS[(entity_id + k) % len(KINDS)],
                    "kind_other": "",
                    "provider_type": "terzo_settore",
                    "provider_name": "",
                    "start_date": date(2020, 1, 1) + timedelta(days=(entity_id * 7 + k * 90) % 1800),
                    "status": "attivo",
                    "org_unit_id": row["org_unit_id"],
                    "source": "import",
                    "updated_at": now,
                }
                for entity_id, row in zip(entity_ids, rows, strict=True)
                for k in range(4)
            ]
            db.session.execute(insert(CaseIntervention.__table__), interventions)
            db.session.commit()
        code = db.session.scalars(
            select(Entity.properties["codice"].as_string()).limit(1).offset(cases // 2)
        ).one()
    return time.perf_counter() - started, code[2:6], f"MIN-{cases // 3:010d}"


def searches(fragment: str, pseudonym: str) -> list[tuple[str, str, str]]:
    """(name, who, query string) of the measured searches."""
    return [
        ("first page", "regione", ""),
        ("page 200", "regione", "page=200"),
        ("code fragment", "regione", f"q={fragment}"),
        ("closed cases", "regione", "status=chiusa"),
        ("pseudonym", "regione", f"q={pseudonym}"),
        ("Ambito operator", "ambito", "status=aperta"),
        ("Ambito operator, code", "ambito", f"q={fragment}"),
    ]


def baseline(app: Any, ids: dict[str, Any], query: str) -> float:
    """The bare SELECT of a page of the same rows with the same condition."""
    from sqlalchemy import or_, select

    from app.extensions import db
    from app.models import Entity

    params = dict(part.split("=", 1) for part in query.split("&") if part)
    statement = select(Entity.id, Entity.label, Entity.properties).where(Entity.entity_list_id == ids["list"])
    if params.get("q"):
        text = params["q"]
        statement = statement.where(or_(Entity.label.ilike(f"%{text}%"), Entity.pseudonym == text))
    if params.get("status"):
        statement = statement.where(Entity.properties["stato"].as_string() == params["status"])
    page = int(params.get("page", 1))
    statement = statement.order_by(Entity.updated_at.desc()).limit(50).offset((page - 1) * 50)
    with app.app_context():
        started = time.perf_counter()
        db.session.execute(statement).all()
        return (time.perf_counter() - started) * 1000


def measure_search(app: Any, ids: dict[str, Any], fragment: str, pseudonym: str) -> dict[str, list[float]]:
    clients = {
        "regione": signed_in(app, "regione@example.org"),
        "ambito": signed_in(app, "ambito@example.org"),
    }
    runs: dict[str, list[float]] = {}
    for name, who, query in searches(fragment, pseudonym):
        client = clients[who]
        response = client.get(f"/cases/?{query}")  # warm-up
        assert response.status_code == 200, response.status_code
        ours, bare = [], []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            client.get(f"/cases/?{query}")
            ours.append((time.perf_counter() - started) * 1000)
            bare.append(baseline(app, ids, query))
        runs[name] = ours
        runs[f"{name} (baseline)"] = bare
    return runs


def measure_csv(app: Any, ids: dict[str, Any]) -> tuple[float, float, int]:
    """(ours ms, baseline ms, rows): the median of three cold builds of the regional scope's list."""
    from sqlalchemy import select

    from app.cases import datasets
    from app.extensions import db
    from app.models import Entity, EntityList
    from app.scoping import Scope

    ours, bare, rows = [], [], 0
    with app.app_context():
        entity_list = db.session.get(EntityList, ids["list"])
        for _ in range(3):
            datasets._CACHE.clear()
            started = time.perf_counter()
            built = datasets.scoped_list(entity_list, Scope(everywhere=True, paths=()))
            content = built.csv
            ours.append((time.perf_counter() - started) * 1000)
            rows = len(built.rows)
            started = time.perf_counter()
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            columns = (Entity.uuid, Entity.label, Entity.version, Entity.properties)
            for uuid_, label, version, values in db.session.execute(
                select(*columns).where(Entity.entity_list_id == ids["list"]).order_by(Entity.id)
            ):
                writer.writerow([uuid_, label, version, *(values.get(p, "") for p in PROPERTIES)])
            out.getvalue().encode()
            bare.append((time.perf_counter() - started) * 1000)
            assert content.count(b"\n") == rows + 1
    return statistics.median(ours), statistics.median(bare), rows


def bench_database(label: str, database: Any, cases: int) -> bool:
    with tempfile.TemporaryDirectory(prefix="humus-bench-cases-") as folder, database(folder) as url:
        app, ids = prepare(url, folder)
        seconds, fragment, pseudonym = fill(app, ids, cases)
        runs = measure_search(app, ids, fragment, pseudonym)
        csv_ms, csv_bare_ms, rows = measure_csv(app, ids)
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()
    ours = [v for name, values in runs.items() if "baseline" not in name for v in values]
    bare = [v for name, values in runs.items() if "baseline" in name for v in values]
    p95, bare_p95 = percentile(ours, 95), percentile(bare, 95)
    passed = p95 <= TARGET_P95_MS and csv_ms <= TARGET_CSV_MS
    print(f"{label}: {cases} cases, {cases * 4} interventions (inserted in {seconds:.1f} s)")
    for name, values in runs.items():
        if "baseline" not in name:
            ours_p50, bare_p50 = statistics.median(values), statistics.median(runs[f"{name} (baseline)"])
            print(f"  {name:<24} p50 {ours_p50:7.1f} ms  (bare SELECT {bare_p50:6.1f} ms)")
    target_p95, target_csv = f"target ≤ {TARGET_P95_MS:.0f} ms", f"target ≤ {TARGET_CSV_MS:.0f} ms"
    print(f"  case search p95          : {p95:7.1f} ms   {target_p95}   (bare p95 {bare_p95:.1f} ms)")
    print(f"  entity CSV, {rows} rows : {csv_ms:7.0f} ms   {target_csv}   (bare {csv_bare_ms:.0f} ms)")
    print(f"  verdict                  : {'PASS' if passed else 'FAIL'}")
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    args = parser.parse_args()
    started = time.perf_counter()
    verdicts = [
        bench_database("SQLite", sqlite_database, args.cases),
        bench_database("PostgreSQL", postgres_database, args.cases),
    ]
    print(f"overall: {'PASS' if all(verdicts) else 'FAIL'}   ({time.perf_counter() - started:.0f} s)")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
