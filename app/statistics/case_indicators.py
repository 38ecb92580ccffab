"""Indicators on case records: what a numerator or denominator can rest on, checking it, and saying it.

Counting cases, a condition is on the case (sex, age band at intake, status of the record, another property
saved from a single-choice question of the intake, such as P.I.P.P.I.) or on its interventions: a case meets
`tipo_intervento:affido_residenziale` when it has at least one intervention of that type. Counting
interventions, a condition is on the intervention (type, type of provider, status) or on its case.
The indicator itself is worked out and protected as on a form's submissions (app/statistics/tables.py).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from app.cases.web import STATUS_LABELS
from app.models import User
from app.statistics import case_records
from app.statistics.query import Condition, StatQuery
from app.statistics.sources import statistics_scopes


@dataclass(frozen=True)
class ConditionField:
    """A field an indicator's condition can name: its heading and its choices (code -> label)."""

    label: str
    choices: dict[str, str]


def case_conditions(user: User, query: StatQuery) -> dict[str, ConditionField]:
    """The fields of case records (or interventions) an indicator can count by, with their choices."""
    lists = case_records.case_lists(statistics_scopes(user))
    labels = case_records.case_labels(lists)
    interventions = query.count == "interventions"
    sexes = {"m": _("Male"), "f": _("Female"), **labels.get("sesso", {})}
    kinds = {kind: kind for kind in case_records.service_kinds(user)} | labels.get("tipo_intervento", {})
    statuses = (
        labels.get("stato", {}) if interventions else {code: _(text) for code, text in STATUS_LABELS.items()}
    )
    found = {
        "sesso": ConditionField(_("Sex"), {code: sexes[code] for code in case_records.SEXES}),
        "fascia_eta": ConditionField(_("Age band"), {band: band for band in case_records.AGE_BANDS}),
        "stato": ConditionField(_("Status"), statuses),
    }
    if interventions:
        found["tipo_intervento"] = ConditionField(_("Type of intervention"), kinds)
        found["tipo_erogatore"] = ConditionField(_("Type of provider"), labels.get("tipo_erogatore", {}))
    else:
        found["tipo_intervento"] = ConditionField(_("Has an intervention of type"), kinds)
        found["tipo_erogatore"] = ConditionField(
            _("Has an intervention by a provider of type"), labels.get("tipo_erogatore", {})
        )
    for name, prop in case_records.case_properties(lists).items():
        found.setdefault(name, ConditionField(prop.label, prop.choices))
    return {name: field for name, field in found.items() if field.choices}


def condition_problem(fields: Mapping[str, ConditionField], condition: Condition) -> str | None:
    """Why an indicator cannot rest on this condition (a field and one of its choices); None if it can."""
    name, choice = condition
    field = fields.get(name)
    if field is None:
        return _(
            "Case records have no field “%(field)s” to count by: the indicator was not worked out.",
            field=name,
        )
    if choice not in field.choices:
        return _(
            "“%(choice)s” is not a choice of “%(field)s”: the indicator was not worked out.",
            choice=choice,
            field=field.label,
        )
    return None


def _words(conditions: tuple[Condition, ...], fields: Mapping[str, ConditionField]) -> str:
    """`“Sex” = Female`, choices of one field joined by "or", fields by "and"."""
    chosen: dict[str, list[str]] = {}
    for name, choice in conditions:
        chosen.setdefault(name, []).append(choice)
    parts = []
    for name, choices in chosen.items():
        field = fields[name]
        ordered = [label for code, label in field.choices.items() if code in choices]
        parts.append(f"“{field.label}” = " + _(" or ").join(ordered))
    return _(" and ").join(parts)


def indicator_label(query: StatQuery, fields: Mapping[str, ConditionField]) -> str:
    """The indicator in words, e.g. "Cases with “Sex” = Female per 100 cases"."""
    if not query.numerator:
        return ""
    numerator = _words(query.numerator, fields)
    if query.count == "interventions":
        if not query.denominator:
            return _(
                "Interventions with %(numerator)s per %(per)d interventions",
                numerator=numerator,
                per=query.per,
            )
        return _(
            "Interventions with %(numerator)s per %(per)d interventions with %(denominator)s",
            numerator=numerator,
            per=query.per,
            denominator=_words(query.denominator, fields),
        )
    if not query.denominator:
        return _("Cases with %(numerator)s per %(per)d cases", numerator=numerator, per=query.per)
    return _(
        "Cases with %(numerator)s per %(per)d cases with %(denominator)s",
        numerator=numerator,
        per=query.per,
        denominator=_words(query.denominator, fields),
    )
