"""The table of a form's submissions: which columns it offers and shows, labels or codes, one page of rows."""

# Decisions:
# - the columns are those of the export's main table (forms.tables, every version merged), plus one per
#   repeat directly in it, shown as its number of entries; a geopoint is one column, as recorded.
# - pages are numbered (offset): newest first, by submission time then id. What a page costs is the filter's
#   scan down to its rows, so the index to have is (form_id, created_at, id), walked backwards.
# - the total is counted up to COUNT_CAP rows ("more than 1,000"), and only among the form's newest
#   COUNT_WINDOW submissions ("… since 14/10/2025; older ones were not counted"): reading every row costs
#   about 0.6 s on SQLite (the XML sits before the other columns) and 2 s on PostgreSQL (json, not jsonb)
#   per 100,000 rows, on every page. A page itself reads rows only until it is full.
# - a page is read through a subquery the database cannot merge (see _newest_first), and without the outer
#   ORDER BY on SQLite, which would sort every matching row: the subquery's order carries through there.

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from babel import dates as babel_dates
from flask_babel import format_number, get_locale, get_timezone
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.accounts import org_units_within
from app.extensions import db
from app.models import Form, OrgUnit, ReviewState, Submission, User, VersionStatus
from app.numbers import whole_number
from app.scoping import users_condition
from app.surveys.filtering import (
    OPERATORS,
    FilterField,
    SubmissionFilter,
    answer_conditions,
    filter_fields,
    filter_from_args,
    filter_to_args,
    filtered_query,
    operator_label,
    review_state_label,
    trash_scope,
)
from app.surveys.services import spec_of
from app.surveys.submissions import read_scope
from forms.engine_text import language_code
from forms.spec import FormSpec, render_parts
from forms.tables import Column, Layout, SubmissionRecord, build_layout, label_in
from forms.tables_plan import ExportOptions, ExportPlan

PAGE_SIZE = 50
COUNT_CAP = 1000
COUNT_WINDOW = 5000
DEFAULT_COLUMNS = 8
MAX_SUBMITTERS = 500
_TABLES: dict[tuple[str, ...], "FormTable"] = {}
_MAX_TABLES = 64


@dataclass(frozen=True)
class TableColumn:
    """A column the table can show: `key` names it in the address (`servizio/tipo_servizio`)."""

    key: str
    kind: str  # "field", or "repeat": its number of entries, linking to the submission
    name: str  # as in exports: `servizio-tipo_servizio`
    labels: Mapping[str, str] | None
    column: Column | None  # the export column of a field
    path: tuple[str, ...]  # from the root of the data to the value or the list


@dataclass(frozen=True)
class FormTable:
    """What a form's table offers, worked out once for a set of versions."""

    layout: Layout
    spec: FormSpec  # the newest version's
    fields: dict[str, FilterField]
    columns: dict[str, TableColumn]


@dataclass(frozen=True)
class TableOptions:
    columns: tuple[str, ...]  # keys, in form order
    labels: bool = True  # choice labels rather than codes, headers as labels rather than names
    language: str | None = None
    page: int = 1


@dataclass(frozen=True)
class TableRow:
    id: int
    instance_id: str
    submitted_at: datetime
    submitter: str
    org_unit: str
    review_state: str
    deleted_at: datetime | None
    cells: tuple[Any, ...]


@dataclass(frozen=True)
class TablePage:
    headers: tuple[tuple[TableColumn, str], ...]
    rows: tuple[TableRow, ...]
    page: int
    has_next: bool
    total: int  # rows matching, counted up to COUNT_CAP
    more: bool  # more than COUNT_CAP rows match
    since: datetime | None = None  # when set, `total` counts only the rows submitted since (see COUNT_WINDOW)


@dataclass(frozen=True)
class TableView:
    """Everything the table page shows: the filter and options asked for, the page, the filters' choices."""

    table: FormTable
    filter: SubmissionFilter
    options: TableOptions
    page: TablePage
    units: list[OrgUnit]
    submitters: list[User]
    trash_allowed: bool  # whether the user may see the deleted submissions

    operators = OPERATORS
    review_states = tuple(state.value for state in ReviewState)
    default_count = DEFAULT_COLUMNS

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string of this view (filter and options), with `changes`; for `url_for`."""
        args: dict[str, Any] = {**filter_to_args(self.filter), **options_to_args(self.options, self.table)}
        args.update(changes)
        if args.get("page") == 1:
            del args["page"]
        return args

    @property
    def count_cap(self) -> str:
        return format_number(COUNT_CAP)

    def operator_labels(self) -> dict[str, str]:
        return {operator: operator_label(operator) for operator in OPERATORS}

    def review_labels(self) -> dict[str, str]:
        return {state: review_state_label(state) for state in self.review_states}

    def when(self, moment: datetime) -> str:
        """A submission time as `datetimeformat` shows it, without looking the locale up each time."""
        return babel_dates.format_datetime(
            moment.replace(tzinfo=UTC), "short", tzinfo=self._zone, locale=self._locale
        )

    @cached_property
    def _zone(self) -> Any:
        return get_timezone()

    @cached_property
    def _locale(self) -> Any:
        return get_locale()

    def detail_args(self) -> dict[str, str]:
        """What a submission's page keeps of the table's options: labels or codes, and the language."""
        args = options_to_args(self.options, self.table)
        return {key: args[key] for key in ("show", "lang") if key in args}

    def field_label(self, found: FilterField) -> str:
        """A filterable field as the filter form lists it: its label, then its path."""
        default = self.table.layout.default_language
        label = label_in(found.labels, self.options.language, default, found.path)
        return found.path if label == found.path or not self.options.labels else f"{label} ({found.path})"

    def column_label(self, column: TableColumn) -> str:
        """A column as the column chooser lists it."""
        default = self.table.layout.default_language
        return label_in(column.labels, self.options.language, default, column.name)


def table_view(user: User, form: Form, args: MultiDict[str, str]) -> TableView:
    """The table of `form` as `args` asks for it, for `user`."""
    table = form_table(form)
    f = filter_from_args(args, table.layout)
    options = table_options(args, table)
    scope = read_scope(user, form)
    submitters = (
        select(User).where(users_condition(scope)).order_by(User.name, User.email).limit(MAX_SUBMITTERS)
    )
    page = table_page(user, form, table, f, options)
    units, people = org_units_within(scope), list(db.session.scalars(submitters))
    return TableView(table, f, options, page, units, people, not trash_scope(user, form).empty)


def form_table(form: Form) -> FormTable:
    """The table of a form over its published and superseded versions (drafts hold only tests)."""
    versions = [v for v in form.versions if v.status != VersionStatus.DRAFT] or list(form.versions)
    key = tuple(v.sha256 for v in versions)
    found = _TABLES.get(key)
    if found is None:
        specs = [spec_of(v) for v in versions]
        layout = build_layout(specs)
        found = _TABLES[key] = FormTable(
            layout, specs[-1], filter_fields(layout), _columns(layout, specs[-1])
        )
        while len(_TABLES) > _MAX_TABLES:
            _TABLES.pop(next(iter(_TABLES)))
    return found


def _columns(layout: Layout, spec: FormSpec) -> dict[str, TableColumn]:
    columns: dict[str, TableColumn] = {}
    for column in layout.tables[0].columns:
        if column.kind == "geo" and column.part == 0:
            column = replace(column, name="-".join(column.path), kind="field", value_type="geopoint")
        if column.kind == "field":
            key = "/".join(column.path)
            columns.setdefault(
                key, TableColumn(key, "field", column.name, column.labels, column, column.path)
            )
    for table in layout.tables[1:]:
        if table.parent == 0:
            key = "/".join(table.path)
            labels = _group_labels(spec, table.path)
            columns.setdefault(key, TableColumn(key, "repeat", table.name, labels, None, table.path))
    return columns


def _group_labels(spec: FormSpec, path: tuple[str, ...]) -> dict[str, str]:
    control = spec.control("/".join((spec.template.path, *path)))
    if control is None:
        return {}
    languages = spec.languages or (None,)
    return {lang or "": _text(spec, control, lang) for lang in languages}


def _text(spec: FormSpec, control: Any, lang: str | None) -> str:
    parts = spec.label(control, lang)
    return render_parts(parts, lambda value: "${" + value.strip().rsplit("/", 1)[-1] + "}").strip()


def table_language(table: FormTable, wanted: str | None) -> str | None:
    """The form language asked for, else the one of the interface's language, else the form's default."""
    languages = table.layout.languages
    if wanted in languages:
        return wanted
    ui = str(get_locale() or "it")
    return next((lang for lang in languages if language_code(lang) == ui), table.layout.default_language)


def table_options(args: MultiDict[str, str], table: FormTable) -> TableOptions:
    wanted = set(args.getlist("cols"))
    chosen = tuple(key for key in table.columns if key in wanted) or default_columns(table)
    page = args.get("page", "1")
    return TableOptions(
        columns=chosen,
        labels=args.get("show") != "codes",
        language=table_language(table, args.get("lang") or None),
        page=min(whole_number(page) or 1, 10**6),
    )


def default_columns(table: FormTable) -> tuple[str, ...]:
    return tuple(table.columns)[:DEFAULT_COLUMNS]


def options_to_args(options: TableOptions, table: FormTable) -> dict[str, Any]:
    """The query string of the options, leaving out what is the default anyway."""
    args: dict[str, Any] = {"page": options.page}
    if options.columns != default_columns(table):
        args["cols"] = list(options.columns)
    if not options.labels:
        args["show"] = "codes"
    if options.language != table_language(table, None):
        args["lang"] = options.language
    return args


def table_page(
    user: User, form: Form, table: FormTable, f: SubmissionFilter, options: TableOptions
) -> TablePage:
    """One page of the rows `f` keeps, newest first, with the chosen columns' cells."""
    base = filtered_query(user, form, replace(f, conditions=()))
    newest = _newest_first(base)
    query = select(newest).where(*answer_conditions(newest.c.data, f.conditions))
    if db.session.get_bind().dialect.name != "sqlite":  # SQLite would sort every row again (see above)
        query = query.order_by(newest.c.created_at.desc(), newest.c.id.desc())
    found = db.session.execute(query.limit(PAGE_SIZE + 1).offset((options.page - 1) * PAGE_SIZE)).all()
    has_next = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    total, more, since = _count(form, base, f, len(found) if options.page == 1 and not has_next else None)
    columns = [table.columns[key] for key in options.columns]
    plan = _plan(table, columns, options)
    rows = _rows(found, columns, plan)
    headers = tuple(zip(columns, _headers(columns, plan, options), strict=True))
    return TablePage(headers, rows, options.page, has_next, total, more, since)


def _newest_first(base: Any) -> Any:
    """The rows of `base`, newest first, as a subquery the database cannot merge into the query around it.

    Filtering this subquery by answers makes both databases walk the (form_id, created_at, id) index in
    order and read each row's JSON only until the page is full; written as one query, PostgreSQL estimates
    the JSON condition rare, reads every row's JSON, then sorts. OFFSET 0 is the fence.
    """
    ordered = base.with_only_columns(
        Submission.id,
        Submission.instance_id,
        Submission.data,
        Submission.created_at,
        Submission.review_state,
        Submission.deleted_at,
        Submission.submitter_id,
        Submission.org_unit_id,
    ).order_by(Submission.created_at.desc(), Submission.id.desc())
    return ordered.offset(0).subquery("newest")


def _count(
    form: Form, base: Any, f: SubmissionFilter, known: int | None
) -> tuple[int, bool, datetime | None]:
    """(rows matching, up to COUNT_CAP; whether more match; the time before which rows were not counted)."""
    if known is not None:
        return known, False, None
    since = _window_start(form)
    counted = base.with_only_columns(Submission.id).where(*answer_conditions(Submission.data, f.conditions))
    if since is not None:
        counted = counted.where(Submission.created_at >= since)
    total = db.session.scalar(select(func.count()).select_from(counted.limit(COUNT_CAP + 1).subquery())) or 0
    more = total > COUNT_CAP
    return min(total, COUNT_CAP), more, None if more else since


def _window_start(form: Form) -> datetime | None:
    """When the form's newest COUNT_WINDOW submissions begin (whatever their scope); None for fewer."""
    newest = select(Submission.created_at).where(Submission.form_id == form.id)
    newest = newest.order_by(Submission.created_at.desc(), Submission.id.desc())
    return db.session.scalar(newest.offset(COUNT_WINDOW - 1).limit(1))


def _names(found: list[Any]) -> tuple[dict[int, str], dict[int, str]]:
    """Who sent the rows and where they are filed, read for the page's rows alone."""
    people_ids = {row.submitter_id for row in found if row.submitter_id is not None}
    unit_ids = {row.org_unit_id for row in found if row.org_unit_id is not None}
    people = select(User.id, User.name, User.email).where(User.id.in_(people_ids))
    units = select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(unit_ids))
    return (
        {p.id: p.name or p.email for p in db.session.execute(people)} if people_ids else {},
        {u.id: u.name for u in db.session.execute(units)} if unit_ids else {},
    )


def _plan(table: FormTable, columns: list[TableColumn], options: TableOptions) -> ExportPlan:
    """The export's row maker over the chosen fields: it gives choice labels and joins select_multiple."""
    main = table.layout.tables[0]
    fields = tuple(c.column for c in columns if c.column is not None)
    layout = replace(table.layout, tables=(replace(main, columns=fields),))
    return ExportPlan(layout, ExportOptions(labels=options.labels, language=options.language))


def _headers(columns: list[TableColumn], plan: ExportPlan, options: TableOptions) -> list[str]:
    exported = iter(plan.tables[0].columns)
    headers = []
    for column in columns:
        if column.kind == "field":
            header = next(exported)
            headers.append(header.label if options.labels else header.name)
        else:
            headers.append(plan.label(column.labels, column.name) if options.labels else column.name)
    return headers


def _rows(found: list[Any], columns: list[TableColumn], plan: ExportPlan) -> tuple[TableRow, ...]:
    people, units = _names(found)
    datas = [row.data if isinstance(row.data, Mapping) else {} for row in found]
    records = [SubmissionRecord(row.instance_id, data) for row, data in zip(found, datas, strict=True)]
    values = [values for _table, values in plan.rows(records)]  # the main table only: one row per record
    return tuple(
        TableRow(
            row.id,
            row.instance_id,
            row.created_at,
            people.get(row.submitter_id, "—"),
            units.get(row.org_unit_id, "—"),
            row.review_state,
            row.deleted_at,
            _cells(columns, iter(field_values), data),
        )
        for row, data, field_values in zip(found, datas, values, strict=True)
    )


def _cells(columns: list[TableColumn], field_values: Any, data: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(next(field_values) if c.kind == "field" else _entries(data, c.path) for c in columns)


def _entries(data: Mapping[str, Any], path: tuple[str, ...]) -> int:
    node: Any = data
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return len(node) if isinstance(node, list) else int(isinstance(node, Mapping))
