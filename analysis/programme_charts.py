"""Charts of the programme on matplotlib's Figure API: progress against targets, event participants by
category and gender, and the planned-against-actual timeline. Render with analysis.summary_charts.render."""

from __future__ import annotations

import textwrap
from datetime import date, timedelta

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, MonthLocator, date2num
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from analysis.programme import CATEGORIES, GENDERS, HEADLINE_METRICS
from analysis.programme_progress import ACTIVITY, ProgressReport
from analysis.programme_text import ProgrammeText, programme_text
from analysis.programme_timeline import Timeline, actual_end
from analysis.stat_charts import PALETTE
from analysis.summary_charts import FONT, GRID, INK, WIDTH

__all__ = ["participants_chart", "progress_chart", "timeline_chart"]

PLANNED = "#c9d6e3"  # light: the plan is the background the actual bar is read against
MET = "#2d7f5e"  # a target reached
CAP = 150  # percentages beyond this are drawn at the cap and labelled with their value


def progress_chart(report: ProgressReport, text: ProgrammeText | None = None) -> Figure:
    """One bar per activity and headline output with a target: achieved as a percentage of the target."""
    text = text or programme_text()
    bars = [
        (f"{row.code} · {text.metrics[metric]}", row.figures[metric])
        for row in report.rows
        if row.level == ACTIVITY
        for metric in HEADLINE_METRICS
        if row.figures[metric].target
    ]
    figure, axes = _figure(text.progress_title, 1.6 + 0.32 * max(len(bars), 1))
    if not bars:
        return _empty(figure, axes, text.no_targets)
    for y, (_label, fig) in enumerate(bars):
        if fig.share is None:
            axes.text(1, y, text.hidden, va="center", fontfamily=FONT, fontsize=8, color=INK)
            continue
        colour = MET if fig.share >= 100 else PALETTE[0]
        axes.barh(y, min(fig.share, CAP), height=0.7, color=colour)
        shown = f"{text.number(fig.share)}% ({fig.achieved}/{fig.target})"
        axes.text(min(fig.share, CAP) + 1, y, shown, va="center", fontfamily=FONT, fontsize=7, color=INK)
    axes.axvline(100, color=INK, linewidth=1, linestyle="--")
    axes.set_yticks(range(len(bars)), [textwrap.shorten(label, 48) for label, _ in bars])
    axes.set_ylim(len(bars) - 0.5, -0.5)
    axes.set_xlim(0, CAP + 30)
    axes.set_xlabel(text.progress_axis, fontfamily=FONT, color=INK)
    axes.grid(axis="x", color=GRID, linewidth=0.6)
    return figure


def participants_chart(report: ProgressReport, text: ProgrammeText | None = None) -> Figure:
    """Event participants by category, stacked by gender."""
    text = text or programme_text()
    categories = [c for c in CATEGORIES if any(report.participants.get((c, g)) for g in GENDERS)]
    figure, axes = _figure(text.participants_title, 1.8 + 0.45 * max(len(categories), 1))
    if not categories:
        return _empty(figure, axes, text.no_participants)
    left = [0] * len(categories)
    for index, gender in enumerate(GENDERS):
        values = [report.participants.get((c, gender), 0) for c in categories]
        colour = PALETTE[index % len(PALETTE)]
        axes.barh(range(len(categories)), values, left=left, color=colour, label=text.genders[gender])
        left = [a + b for a, b in zip(left, values, strict=True)]
    for y, total in enumerate(left):
        axes.text(total, y, f" {total}", va="center", fontfamily=FONT, fontsize=8, color=INK)
    axes.set_yticks(range(len(categories)), [text.categories[c] for c in categories])
    axes.set_ylim(len(categories) - 0.5, -0.5)
    axes.set_xlabel(text.participants_axis, fontfamily=FONT, color=INK)
    axes.grid(axis="x", color=GRID, linewidth=0.6)
    figure.legend(loc="outside lower center", ncols=3, frameon=False, prop={"family": FONT, "size": 9})
    return figure


def timeline_chart(timeline: Timeline, text: ProgrammeText | None = None) -> Figure:
    """A Gantt chart: each activity's planned span as a light bar, its actual span as a dark one inside."""
    text = text or programme_text()
    rows = timeline.rows
    figure, axes = _figure(text.timeline_title, 1.8 + 0.42 * max(len(rows), 1))
    dated = [r for r in rows if r.activity.planned.start or r.activity.actual.start]
    if not dated:
        return _empty(figure, axes, text.no_dates)
    for y, row in enumerate(rows):
        planned = row.activity.planned
        if planned.start:
            _bar(axes, y, planned.start, planned.end or planned.start, 0.7, PLANNED)
        end = actual_end(row.activity.actual, timeline.today)
        if row.activity.actual.start and end:
            _bar(axes, y, row.activity.actual.start, end, 0.32, PALETTE[0])
    axes.axvline(date2num(timeline.today), color=PALETTE[1], linewidth=1.2, linestyle="--")
    labels = [textwrap.shorten(f"{r.activity.code} {r.activity.title}", 38) for r in rows]
    axes.set_yticks(range(len(rows)), labels)
    axes.set_ylim(len(rows) - 0.5, -0.5)
    span = len(timeline.months)
    months = (1, 4, 7, 10) if span <= 24 else (1, 7) if span <= 48 else (1,)
    axes.xaxis.set_major_locator(MonthLocator(bymonth=months))
    axes.xaxis.set_major_formatter(DateFormatter("%m/%Y"))
    axes.grid(axis="x", color=GRID, linewidth=0.6)
    handles = [Patch(color=PLANNED), Patch(color=PALETTE[0]), Patch(color=PALETTE[1])]
    figure.legend(
        handles,
        [text.planned, text.actual, text.today],
        loc="outside lower center",
        ncols=3,
        frameon=False,
        prop={"family": FONT, "size": 9},
    )
    return figure


def _bar(axes: Axes, y: int, start: date, end: date, height: float, colour: str) -> None:
    left = date2num(start)
    axes.barh(y, date2num(end + timedelta(days=1)) - left, left=left, height=height, color=colour)


def _figure(title: str, height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(WIDTH, min(height, 20)), layout="constrained", facecolor="white")
    FigureCanvasAgg(figure)
    figure.suptitle(textwrap.fill(title, 70), fontfamily=FONT, fontsize=13, color=INK)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelfontfamily=FONT, labelcolor=INK, labelsize=9)
    axes.set_axisbelow(True)
    return figure, axes


def _empty(figure: Figure, axes: Axes, message: str) -> Figure:
    axes.text(
        0.5, 0.5, message, transform=axes.transAxes, ha="center", va="center", fontfamily=FONT, color=INK
    )
    axes.set_xticks([])
    axes.set_yticks([])
    return figure
