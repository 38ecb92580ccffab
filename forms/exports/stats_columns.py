"""One export table as the DataFrame pyreadstat writes: typed columns, variable labels and value labels."""

# Decisions:
# - a select_one with known choices becomes a number with value labels in the chosen language: its choice
#   values themselves when all are distinct whole numbers ("1", "2", "9"), else 1, 2, 3… in choice order.
#   A value no choice has (a choice a version dropped) gets the next number, labelled with itself.
# - int, decimal, geopoint parts and 0/1 flags are doubles (SPSS has no other number; Stata takes them
#   as doubles); a date is a date, SubmissionDate a datetime; everything else is text, "" when empty
#   (neither format has missing text). dateTime and time stay text: SPSS and Stata have no time zones.
# - a variable whose name had to change (a "-", an accent, a long name) keeps the original at the start of
#   its label: "famiglia-membri: Membri".

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from forms.tables_plan import ExportColumn

NUMERIC_TYPES = frozenset({"int", "decimal", "flag"})
_WHOLE = re.compile(r"^[+-]?\d{1,15}$")


@dataclass(frozen=True)
class Limits:
    """What a file format allows: how text is cut to fit it."""

    variable_label: Callable[[str], str]
    value_label: Callable[[str], str]
    text: Callable[[str], str]


@dataclass
class StatsTable:
    """A table ready for pyreadstat."""

    frame: pd.DataFrame
    labels: list[str]
    value_labels: dict[str, dict[int, str]]
    measures: dict[str, str]


def stats_table(
    columns: Sequence[ExportColumn], names: Sequence[str], values: list[list[Any]], limits: Limits
) -> StatsTable:
    """The DataFrame, labels and value labels of a table whose column `n` holds `values[n]`.

    `values` is emptied column by column, so the Python values and the DataFrame are never both whole.
    """
    table = StatsTable(pd.DataFrame(), [], {}, {})
    data: dict[str, pd.Series] = {}
    for n, (column, name) in enumerate(zip(columns, names, strict=True)):
        column_values, values[n] = values[n], []
        data[name] = _series(column, name, column_values, limits, table)
        del column_values
    table.frame = pd.DataFrame(data, copy=False)
    table.labels = [
        limits.variable_label(variable_label(column, name))
        for column, name in zip(columns, names, strict=True)
    ]
    return table


def _series(
    column: ExportColumn, name: str, values: list[Any], limits: Limits, table: StatsTable
) -> pd.Series:
    if column.value_type == "select1" and column.value_labels:
        numbers, labels = select_codes(column.value_labels, values)
        table.value_labels[name] = {number: limits.value_label(label) for number, label in labels.items()}
        table.measures[name] = "nominal"
        return _numbers([numbers.get(value) if value is not None else None for value in values])
    if column.value_type in NUMERIC_TYPES:
        table.measures[name] = "nominal" if column.value_type == "flag" else "scale"
        return _numbers(values)
    if column.value_type == "date":
        return pd.Series([_date(value) for value in values], dtype=object)
    if column.value_type == "submission_date":
        return pd.Series(values, dtype=object)
    return pd.Series([_text(value, limits) for value in values], dtype=object)


def select_codes(
    value_labels: Sequence[tuple[str, str]], values: Sequence[Any]
) -> tuple[dict, dict[int, str]]:
    """The number of each code, and the label of each number, for a select_one's values."""
    codes = [code for code, _ in value_labels]
    whole = all(_WHOLE.match(code) for code in codes) and len({int(code) for code in codes}) == len(codes)
    numbers = {code: int(code) if whole else n for n, code in enumerate(codes, 1)}
    labels = {numbers[code]: label for code, label in value_labels}
    following = max(numbers.values(), default=0) + 1
    for value in values:
        if value is not None and value not in numbers:
            numbers[value] = following
            labels[following] = str(value)
            following += 1
    return numbers, labels


def variable_label(column: ExportColumn, name: str) -> str:
    """The column's label, with its original name in front when the variable had to be renamed."""
    if name == column.name or column.label == column.name:
        return column.label
    return f"{column.name}: {column.label}"


def _numbers(values: Sequence[Any]) -> pd.Series:
    try:
        return pd.Series(
            np.array([math.nan if value is None else value for value in values], dtype="float64")
        )
    except (TypeError, ValueError):  # text where a number belongs: it becomes missing
        return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype("float64")


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _text(value: Any, limits: Limits) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return limits.text(value if isinstance(value, str) else str(value))
