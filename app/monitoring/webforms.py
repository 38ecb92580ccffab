"""Flask-WTF forms of the reporting cycles: choosing a form, then the cycle itself.

Periods are typed as analysis.periods writes them ("2024-T1", "2024-S2", "2024") and checked by
analysis.completeness, whose messages the page shows; the selects and checkboxes accept only the choices
the page offered, so a date field of another form or an org unit outside the scope is refused.
"""

from collections.abc import Iterable
from typing import Self

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from analysis.completeness import normalise_label
from app.models import Form, OrgUnit

PERIOD_UNITS = [("quarter", _l("Quarter")), ("semester", _l("Semester")), ("year", _l("Year"))]


def _label(text: str | None) -> str | None:
    return normalise_label(text) if text else text


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ChooseForm(FlaskForm):
    """The first step: which published form the cycle collects (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    form_id = SelectField(_l("Monitoring form"), coerce=int, validators=[InputRequired()])

    def with_choices(self, forms: Iterable[Form]) -> Self:
        self.form_id.choices = [(form.id, form.title) for form in forms]
        return self


class CycleForm(FlaskForm):
    name = StringField(
        _l("Name of the cycle"),
        validators=[DataRequired(), Length(max=255)],
        description=_l("For example: Half-yearly monitoring of day centres 2024–2025."),
    )
    period_unit = SelectField(_l("Reporting period"), choices=PERIOD_UNITS, default="semester")
    first_period = StringField(
        _l("First period"), validators=[DataRequired(), Length(max=16)], filters=[_label]
    )
    last_period = StringField(
        _l("Last period"), validators=[DataRequired(), Length(max=16)], filters=[_label]
    )
    date_field = SelectField(_l("Date that places a report in its period"), validators=[InputRequired()])
    by_service = BooleanField(_l("One report per service of each org unit"))
    units = CheckboxListField(
        _l("Org units expected to report"),
        coerce=int,
        choices=[],
        validators=[InputRequired(message=_l("Choose at least one Ambito or comune."))],
    )

    def with_choices(self, date_fields: Iterable[tuple[str, str]], units: Iterable[OrgUnit]) -> Self:
        self.date_field.choices = list(date_fields)
        units = list(units)
        top = min((unit.depth for unit in units), default=0)
        self.units.choices = [
            (unit.id, "— " * (unit.depth - top) + f"{unit.name} ({unit.code})") for unit in units
        ]
        return self
