"""The figures of a scenario, from the client's request log and from the database itself.

"Acknowledged" means the client got 200/201 (201/202 from OpenRosa) for an instanceID. After each scenario
the submissions table is read directly (not through the app) to check that every acknowledged instanceID is
stored, and that no instanceID is stored twice.
"""

import csv
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

ACK = {"api": {200, 201}, "openrosa": {201, 202}}
SUBMISSION_KINDS = set(ACK)


@dataclass(frozen=True)
class Request:
    started: float  # epoch seconds
    ms: float
    kind: str
    status: int  # 0: no answer (connection refused or reset, timeout)
    instance_id: str
    attempt: int
    retry_after: str

    @property
    def ended(self) -> float:
        return self.started + self.ms / 1000

    @property
    def ok(self) -> bool:
        if self.kind in ACK:
            return self.status in ACK[self.kind]
        return 200 <= self.status < 400


@dataclass
class Figures:
    """One row of the table. Times are seconds; None where the scenario has no such moment."""

    scenario: str
    database: str
    requests: int = 0
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    p50: float = math.nan
    p95: float = math.nan
    p99: float = math.nan
    sent: int = 0
    acknowledged: int = 0
    stored: int = 0
    duplicates: int = 0
    to_first_error: float | None = None
    to_healthy: float | None = None
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> dict[int, int]:
        return {status: n for status, n in sorted(self.statuses.items()) if not 200 <= status < 400}

    @property
    def lost(self) -> int:
        return self.acknowledged - self.stored

    def check(self, passed: bool, failure: str) -> None:
        if not passed:
            self.failures.append(failure)


def read_log(path: Path) -> list[Request]:
    with open(path, newline="", encoding="utf-8") as lines:
        return [
            Request(float(row[0]), float(row[1]), row[2], int(row[3]), row[4], int(row[5]), row[6])
            for row in csv.reader(lines)
            if row
        ]


def from_requests(scenario: str, database: str, requests: list[Request]) -> Figures:
    """Counts, rate, statuses and latency percentiles of every request (retries included)."""
    figures = Figures(scenario, database)
    if not requests:
        figures.failures.append("no request was made")
        return figures
    figures.requests = len(requests)
    figures.seconds = max(r.ended for r in requests) - min(r.started for r in requests)
    figures.statuses = Counter(r.status for r in requests)
    latencies = sorted(r.ms for r in requests)
    figures.p50, figures.p95, figures.p99 = (percentile(latencies, q) for q in (50, 95, 99))
    submissions = [r for r in requests if r.kind in SUBMISSION_KINDS]
    figures.sent = len({r.instance_id for r in submissions})
    figures.acknowledged = len(acknowledged_ids(submissions))
    return figures


def p95_by_kind(requests: list[Request]) -> str:
    """'table 120, statistics 340, ...' in ms: where a mixed workload's time goes."""
    kinds = sorted({r.kind for r in requests})
    p95 = {k: percentile(sorted(r.ms for r in requests if r.kind == k), 95) for k in kinds}
    return ", ".join(f"{kind} {ms:.0f}" for kind, ms in p95.items())


def acknowledged_ids(requests: Iterable[Request]) -> set[str]:
    return {r.instance_id for r in requests if r.kind in SUBMISSION_KINDS and r.ok}


def percentile(ordered: list[float], q: float) -> float:
    """The nearest-rank percentile of an ascending list."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def first_error_after(requests: list[Request], moment: float, statuses: set[int]) -> float | None:
    """Seconds from `moment` until the first answer with one of `statuses` came back."""
    ends = [r.ended for r in requests if r.started >= moment and r.status in statuses]
    return min(ends) - moment if ends else None


def healthy_after(requests: list[Request], moment: float) -> float | None:
    """Seconds from `moment` until the start of the first request after which every request succeeded."""
    later = sorted((r for r in requests if r.started >= moment), key=lambda r: r.started)
    healthy_from = None
    for request in later:
        if not request.ok:
            healthy_from = None
        elif healthy_from is None:
            healthy_from = request.started
    return healthy_from - moment if healthy_from is not None else None


def store_check(url: str, form_id: int, acknowledged: set[str]) -> tuple[int, int]:
    """(how many acknowledged instanceIDs are stored, how many instanceIDs are stored more than once)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT instance_id, count(*) FROM submissions WHERE form_id = :form GROUP BY instance_id"
                ),
                {"form": form_id},
            ).all()
    finally:
        engine.dispose()
    counts = {instance_id: n for instance_id, n in rows}
    stored = sum(1 for instance_id in acknowledged if instance_id in counts)
    duplicates = sum(1 for n in counts.values() if n > 1)
    return stored, duplicates


def row_count(url: str, form_id: int) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = text("SELECT count(*) FROM submissions WHERE form_id = :form")
            return connection.execute(query, {"form": form_id}).scalar_one()
    finally:
        engine.dispose()


def integrity_check(url: str) -> str:
    """'ok' when the database is consistent: SQLite's integrity_check; PostgreSQL's amcheck of every B-tree
    index of the submissions table against its rows."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if url.startswith("sqlite"):
                return " ".join(row[0] for row in connection.execute(text("PRAGMA integrity_check")))
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
            connection.execute(
                text(
                    "SELECT bt_index_check(i.indexrelid, true) FROM pg_index i JOIN pg_class c "
                    "ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                    "WHERE i.indrelid = 'submissions'::regclass AND a.amname = 'btree'"
                )
            ).all()
            connection.commit()
            return "ok"
    except Exception as exc:  # noqa: BLE001 - the check's failure is itself the finding
        return f"failed: {type(exc).__name__}: {exc}"[:200]
    finally:
        engine.dispose()
