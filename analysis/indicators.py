"""Indicators a researcher defines as a numerator over a denominator, each a count or a sum with filters.

    in_care = Indicator(
        "minori_con_provvedimento",
        numerator=Measure(where={"tribunale": {"si"}}),
        denominator=Measure(),
        per=100,
    )
    results = indicator_tables(records, [ByTerritory(("ambito",)), ByField("gender")], [in_care])
    published = results["minori_con_provvedimento"].protect(sensitive=True)

An indicator's value in a cell is numerator / denominator · per (or the numerator alone). It is published
only where the counts of the records behind its numerator and its denominator are both published once
protected (with primary and secondary suppression), so no ratio rests on fewer records than the threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analysis.aggregate import Breakdown, Measure, tabulate
from analysis.disclosure import ProtectedTable, protect, ratios
from analysis.errors import IndicatorDefinitionError
from analysis.tables import Table


@dataclass(frozen=True)
class Indicator:
    """numerator / denominator · per; with no denominator, the numerator itself (and no `per`)."""

    name: str
    numerator: Measure
    denominator: Measure | None = None
    per: int | None = None

    def __post_init__(self) -> None:
        if self.denominator is None and self.per is not None:
            raise IndicatorDefinitionError(
                f"L'indicatore {self.name!r} ha 'per' ma non un denominatore.",
                f"The indicator {self.name!r} has 'per' but no denominator.",
            )


@dataclass(frozen=True)
class IndicatorResult:
    """An indicator's numerator and denominator tables, and the counts of records behind each."""

    indicator: Indicator
    numerator: Table
    numerator_records: Table
    denominator: Table | None
    denominator_records: Table | None

    @property
    def values(self) -> Table:
        """The indicator in every cell (NaN where the denominator is zero), before disclosure control."""
        if self.denominator is None:
            return self.numerator
        below = self.denominator.values.astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(below > 0, self.numerator.values / below * (self.indicator.per or 1), np.nan)
        return Table(self.numerator.dimensions, ratio)

    def protect(
        self,
        threshold: int | None = None,
        *,
        sensitive: bool = False,
        suppress_zeros: bool = False,
        width: int = 1,
    ) -> ProtectedTable:
        """The indicator as it may be published: hidden where the records behind it are (see the module)."""
        rule = {"sensitive": sensitive, "suppress_zeros": suppress_zeros, "width": width}
        guards = [protect(self.numerator_records, threshold, **rule)]
        if self.denominator_records is not None:
            guards.append(protect(self.denominator_records, threshold, **rule))
        return ratios(self.numerator, self.denominator, guards, self.indicator.per, self.indicator.name)


def indicator_tables(
    records: Iterable[Mapping[str, object]],
    by: Sequence[Breakdown],
    indicators: Sequence[Indicator],
    *,
    weight: str | None = None,
) -> dict[str, IndicatorResult]:
    """Every indicator by the breakdowns, from one pass over the records."""
    measures: dict[str, Measure] = {}
    for indicator in indicators:
        measures[f"{indicator.name}/numerator"] = indicator.numerator
        if indicator.denominator is not None:
            measures[f"{indicator.name}/denominator"] = indicator.denominator
    result = tabulate(records, by, measures, weight=weight)
    found = {}
    for indicator in indicators:
        top, bottom = f"{indicator.name}/numerator", f"{indicator.name}/denominator"
        found[indicator.name] = IndicatorResult(
            indicator,
            result.sums[top],
            result.counts[top],
            result.sums.get(bottom),
            result.counts.get(bottom),
        )
    return found
