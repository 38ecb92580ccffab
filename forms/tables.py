"""Export tables of a form: the main table and one per repeat, laid out as ODK Central lays out its CSVs."""

# Decisions, following ODK Central's CSV export (lib/data/briefcase.js) so scripts written for it work:
# - the main table is named after the form id, each repeat's table `<form id>-<repeat name>`; two repeats
#   with the same name become `~1`, `~2` in depth-first order.
# - a column is named by its group path inside its table joined with "-" (`famiglia-membri`); a geopoint
#   becomes four columns `-Latitude`, `-Longitude`, `-Altitude`, `-Accuracy`.
# - the main table starts with SubmissionDate and ends with meta-instanceID, KEY (the instanceID),
#   SubmitterName, OrgUnit, ReviewState and FormVersion; a repeat table ends with PARENT_KEY and KEY, where a
#   KEY is its parent's KEY, the groups in between and `<repeat>[n]`: `uuid:…/famiglia/figli[2]`.
# - versions merge by field path: a field some versions lack is empty in their rows; a field whose type
#   differs between versions keeps one column, of text; the newest version gives order and labels.
# - a field's name that clashes with a KEY-like name or another column is suffixed `~2`, `~3`.
# Labels are kept for every language; the export options choose one (forms.tables_plan).

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from forms.spec import MULTIPLE_TYPES, FormSpec
from forms.tables_merge import UNTRANSLATED, MergedNode, merge_versions

GEO_PARTS = ("Latitude", "Longitude", "Altitude", "Accuracy")
MAIN_META_BEFORE = (("SubmissionDate", "submission_date"),)
MAIN_META_AFTER = (
    ("meta-instanceID", "instance_id"),
    ("KEY", "key"),
    ("SubmitterName", "submitter"),
    ("OrgUnit", "org_unit"),
    ("ReviewState", "review_state"),
    ("FormVersion", "version"),
)
REPEAT_META = (("PARENT_KEY", "parent_key"), ("KEY", "key"))


@dataclass(frozen=True)
class SubmissionRecord:
    """One stored submission as the export reads it: `data` is the JSON projection keyed by field name."""

    instance_id: str
    data: Mapping[str, Any]
    submitted_at: datetime | None = None
    submitter: str | None = None
    org_unit: str | None = None
    review_state: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class Column:
    """A column before the export options apply.

    `kind` is "field", "geo" (part `part` of a geopoint) or the meta kind (submission_date, instance_id,
    key, parent_key, submitter, org_unit, review_state, version). `path` leads from a row's item of data to
    the value. `value_type` is the bind type, "string" when versions disagree (then `mixed`). `choices`
    holds each choice value with its labels by language (values beyond them come from attached files or
    dropped choices, and show as they are).
    """

    name: str
    kind: str
    path: tuple[str, ...] = ()
    value_type: str = "string"
    labels: Mapping[str, str] | None = None
    choices: tuple[tuple[str, Mapping[str, str]], ...] = ()
    mixed: bool = False
    part: int = 0

    @property
    def is_select(self) -> bool:
        return self.value_type in ("select1", *MULTIPLE_TYPES) and not self.mixed


@dataclass(frozen=True)
class Table:
    """The main table (`parent` None) or a repeat's: `path` leads from the parent's item to its list."""

    name: str
    repeat: str | None
    path: tuple[str, ...]
    parent: int | None
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Layout:
    """The tables of an export, main first then repeats depth first, and the languages labels come in."""

    form_id: str
    title: str
    tables: tuple[Table, ...]
    languages: tuple[str, ...]
    default_language: str | None


def build_layout(specs: Sequence[FormSpec]) -> Layout:
    """The export tables for one or more versions of a form, oldest first (the last is the current one)."""
    if not specs:
        raise ValueError("build_layout needs at least one version of the form")
    newest = specs[-1]
    tables: list[Table] = []
    _add_table(tables, merge_versions(specs), newest.form_id, None, (), None)
    return Layout(
        form_id=newest.form_id,
        title=newest.title,
        tables=_numbered(tables),
        languages=_languages(specs),
        default_language=newest.default_language,
    )


def _add_table(
    tables: list[Table], node: MergedNode, name: str, repeat: str | None, path: tuple, parent: int | None
) -> None:
    index = len(tables)
    columns: list[Column] = []
    repeats: list[tuple[MergedNode, tuple[str, ...]]] = []
    _collect(node, (), columns, repeats)
    tables.append(Table(name, repeat, path, parent, _with_meta(columns, main=parent is None)))
    form_id = tables[0].name
    for child, child_path in repeats:
        _add_table(tables, child, f"{form_id}-{child.name}", child.name, child_path, index)


def _collect(node: MergedNode, at: tuple[str, ...], columns: list[Column], repeats: list) -> None:
    containers = {child.name for child in node.children if child.kind != "field"}
    for child in node.children:
        path = (*at, child.name)
        if child.kind == "repeat":
            repeats.append((child, path))
        elif child.kind == "group":
            _collect(child, path, columns, repeats)
        else:
            columns.extend(_field_columns(child, path, clashes=child.name in containers))


def _field_columns(node: MergedNode, path: tuple[str, ...], *, clashes: bool) -> list[Column]:
    # A name that is a field in one version and a group in another holds an object in some rows: the
    # column then takes only plain values, as a column whose type changed does.
    name = "-".join(path)
    types = set(node.types)
    mixed = clashes or (len(types) > 1 and not types <= MULTIPLE_TYPES)
    value_type = "string" if mixed else node.types[0]
    if value_type == "geopoint":
        return [
            Column(f"{name}-{part}", "geo", path, "decimal", node.labels, part=n)
            for n, part in enumerate(GEO_PARTS)
        ]
    choices = tuple((value, labels) for value, labels in (node.choices or {}).items())
    return [Column(name, "field", path, value_type, node.labels, choices, mixed)]


def _with_meta(columns: list[Column], *, main: bool) -> tuple[Column, ...]:
    before = MAIN_META_BEFORE if main else ()
    after = MAIN_META_AFTER if main else REPEAT_META
    taken = {name.lower() for name, _ in (*before, *after)}
    fields = []
    for column in columns:
        name = _unique(column.name, taken)
        fields.append(column if name == column.name else replace(column, name=name))
    meta_before = [Column(name, kind) for name, kind in before]
    meta_after = [Column(name, kind) for name, kind in after]
    return (*meta_before, *fields, *meta_after)


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{name}~{n}"
    taken.add(candidate.lower())
    return candidate


def _numbered(tables: list[Table]) -> tuple[Table, ...]:
    # Central numbers repeats that share a name (`-figli~1`, `-figli~2`) in depth-first order.
    counts: dict[str, int] = {}
    for table in tables[1:]:
        counts[table.name] = counts.get(table.name, 0) + 1
    seen: dict[str, int] = {}
    numbered = [tables[0]]
    for table in tables[1:]:
        if counts[table.name] > 1:
            seen[table.name] = seen.get(table.name, 0) + 1
            table = replace(table, name=f"{table.name}~{seen[table.name]}")
        numbered.append(table)
    return tuple(numbered)


def _languages(specs: Sequence[FormSpec]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for spec in reversed(specs):
        found.update(dict.fromkeys(spec.languages))
    return tuple(found)


def label_in(labels: Mapping[str, str] | None, language: str | None, default: str | None, name: str) -> str:
    """The label in `language`, else in the default language, else untranslated, else `name`."""
    if not labels:
        return name
    for key in (language, default, UNTRANSLATED):
        if key is not None and labels.get(key):
            return labels[key]
    return next(iter(labels.values()), "") or name
