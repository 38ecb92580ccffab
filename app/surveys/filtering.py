"""Which submissions a table, an export or a summary reads: the user's scope, then the filters asked for."""

# Decisions:
# - every query starts from read_scope: an org unit or a submitter outside it matches nothing, so a filter can
#   narrow what a user sees but never widen it. Test submissions never appear; deleted ones only in the trash,
#   whose scope is the reviewers' (trash_scope), as the review pages decide.
# - conditions on answers read the JSON projection through SQL JSON paths (json_extract on SQLite, #> and #>>
#   on PostgreSQL) and always bind their values. Numbers compare as numbers, and only JSON numbers take part:
#   text where a number was expected never matches (and cannot make PostgreSQL's cast fail).
# - text "is" and "contains" ignore case (SQLite folds ASCII letters only). Dates compare as ISO text, a
#   dateTime by its day. A select_multiple "is" a choice when that choice is among those chosen (a LIKE on the
#   stored JSON list for `"code"`, quotes included). Select values may be given by code or by label.
# - a field inside a repeat matches when any entry matches: EXISTS over the entries (json_each on SQLite,
#   json_array_elements on PostgreSQL), nested for nested repeats. "Has no answer" there means an entry
#   lacking one (a submission with no entries has no such entry).
# - a bad value is left out with a message in the user's language; it never reaches SQL.

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from flask_babel import gettext as _
from flask_babel import to_utc
from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    case,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.i18n import N_
from app.models import Form, OrgUnit, ReviewState, Submission, User
from app.numbers import whole_number
from app.permissions import Permission, roles_with
from app.scoping import Scope, get_in_scope_or_404, org_unit_condition, user_scope
from app.surveys.submissions import read_scope
from forms.spec import FormSpec
from forms.tables import Layout, build_layout

OPERATORS = ("equals", "contains", "greater", "less", "empty")
OPERATOR_LABELS = {
    "equals": N_("is"),
    "contains": N_("contains"),
    "greater": N_("is more than"),
    "less": N_("is less than"),
    "empty": N_("has no answer"),
}
KIND_OPERATORS = {
    "text": ("equals", "contains", "empty"),
    "number": ("equals", "greater", "less", "empty"),
    "date": ("equals", "greater", "less", "empty"),
    "time": ("equals", "greater", "less", "empty"),
    "choice": ("equals", "empty"),
    "choices": ("equals", "empty"),
    "boolean": ("equals", "empty"),
}
_KINDS = {"int": "number", "decimal": "number", "date": "date", "dateTime": "date", "time": "time"}
_KINDS |= {"select1": "choice", "select": "choices", "rank": "choices", "boolean": "boolean"}
REVIEW_STATE_LABELS = {
    ReviewState.RECEIVED: N_("Received"),
    ReviewState.EDITED: N_("Edited"),
    ReviewState.HAS_ISSUES: N_("Has issues"),
    ReviewState.APPROVED: N_("Approved"),
    ReviewState.REJECTED: N_("Rejected"),
}
MAX_CONDITIONS = 10
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
_BOOLEANS = {"true": "true", "yes": "true", "sì": "true", "si": "true", "1": "true"}
_BOOLEANS |= {"false": "false", "no": "false", "0": "false"}

Steps = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class FilterField:
    """A field of the form, as filters see it.

    `path` names it from the form's root, joined by "/" (`servizio/tipo_servizio`, `personale/profilo`).
    `steps` leads through the JSON projection: the keys to each enclosing repeat's list, then the keys
    from the innermost entry to the value. `value_type` is the bind type ("string" when versions disagree).
    """

    path: str
    steps: Steps
    value_type: str
    labels: Mapping[str, str] | None = None
    choices: tuple[tuple[str, Mapping[str, str]], ...] = ()

    @property
    def kind(self) -> str:
        return _KINDS.get(self.value_type, "text")


class FieldCondition(NamedTuple):
    """A condition on an answer: (field path, operator, value), and what the SQL must know of the field."""

    path: str
    operator: str
    value: str  # normalised: a number with a dot, an ISO date, a choice's code, "true" or "false"
    kind: str = "text"
    steps: Steps = ()


@dataclass(frozen=True)
class SubmissionFilter:
    """What to keep of a form's submissions in scope. Dates are whole days in the user's time zone."""

    conditions: tuple[FieldCondition, ...] = ()
    submitted_from: date | None = None
    submitted_to: date | None = None  # included
    submitter_id: int | None = None
    org_unit_id: int | None = None  # that unit and the units below it
    review_states: tuple[str, ...] = ()
    trash: bool = False  # only the deleted submissions
    problems: tuple[str, ...] = field(default=(), compare=False)  # what was ignored, and why


def filter_fields(layout: Layout) -> dict[str, FilterField]:
    """Every field the layout's tables hold, by path, in table order (main table first, then repeats)."""
    fields: dict[str, FilterField] = {}
    lists: dict[int, Steps] = {}
    for index, table in enumerate(layout.tables):
        lists[index] = () if table.parent is None else (*lists[table.parent], table.path)
        for column in table.columns:
            if column.kind == "field" or (column.kind == "geo" and column.part == 0):
                value_type = "geopoint" if column.kind == "geo" else column.value_type
                steps = (*lists[index], column.path)
                path = "/".join(key for step in steps for key in step)
                fields.setdefault(path, FilterField(path, steps, value_type, column.labels, column.choices))
    return fields


def filter_from_args(args: MultiDict[str, str], spec: FormSpec | Layout) -> SubmissionFilter:
    """The filter a query string asks for (see `filter_to_args`); bad values are left out, with a message."""
    layout = spec if isinstance(spec, Layout) else build_layout([spec])
    problems: list[str] = []
    return SubmissionFilter(
        conditions=_conditions(args, filter_fields(layout), problems),
        submitted_from=_date_arg(args.get("from", ""), problems),
        submitted_to=_date_arg(args.get("to", ""), problems),
        submitter_id=_id_arg(
            args.get("submitter", ""), _("Unknown submitter: that filter was ignored."), problems
        ),
        org_unit_id=_id_arg(
            args.get("org_unit", ""), _("Unknown org unit: that filter was ignored."), problems
        ),
        review_states=_review_states(args.getlist("review"), problems),
        trash=args.get("trash", "") in ("1", "true", "on", "yes"),
        problems=tuple(problems),
    )


def filter_to_args(f: SubmissionFilter) -> dict[str, str | list[str]]:
    """The query string of a filter, for `url_for`: conditions are parallel lists `field`, `op`, `value`."""
    args: dict[str, str | list[str]] = {}
    if f.conditions:
        args["field"] = [c.path for c in f.conditions]
        args["op"] = [c.operator for c in f.conditions]
        args["value"] = [c.value for c in f.conditions]
    if f.submitted_from:
        args["from"] = f.submitted_from.isoformat()
    if f.submitted_to:
        args["to"] = f.submitted_to.isoformat()
    if f.submitter_id is not None:
        args["submitter"] = str(f.submitter_id)
    if f.org_unit_id is not None:
        args["org_unit"] = str(f.org_unit_id)
    if f.review_states:
        args["review"] = list(f.review_states)
    if f.trash:
        args["trash"] = "1"
    return args


def filtered_query(user: User, form: Form, f: SubmissionFilter) -> Select[tuple[Submission]]:
    """The current submissions of `form` that `user` may read and `f` keeps, unordered.

    Add columns with `with_only_columns`, then an order and a limit. Joining org_units or users for display
    must go through `aliased(...)`: the scope's subquery reads org_units and would otherwise be correlated.
    """
    scope = trash_scope(user, form) if f.trash else read_scope(user, form)
    deleted = Submission.deleted_at.is_not(None) if f.trash else Submission.deleted_at.is_(None)
    query = select(Submission).where(
        Submission.form_id == form.id,
        Submission.current.is_(True),
        Submission.test.is_(False),
        deleted,
        org_unit_condition(scope, Submission.org_unit_id),
    )
    return query.where(*_filter_conditions(scope, f))


def submission_or_404(user: User, form: Form, submission_id: int) -> Submission:
    """One submission of `form` the user may read, replaced by an edit or not, in the trash only for those
    who may see the trash; anything else (test submissions too) answers 404 like a missing id."""
    unit = Submission.org_unit_id
    query = select(Submission).where(
        Submission.id == submission_id,
        Submission.form_id == form.id,
        Submission.test.is_(False),
        or_(
            and_(Submission.deleted_at.is_(None), org_unit_condition(read_scope(user, form), unit)),
            and_(Submission.deleted_at.is_not(None), org_unit_condition(trash_scope(user, form), unit)),
        ),
    )
    return get_in_scope_or_404(query)


def trash_scope(user: User, form: Form) -> Scope:
    """Where the user sees deleted submissions: where they review, as app/surveys/review.py decides (roles
    that both read data and design forms), narrower than where they read."""
    roles = roles_with(Permission.READ_DATA) & roles_with(Permission.DESIGN_FORMS)
    return user_scope(user, roles=roles, project_id=form.project_id)


def operator_label(operator: str) -> str:
    return _(OPERATOR_LABELS[operator]) if operator in OPERATOR_LABELS else operator


def review_state_label(state: str) -> str:
    return _(REVIEW_STATE_LABELS[state]) if state in REVIEW_STATE_LABELS else state


# --- reading the query string ------------------------------------------------------------------------


def _conditions(
    args: MultiDict[str, str], fields: Mapping[str, FilterField], problems: list[str]
) -> tuple[FieldCondition, ...]:
    paths, operators, values = args.getlist("field"), args.getlist("op"), args.getlist("value")
    found: list[FieldCondition] = []
    for n, path in enumerate(paths):
        if not path.strip():
            continue  # the blank row of the filter form
        operator = operators[n] if n < len(operators) else "equals"
        value = values[n].strip() if n < len(values) else ""
        condition = _condition(fields.get(path.strip()), path.strip(), operator, value, problems)
        if condition is not None:
            found.append(condition)
    if len(found) > MAX_CONDITIONS:
        problems.append(_("Only the first %(num)d conditions on answers were used.", num=MAX_CONDITIONS))
    return tuple(found[:MAX_CONDITIONS])


def _condition(
    found: FilterField | None, path: str, operator: str, value: str, problems: list[str]
) -> FieldCondition | None:
    if found is None:
        problems.append(_("There is no field “%(field)s” in this form: that filter was ignored.", field=path))
        return None
    if operator not in KIND_OPERATORS[found.kind]:
        message = _("“%(op)s” does not apply to “%(field)s”: that filter was ignored.")
        problems.append(message % {"op": operator_label(operator), "field": path})
        return None
    if operator == "empty":
        return FieldCondition(path, operator, "", found.kind, found.steps)
    try:
        normalised = _normalised(found, value)
    except ValueError as exc:
        problems.append(str(exc))
        return None
    return FieldCondition(path, operator, normalised, found.kind, found.steps)


def _normalised(found: FilterField, value: str) -> str:
    """The value in the form the SQL compares; ValueError with a message for the user when it cannot be."""
    if not value:
        raise ValueError(
            _("Give a value to compare “%(field)s” with: that filter was ignored.", field=found.path)
        )
    if found.kind == "number":
        number = value.replace(",", ".") if value.count(",") == 1 and "." not in value else value
        try:
            if math.isfinite(float(number)):
                return number
        except ValueError:
            pass
        raise ValueError(
            _("“%(value)s” is not a number: the filter on “%(field)s” was ignored.") % _args(found, value)
        )
    if found.kind == "date" and not _is_date(value):
        message = _("“%(value)s” is not a date (YYYY-MM-DD): the filter on “%(field)s” was ignored.")
        raise ValueError(message % _args(found, value))
    if found.kind == "time" and not _TIME.match(value):
        message = _("“%(value)s” is not a time (HH:MM): the filter on “%(field)s” was ignored.")
        raise ValueError(message % _args(found, value))
    if found.kind == "boolean":
        if value.lower() not in _BOOLEANS:
            message = _("“%(value)s” is neither yes nor no: the filter on “%(field)s” was ignored.")
            raise ValueError(message % _args(found, value))
        return _BOOLEANS[value.lower()]
    if found.kind in ("choice", "choices"):
        return _choice_code(found, value)
    return value


def _args(found: FilterField, value: str) -> dict[str, str]:
    return {"value": value, "field": found.path}


def _is_date(value: str) -> bool:
    try:
        return bool(_DATE.match(value)) and date.fromisoformat(value) is not None
    except ValueError:
        return False


def _choice_code(found: FilterField, value: str) -> str:
    """A choice's code, given its code or its label in any language; other values pass as they are."""
    if any(code == value for code, _labels in found.choices):
        return value
    wanted = value.casefold()
    for code, labels in found.choices:
        if any(label.casefold() == wanted for label in labels.values()):
            return code
    return value


def _date_arg(value: str, problems: list[str]) -> date | None:
    if not value.strip():
        return None
    if _is_date(value.strip()):
        return date.fromisoformat(value.strip())
    problems.append(_("“%(value)s” is not a date (YYYY-MM-DD): that filter was ignored.", value=value))
    return None


def _id_arg(value: str, message: str, problems: list[str]) -> int | None:
    if not value.strip():
        return None
    number = whole_number(value)
    if number is not None:
        return number
    problems.append(message)
    return None


def _review_states(values: list[str], problems: list[str]) -> tuple[str, ...]:
    known = {state.value for state in ReviewState}
    for value in values:
        if value not in known:
            problems.append(_("Unknown review state “%(state)s”: it was ignored.", state=value))
    return tuple(dict.fromkeys(v for v in values if v in known))


# --- SQL ---------------------------------------------------------------------------------------------


def answer_conditions(document: Any, conditions: tuple[FieldCondition, ...]) -> list[ColumnElement[bool]]:
    """The conditions on answers, on a JSON `document` column (`Submission.data`, or a subquery's)."""
    return [_answer_condition(document, c) for c in conditions]


def _filter_conditions(scope: Scope, f: SubmissionFilter) -> list[ColumnElement[bool]]:
    conditions = answer_conditions(Submission.data, f.conditions)
    if f.submitted_from is not None:
        conditions.append(Submission.created_at >= _day_start(f.submitted_from))
    if f.submitted_to is not None:
        conditions.append(Submission.created_at < _day_start(f.submitted_to + timedelta(days=1)))
    if f.submitter_id is not None:
        conditions.append(Submission.submitter_id == f.submitter_id)
    if f.org_unit_id is not None:
        conditions.append(_subtree(scope, f.org_unit_id))
    if f.review_states:
        conditions.append(Submission.review_state.in_(f.review_states))
    return conditions


def _day_start(day: date) -> datetime:
    return to_utc(datetime.combine(day, time()))


def _subtree(scope: Scope, org_unit_id: int) -> ColumnElement[bool]:
    """Rows filed under an org unit or below it; none for a unit outside the scope."""
    unit = db.session.get(OrgUnit, org_unit_id)
    if unit is None or not scope.covers_path(unit.path):
        return false()
    inside = select(OrgUnit.id).where(OrgUnit.path.startswith(unit.path, autoescape=True))
    return Submission.org_unit_id.in_(inside)


def _answer_condition(document: Any, condition: FieldCondition) -> ColumnElement[bool]:
    """The condition on the JSON `document`; through each enclosing repeat, "any entry matches"."""
    *lists, keys = condition.steps or (tuple(condition.path.split("/")),)
    if not lists:
        return _compare(document[keys], condition)
    entries = json_entries(document[lists[0]]).table_valued("value").alias()
    inner = condition._replace(steps=(*lists[1:], keys))
    entry = _answer_condition(type_coerce(entries.c.value, document.type), inner)
    return exists(select(literal_column("1")).select_from(entries).where(entry))


def _compare(at: Any, c: FieldCondition) -> ColumnElement[bool]:
    text = at.as_string()
    if c.operator == "empty":
        return or_(text.is_(None), text.in_(("", "[]")))
    if c.kind == "number":
        return _ordered(json_number(at), c.operator, float(c.value))
    if c.kind in ("date", "time"):
        # A dateTime compares by its day, a time by as much of it as was given.
        return _ordered(func.substr(text, 1, len(c.value)), c.operator, c.value)
    if c.kind == "choices":
        return text.contains(json.dumps(c.value), autoescape=True)
    if c.kind == "boolean":
        # SQLite's json_extract gives a JSON boolean as 1 or 0, PostgreSQL's #>> as true or false.
        return text.in_(("true", "1") if c.value == "true" else ("false", "0"))
    if c.kind == "choice":
        return text == c.value
    if c.operator == "contains":
        return text.icontains(c.value, autoescape=True)
    return func.lower(text) == c.value.lower()


def _ordered(left: Any, operator: str, value: Any) -> ColumnElement[bool]:
    if operator == "greater":
        return left > value
    if operator == "less":
        return left < value
    return left == value


class json_number(FunctionElement[float]):  # noqa: N801 - named like the SQL functions it stands for
    """The number at a JSON path (`document[keys]`), NULL when the value there is not a JSON number."""

    type = Float()
    inherit_cache = True
    name = "json_number"


class json_entries(FunctionElement[Any]):  # noqa: N801
    """The entries of the JSON list at a path, as a table with a `value` column; none when it is no list."""

    inherit_cache = True
    name = "json_entries"


def _path_of(element: FunctionElement[Any]) -> Any:
    return next(iter(element.clauses))  # a `document[keys]` expression: .left the document, .right the path


def _pg_functions(at: Any, compiler: Any) -> str:
    """The prefix of the PostgreSQL functions for the document: "jsonb" for a jsonb column, else "json"."""
    return "jsonb" if isinstance(at.left.type.dialect_impl(compiler.dialect), JSONB) else "json"


@compiles(json_number, "sqlite")
def _number_sqlite(element: json_number, compiler: Any, **kw: Any) -> str:
    at = _path_of(element)
    numeric = func.json_type(at.left, at.right).in_((literal_column("'integer'"), literal_column("'real'")))
    return compiler.process(case((numeric, at.as_float())), **kw)


@compiles(json_number, "postgresql")
def _number_postgresql(element: json_number, compiler: Any, **kw: Any) -> str:
    at = _path_of(element)
    # CASE, not AND: PostgreSQL may evaluate AND's operands in any order, and the cast fails on text.
    typeof = getattr(func, f"{_pg_functions(at, compiler)}_typeof")
    return compiler.process(case((typeof(at) == literal_column("'number'"), at.as_float())), **kw)


@compiles(json_entries, "sqlite")
def _entries_sqlite(element: json_entries, compiler: Any, **kw: Any) -> str:
    at = _path_of(element)
    listed = func.json_type(at.left, at.right) == literal_column("'array'")
    return f"json_each({compiler.process(case((listed, func.json_extract(at.left, at.right))), **kw)})"


@compiles(json_entries, "postgresql")
def _entries_postgresql(element: json_entries, compiler: Any, **kw: Any) -> str:
    at = _path_of(element)
    functions = _pg_functions(at, compiler)
    listed = getattr(func, f"{functions}_typeof")(at) == literal_column("'array'")
    return f"{functions}_array_elements({compiler.process(case((listed, at)), **kw)})"
