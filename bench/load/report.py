"""The table of the figures, with the verdict of each row and the overall PASS/FAIL."""

import argparse
import math

from bench.load.figures import Figures

COLUMNS = (
    ("scenario", 8), ("DB", 10), ("requests", 8), ("req/s", 6), ("errors (status×n)", 22), ("p50 ms", 7),
    ("p95 ms", 7), ("p99 ms", 7), ("acked", 6), ("stored", 6), ("dups", 4), ("to 503 s", 8), ("healthy s", 9),
    ("verdict", 7),
)  # fmt: skip
TARGETS = {
    "L1": "0 errors, p95 ≤ 300 ms, ≥ 47.5 acknowledged/s, all stored, 0 duplicates",
    "L2": "0 errors, p95 ≤ 500 ms, all stored, 0 duplicates",
    "storm": "exactly one row and one 201 per instanceID, only 200/201",
    "F1": "503 + Retry-After within 10 s, nothing but 503, healthy ≤ 5 s after restart, all stored, 0 dups",
    "F2": "503/507 only, all stored, 0 duplicates, integrity ok, writes resume",
    "F3": "all acknowledged stored, 0 duplicates (retries with the same instanceID)",
}


def row_summary(result: Figures) -> str:
    verdict = "PASS" if not result.failures else "FAIL: " + "; ".join(result.failures)
    return f"   {result.requests} requests, p95 {_ms(result.p95)} ms, {verdict}"


def print_table(results: list[Figures], args: argparse.Namespace, seconds: float) -> bool:
    mode = "quick" if args.quick else "full"
    print()
    print(f"Load and fault suite ({mode} durations, gunicorn -w {args.workers} sync, loopback)")
    print(" | ".join(title.ljust(width) for title, width in COLUMNS))
    print("-+-".join("-" * width for _title, width in COLUMNS))
    for result in results:
        print(
            " | ".join(value.ljust(width) for value, (_t, width) in zip(_cells(result), COLUMNS, strict=True))
        )
    print()
    for result in results:
        lines = [*result.notes, *("FAIL " + f for f in result.failures)]
        if lines:
            print(f"{result.scenario} {result.database}: " + "; ".join(lines))
    print("F1 runs on PostgreSQL only: SQLite has no server to stop.")
    print()
    print("Targets:")
    for name, target in TARGETS.items():
        print(f"  {name:6} {target}")
    passed = bool(results) and all(not r.failures for r in results)
    print(f"\noverall: {'PASS' if passed else 'FAIL'}   ({seconds / 60:.1f} min)")
    return passed


def _cells(result: Figures) -> list[str]:
    errors = " ".join(f"{status or 'no answer'}×{n}" for status, n in result.errors.items()) or "0"
    return [
        result.scenario,
        result.database,
        str(result.requests),
        f"{result.rate:.1f}",
        errors,
        _ms(result.p50),
        _ms(result.p95),
        _ms(result.p99),
        str(result.acknowledged),
        str(result.stored),
        str(result.duplicates),
        _seconds(result.to_first_error),
        _seconds(result.to_healthy),
        "PASS" if not result.failures else "FAIL",
    ]


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.0f}"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
