"""Statistics of a form's submissions: read one by one, flattened to the fields a table needs.

They are read one by one (SQL cannot group fields that differ between versions), each as just the answers
the table needs, taken out of its JSON projection by the database: matched by name across versions through
the merged layout of the submissions table; only current, live, non-test submissions count. Breakdowns are
select_one fields outside repeats (never one that picks a case from an entity list), sums are of
whole-number fields, and a period comes from a date field or from when the submission was received.
Free-text answers are never read.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from analysis.aggregate import Breakdown, ByField, ByPeriod
from analysis.stat_territory import Area, TerritoryIndex
from app.extensions import db
from app.models import EntityList, Form, Submission, User
from app.permissions import Permission, roles_with
from app.scoping import org_unit_condition, user_scope
from app.statistics.query import TERRITORY, StatQuery
from app.statistics.sources import Material, choice_labels, day, main_fields, within
from app.surveys.filtering import FilterField
from app.surveys.services import project_ids
from app.surveys.table import FormTable, form_table, table_language
from forms.tables import label_in

# Names of fields about special categories of data or court measures: tables on them get the stricter
# threshold whatever the reader asks for.
SENSITIVE_MARKERS = (
    "provv",
    "giudiz",
    "tribunal",
    "autorita",
    "disabil",
    "salute",
    "sanitar",
    "msna",
    "penale",
    "abuso",
    "maltratt",
    "violenz",
    "dipendenz",
    "detenz",
    "affid",
    "allontan",
    "comunita",
    "motiv",
)
_YIELD = 1000


@dataclass(frozen=True)
class FormFields:
    """What a form's submissions can be broken down by, summed and dated by: fields outside repeats."""

    form: Form
    table: FormTable
    choices: dict[str, FilterField]  # select_one
    selects: dict[str, FilterField]  # select_one and select_multiple: what an indicator's conditions are on
    integers: dict[str, FilterField]
    dates: dict[str, FilterField]

    def label(self, path: str) -> str:
        found = self.table.fields.get(path)
        language = table_language(self.table, None)
        return label_in(found.labels if found else None, language, self.table.layout.default_language, path)

    def choice_labels(self, path: str) -> dict[str, str]:
        return choice_labels(self.table, self.selects[path], table_language(self.table, None))


def statistics_forms(user: User) -> list[Form]:
    """The forms of the projects where the user reads statistics (or data), by title."""
    ids = project_ids(user, Permission.READ_STATISTICS)
    query = select(Form).order_by(Form.title, Form.id)
    if ids is not None:
        query = query.where(Form.project_id.in_(ids))
    return list(db.session.scalars(query))


def form_fields(form: Form) -> FormFields:
    table = form_table(form)
    fields = main_fields(table)
    cases = _picks_a_case(table, form.project_id)
    return FormFields(
        form,
        table,
        {path: f for path, f in fields.items() if f.value_type == "select1" and path not in cases},
        {
            path: f
            for path, f in fields.items()
            if f.value_type in ("select1", "select") and path not in cases
        },
        {path: f for path, f in fields.items() if f.value_type == "int"},
        {path: f for path, f in fields.items() if f.value_type in ("date", "dateTime")},
    )


def _picks_a_case(table: FormTable, project_id: int) -> set[str]:
    """Selects whose choices are the entities of a list (a case picked from `minori.csv`): their values
    name cases, so they are never a breakdown."""
    lists = set(db.session.scalars(select(EntityList.name).where(EntityList.project_id == project_id)))
    spec = table.spec
    found = set()
    for path in table.fields:
        control = spec.control(f"{spec.template.path}/{path}")
        itemset = control.itemset if control is not None else None
        instance = itemset.instance_id if itemset is not None else None
        if instance is not None and instance.removesuffix(".csv") in lists:
            found.add(path)
    return found


def form_material(
    user: User, query: StatQuery, fields: FormFields, index: TerritoryIndex, area: Area | None = None
) -> Material:
    """The form's current submissions in the user's scope (and area), flattened to the fields the table
    needs."""
    form = fields.form
    scope = user_scope(user, roles_with(Permission.READ_STATISTICS), form.project_id)
    wanted = {name: fields.choices[name].steps[0] for name in query.by if name in fields.choices}
    if query.measure:
        wanted[query.measure] = fields.integers[query.measure].steps[0]
    conditions = {name for name, _choice in (*query.numerator, *query.denominator) if name in fields.selects}
    wanted.update({name: fields.selects[name].steps[0] for name in conditions})
    dated = fields.dates[query.date_field].steps[0] if query.date_field else None
    # Only the answers the table needs leave the database: decoding every whole projection cost ~40 µs a
    # submission, most of a statistics page (a count by territory needs none at all).
    answers = [Submission.data[steps] for steps in (*wanted.values(), *([dated] if dated else []))]
    statement = (
        select(Submission.org_unit_id, Submission.created_at, *answers)
        .where(
            Submission.form_id == form.id,
            Submission.current.is_(True),
            Submission.test.is_(False),
            Submission.deleted_at.is_(None),
            org_unit_condition(scope, Submission.org_unit_id),
        )
        .order_by(Submission.id)
        .execution_options(yield_per=_YIELD)
    )
    rows = db.session.execute(statement)
    by: list[Breakdown] = []
    for name in query.by:
        if name in TERRITORY:
            by.append(index.breakdown(name, within([scope]), area))
        elif name == "periodo":
            by.append(ByPeriod(field="periodo", unit=query.unit, name="periodo"))
        else:
            by.append(ByField(name, categories=tuple(code for code, _texts in fields.choices[name].choices)))
    names = [*query.by, query.measure, *conditions]
    return Material(
        records=_submission_records(
            rows, tuple(wanted), dated, query, index, _multiple(fields, conditions), area
        ),
        by=by,
        measure=query.measure or None,
        sensitive=form_is_sensitive(fields, names),
        labels={name: fields.choice_labels(name) for name in query.by if name in fields.choices},
    )


def form_is_sensitive(fields: FormFields, names: Iterable[str]) -> bool:
    """A form that keeps case records, or a table on a field about special categories or court measures."""
    if fields.table.spec.entity is not None:
        return True
    return any(marker in name.lower() for name in names if name for marker in SENSITIVE_MARKERS)


def _submission_records(
    rows: Iterable[Any],
    wanted: tuple[str, ...],
    dated: tuple[str, ...] | None,
    query: StatQuery,
    index: TerritoryIndex,
    multiple: frozenset[str] = frozenset(),
    area: Area | None = None,
) -> Iterator[dict[str, object]]:
    """Records of rows (org unit, received, the wanted answers in order, then the date answer if dated)."""
    for unit_id, received, *answers in rows:
        if area is not None and not area.holds(index.codes(unit_id)):
            continue
        when = day(answers[-1]) if dated else received.date()
        if (query.date_from or query.date_to) and (
            when is None
            or (query.date_from and when < query.date_from)
            or (query.date_to and when > query.date_to)
        ):
            continue
        record: dict[str, object] = dict(index.codes(unit_id))
        for name, value in zip(wanted, answers[: len(wanted)], strict=True):
            record[name] = value.split() if name in multiple and isinstance(value, str) else value
        record["periodo"] = when
        yield record


def _multiple(fields: FormFields, names: Iterable[str]) -> frozenset[str]:
    """The select_multiple fields among `names`: an answer kept as text ("a b") is a list of choices."""
    return frozenset(name for name in names if fields.selects[name].value_type == "select")
