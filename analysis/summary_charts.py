"""Charts of question summaries on matplotlib's Figure API (no pyplot), rendered to SVG or PNG bytes."""

from __future__ import annotations

import io
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis.summaries import DateSummary, FormSummary, NumberSummary, QuestionSummary, SelectSummary
from analysis.summary_stats import TimeSeries
from forms.engine_text import language_code

FONT = "DejaVu Sans"  # bundled with matplotlib: accents render and nothing is fetched
BAR = "#1f4e79"  # one dark blue: contrast 9:1 against white
INK = "#1a1a1a"
GRID = "#d9d9d9"
WIDTH = 8.0
FORMATS = ("svg", "png")
_SVG_SALT = "humus-summaries"
_MAX_TICKS = 12
# svg.hashsalt is read from rcParams while the SVG is written; the lock keeps two renders from
# swapping each other's temporary settings.
_RENDER_LOCK = threading.Lock()


@dataclass(frozen=True)
class ChartText:
    """The words a chart shows around the form's own labels, in one language."""

    answers_axis: str
    submissions_axis: str
    submissions_title: str
    value_axis: str
    day: str
    week: str
    month: str
    not_answered: str  # "{count}" is replaced by the number
    repeat_entries: str  # likewise
    multiple_note: str
    no_answers: str
    decimal_mark: str

    def period(self, name: str) -> str:
        """The axis label of a period: day, week or month."""
        return {"day": self.day, "week": self.week, "month": self.month}[name]


_TEXTS = {
    "it": ChartText(
        answers_axis="Numero di risposte",
        submissions_axis="Numero di invii",
        submissions_title="Invii nel tempo",
        value_axis="Valore",
        day="Giorno",
        week="Settimana",
        month="Mese",
        not_answered="Senza risposta: {count}",
        repeat_entries="Risposte raccolte in {count} ripetizioni",
        multiple_note="Percentuali su chi ha risposto: si poteva scegliere più di una risposta.",
        no_answers="Nessuna risposta",
        decimal_mark=",",
    ),
    "en": ChartText(
        answers_axis="Number of answers",
        submissions_axis="Number of submissions",
        submissions_title="Submissions over time",
        value_axis="Value",
        day="Day",
        week="Week",
        month="Month",
        not_answered="Not answered: {count}",
        repeat_entries="Answers pooled from {count} repeat entries",
        multiple_note="Percent of respondents: more than one answer could be chosen.",
        no_answers="No answers",
        decimal_mark=".",
    ),
}


def chart_text(lang: str | None = "it") -> ChartText:
    """The Italian words for "it" (or "it-IT", "Italiano (it)"), the English ones otherwise."""
    return _TEXTS["it" if lang is None or language_code(lang) == "it" else "en"]


def bar_chart(summary: SelectSummary, text: ChartText | None = None) -> Figure:
    """Horizontal bars, one per choice in form order, each with its count and percentage."""
    text = text or chart_text()
    labels = [textwrap.fill(choice.label, 32) for choice in summary.choices]
    height = 1.6 + sum(0.3 + 0.18 * label.count("\n") for label in labels)
    figure, axes = new_figure(summary.label, height)
    _subtitle(axes, _notes(summary, text))
    if not summary.answered:
        return _empty(figure, axes, text)
    counts = [choice.count for choice in summary.choices]
    positions = range(len(counts))
    axes.barh(positions, counts, color=BAR, height=0.7)
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    for position, count in zip(positions, counts, strict=True):
        axes.annotate(
            _count_and_percent(summary, count, text),
            (count, position),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            color=INK,
            fontfamily=FONT,
            fontsize=9,
        )
    axes.set_xlim(0, max(max(counts), 1) * 1.3)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    _axis_labels(axes, text.answers_axis, None)
    return _settled(figure)


def histogram_chart(summary: NumberSummary, text: ChartText | None = None) -> Figure:
    """The answers' histogram with R's bins, labelled at the breaks."""
    text = text or chart_text()
    figure, axes = new_figure(summary.label, 4.5)
    _subtitle(axes, _notes(summary, text))
    histogram = summary.histogram
    if histogram is None:
        return _empty(figure, axes, text)
    breaks = histogram.breaks
    widths = [right - left for left, right in zip(breaks, breaks[1:], strict=False)]
    axes.bar(breaks[:-1], histogram.counts, width=widths, align="edge", color=BAR, edgecolor="white")
    step = -(-len(breaks) // _MAX_TICKS)
    axes.set_xticks(breaks[::step])
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: _number(value, text)))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _axis_labels(axes, text.value_axis, text.answers_axis)
    return _settled(figure)


def time_chart(summary: FormSummary | DateSummary, text: ChartText | None = None) -> Figure:
    """Counts per period: of submissions for a FormSummary, of answers for a date question."""
    text = text or chart_text()
    submissions = isinstance(summary, FormSummary)
    title = text.submissions_title if submissions else summary.label
    figure, axes = new_figure(title, 4.5)
    series: TimeSeries = summary.over_time
    if not submissions:
        _subtitle(axes, _notes(summary, text))
    if not series.counts:
        return _empty(figure, axes, text)
    labels = [entry.label for entry in series.counts]
    positions = list(range(len(labels)))
    axes.bar(positions, [entry.count for entry in series.counts], color=BAR, width=0.8)
    step = -(-len(labels) // _MAX_TICKS)
    slanted = {"rotation": 45, "ha": "right"} if len(labels) > 6 else {}
    axes.set_xticks(positions[::step], labels[::step], **slanted)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    y_label = text.submissions_axis if submissions else text.answers_axis
    _axis_labels(axes, text.period(series.period), y_label)
    return _settled(figure)


def question_chart(summary: QuestionSummary, text: ChartText | None = None) -> Figure | None:
    """The chart that suits the question: bars, histogram or time; None for text and other types."""
    if isinstance(summary, SelectSummary):
        return bar_chart(summary, text)
    if isinstance(summary, NumberSummary):
        return histogram_chart(summary, text)
    if isinstance(summary, DateSummary):
        return time_chart(summary, text)
    return None


def render(figure: Figure, fmt: str = "svg") -> bytes:
    """The figure as SVG (the same bytes for the same chart) or PNG."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    settings = {"svg.hashsalt": _SVG_SALT, "svg.fonttype": "path"}
    with _RENDER_LOCK, matplotlib.rc_context(settings):
        figure.savefig(buffer, format=fmt, dpi=144, metadata=metadata, facecolor="white")
    return buffer.getvalue()


def new_figure(title: str, height: float) -> tuple[Figure, Axes]:
    """A white figure of the house width with its title and one axes styled for our charts."""
    figure = Figure(figsize=(WIDTH, height), layout="constrained", facecolor="white")
    FigureCanvasAgg(figure)
    figure.suptitle(textwrap.fill(title, 70), fontfamily=FONT, fontsize=13, color=INK)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelfontfamily=FONT, labelcolor=INK, labelsize=10)
    axes.set_axisbelow(True)
    return figure, axes


def _subtitle(axes: Axes, notes: Sequence[str]) -> None:
    if notes:
        note = "\n".join(textwrap.fill(line, 95) for line in notes)
        axes.set_title(note, loc="left", fontfamily=FONT, fontsize=9, color=INK)


def _notes(summary: QuestionSummary, text: ChartText) -> list[str]:
    notes = [text.not_answered.format(count=summary.not_answered)]
    if summary.in_repeat:
        notes.append(text.repeat_entries.format(count=summary.entries))
    if isinstance(summary, SelectSummary) and summary.multiple:
        notes.append(text.multiple_note)
    return notes


def _axis_labels(axes: Axes, x_label: str | None, y_label: str | None) -> None:
    if x_label:
        axes.set_xlabel(x_label, fontfamily=FONT, color=INK)
        axes.grid(axis="x" if y_label is None else "y", color=GRID)
    if y_label:
        axes.set_ylabel(y_label, fontfamily=FONT, color=INK)


def _empty(figure: Figure, axes: Axes, text: ChartText) -> Figure:
    axes.set_axis_off()
    axes.text(0.5, 0.5, text.no_answers, ha="center", va="center", fontfamily=FONT, color=INK)
    return _settled(figure)


def _settled(figure: Figure) -> Figure:
    # Constrained layout is solved again on every draw and may move things by a rounding error, which
    # changes the SVG's clip-path ids: solve it once here and keep it, so every render is the same.
    figure.draw_without_rendering()
    figure.set_layout_engine("none")
    return figure


def _count_and_percent(summary: SelectSummary, count: int, text: ChartText) -> str:
    percent = summary.percent(count)
    return str(count) if percent is None else f"{count} ({_number(round(percent, 1), text)}%)"


def _number(value: float, text: ChartText) -> str:
    shown = f"{value:.10g}" if value != int(value) else str(int(value))
    return shown.replace(".", text.decimal_mark)
