"""Statistics of case records (the cartella sociale): cases or interventions, grouped by SQL.

SQL groups the cases, or their interventions, by the columns the table needs and counts them; the grouped
rows reach count_table with their count as the weight (as bench/bench_aggregate.py does).

- Counting cases counts each minor once, by what belongs to the case itself: the territory of its org unit
  (its comune of residence for a table by comune), sex, age band at intake, status of the record and period
  of intake. Every total adds up; a type of intervention only selects the cases that have one.
- Counting interventions counts each intervention once, by its own type, provider, status and start date,
  and by its case's sex and age band. An intervention belongs to the org unit where it was recorded (the
  case's, when it was not said), which decides its territory and who sees it.
- An indicator's conditions (app/statistics/case_indicators.py) add their columns to the grouping: another
  property of the case saved from a single choice, or, counting cases, whether the case has an intervention
  of a type (EXISTS), read as the list of the types it has.
- The comune of residence also places a case in its zone, and in the area a table is narrowed to.

Only these columns are read: never a case's label, pseudonym, code or identity. A provider's name is shown,
since it names an organisation, except a foster family's, which names people.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, extract, false, func, or_, select

from analysis.aggregate import Breakdown, ByField, ByPeriod
from analysis.stat_territory import Area, TerritoryIndex
from app.extensions import db
from app.models import CaseIntervention, Entity, EntityList, Form, User
from app.scoping import Scope, org_unit_condition
from app.statistics.query import TERRITORY, StatQuery
from app.statistics.sources import Material, choice_labels, day, main_fields, statistics_scopes, within
from app.surveys.table import FormTable, form_table, table_language
from forms.entities import saveto_properties
from forms.tables import label_in

SEXES = ("m", "f")
AGE_BANDS = ("0-2", "3-5", "6-10", "11-13", "14-17", "18-21")
FOSTER_FAMILY = "famiglia_affidataria"
FOSTER_FAMILY_NAME = "(famiglia affidataria)"  # what shows instead of a foster family's name
CASE_BREAKDOWNS = (*TERRITORY, "sesso", "fascia_eta", "periodo", "stato")
INTERVENTION_BREAKDOWNS = (*CASE_BREAKDOWNS, "tipo_intervento", "tipo_erogatore", "ente_erogatore")
# Intake-form fields whose choices label the breakdowns of the same name (the key: the field's name).
CASE_CHOICES = {
    "sesso": "sesso",
    "tipo_intervento": "tipo_intervento",
    "tipo_erogatore": "tipo_erogatore",
    "stato_intervento": "stato",
}
# What an intervention has, as an indicator on cases reads it: a case meets `tipo_intervento:ade` when it has
# an intervention of that type.
OF_INTERVENTIONS = ("tipo_intervento", "tipo_erogatore")
# Columns of the grouped rows, never an entity property's name.
_RESERVED = {"unit", "n", "year", "month", "intake", "comune_istat", "ente_erogatore", *TERRITORY}


def case_lists(scopes: Mapping[int, Scope]) -> list[EntityList]:
    """The entity lists of the projects where the user reads statistics."""
    if not scopes:
        return []
    query = select(EntityList).where(EntityList.project_id.in_(scopes)).order_by(EntityList.id)
    return list(db.session.scalars(query))


def _visible(lists: Iterable[EntityList], scopes: Mapping[int, Scope], unit: Any) -> ColumnElement[bool]:
    conditions = [
        and_(
            Entity.entity_list_id == entity_list.id, org_unit_condition(scopes[entity_list.project_id], unit)
        )
        for entity_list in lists
    ]
    return or_(*conditions) if conditions else false()


def case_material(user: User, query: StatQuery, index: TerritoryIndex, area: Area | None = None) -> Material:
    """The cases (or interventions) in the user's scope (and area), grouped by SQL by what the table needs.

    An area keeps the rows whose territory codes hold it, as a table by its level would count them (a case
    of an Ambito in the comune of residence it lies in, say)."""
    scopes = statistics_scopes(user)
    lists = case_lists(scopes)
    interventions = query.count == "interventions"
    unit = (
        func.coalesce(CaseIntervention.org_unit_id, Entity.org_unit_id)
        if interventions
        else Entity.org_unit_id
    )
    columns = {"unit": unit, **_case_columns(query, interventions, area is not None)}
    flags = _intervention_flags(query) if not interventions else {}
    columns.update({label: flag for label, (_cond, flag) in flags.items()})
    base = select(*(column.label(name) for name, column in columns.items()))
    if interventions:
        base = base.select_from(CaseIntervention).join(Entity, Entity.id == CaseIntervention.entity_id)
    base = base.where(
        Entity.deleted_at.is_(None), _visible(lists, scopes, unit), *_case_filters(query, interventions)
    )
    # Grouping a subquery's columns, not the JSON expressions themselves: PostgreSQL would see each
    # repetition of `properties ->> :param` as a different expression.
    inner = base.subquery()
    grouped = select(*inner.c, func.count().label("n")).group_by(*inner.c)
    rows = db.session.execute(grouped).mappings().all()
    records = _case_records(rows, index, {label: cond for label, (cond, _flag) in flags.items()})
    return Material(
        records=[record for record in records if area is None or area.holds(record)],
        by=[_case_breakdown(name, query, index, within(scopes.values()), area) for name in query.by],
        weight="n",
        sensitive=True,  # minors in care: special-category data, often with court measures
        labels=case_labels(lists),
    )


def _case_columns(query: StatQuery, interventions: bool, narrowed: bool = False) -> dict[str, Any]:
    props = Entity.properties
    columns: dict[str, Any] = {}
    wanted = set(query.by)
    conditions = {name for name, _choice in (*query.numerator, *query.denominator)}
    if interventions:
        wanted |= conditions
    else:
        wanted |= conditions - set(OF_INTERVENTIONS)
    for name in sorted(conditions - _RESERVED - set(INTERVENTION_BREAKDOWNS)):
        columns[name] = props[name].as_string()  # another property of the case (pippi, say)
    if narrowed or wanted & {"comune", "zona"}:  # a case's comune of residence places it in both
        columns["comune_istat"] = props["comune_istat"].as_string()
    for name in ("sesso", "fascia_eta"):
        if name in wanted:
            columns[name] = props[name].as_string()
    if "stato" in wanted:
        columns["stato"] = CaseIntervention.status if interventions else props["stato"].as_string()
    if "tipo_intervento" in wanted:
        columns["tipo_intervento"] = CaseIntervention.kind
    if wanted & {"tipo_erogatore", "ente_erogatore"}:
        columns["tipo_erogatore"] = CaseIntervention.provider_type
    if "ente_erogatore" in wanted:
        columns["ente_erogatore"] = CaseIntervention.provider_name
    if "periodo" in wanted and interventions:
        columns["year"] = extract("year", CaseIntervention.start_date)
        columns["month"] = extract("month", CaseIntervention.start_date)
    elif "periodo" in wanted:
        columns["intake"] = func.substr(props["data_presa_in_carico"].as_string(), 1, 7)  # YYYY-MM
    return columns


def _intervention_flags(query: StatQuery) -> dict[str, tuple[tuple[str, str], Any]]:
    """Counting cases, a condition on what an intervention has: whether the case has one such, a column
    each (label -> (condition, EXISTS))."""
    columns = {"tipo_intervento": CaseIntervention.kind, "tipo_erogatore": CaseIntervention.provider_type}
    found = {}
    conditions = dict.fromkeys((*query.numerator, *query.denominator))
    for number, (name, choice) in enumerate(c for c in conditions if c[0] in OF_INTERVENTIONS):
        has = select(CaseIntervention.id).where(
            CaseIntervention.entity_id == Entity.id, columns[name] == choice
        )
        found[f"has_{number}"] = ((name, choice), exists(has))
    return found


def _case_filters(query: StatQuery, interventions: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if interventions:
        if query.date_from:
            conditions.append(CaseIntervention.start_date >= query.date_from)
        if query.date_to:
            conditions.append(CaseIntervention.start_date <= query.date_to)
        if query.service:
            conditions.append(CaseIntervention.kind == query.service)
        return conditions
    intake = Entity.properties["data_presa_in_carico"].as_string()
    if query.date_from:
        conditions.append(intake >= query.date_from.isoformat())
    if query.date_to:
        conditions.append(intake <= query.date_to.isoformat())
    if query.service:
        kind = select(CaseIntervention.id).where(
            CaseIntervention.entity_id == Entity.id, CaseIntervention.kind == query.service
        )
        conditions.append(exists(kind))
    return conditions


def _case_records(
    rows: Iterable[Mapping[str, Any]], index: TerritoryIndex, flags: Mapping[str, tuple[str, str]]
) -> Iterator[dict[str, object]]:
    known = {"unit", "comune_istat", "fascia_eta", "ente_erogatore", "year", "month", "intake", "n", *flags}
    for row in rows:
        record: dict[str, object] = dict(index.codes(row["unit"], row.get("comune_istat")))
        for name, value in row.items():
            if name not in known:
                record[name] = value  # sex, status, type, provider type, another property
        had: dict[str, list[str]] = {name: [] for name, _choice in flags.values()}
        for label, (name, choice) in flags.items():
            if row[label]:
                had[name].append(choice)
        record.update(had)
        if "fascia_eta" in row:
            record["fascia_eta"] = age_band(row["fascia_eta"])
        if "ente_erogatore" in row:
            record["ente_erogatore"] = provider_name(row["tipo_erogatore"], row["ente_erogatore"])
        if row.get("year") is not None and row.get("month") is not None:
            record["periodo"] = date(int(row["year"]), int(row["month"]), 1)
        if row.get("intake"):
            record["periodo"] = day(f"{row['intake']}-01")
        record["n"] = int(row["n"])
        yield record


def age_band(value: object) -> str | None:
    """The intake form's band ("0_2") as analysis labels bands ("0-2"), as population figures do."""
    return value.replace("_", "-") if isinstance(value, str) and value else None


def provider_name(kind: object, name: object) -> str | None:
    """A provider's name, spaces tidied; a foster family's is never shown, since it names people."""
    if kind == FOSTER_FAMILY:
        return FOSTER_FAMILY_NAME
    return " ".join(name.split()) if isinstance(name, str) and name.strip() else None


def _case_breakdown(
    name: str, query: StatQuery, index: TerritoryIndex, paths: tuple[str, ...] | None, area: Area | None
) -> Breakdown:
    if name in TERRITORY:
        return index.breakdown(name, paths, area)
    if name == "periodo":
        return ByPeriod(field="periodo", unit=query.unit, name="periodo")
    declared = {"sesso": SEXES, "fascia_eta": AGE_BANDS[:-1]}.get(name, ())
    return ByField(name, categories=declared)


def _case_forms(lists: Iterable[EntityList]) -> Iterator[FormTable]:
    """The tables of the forms that create or update the cases of the lists."""
    names = {(entity_list.project_id, entity_list.name) for entity_list in lists}
    if not names:
        return
    forms = db.session.scalars(
        select(Form).where(Form.project_id.in_({p for p, _n in names})).order_by(Form.id)
    )
    for form in forms:
        table = form_table(form)
        entity = table.spec.entity
        if entity is not None and (form.project_id, entity.dataset) in names:
            yield table


def case_labels(lists: Iterable[EntityList]) -> dict[str, dict[str, str]]:
    """Labels of the codes of case breakdowns, from the choices of the forms that create the cases."""
    labels: dict[str, dict[str, str]] = {}
    for table in _case_forms(lists):
        language = table_language(table, None)
        for found in main_fields(table).values():
            target = CASE_CHOICES.get(found.path.rsplit("/", 1)[-1])
            if target and found.choices:
                known = labels.setdefault(target, {})
                for code, texts in choice_labels(table, found, language).items():
                    known.setdefault(code, texts)
    return labels


@dataclass(frozen=True)
class CaseProperty:
    """A property of the cases saved from a single-choice question: its question's label and choices."""

    label: str
    choices: dict[str, str]


def case_properties(lists: Iterable[EntityList]) -> dict[str, CaseProperty]:
    """The properties of the cases that forms save from a single-choice question (`pippi`, say), beside
    those every table knows (sex, age band, status), with their labels: what an indicator can count by."""
    found: dict[str, CaseProperty] = {}
    for table in _case_forms(lists):
        language = table_language(table, None)
        fields = main_fields(table)
        root = table.spec.template.path + "/"
        for path, name in saveto_properties(table.spec).items():
            field = fields.get(path.removeprefix(root))
            if field is None or field.value_type != "select1" or not field.choices or name in _RESERVED:
                continue
            if name in found or name in ("sesso", "fascia_eta", "stato"):
                continue
            label = label_in(field.labels, language, table.layout.default_language, name)
            found[name] = CaseProperty(label, choice_labels(table, field, language))
    return found


def service_kinds(user: User) -> list[str]:
    """The types of intervention recorded in the user's scope, for the filter."""
    scopes = statistics_scopes(user)
    lists = case_lists(scopes)
    unit = func.coalesce(CaseIntervention.org_unit_id, Entity.org_unit_id)
    query = (
        select(CaseIntervention.kind)
        .join(Entity, Entity.id == CaseIntervention.entity_id)
        .where(Entity.deleted_at.is_(None), _visible(lists, scopes, unit))
        .distinct()
    )
    return sorted(db.session.scalars(query))
