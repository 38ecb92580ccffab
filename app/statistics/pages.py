"""What the statistics page offers its reader: sources, breakdowns, filters, and the table laid out."""

import base64
from dataclasses import dataclass, field, replace

from flask_babel import format_decimal, format_number
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from analysis.disclosure import ProtectedCell, Status
from analysis.stat_layout import Grid, grid
from app.models import Form, User
from app.statistics import case_indicators, case_records, form_records, sources
from app.statistics.charts import chart_svg
from app.statistics.query import TERRITORY, StatQuery, query_from_args
from app.statistics.tables import (
    StatTable,
    dimension_heading,
    scope_names,
    statistics_table,
    territory_label,
)

HIDDEN = "n.d."
UNDEFINED = "—"


@dataclass(frozen=True)
class Choices:
    """The choices of the page's form for the current source."""

    has_cases: bool
    forms: list[Form]
    breakdowns: dict[str, str]  # name -> heading
    services: dict[str, str] = field(default_factory=dict)  # type of intervention -> label
    measures: dict[str, str] = field(default_factory=dict)  # form source: whole-number fields
    dates: dict[str, str] = field(default_factory=dict)  # form source: date fields
    # what an indicator may count by (choice questions, case fields): label -> [(`field:choice`, label)]
    conditions: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # the units and zones a table can be narrowed to, by level: heading -> [(`area` value, name)]
    areas: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class StatPage:
    query: StatQuery
    table: StatTable
    choices: Choices
    grids: list[tuple[str, str, Grid]]  # (caption, kind, grid): counts, then percentages and rates
    chart: str | None  # a data: URI of the SVG

    @property
    def suppressed(self) -> int:
        counts = self.table.counts
        return sum(1 for cell in counts.cells() if cell.suppressed) if counts is not None else 0


@dataclass(frozen=True)
class Asked:
    """What the arguments ask for, with the sources the user may read."""

    query: StatQuery
    has_cases: bool
    forms: list[Form]


def asked(user: User, args: MultiDict[str, str]) -> Asked:
    """The query the arguments ask for: of case records by default, or of the first form when the user
    reads no case records."""
    forms = form_records.statistics_forms(user)
    has_cases = bool(case_records.case_lists(sources.statistics_scopes(user)))
    query = query_from_args(args, "cases" if has_cases or not forms else "form")
    if query.source == "form" and query.form_id is None and forms:
        query = replace(query, form_id=forms[0].id)
    return Asked(query, has_cases, forms)


def statistics_page(user: User, args: MultiDict[str, str], with_chart: bool = True) -> StatPage:
    """The query the arguments ask for, its protected table laid out, and the form's choices."""
    found = asked(user, args)
    table = statistics_table(user, found.query)
    choices = _choices(user, table, found.has_cases, found.forms)
    if with_chart:
        choices = replace(choices, areas=areas(user))
    return StatPage(table.query, table, choices, grids(table), chart_uri(table) if with_chart else None)


def chart_uri(table: StatTable) -> str | None:
    """The table's chart as a data: URI of its SVG, for an <img>."""
    chart = chart_svg(table)
    return "data:image/svg+xml;base64," + base64.b64encode(chart).decode() if chart else None


def _choices(user: User, table: StatTable, has_cases: bool, forms: list[Form]) -> Choices:
    query = table.query
    if query.source == "form":
        if table.form is None:
            return Choices(has_cases, forms, {})
        fields = form_records.form_fields(table.form)
        names = [*TERRITORY, "periodo", *fields.choices]
        breakdowns = {
            name: fields.label(name) if name in fields.choices else dimension_heading(name) for name in names
        }
        return Choices(
            has_cases,
            forms,
            breakdowns,
            measures={path: fields.label(path) for path in fields.integers},
            dates={path: fields.label(path) for path in fields.dates},
            conditions={
                fields.label(path): [
                    (f"{path}:{code}", label) for code, label in fields.choice_labels(path).items()
                ]
                for path in fields.selects
            },
        )
    names = (
        case_records.INTERVENTION_BREAKDOWNS
        if query.count == "interventions"
        else case_records.CASE_BREAKDOWNS
    )
    labels = case_records.case_labels(case_records.case_lists(sources.statistics_scopes(user))).get(
        "tipo_intervento", {}
    )
    services = {kind: labels.get(kind, kind) for kind in case_records.service_kinds(user)}
    conditions = {
        field.label: [(f"{name}:{code}", label) for code, label in field.choices.items()]
        for name, field in case_indicators.case_conditions(user, query).items()
    }
    breakdowns = {name: dimension_heading(name) for name in names}
    return Choices(has_cases, forms, breakdowns, services, conditions=conditions)


def areas(user: User) -> dict[str, list[tuple[str, str]]]:
    """The region, provinces, zones, Ambiti and comuni inside the user's statistics scope, by level."""
    index = sources.territory_index()
    paths = sources.within(sources.statistics_scopes(user).values())
    found: dict[str, list[tuple[str, str]]] = {}
    for level in TERRITORY:
        codes = [units[level] for units in index.units_at(level, paths)]
        value = (lambda code: f"zona:{code}") if level == "zona" else (lambda code: code)
        if codes:
            found[dimension_heading(level)] = [
                (value(code), territory_label(index, level, code)) for code in codes
            ]
    return found


def grids(table: StatTable) -> list[tuple[str, str, Grid]]:
    found = []
    if table.counts is not None:
        caption = _("Sums") if table.query.measure else _("Counts")
        found.append((caption, "count", grid(table.counts)))
    if table.percent is not None:
        found.append((_("Percentages"), "percent", grid(table.percent)))
    if table.rates is not None:
        found.append((_("Rates per 1,000 minors"), "rate", grid(table.rates)))
    if table.indicator is not None:
        found.append((table.indicator_label, "indicator", grid(table.indicator)))
    return found


def shown(cell: ProtectedCell, kind: str) -> str:
    """A cell as the page shows it: the number in the reader's format, "n.d." when hidden, "—" undefined."""
    if cell.value is None:
        return UNDEFINED if cell.status == Status.UNDEFINED else HIDDEN
    if kind == "count":
        return format_number(cell.value)
    return format_decimal(cell.value, "#,##0.0" if kind == "percent" else "#,##0.00")


def description(page: StatPage, user: User) -> list[tuple[str, str]]:
    """What the table is, in words: source, breakdowns, filters, scope and disclosure rule."""
    query, table = page.query, page.table
    found: list[tuple[str, str]] = []
    if query.source == "form" and table.form is not None:
        found.append((_("Source"), _("Submissions of “%(form)s”", form=table.form.title)))
    else:
        counted = _("interventions") if query.count == "interventions" else _("cases")
        found.append((_("Source"), _("Case records (%(counted)s)", counted=counted)))
    found.append((_("Breakdowns"), ", ".join(table.headings.get(name, name) for name in query.by)))
    if query.date_from or query.date_to:
        start = query.date_from.isoformat() if query.date_from else "…"
        end = query.date_to.isoformat() if query.date_to else "…"
        found.append((_("Period"), f"{start} – {end}"))
    if table.indicator_label:
        found.append((_("Indicator"), table.indicator_label))
    if query.service:
        found.append((_("Type of intervention"), page.choices.services.get(query.service, query.service)))
    if table.area_name:
        found.append((_("Territory"), table.area_name))
    scope = [name or _("the whole network") for name in scope_names(user)]
    found.append((_("Territory covered"), ", ".join(scope) or "—"))
    found.append((_("Disclosure control"), disclosure_note(table.threshold)))
    found += [(_("Note"), note) for note in table.notes]
    return found


def disclosure_note(threshold: int) -> str:
    return _(
        "Counts from 1 to %(most)d are not disclosed (n.d.), nor are the figures from which they could be "
        "worked out; zeros are shown.",
        most=threshold - 1,
    )
