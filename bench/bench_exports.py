"""Benchmark: export 100,000 submissions of a 50-field form with one repeat to a ZIP of CSVs and to XLSX.

Targets: the CSV export takes at most twice as long as pandas.DataFrame.to_csv writing the same flattened
rows into the same kind of ZIP (the baseline, measured in the same run), and no export process peaks above
300 MB. Each measurement runs in a fresh subprocess, so its peak (max RSS) is its own; the records are
made lazily there, cycling 1,000 distinct answer sets, with about 2 repeat entries per submission. CSV and
baseline run RUNS times each, alternating, and their medians are compared; XLSX, much slower, runs once.
Run: .venv/bin/python bench/bench_exports.py [--submissions N]
"""

import argparse
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forms.exports import (  # noqa: E402
    ExportOptions,
    Layout,
    SubmissionRecord,
    build_layout,
    write_csv_zip,
    write_xlsx,
)
from forms.spec import FormSpec  # noqa: E402
from forms.spec_read import read_xform  # noqa: E402
from forms.tables_plan import ExportPlan  # noqa: E402
from forms.xlsform import load_xlsform  # noqa: E402

SUBMISSIONS = 100_000
FIELDS = 50
CSV_RATIO_TARGET = 2.0
PEAK_TARGET_MB = 300.0
RUNS = 3
KINDS = ("integer", "text", "select_one sino", "decimal", "date", "select_multiple attivita", "text")


def bench_xlsform(fields: int = FIELDS) -> bytes:
    """A markdown XLSForm: `fields` questions of mixed types (a few in a group), then a repeat of five."""
    rows = ["| survey |", "| | type | name | label |"]
    for n in range(fields):
        if n == 10:
            rows.append("| | begin group | gruppo | Gruppo |")
        rows.append(f"| | {KINDS[n % len(KINDS)]} | q{n} | Domanda {n} |")
        if n == 19:
            rows.append("| | end group | | |")
    rows.append("| | begin repeat | visite | Visite |")
    for n, kind in enumerate(("date", "text", "integer", "select_one sino", "decimal")):
        rows.append(f"| | {kind} | v{n} | Visita {n} |")
    rows.append("| | end repeat | | |")
    rows += ["| choices |", "| | list_name | name | label |", "| | sino | si | Sì |", "| | sino | no | No |"]
    rows += [f"| | attivita | a{n} | Attività {n} |" for n in range(5)]
    rows += ["| settings |", "| | form_id | version |", "| | bench_export | 1 |"]
    return "\n".join(rows).encode()


def bench_spec() -> FormSpec:
    return read_xform(load_xlsform(bench_xlsform(), "bench.md").xform)


def answer(kind: str, rng: random.Random) -> object:
    if kind == "integer":
        return rng.randint(-5, 120)
    if kind == "decimal":
        return round(rng.uniform(0, 1000), 2)
    if kind == "date":
        return f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if kind.startswith("select_one"):
        return rng.choice(("si", "no"))
    if kind.startswith("select_multiple"):
        return sorted(rng.sample([f"a{n}" for n in range(5)], rng.randint(1, 3)))
    return rng.choice(("Bari", "Lecce", "Via Sparano 12, Bari", 'detto "Nico"', "=1+1", "nessuna nota"))


def answer_sets(count: int = 1_000, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)  # noqa: S311 - synthetic answers, not secrets
    sets = []
    for _ in range(count):
        data: dict[str, object] = {}
        group: dict[str, object] = {}
        for n in range(FIELDS):
            if rng.random() < 0.1:
                continue  # about one answer in ten left empty
            (group if 10 <= n <= 19 else data)[f"q{n}"] = answer(KINDS[n % len(KINDS)], rng)
        data["gruppo"] = group
        kinds = ("date", "text", "integer", "select_one", "decimal")
        data["visite"] = [
            {f"v{n}": answer(kind, rng) for n, kind in enumerate(kinds)} for _ in range(rng.randint(1, 3))
        ]
        sets.append(data)
    return sets


def submission_records(total: int) -> Iterator[SubmissionRecord]:
    """`total` records made one at a time, as a database cursor would hand them over."""
    sets = answer_sets()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for n in range(total):
        yield SubmissionRecord(
            instance_id=f"uuid:{n:08d}-0000-4000-8000-000000000000",
            data=sets[n % len(sets)],
            submitted_at=start + timedelta(seconds=n),
            submitter="operatore",
            org_unit="ATS Bari",
            review_state="received",
            version="1",
        )


def run_child(mode: str, total: int) -> dict[str, float]:
    """Measure one thing in this process and return seconds, peak MB and bytes written."""
    layout = build_layout([bench_spec()])
    with tempfile.TemporaryFile() as out:
        if mode == "pandas":
            seconds = _pandas_baseline(layout, total, out)
        else:
            start = time.perf_counter()
            if mode == "csv":
                write_csv_zip(layout, submission_records(total), out, ExportOptions())
            elif mode == "xlsx":
                write_xlsx(layout, submission_records(total), out, ExportOptions())
            else:  # "records": making the records alone, what every export pays before writing
                for _ in submission_records(total):
                    pass
            seconds = time.perf_counter() - start
        size = out.tell()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak_mb, "bytes": size}


def _pandas_baseline(layout: Layout, total: int, out: IO[bytes]) -> float:
    import pandas as pd

    plan = ExportPlan(layout, ExportOptions())
    tables: list[list[list]] = [[] for _ in plan.tables]
    for index, row in plan.rows(submission_records(total)):
        tables[index].append(row)
    frames = [
        pd.DataFrame(rows, columns=[column.name for column in table.columns])
        for rows, table in zip(tables, plan.tables, strict=True)
    ]
    del tables
    start = time.perf_counter()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for frame, table in zip(frames, plan.tables, strict=True):
            with archive.open(f"{table.name}.csv", "w", force_zip64=True) as member:
                text = io.TextIOWrapper(member, encoding="utf-8-sig", newline="")
                frame.to_csv(text, index=False)
                text.flush()
    return time.perf_counter() - start


def measure(mode: str, total: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", mode, "--submissions", str(total)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603 - our own script
    return json.loads(result.stdout.strip().splitlines()[-1])


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run of median time, with the highest peak of all runs."""
    middle = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]
    return {**middle, "peak_mb": max(run["peak_mb"] for run in runs)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=SUBMISSIONS)
    parser.add_argument("--child", choices=("csv", "xlsx", "pandas", "records"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child, args.submissions)))
        return 0

    total = args.submissions
    records = measure("records", total)
    pairs = [(measure("csv", total), measure("pandas", total)) for _ in range(RUNS)]
    ours = _median([csv for csv, _ in pairs])
    baseline = _median([pandas for _, pandas in pairs])
    xlsx = measure("xlsx", total)
    ratio = ours["seconds"] / baseline["seconds"]
    peak = max(ours["peak_mb"], xlsx["peak_mb"])
    passed = ratio <= CSV_RATIO_TARGET and peak <= PEAK_TARGET_MB

    print(f"export of {total:,} submissions, {FIELDS} fields and a repeat (~2 entries each)")
    print(f"  making the records only  : {records['seconds']:7.2f} s   peak {records['peak_mb']:6.0f} MB")
    print(
        f"  humus CSV zip (median)   : {ours['seconds']:7.2f} s   peak {ours['peak_mb']:6.0f} MB"
        f"   {ours['bytes'] / 1e6:6.1f} MB written"
    )
    print(
        f"  baseline pandas (median) : {baseline['seconds']:7.2f} s   peak {baseline['peak_mb']:6.0f} MB"
        "   (same rows, flattened beforehand; same zip)"
    )
    print(f"  ratio CSV / baseline     : {ratio:7.2f}x   target ≤ {CSV_RATIO_TARGET:.0f}x")
    print(
        f"  humus XLSX               : {xlsx['seconds']:7.2f} s   peak {xlsx['peak_mb']:6.0f} MB"
        f"   {xlsx['bytes'] / 1e6:6.1f} MB written"
    )
    print(f"  peak memory of exports   : {peak:7.0f} MB  target ≤ {PEAK_TARGET_MB:.0f} MB")
    print(f"  verdict                  : {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
