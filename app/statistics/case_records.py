"""Statistics of case records (the cartella sociale): cases or interventions, grouped by SQL.

SQL groups the cases, or their interventions, by the columns the table needs and counts them; the grouped
rows reach count_table with their count as the weight (as bench/bench_aggregate.py does).

- Counting cases counts each minor once, by what belongs to the case itself: the territory of its org unit
  (its comune of residence for a table by comune), sex, age band at intake, status of the record and period
  of intake. Every total adds up; a type of intervention only selects the cases that have one.
- Counting interventions counts each intervention once, by its own type, provider, status and start date,
  and by its case's sex and age band. An intervention belongs to the org unit where it was recorded (the
  case's, when it was not said), which decides its territory and who sees it.

Only these columns are read: never a case's label, pseudonym, code or identity. A provider's name is shown,
since it names an organisation, except a foster family's, which names people.
"""

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, extract, false, func, or_, select

from analysis.aggregate import Breakdown, ByField, ByPeriod
from analysis.stat_territory import TerritoryIndex
from app.extensions import db
from app.models import CaseIntervention, Entity, EntityList, Form, User
from app.scoping import Scope, org_unit_condition
from app.statistics.query import TERRITORY, StatQuery
from app.statistics.sources import Material, choice_labels, day, main_fields, statistics_scopes, within
from app.surveys.table import form_table, table_language

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


def case_material(user: User, query: StatQuery, index: TerritoryIndex) -> Material:
    """The cases (or interventions) in the user's scope, grouped by SQL by what the table needs."""
    scopes = statistics_scopes(user)
    lists = case_lists(scopes)
    interventions = query.count == "interventions"
    unit = (
        func.coalesce(CaseIntervention.org_unit_id, Entity.org_unit_id)
        if interventions
        else Entity.org_unit_id
    )
    columns = {"unit": unit, **_case_columns(query, interventions)}
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
    return Material(
        records=list(_case_records(rows, index)),
        by=[_case_breakdown(name, query, index, within(scopes.values())) for name in query.by],
        weight="n",
        sensitive=True,  # minors in care: special-category data, often with court measures
        labels=case_labels(lists),
    )


def _case_columns(query: StatQuery, interventions: bool) -> dict[str, Any]:
    props = Entity.properties
    columns: dict[str, Any] = {}
    wanted = set(query.by)
    if "comune" in wanted:
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


def _case_records(rows: Iterable[Mapping[str, Any]], index: TerritoryIndex) -> Iterator[dict[str, object]]:
    for row in rows:
        record: dict[str, object] = dict(index.codes(row["unit"], row.get("comune_istat")))
        for name in ("sesso", "stato", "tipo_intervento", "tipo_erogatore"):
            if name in row:
                record[name] = row[name]
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
    name: str, query: StatQuery, index: TerritoryIndex, paths: tuple[str, ...] | None
) -> Breakdown:
    if name in TERRITORY:
        return index.breakdown(name, paths)
    if name == "periodo":
        return ByPeriod(field="periodo", unit=query.unit, name="periodo")
    declared = {"sesso": SEXES, "fascia_eta": AGE_BANDS[:-1]}.get(name, ())
    return ByField(name, categories=declared)


def case_labels(lists: Iterable[EntityList]) -> dict[str, dict[str, str]]:
    """Labels of the codes of case breakdowns, from the choices of the forms that create the cases."""
    names = {(entity_list.project_id, entity_list.name) for entity_list in lists}
    labels: dict[str, dict[str, str]] = {}
    if not names:
        return labels
    forms = db.session.scalars(
        select(Form).where(Form.project_id.in_({p for p, _n in names})).order_by(Form.id)
    )
    for form in forms:
        table = form_table(form)
        entity = table.spec.entity
        if entity is None or (form.project_id, entity.dataset) not in names:
            continue
        language = table_language(table, None)
        for found in main_fields(table).values():
            target = CASE_CHOICES.get(found.path.rsplit("/", 1)[-1])
            if target and found.choices:
                known = labels.setdefault(target, {})
                for code, texts in choice_labels(table, found, language).items():
                    known.setdefault(code, texts)
    return labels


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
