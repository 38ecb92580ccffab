"""Shared pieces of the benchmarks: timing, generated XLSForms, a throw-away app."""

import io
import statistics
import time
from collections.abc import Callable

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
