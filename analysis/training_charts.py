"""Charts of the training impact report on matplotlib's Figure API: a paired slope plot, the before/after
distributions and a forest plot of the effect sizes by tier. Render with analysis.summary_charts.render."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analysis.stat_charts import PALETTE
from analysis.summary_charts import FONT, GRID, INK, WIDTH
from analysis.training import TIERS
from analysis.training_report import ALL, TIER, Group, ImpactReport
from analysis.training_scoring import KNOWLEDGE
from analysis.training_text import ReportText, report_text

__all__ = ["distribution_chart", "forest_chart", "slope_chart"]

HOLLOW = "white"
_SMOOTH_UP_TO = (
    300  # lines antialiased up to this many pairs; above, the faint cloud reads the same at half the cost
)
_JITTER = 0.12  # of a score point: knowledge scores are whole numbers, so identical lines would hide


def slope_chart(report: ImpactReport, text: ReportText | None = None) -> Figure:
    """One line per pair from its pre to its post score, coloured by tier, with the mean drawn thick."""
    text = text or report_text()
    figure, panels = _figure(text.slope_title, report, 4.8, text)
    if not report.measures:
        return figure
    pairs = report.overall.pairs
    tiers = _tier_order(p.tier for p in pairs)
    for axes, measure in zip(panels, report.measures, strict=True):
        _measure_axes(axes, report, measure, text)
        scored = [(p.tier, p.pre.score(measure), p.post.score(measure)) for p in pairs]
        scored = [(tier, a, b) for tier, a, b in scored if a is not None and b is not None]
        if not scored:
            _empty(axes, text)
            continue
        jitter = _jitter(len(scored), measure)
        alpha = float(min(0.7, max(0.06, 25 / len(scored))))
        for position, tier in enumerate(tiers):
            segments = [
                [(0, a + shift), (1, b + shift)]
                for (t, a, b), shift in zip(scored, jitter, strict=True)
                if t == tier
            ]
            colour = PALETTE[position % len(PALETTE)]
            smooth = len(scored) <= _SMOOTH_UP_TO
            lines = LineCollection(segments, colors=colour, alpha=alpha, linewidths=1, antialiaseds=smooth)
            axes.add_collection(lines)
        means = [float(np.mean([a for _, a, _ in scored])), float(np.mean([b for _, _, b in scored]))]
        axes.plot([0, 1], means, color=INK, linewidth=3, marker="o", zorder=3)
        axes.set_xticks([0, 1], [text.pre, text.post])
        axes.set_xlim(-0.15, 1.15)
    handles = [Line2D([], [], color=PALETTE[i % len(PALETTE)]) for i in range(len(tiers))]
    if tiers:
        figure.legend(
            handles,
            [text.tiers.get(t, t) for t in tiers],
            loc="outside lower center",
            ncols=3,
            frameon=False,
            prop={"family": FONT, "size": 9},
        )
    return figure


def distribution_chart(report: ImpactReport, text: ReportText | None = None) -> Figure:
    """Box plots of the pre and post scores of the complete pairs, side by side, with the means marked."""
    text = text or report_text()
    figure, panels = _figure(text.distribution_title, report, 4.5, text)
    if not report.measures:
        return figure
    for axes, measure in zip(panels, report.measures, strict=True):
        _measure_axes(axes, report, measure, text)
        scored = [(p.pre.score(measure), p.post.score(measure)) for p in report.overall.pairs]
        scored = [(a, b) for a, b in scored if a is not None and b is not None]
        if not scored:
            _empty(axes, text)
            continue
        columns = [[a for a, _ in scored], [b for _, b in scored]]
        boxes = axes.boxplot(
            columns,
            positions=[0, 1],
            widths=0.5,
            patch_artist=True,
            showmeans=True,
            meanprops={"marker": "D", "markerfacecolor": INK, "markeredgecolor": INK},
            medianprops={"color": INK, "linewidth": 1.5},
        )
        for patch, colour in zip(boxes["boxes"], PALETTE, strict=False):
            patch.set(facecolor=colour, alpha=0.35, edgecolor=INK)
        axes.set_xticks([0, 1], [text.pre, text.post])
    return figure


def forest_chart(report: ImpactReport, text: ReportText | None = None) -> Figure:
    """d_z with its confidence interval for everyone and for each tier; hollow when not interpretable."""
    text = text or report_text()
    groups = [g for g in report.groups if g.kind in (ALL, TIER)]
    height = 2.4 + 0.45 * len(groups)
    figure, panels = _figure(text.forest_title, report, height, text)
    if not report.measures:
        return figure
    labels = [_forest_label(g, text) for g in groups]
    for axes, measure in zip(panels, report.measures, strict=True):
        axes.set_title(text.measures[measure], fontfamily=FONT, fontsize=10, color=INK)
        axes.axvline(0, color=GRID, linewidth=1.5, zorder=0)
        for row, group in enumerate(groups):
            _forest_row(axes, row, group, measure)
        axes.set_yticks(range(len(groups)), labels if axes is panels[0] else [""] * len(groups))
        axes.set_ylim(len(groups) - 0.5, -0.5)
        axes.set_xlabel(text.effect_axis, fontfamily=FONT, color=INK)
        axes.grid(axis="x", color=GRID, linewidth=0.6)
    return figure


def _forest_row(axes: Axes, row: int, group: Group, measure: str) -> None:
    outcome = group.outcome(measure)
    if outcome.d_z is None:
        axes.annotate(
            "n.d.",
            (0, row),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontfamily=FONT,
            fontsize=9,
            color=INK,
        )
        return
    colour = PALETTE[0] if group.kind == ALL else PALETTE[1]
    if outcome.d_z_low is not None and outcome.d_z_high is not None:
        axes.hlines(row, outcome.d_z_low, outcome.d_z_high, color=colour, linewidth=2)
    face = colour if group.interpretable else HOLLOW
    marker = "D" if group.kind == ALL else "s"
    axes.plot(outcome.d_z, row, marker=marker, markersize=8, color=colour, markerfacecolor=face, zorder=3)


def _forest_label(group: Group, text: ReportText) -> str:
    lines = [*textwrap.wrap(text.group(group.kind, group.key), 34), f"n = {group.n_pairs}"]
    if not group.interpretable:
        lines += textwrap.wrap(text.not_interpretable.format(n=group.min_pairs), 34)
    return "\n".join(lines)


def _figure(
    title: str, report: ImpactReport, height: float, text: ReportText
) -> tuple[Figure, Sequence[Axes]]:
    measures = max(len(report.measures), 1)
    figure = Figure(figsize=(WIDTH, height), layout="constrained", facecolor="white")
    FigureCanvasAgg(figure)
    figure.suptitle(textwrap.fill(title, 70), fontfamily=FONT, fontsize=13, color=INK)
    panels = figure.subplots(1, measures, squeeze=False)[0]
    for axes in panels:
        axes.spines[["top", "right"]].set_visible(False)
        axes.tick_params(labelfontfamily=FONT, labelcolor=INK, labelsize=9)
        axes.set_axisbelow(True)
    if not report.measures:
        _empty(panels[0], text)
    return figure, list(panels)


def _measure_axes(axes: Axes, report: ImpactReport, measure: str, text: ReportText) -> None:
    axes.set_title(text.measures[measure], fontfamily=FONT, fontsize=10, color=INK)
    instrument = report.instrument
    if measure == KNOWLEDGE:
        axes.set_ylim(-0.5, instrument.knowledge_max + 0.5)
    else:
        axes.set_ylim(instrument.scale_min - 0.25, instrument.scale_max + 0.25)
    axes.grid(axis="y", color=GRID, linewidth=0.6)


def _jitter(count: int, measure: str) -> np.ndarray:
    if measure != KNOWLEDGE:
        return np.zeros(count)
    return np.random.default_rng(0).uniform(-_JITTER, _JITTER, count)


def _tier_order(tiers: object) -> list[str]:
    present = set(tiers)  # type: ignore[arg-type]
    return [t for t in TIERS if t in present] + sorted(present - set(TIERS))


def _empty(axes: Axes, text: ReportText) -> None:
    axes.text(
        0.5,
        0.5,
        text.no_pairs,
        transform=axes.transAxes,
        ha="center",
        va="center",
        fontfamily=FONT,
        color=INK,
    )
    axes.set_xticks([])
    axes.set_yticks([])
