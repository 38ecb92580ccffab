"""Charts of the coding analysis on matplotlib's Figure API (Agg, no pyplot): bars of code frequencies and
a heatmap of code co-occurrence. Titles and axis labels come in already translated; render to PNG bytes."""

import textwrap
from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from analysis.summary_charts import BAR, FONT, GRID, INK, new_figure, render

__all__ = ["cooccurrence_heatmap", "frequency_bars", "png"]

_LABEL_WIDTH = 38  # characters of a code path on one line before it wraps
_MAX_CODES = 40  # a heatmap beyond this many codes has unreadable cells: the table beside it has them all


def frequency_bars(labels: Sequence[str], counts: Sequence[int], title: str, axis_label: str) -> Figure:
    """Horizontal bars, one per code, first code at the top, each with its count written at its end."""
    height = 1.6 + 0.32 * max(1, len(labels))
    figure, axes = new_figure(title, height)
    positions = range(len(labels))
    bars = axes.barh(positions, counts, color=BAR)
    axes.bar_label(bars, labels=[str(c) for c in counts], padding=3, fontfamily=FONT, fontsize=9, color=INK)
    axes.set_yticks(positions, [_wrapped(label) for label in labels])
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(axis_label, fontfamily=FONT, color=INK)
    axes.grid(axis="x", color=GRID, linewidth=0.6)
    if not labels:
        axes.set_yticks([])
    return figure


def cooccurrence_heatmap(labels: Sequence[str], counts: Sequence[Sequence[int]], title: str) -> Figure:
    """A code × code grid shaded by count, each cell with its number; at most the first 40 codes."""
    labels, counts = list(labels)[:_MAX_CODES], [list(row)[:_MAX_CODES] for row in counts][:_MAX_CODES]
    size = max(3.0, min(8.0, 1.8 + 0.4 * len(labels)))
    figure, axes = new_figure(title, size + 1.2)
    if not labels:
        axes.set_axis_off()
        return figure
    image = axes.imshow(counts, cmap="Blues", vmin=0, aspect="equal")
    highest = max((value for row in counts for value in row), default=0)
    for i, row in enumerate(counts):
        for j, value in enumerate(row):
            dark = highest and value > highest / 2
            colour = "white" if dark else INK
            axes.text(j, i, str(value), ha="center", va="center", fontfamily=FONT, fontsize=8, color=colour)
    short = [_wrapped(label, 24) for label in labels]
    axes.set_xticks(range(len(labels)), short, rotation=45, ha="right", rotation_mode="anchor")
    axes.set_yticks(range(len(labels)), short)
    axes.spines[["left", "bottom"]].set_visible(False)
    scale = figure.colorbar(image, ax=axes, shrink=0.6)
    scale.ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    scale.ax.tick_params(labelsize=9, labelcolor=INK)
    return figure


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    return render(figure, "png")


def _wrapped(label: str, width: int = _LABEL_WIDTH) -> str:
    return "\n".join(textwrap.wrap(label, width)[:3]) or label
