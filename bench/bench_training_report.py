"""Benchmark: the full pre/post impact report for 2,000 participants, 3 tiers and 20 knowledge items in at
most 5 s.

Ours is everything the Word download does after the database read: score and pair 3,800 questionnaires
(stored-JSON shape, calculations as text, as Submission.data holds them; 10% attrition and 1% duplicate
posts), compute every group's statistics with analysis.impact (everyone plus the three tiers: t test,
Wilcoxon, d_z with its exact interval, reliable change, Cronbach's alpha, normalized gain, McNemar per
item with Holm), draw the three charts as PNG, and write the XLSX workbook and the DOCX document.

The baseline, measured in the same run on the same pairs, is the bare scipy calls for the same tests:
scipy.stats.ttest_rel and scipy.stats.wilcoxon per group and measure, and McNemar's χ² (numpy counts,
scipy.stats.chi2.sf) per item and group, with no scoring, pairing, checks, charts or files.

Run: .venv/bin/python bench/bench_training_report.py [--participants N] [--items K]
"""

import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

import forms  # noqa: E402,F401 - first of our packages (see forms/__init__.py)
from analysis.summary_charts import render  # noqa: E402
from analysis.training_charts import distribution_chart, forest_chart, slope_chart  # noqa: E402
from analysis.training_export import ReportMeta, report_docx, report_xlsx  # noqa: E402
from analysis.training_report import build_report  # noqa: E402
from analysis.training_scoring import (  # noqa: E402
    Instrument,
    KnowledgeItem,
    LikertItem,
    Questionnaire,
    pair_questionnaires,
)
from analysis.training_text import report_text  # noqa: E402

TARGET_S = 5.0
ROUNDS = 3
LIKERT = 8
T0 = datetime(2025, 3, 4, 9, 0)


def instrument(items: int) -> Instrument:
    knowledge = tuple(
        KnowledgeItem(
            f"k{i:02d}", ("conoscenze", f"k{i:02d}"), f"Domanda {i}", ("conoscenze", f"p_k{i:02d}"), "b"
        )
        for i in range(1, items + 1)
    )
    likert = tuple(
        LikertItem(f"ae{i}", ("autoefficacia", f"ae{i}"), f"Item {i}") for i in range(1, LIKERT + 1)
    )
    return Instrument(knowledge=knowledge, likert=likert)


def questionnaires(participants: int, items: int, seed: int = 2025) -> list[Questionnaire]:
    """Pre for everyone, post for 90%, a second post for 1%; years spread over the three tiers."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    found: list[Questionnaire] = []
    for person in range(participants):
        years = rng.choice((0, 1, 2, 3, 5, 8, 10, 11, 15, 25))
        skill, confidence = rng.uniform(0.2, 0.6), rng.uniform(1.8, 3.4)
        phases = [("pre", 0.0)] if rng.random() < 0.1 else [("pre", 0.0), ("post", 0.25)]
        if len(phases) == 2 and rng.random() < 0.01:
            phases.append(("post", 0.3))
        for phase, gain in phases:
            data = _answers(f"P{person:05d}", phase, years, items, skill + gain, confidence + 3 * gain, rng)
            found.append(Questionnaire(len(found) + 1, T0 + timedelta(seconds=len(found)), data))
    return found


def _answers(code: str, phase: str, years: int, items: int, skill: float, confidence: float, rng) -> dict:
    knowledge: dict[str, str] = {}
    for i in range(1, items + 1):
        right = rng.random() < skill
        knowledge[f"k{i:02d}"] = "b" if right else "a"
        knowledge[f"p_k{i:02d}"] = "1" if right else "0"
    efficacy = {
        f"ae{i}": str(max(1, min(5, round(confidence + rng.gauss(0, 0.7))))) for i in range(1, LIKERT + 1)
    }
    return {
        "codice_corso": "BENCH-2025-01",
        "fase": phase,
        "codice_operatore": code,
        "anni_servizio": years,
        "conoscenze": knowledge,
        "autoefficacia": efficacy,
    }


def full_report(found: list[Questionnaire], measured: Instrument, parts: dict[str, list[float]]) -> int:
    """Ours: pairing and statistics, charts, workbook and document; the document's size in bytes."""
    text = report_text("it")
    start = time.perf_counter()
    report = build_report(pair_questionnaires(found, measured), measured)
    tables = time.perf_counter()
    charts = {
        draw.__name__: render(draw(report, text), "png")
        for draw in (slope_chart, distribution_chart, forest_chart)
    }
    drawn = time.perf_counter()
    meta = ReportMeta("Benchmark", ("Edizione BENCH-2025-01",))
    report_xlsx(report, meta, text)
    document = report_docx(report, meta, charts, text)
    written = time.perf_counter()
    for name, seconds in (
        ("statistics", tables - start),
        ("charts", drawn - tables),
        ("files", written - drawn),
    ):
        parts.setdefault(name, []).append(seconds)
    return len(document)


def arrays(found: list[Questionnaire], measured: Instrument):
    """The same pairs as plain arrays for the baseline: per group, scores and item matrices pre and post."""
    pairing = pair_questionnaires(found, measured)
    groups = {"all": pairing.pairs}
    for tier in ("start_up", "miglioramento", "aggiornamento"):
        groups[tier] = tuple(p for p in pairing.pairs if p.tier == tier)
    return {
        name: {
            "knowledge": (
                np.array([p.pre.knowledge for p in pairs]),
                np.array([p.post.knowledge for p in pairs]),
            ),
            "efficacy": (
                np.array([p.pre.efficacy for p in pairs]),
                np.array([p.post.efficacy for p in pairs]),
            ),
            "items": (
                np.array([p.pre.knowledge_items for p in pairs], dtype=bool),
                np.array([p.post.knowledge_items for p in pairs], dtype=bool),
            ),
        }
        for name, pairs in groups.items()
    }


def bare_scipy(groups: dict) -> None:
    """The baseline: the statistical calls alone."""
    for group in groups.values():
        for measure in ("knowledge", "efficacy"):
            pre, post = group[measure]
            stats.ttest_rel(post, pre)
            stats.wilcoxon(post, pre)
        pre_items, post_items = group["items"]
        b = (pre_items & ~post_items).sum(axis=0)
        c = (~pre_items & post_items).sum(axis=0)
        stats.chi2.sf((np.abs(b - c) - 1) ** 2 / np.maximum(b + c, 1), df=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=2_000)
    parser.add_argument("--items", type=int, default=20)
    options = parser.parse_args()
    measured = instrument(options.items)
    found = questionnaires(options.participants, options.items)
    print(
        f"{options.participants} participants, {len(found)} questionnaires, {options.items} knowledge items"
    )

    parts: dict[str, list[float]] = {}
    size = full_report(found, measured, {})  # warm-up: imports, font cache
    ours = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        full_report(found, measured, parts)
        ours.append(time.perf_counter() - start)
    groups = arrays(found, measured)
    bare_scipy(groups)
    baseline = []
    for _ in range(ROUNDS * 5):
        start = time.perf_counter()
        bare_scipy(groups)
        baseline.append(time.perf_counter() - start)

    ours_s, baseline_s = statistics.median(ours), statistics.median(baseline)
    print(f"full report (median of {ROUNDS}):   {ours_s:8.3f} s   (document {size / 1024:.0f} KiB)")
    for name, seconds in parts.items():
        print(f"  {name:<12}                 {statistics.median(seconds):8.3f} s")
    print(f"baseline, bare scipy calls:   {baseline_s:8.3f} s")
    print(f"ratio:                        {ours_s / baseline_s:8.1f} ×")
    verdict = "PASS" if ours_s <= TARGET_S else "FAIL"
    print(f"{verdict}: {ours_s:.2f} s against a target of {TARGET_S:.0f} s")
    sys.exit(0 if verdict == "PASS" else 1)


if __name__ == "__main__":
    main()
