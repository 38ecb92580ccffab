"""The standard report of a period and territory: every table of the standard set, protected, with charts.

The reader's query (source, period, territory, filters) gives the set; its breakdowns give only the
territorial level (the Ambito when it has none). For case records the set is: by territory, by sex, by age
band, by sex and age band (the pyramid), by type of intervention and by provider (these two count
interventions, whatever the query counts) and the trend by period; for a form's submissions: by territory,
the trend by period and by each of the form's single-choice questions (such as the type of service).

Each table is made by `statistics_table` from its own query, exactly as the page, CSV, XLSX and the API
make it from the same query string: the workbook's contents sheet gives each table's query string, and
`GET /api/v1/statistics?<that query>` answers the same protected cells. Charts are those of the page: bars
by territory, the trend by period, the pyramid by sex and age band.
"""

from dataclasses import dataclass, replace

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from analysis.stat_export import Sheet, notes_sheet, workbook_xlsx
from analysis.stat_layout import Grid
from app.models import Form, User
from app.statistics import form_records
from app.statistics.pages import StatPage, chart_uri, description, grids, statistics_page
from app.statistics.query import StatQuery
from app.statistics.tables import StatTable, dimension_heading, export_rows, statistics_table

MAX_CHOICE_TABLES = 12  # a form's single-choice questions tabulated, at most


@dataclass(frozen=True)
class Section:
    """One table of the report: a short name (its sheet), the protected table, and, for the page, its
    grids and chart."""

    name: str
    table: StatTable
    grids: list[tuple[str, str, Grid]]
    chart: str | None

    @property
    def suppressed(self) -> int:
        counts = self.table.counts
        return sum(1 for cell in counts.cells() if cell.suppressed) if counts is not None else 0


@dataclass(frozen=True)
class StandardReport:
    base: StatPage  # the reader's own query and table: what the report is of
    sections: list[Section]
    filters: list[tuple[str, str]]  # source, period, territory, scope, disclosure rule, in words


def standard_report(user: User, args: MultiDict[str, str], with_charts: bool = True) -> StandardReport:
    """Every table of the standard set for the query the arguments ask for (see the module)."""
    base = statistics_page(user, args, with_chart=False)
    filters = [(name, text) for name, text in description(base, user) if name != _("Breakdowns")]
    if base.table.counts is None:
        return StandardReport(base, [], filters)
    sections = []
    for name, query in standard_queries(base.query, base.table.form):
        table = statistics_table(user, query)
        if table.counts is not None:
            sections.append(Section(name, table, grids(table), chart_uri(table) if with_charts else None))
    return StandardReport(base, sections, filters)


def standard_queries(query: StatQuery, form: Form | None = None) -> list[tuple[str, StatQuery]]:
    """The queries of the standard set, each with its short name (see the module); `form`: the form of a
    query of a form's submissions."""
    level = query.territory or "ambito"
    common = replace(query, by=(level,), percent="", numerator=(), denominator=(), problems=())
    keep_rates = replace(common, rates=query.rates)
    plain = replace(common, rates=False)
    if query.source == "cases":
        interventions = replace(plain, count="interventions")
        return [
            (dimension_heading(level), keep_rates),
            (_("Sex"), replace(plain, by=("sesso",))),
            (_("Age band"), replace(plain, by=("fascia_eta",))),
            (_("Sex and age band"), replace(plain, by=("sesso", "fascia_eta"))),
            (_("Type of intervention"), replace(interventions, by=("tipo_intervento",))),
            (_("Provider"), replace(interventions, by=("ente_erogatore",))),
            (_("Period"), replace(plain, by=("periodo",))),
        ]
    found = [(dimension_heading(level), keep_rates), (_("Period"), replace(plain, by=("periodo",)))]
    if form is not None:
        fields = form_records.form_fields(form)
        for path in list(fields.choices)[:MAX_CHOICE_TABLES]:
            found.append((fields.label(path), replace(plain, by=(path,))))
    return found


def report_workbook(report: StandardReport) -> bytes:
    """The report as one workbook: a contents sheet (each table's sheet, title and query string), a sheet
    per table (the rows of CSV, XLSX and the API) and the notes."""
    contents = []
    sheets = []
    for number, section in enumerate(report.sections, start=1):
        columns, rows = export_rows(section.table, labels=True)
        title = f"{number} {section.name}"
        sheets.append(Sheet(title, columns, rows))
        query = "&".join(f"{key}={value}" for key, value in section.table.query.to_args().items())
        contents.append({"sheet": title, "title": section.table.title, "query": query})
    index = Sheet(_("contents"), ("sheet", "title", "query"), contents)
    notes = notes_sheet(_("notes"), [(_("Title"), report_title(report)), *report.filters])
    return workbook_xlsx([index, *sheets, notes])


def report_title(report: StandardReport) -> str:
    area = report.base.table.area_name
    return _("Statistical report — %(area)s", area=area) if area else _("Statistical report")
