"""The chart of a statistics table, drawn by analysis.stat_charts from the protected counts it shows.

Which chart: a pyramid when the table is by sex and age band, a trend when it is by period (a line per
category of another small breakdown), otherwise bars along the first breakdown (by territory, say), the
other breakdowns at their totals. Hidden cells are gaps marked "n.d.", as in the table.
"""

from flask_babel import get_locale

from analysis.stat_charts import period_trend, population_pyramid, render, stat_text, territory_bars
from analysis.stat_layout import relabelled
from app.statistics.case_records import SEXES
from app.statistics.query import TERRITORY
from app.statistics.tables import StatTable

MAX_SERIES = 5


def chart_svg(table: StatTable) -> bytes | None:
    """The table's chart as SVG bytes; None when there is no table."""
    counts = table.counts
    if counts is None:
        return None
    text = stat_text(str(get_locale()))
    by = table.query.by
    named = {name: dict(table.labels.get(name, {})) for name in by if name not in TERRITORY}
    shown = relabelled(counts, named)
    if "sesso" in by and "fascia_eta" in by:
        sides = (table.label("sesso", SEXES[0]), table.label("sesso", SEXES[1]))
        figure = population_pyramid(
            shown, table.title, gender="sesso", age="fascia_eta", sides=sides, text=text
        )
    elif "periodo" in by:
        figure = period_trend(shown, table.title, dimension="periodo", series=_series(table), text=text)
    else:
        first = by[0]
        names = dict(table.labels.get(first, {})) if first in TERRITORY else None
        figure = territory_bars(shown, table.title, dimension=first, names=names, text=text)
    return render(figure, "svg")


def _series(table: StatTable) -> str | None:
    """Another breakdown with few categories, drawn as a line each; None for a single line of totals."""
    counts = table.counts
    assert counts is not None
    for dim in counts.dimensions:
        if dim.name not in ("periodo", *TERRITORY) and len(dim.leaves) <= MAX_SERIES:
            return dim.name
    return None
