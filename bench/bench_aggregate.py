"""Benchmark: 1,000,000 case-intervention rows by Ambito × gender × age band × service, with suppression.

Target: the whole pipeline (read, aggregate with every total and subtotal, primary and secondary
suppression, rows for export) takes at most 3x the plain SQL GROUP BY of the same rows, measured in the
same run against the same database, on SQLite and on PostgreSQL.

Design. Reading a million rows into Python costs far more than the database's own GROUP BY (the driver
alone builds a million row objects), so the engine's pipeline for large data pushes the grouping down:
the same GROUP BY returns at most 45 × 2 × 5 × 8 counted rows, `count_table(..., weight="n")` adds every
total and subtotal (province → Ambito, from the list of Ambiti passed in as territory units, and the
margins of every other dimension) and `protect` suppresses.
The streaming pipeline (every row read through a server-side cursor and counted in Python in one pass) is
measured too, for information: it is what the engine does for submissions' JSON, which SQL cannot group.

Data: synthetic, seeded. 45 Ambiti in Puglia's six provinces (province codes read from
shared/domain/puglia_territory.csv), sizes lognormal; gender 48/52; five age bands; eight service types,
two of them rare, so that hundreds of cells are small. The SQLite database is a file in a temporary
directory; the PostgreSQL one is a scratch database `humus_bench_agg_<pid>` created and dropped here
(BENCH_PG_URL, default postgresql://postgres@127.0.0.1:5432), dropped even on error.
Run: .venv/bin/python bench/bench_aggregate.py [--rows N]
"""

import argparse
import contextlib
import csv
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from analysis.aggregate import ByField, ByTerritory, count_table  # noqa: E402
from analysis.disclosure import ProtectedTable, protect  # noqa: E402

TERRITORY = Path(__file__).resolve().parents[2] / "shared" / "domain" / "puglia_territory.csv"
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
ROWS = 1_000_000
RUNS = 5
STREAM_RUNS = 2
TARGET_RATIO = 3.0
SEED = 20240601

AMBITI_PER_PROVINCE = {"071": 8, "072": 13, "073": 7, "074": 4, "075": 10, "110": 3}  # 45 in all
SIGLE = {"071": "FG", "072": "BA", "073": "TA", "074": "BR", "075": "LE", "110": "BT"}
GENDERS = {"F": 0.48, "M": 0.52}
AGE_BANDS = {"0-2": 0.12, "3-5": 0.15, "6-10": 0.28, "11-13": 0.20, "14-17": 0.25}
SERVICES = {
    "educativa_domiciliare": 0.30,
    "centro_diurno": 0.20,
    "sostegno_genitoriale": 0.20,
    "tutela_minori": 0.10,
    "spazio_neutro": 0.05,
    "affido_familiare": 0.08,
    "comunita_alloggio": 0.004,
    "pronto_intervento": 0.002,
}

GROUP_BY = (
    "SELECT ambito, gender, age_band, service, count(*) AS n FROM interventions "
    "GROUP BY ambito, gender, age_band, service"
)
ALL_ROWS = "SELECT ambito, gender, age_band, service FROM interventions"
DDL = (
    "CREATE TABLE interventions (id INTEGER PRIMARY KEY, provincia VARCHAR(3) NOT NULL, "
    "ambito VARCHAR(8) NOT NULL, gender VARCHAR(1) NOT NULL, age_band VARCHAR(5) NOT NULL, "
    "service VARCHAR(24) NOT NULL)"
)


# --- data ------------------------------------------------------------------------------------------


def ambiti() -> list[dict[str, str]]:
    """The 45 synthetic Ambiti as territory units: {"provincia": code, "ambito": "LE-03"}."""
    with TERRITORY.open(encoding="utf-8") as handle:
        provinces = sorted({row["province_code"] for row in csv.DictReader(handle)})
    return [
        {"provincia": code, "ambito": f"{SIGLE[code]}-{n:02d}"}
        for code in provinces
        for n in range(1, AMBITI_PER_PROVINCE[code] + 1)
    ]


def synthetic_rows(count: int, units: list[dict[str, str]]) -> Iterator[tuple[int, str, str, str, str, str]]:
    """`count` rows (id, provincia, ambito, gender, age_band, service), seeded and realistic in shape."""
    rng = np.random.default_rng(SEED)
    sizes = rng.lognormal(0.0, 0.9, len(units))
    picks = [
        rng.choice(len(units), count, p=sizes / sizes.sum()),
        rng.choice(len(GENDERS), count, p=list(GENDERS.values())),
        rng.choice(len(AGE_BANDS), count, p=list(AGE_BANDS.values())),
        rng.choice(len(SERVICES), count, p=np.array(list(SERVICES.values())) / sum(SERVICES.values())),
    ]
    genders, bands, services = list(GENDERS), list(AGE_BANDS), list(SERVICES)
    for n, (unit, gender, band, service) in enumerate(zip(*(p.tolist() for p in picks), strict=True)):
        where = units[unit]
        yield n + 1, where["provincia"], where["ambito"], genders[gender], bands[band], services[service]


# --- databases -------------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database(folder: str, rows: list[tuple]) -> Iterator[str]:
    path = os.path.join(folder, "bench.sqlite")
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute(DDL)
        connection.executemany("INSERT INTO interventions VALUES (?, ?, ?, ?, ?, ?)", rows)
        connection.commit()
        connection.execute("ANALYZE")
    yield f"sqlite:///{path}"


@contextlib.contextmanager
def postgres_database(_folder: str, rows: list[tuple]) -> Iterator[str]:
    import psycopg

    name = f"humus_bench_agg_{os.getpid()}"
    with psycopg.connect(f"{PG_SERVER}/test", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(f"{PG_SERVER}/{name}") as connection:
            connection.execute(DDL)
            with connection.cursor().copy("COPY interventions FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            connection.commit()
        with psycopg.connect(f"{PG_SERVER}/{name}", autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE interventions")
        yield f"postgresql+psycopg://{PG_SERVER.split('://', 1)[1]}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/test", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the measured pipelines ------------------------------------------------------------------------


def breakdowns(units: list[dict[str, str]]) -> list:
    return [
        ByTerritory(("provincia", "ambito"), units),
        ByField("gender", categories=list(GENDERS)),
        ByField("age_band", categories=list(AGE_BANDS)),
        ByField("service", categories=list(SERVICES)),
    ]


def baseline(engine: Engine) -> list:
    """The plain SQL GROUP BY, fetched."""
    with engine.connect() as connection:
        return connection.execute(text(GROUP_BY)).all()


def pushed_down(engine: Engine, units: list[dict[str, str]]) -> tuple[ProtectedTable, list[dict]]:
    """The same GROUP BY, then every total and subtotal, suppression, and the rows for export."""
    with engine.connect() as connection:
        counted = connection.execute(text(GROUP_BY)).mappings().all()
    return protected_rows(counted, units)


def protected_rows(
    counted: Iterable[Mapping], units: list[dict[str, str]]
) -> tuple[ProtectedTable, list[dict]]:
    """What humus adds to the GROUP BY: totals and subtotals, suppression, rows for export."""
    protected = protect(count_table(counted, breakdowns(units), weight="n"))
    return protected, protected.to_rows()


def streamed(engine: Engine, units: list[dict[str, str]]) -> tuple[ProtectedTable, list[dict]]:
    """Every row through a server-side cursor, counted in Python in one pass, then as above."""
    with engine.connect().execution_options(stream_results=True, yield_per=20_000) as connection:
        rows = connection.execute(text(ALL_ROWS)).mappings()
        protected = protect(count_table(rows, breakdowns(units)))
    return protected, protected.to_rows()


def alternated(
    actions: dict[str, Callable[[], object]], runs: int
) -> tuple[dict[str, float], dict[str, object]]:
    """Median seconds of each action over `runs` rounds, the actions alternating, after a warm-up round."""
    results = {name: action() for name, action in actions.items()}
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            start = time.perf_counter()
            results[name] = action()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(seconds) for name, seconds in times.items()}, results


# --- report ----------------------------------------------------------------------------------------


def bench_database(label: str, url: str, units: list[dict[str, str]], rows: int) -> bool:
    engine = create_engine(url)
    try:
        pipelines = {"baseline": lambda: baseline(engine), "ours": lambda: pushed_down(engine, units)}
        medians, results = alternated(pipelines, RUNS)
        with engine.connect() as connection:
            counted = connection.execute(text(GROUP_BY)).mappings().all()
        python, _ = alternated({"python": lambda: protected_rows(counted, units)}, RUNS)
        stream, streamed_result = alternated({"stream": lambda: streamed(engine, units)}, STREAM_RUNS)
    finally:
        engine.dispose()
    base_s, ours_s, stream_s = medians["baseline"], medians["ours"], stream["stream"]
    protected, exported = results["ours"]  # type: ignore[misc]
    other = streamed_result["stream"][0]  # type: ignore[index]
    same = np.array_equal(protected.codes, other.codes) and np.array_equal(
        np.nan_to_num(protected.published, nan=-1), np.nan_to_num(other.published, nan=-1)
    )
    ratio = ours_s / base_s
    codes = protected.codes
    passed = ratio <= TARGET_RATIO and same
    groups = len(results["baseline"])  # type: ignore[arg-type]
    print(f"{label}: {rows:,} rows, {groups:,} groups, table of {codes.size:,} cells with totals")
    print(f"  baseline: SQL GROUP BY, fetched          : {base_s * 1000:8.1f} ms")
    print(f"  humus: GROUP BY + totals + suppression   : {ours_s * 1000:8.1f} ms   ratio {ratio:5.2f}")
    print(f"    of which totals, suppression, rows     : {python['python'] * 1000:8.1f} ms")
    stream_ratio = stream_s / base_s
    print(
        f"  humus: streamed rows, counted in Python  : {stream_s * 1000:8.1f} ms   ratio {stream_ratio:5.2f}"
    )
    print(
        f"  cells: {int((codes == 0).sum()):,} published, {int((codes == 1).sum()):,} primary, "
        f"{int((codes == 2).sum()):,} secondary; {len(exported):,} export rows; "
        f"streamed table identical: {same}"
    )
    print("  (the streamed pipeline is for information: the verdict is on the pushed-down one)")
    print(f"  verdict (ratio ≤ {TARGET_RATIO:.0f})                     : {'PASS' if passed else 'FAIL'}")
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()
    started = time.perf_counter()
    units = ambiti()
    rows = list(synthetic_rows(args.rows, units))
    verdicts = []
    for label, database in (("SQLite", sqlite_database), ("PostgreSQL", postgres_database)):
        with tempfile.TemporaryDirectory(prefix="humus-bench-agg-") as folder, database(folder, rows) as url:
            verdicts.append(bench_database(label, url, units, args.rows))
    print(f"overall: {'PASS' if all(verdicts) else 'FAIL'}   ({time.perf_counter() - started:.0f} s)")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
