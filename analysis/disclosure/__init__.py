"""Disclosure control of statistical tables: suppression of small counts, secondary suppression, audit.

Usage: `protected = protect(table)` (threshold 3; `sensitive=True` for 5), then `protected.to_rows()` for
exports, `percentages(protected, along=...)` and `rates(protected, population)` for derived figures, and
`recoverable_cells(protected)` to check that nothing hidden can be worked out again.
"""

from analysis.disclosure.audit import differencing_cells, feasible_intervals, recoverable_cells
from analysis.disclosure.derived import percentages, rates, ratios
from analysis.disclosure.suppression import (
    SENSITIVE_THRESHOLD,
    THRESHOLD,
    ProtectedCell,
    ProtectedTable,
    Rule,
    Status,
    protect,
)

__all__ = [
    "SENSITIVE_THRESHOLD",
    "THRESHOLD",
    "ProtectedCell",
    "ProtectedTable",
    "Rule",
    "Status",
    "differencing_cells",
    "feasible_intervals",
    "percentages",
    "protect",
    "rates",
    "ratios",
    "recoverable_cells",
]
