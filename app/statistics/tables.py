"""A statistics table as its reader may see it: counted in scope, protected, with percentages and rates.

Every output (page, report, CSV, XLSX, API) starts from `statistics_table`, so all of them publish the same
protected cells. Counts below the threshold are hidden with secondary suppression (analysis.disclosure):
the threshold is STATISTICS_THRESHOLD (3) or, for case records and for tables on special categories or
court measures, STATISTICS_SENSITIVE_THRESHOLD (5); the reader can ask for the stricter one, never for the
looser one where the stricter applies. Percentages and rates are derived from the protected counts.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from analysis.aggregate import MISSING, Measure, population_table, tabulate
from analysis.disclosure import SENSITIVE_THRESHOLD, THRESHOLD, ProtectedTable, percentages, protect, rates
from analysis.errors import StatisticsError
from analysis.indicators import Indicator, indicator_tables
from analysis.stat_territory import ZONE, Area, TerritoryIndex, population_figures
from analysis.tables import TOTAL
from app.cases.web import STATUS_LABELS
from app.extensions import db
from app.models import Form, OrgUnit, PopulationFigure, User
from app.statistics import case_indicators, case_records, form_records, sources
from app.statistics.query import TERRITORY, Condition, StatQuery
from forms.engine_text import language_code

__all__ = ["StatTable", "export_rows", "readable_form", "statistics_table"]


@dataclass(frozen=True)
class StatTable:
    """A protected table with what is needed to show it: labels, title, the rule it was protected with."""

    query: StatQuery
    counts: ProtectedTable | None  # None when the table could not be made (see problems)
    percent: ProtectedTable | None = None
    rates: ProtectedTable | None = None
    indicator: ProtectedTable | None = None  # numerator / denominator · per, hidden where its counts are
    indicator_label: str = ""
    population_year: int | None = None
    threshold: int = THRESHOLD
    sensitive: bool = False
    title: str = ""
    headings: Mapping[str, str] = field(default_factory=dict)  # dimension -> its name for readers
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # dimension -> code -> label
    form: Form | None = None
    measure_label: str = ""
    area_name: str = ""  # the unit or zone the table is narrowed to, by name
    notes: tuple[str, ...] = ()  # what a reader should know (why there are no rates, say)
    problems: tuple[str, ...] = ()  # what was asked and could not be done

    def label(self, dimension: str, code: str) -> str:
        return self.labels.get(dimension, {}).get(code, code)


def readable_form(user: User, form_id: int | None) -> Form | None:
    """A form of a project where the user reads statistics; None for any other id."""
    if form_id is None:
        return None
    return next((form for form in form_records.statistics_forms(user) if form.id == form_id), None)


def statistics_table(user: User, query: StatQuery) -> StatTable:
    """The table `query` asks for over the rows in the user's statistics scope, protected."""
    index = sources.territory_index()
    problems = list(query.problems)
    area = _area(user, query, index, problems)
    if area is None:
        query = replace(query, area="")
    found = _source(user, query, index, problems, area)
    if found is None:
        return StatTable(replace(query, problems=()), None, problems=tuple(problems))
    query, material = found.query, found.material
    sensitive = query.sensitive or material.sensitive
    threshold = _threshold(sensitive)
    area_name = area_label(index, area) if area is not None else ""
    title = _title(query, found.form, found.measure_label, found.headings, area_name)
    base = StatTable(
        query, None, threshold=threshold, sensitive=sensitive, title=title, headings=found.headings
    )
    base = replace(
        base,
        form=found.form,
        measure_label=found.measure_label,
        indicator_label=found.indicator_label,
        area_name=area_name,
    )
    if query.numerator:
        material = replace(material, records=list(material.records))  # read twice: counts and indicator
    try:
        counts = _protected(material, threshold)
    except StatisticsError as error:
        problems.append(error.italian if language_code(str(get_locale())) == "it" else error.english)
        return replace(base, problems=tuple(problems))
    notes: list[str] = []
    rated, year = _rates(counts, query, index, notes) if query.rates else (None, None)
    along = None if query.percent == "total" else query.percent
    return replace(
        base,
        counts=counts,
        percent=percentages(counts, along) if query.percent else None,
        rates=rated,
        indicator=_indicator(material, query, threshold) if query.numerator else None,
        population_year=year,
        labels=_labels(counts, query, material.labels, index),
        notes=tuple(notes),
        problems=tuple(problems),
    )


@dataclass(frozen=True)
class _Found:
    """A query checked against its source, with what the source gives for it."""

    query: StatQuery
    material: sources.Material
    form: Form | None
    measure_label: str
    headings: dict[str, str]
    indicator_label: str = ""


def _area(user: User, query: StatQuery, index: TerritoryIndex, problems: list[str]) -> Area | None:
    """The unit or zone the query narrows the table to, when the reader's statistics reach it."""
    if not query.area:
        return None
    area = sources.readable_area(user, query.area, index)
    if area is None:
        problems.append(
            _("Unknown territory, or one outside the territory you cover: the whole territory is shown.")
        )
    return area


def _source(
    user: User, query: StatQuery, index: TerritoryIndex, problems: list[str], area: Area | None = None
) -> _Found | None:
    """The records of the query's source, once what the source cannot do is left out (with a message)."""
    if query.source == "cases":
        query = _checked_case_query(query, problems)
        known = case_indicators.case_conditions(user, query) if query.numerator else {}
        refused = [
            case_indicators.condition_problem(known, c) for c in (*query.numerator, *query.denominator)
        ]
        if any(refused):
            problems.extend(problem for problem in refused if problem)
            return None
        material = case_records.case_material(user, query, index, area)
        headings = {name: dimension_heading(name) for name in query.by}
        return _Found(query, material, None, "", headings, case_indicators.indicator_label(query, known))
    form = readable_form(user, query.form_id)
    if form is None:
        problems.append(_("Choose a form whose submissions you may read as statistics."))
        return None
    fields = form_records.form_fields(form)
    refused = [_condition_problem(fields, condition) for condition in (*query.numerator, *query.denominator)]
    if any(refused):
        problems.extend(problem for problem in refused if problem)
        return None
    query = _checked_form_query(query, fields, problems)
    material = form_records.form_material(user, query, fields, index, area)
    headings = {
        name: fields.label(name) if name in fields.choices else dimension_heading(name) for name in query.by
    }
    measure = fields.label(query.measure) if query.measure else ""
    return _Found(query, material, form, measure, headings, _indicator_label(query, fields))


# --- indicators ------------------------------------------------------------------------------------


def _condition_problem(fields: form_records.FormFields, condition: Condition) -> str | None:
    """Why an indicator cannot rest on this condition (a field and one of its choices); None if it can."""
    name, choice = condition
    if name not in fields.selects:
        if name in fields.table.fields:
            return _(
                "“%(field)s” is not a single or multiple choice question: an indicator counts the "
                "submissions whose answer is one of its choices. The indicator was not worked out.",
                field=fields.label(name),
            )
        return _("The form has no question “%(field)s”: the indicator was not worked out.", field=name)
    if choice not in fields.choice_labels(name):
        return _(
            "“%(choice)s” is not a choice of “%(field)s”: the indicator was not worked out.",
            choice=choice,
            field=fields.label(name),
        )
    return None


def _where(conditions: tuple[Condition, ...]) -> dict[str, set[str]]:
    """Choices of one field are alternatives; different fields must all hold."""
    where: dict[str, set[str]] = {}
    for name, choice in conditions:
        where.setdefault(name, set()).add(choice)
    return where


def _indicator(material: sources.Material, query: StatQuery, threshold: int) -> ProtectedTable:
    """The records meeting the numerator per `per` of those meeting the denominator, in every cell,
    published only where the counts of both are (IndicatorResult.protect)."""
    indicator = Indicator(
        "indicator",
        numerator=Measure(where=_where(query.numerator)),
        denominator=Measure(where=_where(query.denominator)),
        per=query.per,
    )
    found = indicator_tables(material.records, material.by, [indicator], weight=material.weight)
    return found["indicator"].protect(threshold)


def _conditions_words(conditions: tuple[Condition, ...], fields: form_records.FormFields) -> str:
    """`“Provvedimento AG” = Sì`, choices of one field joined by "or", fields by "and"."""
    parts = []
    for name, choices in _where(conditions).items():
        labels = fields.choice_labels(name)
        ordered = [label for code, label in labels.items() if code in choices]
        parts.append(f"“{fields.label(name)}” = " + _(" or ").join(ordered))
    return _(" and ").join(parts)


def _indicator_label(query: StatQuery, fields: form_records.FormFields) -> str:
    if not query.numerator:
        return ""
    numerator = _conditions_words(query.numerator, fields)
    if not query.denominator:
        return _("Submissions with %(numerator)s per %(per)d submissions", numerator=numerator, per=query.per)
    return _(
        "Submissions with %(numerator)s per %(per)d submissions with %(denominator)s",
        numerator=numerator,
        per=query.per,
        denominator=_conditions_words(query.denominator, fields),
    )


def _protected(material: sources.Material, threshold: int) -> ProtectedTable:
    """The counts (or sums) of the records by the breakdowns, every total included, protected."""
    tabulated = tabulate(
        material.records, material.by, {"v": Measure(field=material.measure)}, weight=material.weight
    )
    return protect(tabulated.sums["v"] if material.measure else tabulated.counts["v"], threshold)


def _threshold(sensitive: bool) -> int:
    if sensitive:
        return int(current_app.config.get("STATISTICS_SENSITIVE_THRESHOLD", SENSITIVE_THRESHOLD))
    return int(current_app.config.get("STATISTICS_THRESHOLD", THRESHOLD))


# --- what each source can do -----------------------------------------------------------------------


def _checked_case_query(query: StatQuery, problems: list[str]) -> StatQuery:
    allowed = (
        case_records.INTERVENTION_BREAKDOWNS
        if query.count == "interventions"
        else case_records.CASE_BREAKDOWNS
    )
    of_interventions = [
        name for name in query.by if name in case_records.INTERVENTION_BREAKDOWNS and name not in allowed
    ]
    if of_interventions:
        problems.append(
            _("Type of intervention and provider break down interventions: count interventions to use them.")
        )
    return _kept(query, allowed, problems, ignore=of_interventions)


def _checked_form_query(query: StatQuery, fields: form_records.FormFields, problems: list[str]) -> StatQuery:
    if query.measure and query.measure not in fields.integers:
        problems.append(_("Only whole-number fields of the form can be summed: the submissions are counted."))
        query = replace(query, measure="")
    if query.date_field and query.date_field not in fields.dates:
        problems.append(_("That date field is not in the form: submissions are dated by when they arrived."))
        query = replace(query, date_field="")
    if query.service:
        problems.append(_("The type of intervention filters case records only."))
        query = replace(query, service="")
    return _kept(query, (*TERRITORY, "periodo", *fields.choices), problems)


def _kept(
    query: StatQuery, allowed: tuple[str, ...], problems: list[str], ignore: list[str] | None = None
) -> StatQuery:
    dropped = [name for name in query.by if name not in allowed and name not in (ignore or [])]
    if dropped:
        problems.append(
            _("These breakdowns do not apply here and were left out: %(names)s.", names=", ".join(dropped))
        )
    by = tuple(name for name in query.by if name in allowed) or ("ambito",)
    percent = query.percent if query.percent in ("", "total", *by) else ""
    return replace(query, by=by, percent=percent, problems=())


# --- words -----------------------------------------------------------------------------------------


def dimension_heading(name: str) -> str:
    """A breakdown's name for readers."""
    headings = {
        "regione": _("Region"),
        "provincia": _("Province"),
        "zona": _("Zone"),
        "ambito": _("Ambito"),
        "comune": _("Comune"),
        "sesso": _("Sex"),
        "fascia_eta": _("Age band"),
        "periodo": _("Period"),
        "stato": _("Status"),
        "tipo_intervento": _("Type of intervention"),
        "tipo_erogatore": _("Type of provider"),
        "ente_erogatore": _("Provider"),
    }
    return headings.get(name, name)


def _title(
    query: StatQuery, form: Form | None, measure: str, headings: Mapping[str, str], area: str = ""
) -> str:
    by = ", ".join(headings[name] for name in query.by)
    if form is not None:
        what = _("Sum of “%(field)s”", field=measure) if measure else _("Submissions")
        title = _("%(form)s: %(what)s by %(by)s", form=form.title, what=what, by=by)
    else:
        what = _("Interventions") if query.count == "interventions" else _("Cases in care")
        title = _("%(what)s by %(by)s", what=what, by=by)
    return _("%(title)s — %(area)s", title=title, area=area) if area else title


def territory_label(index: TerritoryIndex, level: str, code: str) -> str:
    """A unit's name; a zone's, saying so when a city was carved out of its province."""
    if level == ZONE and index.zones.carved(code):
        return _("%(province)s, rest of the province", province=index.name(code, ZONE))
    return index.name(code, level)


def area_label(index: TerritoryIndex, area: Area) -> str:
    if area.level == ZONE:
        return _("zone %(name)s", name=territory_label(index, ZONE, area.code))
    return index.name(area.code)


def _labels(
    counts: ProtectedTable, query: StatQuery, choices: Mapping[str, Mapping[str, str]], index: TerritoryIndex
) -> dict[str, dict[str, str]]:
    """Every label of every dimension as readers see it: names of units, labels of choices, totals."""
    found: dict[str, dict[str, str]] = {}
    for dim in counts.dimensions:
        labels = found[dim.name] = {}
        for code in dim.labels:
            if code == TOTAL:
                labels[code] = _("Total")
            elif code == MISSING:
                labels[code] = _("Not stated")
            elif dim.name in TERRITORY:
                labels[code] = territory_label(index, dim.name, code)
            elif dim.name == "stato" and query.source == "cases" and query.count == "cases":
                labels[code] = _(STATUS_LABELS[code]) if code in STATUS_LABELS else code
            elif dim.name == "sesso" and code not in choices.get("sesso", {}) and code in case_records.SEXES:
                labels[code] = _("Male") if code == "m" else _("Female")
            elif dim.name == "ente_erogatore" and code == case_records.FOSTER_FAMILY_NAME:
                labels[code] = _("Foster family (name not shown)")
            else:
                labels[code] = choices.get(dim.name, {}).get(code, code)
    return found


# --- rates per 1,000 minors ------------------------------------------------------------------------


def _rates(
    counts: ProtectedTable, query: StatQuery, index: TerritoryIndex, notes: list[str]
) -> tuple[ProtectedTable | None, int | None]:
    """Each count per 1,000 resident minors of its unit (and sex, and age band), from one year's figures."""
    territory = query.territory
    if territory is None:
        notes.append(_("Rates per 1,000 minors need a territorial breakdown."))
        return None, None
    year = _population_year(query)
    if year is None:
        notes.append(_("No population figures are loaded for these years: no rates."))
        return None, None
    figures: dict[int, dict[tuple[str, str], int]] = {}
    rows = select(
        PopulationFigure.org_unit_id, PopulationFigure.sex, PopulationFigure.age_band, PopulationFigure.count
    )
    for unit_id, sex, band, count in db.session.execute(rows.where(PopulationFigure.year == year)):
        figures.setdefault(unit_id, {})[(sex or "", band or "")] = count
    dim = counts.dimensions[counts.table.axis(territory)]
    leaves = [dim.labels[node] for node in dim.leaves if dim.labels[node] != MISSING]
    units = index.unit_figures(leaves, figures, territory)
    if set(units) != set(leaves):
        notes.append(
            _("Population figures of %(year)d are missing for some units of the table: no rates.", year=year)
        )
        return None, year
    sexes = case_records.SEXES if "sesso" in query.by and query.source == "cases" else None
    bands = case_records.AGE_BANDS if "fascia_eta" in query.by and query.source == "cases" else None
    found = population_figures(units, sexes, bands)
    if not found:
        notes.append(
            _("Population figures of %(year)d by sex or age band are not loaded: no rates.", year=year)
        )
        return None, year
    names = [territory, *(["sesso"] if sexes else []), *(["fascia_eta"] if bands else [])]
    notes.append(_("Rates per 1,000 residents aged 0-17, population of %(year)d.", year=year))
    return rates(counts, population_table(counts.table, names, found)), year


def _population_year(query: StatQuery) -> int | None:
    """The year of the population figures: that of the period's end (or start), else the latest loaded."""
    target = query.date_to or query.date_from
    latest = select(func.max(PopulationFigure.year))
    if target is not None:
        latest = latest.where(PopulationFigure.year <= target.year)
    return db.session.scalar(latest)


# --- exports ---------------------------------------------------------------------------------------


def export_rows(table: StatTable, labels: bool = False) -> tuple[list[str], list[dict[str, object]]]:
    """The published cells, one row each (ProtectedTable.to_rows), with the percentage and rate when asked
    for and, with `labels`, each code's label beside it: what CSV, XLSX and the API give."""
    counts = table.counts
    if counts is None:
        return [], []
    rows = counts.to_rows()
    derived = [("percent", table.percent), ("rate_per_1000", table.rates), ("indicator", table.indicator)]
    for name, found in derived:
        if found is not None:
            for row, other in zip(rows, found.to_rows(), strict=True):
                value = other["value"]
                row[name] = round(float(value), 2) if isinstance(value, int | float) else None
    columns: list[str] = []
    for dim in counts.dimensions:
        columns.append(dim.name)
        if dim.levels:
            columns.append(f"{dim.name}_level")
        if labels:
            columns.append(f"{dim.name}_label")
            for row in rows:
                row[f"{dim.name}_label"] = table.label(dim.name, str(row[dim.name]))
    columns += ["value", "status", *(name for name, found in derived if found is not None)]
    return columns, rows


def scope_names(user: User) -> list[str]:
    """The org units the user's statistics cover, outermost, by name ("" stands for the whole network)."""
    paths = sources.within(sources.statistics_scopes(user).values())
    if paths is None:
        return [""]
    ids = [int(path.strip("/").split("/")[-1]) for path in paths]
    return sorted(db.session.scalars(select(OrgUnit.name).where(OrgUnit.id.in_(ids))))
