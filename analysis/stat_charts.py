"""Charts of protected statistics on matplotlib's Figure API: bars by territory, trends, an age pyramid.

Hidden cells are drawn as gaps marked "n.d." (non diffuso) with a note saying why, so a chart never shows
more than the protected table it comes from. Render with analysis.summary_charts.render.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis.disclosure import ProtectedCell, ProtectedTable
from analysis.summary_charts import BAR, FONT, GRID, INK, new_figure, render
from forms.engine_text import language_code

__all__ = ["StatText", "period_trend", "population_pyramid", "render", "stat_text", "territory_bars"]

SECOND = "#b35806"  # dark orange: contrast 5:1 against white, told apart from BAR by colour-blind readers
PALETTE = (BAR, SECOND, "#2d7f5e", "#6a3d9a", "#595959")
HIDDEN = "n.d."


@dataclass(frozen=True)
class StatText:
    """The words of the statistics charts in one language."""

    value_axis: Mapping[str, str]  # by the protected table's kind: count, percent, rate, other
    period_axis: str
    age_axis: str
    hidden_note: str  # "{threshold}" is replaced
    decimal_mark: str

    def axis(self, kind: str) -> str:
        return self.value_axis.get(kind, self.value_axis["other"])


_TEXTS = {
    "it": StatText(
        value_axis={
            "count": "Numero",
            "percent": "Percentuale",
            "rate": "Tasso per 1.000",
            "other": "Valore",
        },
        period_axis="Periodo",
        age_axis="Fascia d'età",
        hidden_note="n.d.: dato non diffuso per il segreto statistico (meno di {threshold} casi, "
        "o perché non se ne possa ricavare un altro).",
        decimal_mark=",",
    ),
    "en": StatText(
        value_axis={"count": "Number", "percent": "Percent", "rate": "Rate per 1,000", "other": "Value"},
        period_axis="Period",
        age_axis="Age band",
        hidden_note="n.d.: not disclosed for statistical confidentiality (fewer than {threshold} cases, "
        "or so that another hidden figure cannot be worked out).",
        decimal_mark=".",
    ),
}


def stat_text(lang: str | None = "it") -> StatText:
    """The Italian words for "it" (or "it-IT"), the English ones otherwise."""
    return _TEXTS["it" if lang is None or language_code(lang) == "it" else "en"]


def territory_bars(
    protected: ProtectedTable,
    title: str,
    dimension: str = "territorio",
    fixed: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    text: StatText | None = None,
) -> Figure:
    """Horizontal bars, one per unit of the dimension's finest level; hidden ones as "n.d." gaps."""
    text = text or stat_text()
    cells = protected.series(dimension, fixed)
    codes = _labels_along(protected, dimension, cells)
    labels = [textwrap.fill((names or {}).get(code, code), 32) for code in codes]
    figure, axes = new_figure(title, 1.4 + 0.32 * len(cells))
    values = [_number_or_zero(cell) for cell in cells]
    positions = list(range(len(cells)))
    axes.barh(positions, values, color=BAR, height=0.7)
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    for position, cell in zip(positions, cells, strict=True):
        axes.annotate(
            _shown(cell, text),
            (values[position], position),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            color=INK,
            fontfamily=FONT,
            fontsize=9,
        )
    axes.set_xlim(0, max([*values, 1]) * 1.25)
    _value_axis(axes.xaxis, protected)
    _labels(axes, text.axis(protected.kind), None)
    _note(figure, protected, cells, text)
    return _settled(figure)


def period_trend(
    protected: ProtectedTable,
    title: str,
    dimension: str = "periodo",
    series: str | None = None,
    fixed: Mapping[str, str] | None = None,
    text: StatText | None = None,
) -> Figure:
    """A line per category of `series` (or one for the total) across periods; hidden points break the line."""
    text = text or stat_text()
    figure, axes = new_figure(title, 4.5)
    groups = _groups(protected, series)
    periods: list[str] = []
    everything: list[ProtectedCell] = []
    for n, group in enumerate(groups):
        where = {**(fixed or {}), **({series: group} if series else {})}
        cells = protected.series(dimension, where)
        periods = _labels_along(protected, dimension, cells)
        values = [math.nan if cell.value is None else cell.value for cell in cells]
        colour = PALETTE[n % len(PALETTE)]
        axes.plot(
            range(len(cells)), values, color=colour, marker="o", markersize=4, label=group if series else None
        )
        for position, cell in enumerate(cells):
            if cell.value is None:  # a gap in the line, marked on the axis in the series' colour
                axes.annotate(HIDDEN, (position, 0), xytext=(0, 4 + 11 * n), textcoords="offset points",
                              ha="center", color=colour, fontfamily=FONT, fontsize=8)  # fmt: skip
        everything += cells
    step = -(-len(periods) // 12)
    slanted = {"rotation": 45, "ha": "right"} if len(periods) > 6 else {}
    axes.set_xticks(range(len(periods))[::step], periods[::step], **slanted)
    shown = [cell.value for cell in everything if cell.value is not None and not math.isnan(cell.value)]
    axes.set_ylim(0, max([*shown, 1]) * 1.15)
    axes.set_xlim(-0.5, len(periods) - 0.5)
    _value_axis(axes.yaxis, protected)
    _labels(axes, text.period_axis, text.axis(protected.kind))
    if series:
        axes.legend(frameon=False, prop={"family": FONT})
    _note(figure, protected, everything, text)
    return _settled(figure)


def population_pyramid(
    protected: ProtectedTable,
    title: str,
    gender: str = "gender",
    age: str = "fascia_eta",
    sides: tuple[str, str] = ("M", "F"),
    fixed: Mapping[str, str] | None = None,
    text: StatText | None = None,
) -> Figure:
    """Back-to-back bars by age band: the first gender to the left, the second to the right."""
    text = text or stat_text()
    figure, axes = new_figure(title, 1.8 + 0.45 * len(protected.series(age)))
    everything: list[ProtectedCell] = []
    widest = 1.0
    bands = _labels_along(protected, age, protected.series(age))
    for sign, side, colour in ((-1, sides[0], BAR), (1, sides[1], SECOND)):
        cells = protected.series(age, {**(fixed or {}), gender: side})
        values = [_number_or_zero(cell) for cell in cells]
        widest = max(widest, *values)
        axes.barh(range(len(cells)), [sign * v for v in values], color=colour, height=0.8, label=side)
        for position, cell in enumerate(cells):
            axes.annotate(
                _shown(cell, text),
                (sign * values[position], position),
                xytext=(sign * 4, 0),
                textcoords="offset points",
                va="center",
                ha="left" if sign > 0 else "right",
                color=INK,
                fontfamily=FONT,
                fontsize=9,
            )
        everything += cells
    axes.set_yticks(range(len(bands)), bands)
    axes.set_xlim(-widest * 1.3, widest * 1.3)
    axes.axvline(0, color=INK, linewidth=0.8)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: _number(abs(value), text)))
    _labels(axes, text.axis(protected.kind), text.age_axis)
    axes.legend(frameon=False, prop={"family": FONT}, loc="lower right")
    _note(figure, protected, everything, text)
    return _settled(figure)


def _labels_along(protected: ProtectedTable, dimension: str, cells: Sequence[ProtectedCell]) -> list[str]:
    axis = protected.table.axis(dimension)
    return [cell.key[axis] for cell in cells]


def _groups(protected: ProtectedTable, series: str | None) -> Sequence[str]:
    if series is None:
        return [""]
    dim = protected.dimensions[protected.table.axis(series)]
    return [dim.labels[leaf] for leaf in dim.leaves]


def _number_or_zero(cell: ProtectedCell) -> float:
    return 0.0 if cell.value is None or math.isnan(cell.value) else float(cell.value)


def _shown(cell: ProtectedCell, text: StatText) -> str:
    return HIDDEN if cell.value is None else _number(round(cell.value, 1), text)


def _number(value: float, text: StatText) -> str:
    shown = f"{value:.10g}" if value != int(value) else str(int(value))
    return shown.replace(".", text.decimal_mark)


def _note(figure: Figure, protected: ProtectedTable, cells: Sequence[ProtectedCell], text: StatText) -> None:
    if any(cell.value is None for cell in cells):
        note = text.hidden_note.format(threshold=protected.rule.threshold)
        figure.supxlabel(textwrap.fill(note, 110), fontfamily=FONT, fontsize=8, color=INK, x=0.01, ha="left")


def _value_axis(axis: Axis, protected: ProtectedTable) -> None:
    if protected.kind == "count":
        axis.set_major_locator(MaxNLocator(integer=True))


def _labels(axes: Axes, x_label: str | None, y_label: str | None) -> None:
    if x_label:
        axes.set_xlabel(x_label, fontfamily=FONT, color=INK)
    if y_label:
        axes.set_ylabel(y_label, fontfamily=FONT, color=INK)
    axes.grid(axis="x" if y_label is None else "y", color=GRID)


def _settled(figure: Figure) -> Figure:
    # As in summary_charts: solve the constrained layout once and keep it, so every render is the same.
    figure.draw_without_rendering()
    figure.set_layout_engine("none")
    return figure
