"""Rows of the export tables, made lazily from submission records under the export options."""

# Decisions:
# - a row is a list of plain values: None (no answer), str, int, float, or a naive UTC datetime for
#   SubmissionDate. Writers format them; only the writers neutralise formulas, so rows keep raw answers.
# - select_multiple (and rank) is its codes joined by a space, as in the instance; with labels, its
#   labels joined by "; ", since a label may hold spaces. A value no longer among the choices shows as is.
# - split_multiple keeps the select_multiple column and adds after it one `<column>/<choice>` column per
#   choice (not for rank, whose order matters): 1 chosen, 0 not chosen, empty when the question has no
#   answer. Values from an attached file have no column of their own: the kept column still shows them.
# - a boolean is "true" or "false"; a geopoint's parts are numbers.

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from forms.engine_text import language_code
from forms.tables import GEO_PARTS, Column, Layout, SubmissionRecord, Table, label_in

LABEL_SEPARATOR = "; "
_RECORD_FIELDS = {
    "instance_id": "instance_id",
    "key": "instance_id",
    "submitter": "submitter",
    "org_unit": "org_unit",
    "review_state": "review_state",
    "version": "version",
}


@dataclass(frozen=True)
class ExportOptions:
    """What the person exporting chose.

    `labels`: choice labels instead of codes (SPSS and Stata always get codes, with value labels).
    `language`: a language of the form, by name ("Italiano (it)") or code ("it"); None for its default.
    `split_multiple`: a 0/1 column per choice of each select_multiple, besides the column itself.
    """

    labels: bool = False
    language: str | None = None
    split_multiple: bool = False


@dataclass(frozen=True)
class ExportColumn:
    """A column as written: header `name`, `label` in the chosen language, and its choices' labels.

    `value_type` is the bind type, "flag" for a 0/1 column, "submission_date" for SubmissionDate and
    "meta" for the other columns the server fills in. `value_labels` pairs each code with its label.
    """

    name: str
    label: str
    value_type: str
    value_labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ExportTable:
    """One table as written: its layout and its columns."""

    table: Table
    columns: tuple[ExportColumn, ...]

    @property
    def name(self) -> str:
        return self.table.name


class ExportPlan:
    """The tables of `layout` under `options`, and the rows of each, made from records one at a time."""

    def __init__(self, layout: Layout, options: ExportOptions) -> None:
        self.layout = layout
        self.options = options
        self.language = export_language(layout, options.language)
        self.tables = tuple(self._export_table(table) for table in layout.tables)
        self._rows = [
            _RowPlan(layout, index, table, options, self) for index, table in enumerate(self.tables)
        ]

    def rows(self, records: Iterable[SubmissionRecord]) -> Iterator[tuple[int, list[Any]]]:
        """(table index, row) for every row of every table: a record's main row, then its repeats' rows."""
        main = self._rows[0]
        for record in records:
            row = main.row(record.data)
            main.fill_meta(row, record)
            yield 0, row
            for child in main.children:
                yield from self._repeat_rows(child, record.data, record.instance_id)

    def _repeat_rows(
        self, index: int, data: Mapping[str, Any], parent_key: str
    ) -> Iterator[tuple[int, list]]:
        plan = self._rows[index]
        for n, item in enumerate(_items(data, plan.path), 1):
            key = f"{parent_key}{plan.key_prefix}[{n}]"
            row = plan.row(item)
            row[plan.parent_key_index] = parent_key
            row[plan.key_index] = key
            yield index, row
            for child in plan.children:
                yield from self._repeat_rows(child, item, key)

    def _export_table(self, table: Table) -> ExportTable:
        columns: list[ExportColumn] = []
        for column in table.columns:
            columns.extend(self._export_columns(column))
        return ExportTable(table, tuple(columns))

    def _export_columns(self, column: Column) -> list[ExportColumn]:
        if column.kind not in ("field", "geo"):
            kind = "submission_date" if column.kind == "submission_date" else "meta"
            return [ExportColumn(column.name, column.name, kind)]
        label = self.label(column.labels, column.name)
        if column.kind == "geo":
            return [ExportColumn(column.name, f"{label} ({GEO_PARTS[column.part]})", "decimal")]
        value_labels = tuple((value, self.label(labels, value)) for value, labels in column.choices)
        exported = [
            ExportColumn(column.name, label, column.value_type, value_labels if column.is_select else ())
        ]
        if splits(column, self.options):
            exported += [
                ExportColumn(f"{column.name}/{value}", f"{label}: {choice}", "flag")
                for value, choice in value_labels
            ]
        return exported

    def label(self, labels: Mapping[str, str] | None, name: str) -> str:
        """The label in the export's language (see `label_in`)."""
        return label_in(labels, self.language, self.layout.default_language, name)


def export_language(layout: Layout, wanted: str | None) -> str | None:
    """The form language `wanted` names (by name or code), else the form's default language."""
    if wanted is None or wanted in layout.languages:
        return wanted if wanted is not None else layout.default_language
    code = language_code(wanted)
    matches = [lang for lang in layout.languages if code and language_code(lang) == code]
    return matches[0] if matches else layout.default_language


def splits(column: Column, options: ExportOptions) -> bool:
    """Whether `column` gets one 0/1 column per choice under `options`."""
    return (
        options.split_multiple and column.is_select and column.value_type == "select" and bool(column.choices)
    )


class _RowPlan:
    """How to make one table's rows: where each value is, and what to do to it."""

    def __init__(
        self, layout: Layout, index: int, table: ExportTable, options: ExportOptions, plan: ExportPlan
    ) -> None:
        self.width = len(table.columns)
        self.path = table.table.path
        self.key_prefix = "/" + "/".join(self.path)
        self.children = [n for n, other in enumerate(layout.tables) if other.parent == index]
        groups: dict[tuple[str, ...], list[tuple[int, str]]] = {}
        self.spreads: list[tuple[int, int, int, Callable[[Any], list]]] = []
        self.ops: list[tuple[int, Callable[[Any], Any]]] = []
        self.meta: list[tuple[int, str]] = []
        at = 0
        for column in table.table.columns:
            if column.kind == "field":
                groups.setdefault(column.path[:-1], []).append((at, column.path[-1]))
                at += self._add_field(at, column, options, plan)
            elif column.kind == "geo":
                if column.part == 0:
                    groups.setdefault(column.path[:-1], []).append((at, column.path[-1]))
                    self.spreads.append((at, len(GEO_PARTS), at, _geo_parts))
                at += 1
            else:
                self.meta.append((at, column.kind))
                at += 1
        self.groups = [(path, _runs(entries)) for path, entries in groups.items()]
        kinds = dict((kind, at) for at, kind in self.meta)
        self.key_index, self.parent_key_index = kinds.get("key", 0), kinds.get("parent_key", 0)

    def _add_field(self, at: int, column: Column, options: ExportOptions, plan: ExportPlan) -> int:
        labels = (
            {value: plan.label(names, value) for value, names in column.choices} if options.labels else {}
        )
        if splits(column, options):
            values = [value for value, _ in column.choices]
            self.spreads.append((at + 1, len(values), at, _flags(values)))
        if op := _value_op(column, labels):
            self.ops.append((at, op))
        return 1 + (len(column.choices) if splits(column, options) else 0)

    def row(self, item: Mapping[str, Any]) -> list[Any]:
        row: list[Any] = [None] * self.width
        for path, runs in self.groups:
            node: Any = item
            for key in path:
                node = node.get(key) if isinstance(node, Mapping) else None
            if not isinstance(node, Mapping):
                continue
            get = node.get
            for start, end, keys in runs:
                row[start:end] = map(get, keys)
        for start, count, source, spread in self.spreads:
            value = row[source]
            if value is not None:
                row[start : start + count] = spread(value)
        for at, op in self.ops:
            value = row[at]
            if value is not None:
                row[at] = op(value)
        return row

    def fill_meta(self, row: list[Any], record: SubmissionRecord) -> None:
        for at, kind in self.meta:
            if kind == "submission_date":
                row[at] = _naive_utc(record.submitted_at)
            else:
                row[at] = getattr(record, _RECORD_FIELDS[kind])


def _runs(entries: list[tuple[int, str]]) -> list[tuple[int, int, tuple[str, ...]]]:
    # Keys whose columns sit side by side are read in one slice assignment: most of a row's cost.
    runs: list[tuple[int, int, tuple[str, ...]]] = []
    for at, key in entries:
        if runs and runs[-1][1] == at:
            start, _, keys = runs[-1]
            runs[-1] = (start, at + 1, (*keys, key))
        else:
            runs.append((at, at + 1, (key,)))
    return runs


def _value_op(column: Column, labels: dict[str, str]) -> Callable[[Any], Any] | None:
    if column.mixed:
        return _as_text
    if column.value_type in ("select", "rank"):
        if labels:
            return lambda value: LABEL_SEPARATOR.join(labels.get(code, code) for code in _codes(value))
        return _joined
    if column.value_type == "select1" and labels:
        return lambda value: labels.get(value, value)
    if column.value_type == "boolean":
        return _as_text
    return None


def _joined(value: Any) -> str:
    if value.__class__ is list:
        try:
            return " ".join(value)
        except TypeError:  # not all text
            pass
    return " ".join(_codes(value))


def _codes(value: Any) -> list[str]:
    return [str(code) for code in value] if isinstance(value, list | tuple) else str(value).split()


def _flags(values: list[str]) -> Callable[[Any], list[int]]:
    def flags(value: Any) -> list[int]:
        chosen = set(_codes(value))
        return [1 if choice in chosen else 0 for choice in values]

    return flags


def _geo_parts(value: Any) -> list[float | None]:
    parts: list[float | None] = []
    for text in str(value).split()[: len(GEO_PARTS)]:
        try:
            parts.append(float(text))
        except ValueError:
            parts.append(None)
    return parts + [None] * (len(GEO_PARTS) - len(parts))


def _as_text(value: Any) -> Any:
    # A column versions disagree on: numbers stay numbers, anything else becomes text.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, list | tuple):
        return " ".join(str(item) for item in value if not isinstance(item, Mapping | list)) or None
    return None  # a group's object where another version has a field of the same name


def _items(data: Mapping[str, Any], path: tuple[str, ...]) -> list[Mapping[str, Any]]:
    node: Any = data
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    if isinstance(node, Mapping):
        return [node]  # a version where the repeat was a plain group
    if isinstance(node, list):
        return [item if isinstance(item, Mapping) else {} for item in node]
    return []


def _naive_utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
