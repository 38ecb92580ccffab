"""Flask-WTF forms of the registry: the directory's filters, a service, the import upload.

The service form only carries the values: app.registry.rules checks them, with the same messages as the
import, so its selects accept any value and report an unknown one in words.
"""

from collections.abc import Iterable
from typing import Any, Self

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SearchField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from app.edits import SeenForm
from app.models import OrgUnit
from app.registry.rules import COLUMNS, PROVIDER_TYPES, SERVICE_KINDS

Choices = list[tuple[str, str]]


def kind_choices(blank: str | None = None) -> Choices:
    choices = [(code, _(label)) for code, (label, _legal) in SERVICE_KINDS.items()]
    return [("", blank), *choices] if blank is not None else choices


def provider_choices(blank: str | None = None) -> Choices:
    choices = [(code, _(label)) for code, label in PROVIDER_TYPES.items()]
    return [("", blank), *choices] if blank is not None else choices


def unit_choices(units: Iterable[OrgUnit], blank: str | None = None) -> Choices:
    """One option per org unit, valued by code and indented by depth so the select reads as a tree."""
    units = list(units)
    top = min((unit.depth for unit in units), default=0)
    choices = [(unit.code, "— " * (unit.depth - top) + f"{unit.name} ({unit.code})") for unit in units]
    return [("", blank), *choices] if blank is not None else choices


class DirectoryFilterForm(FlaskForm):
    """The directory's search box and filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Name or provider"), validators=[Optional()])
    kind = SelectField(_l("Type of service"), validators=[Optional()], default="")
    provider = SelectField(_l("Provider"), validators=[Optional()], default="")
    unit = SelectField(_l("Where"), validators=[Optional()], default="")
    inactive = BooleanField(_l("Include deactivated services"))

    def with_choices(self, units: Iterable[OrgUnit]) -> Self:
        self.kind.choices = kind_choices(_("Any type"))
        self.provider.choices = provider_choices(_("Any provider"))
        self.unit.choices = unit_choices(units, _("Anywhere in your org units"))
        return self


class ServiceForm(SeenForm, FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l(
            "Letters, digits, '-', '_' or '.'; monitoring forms record it. It cannot change later."
        ),
    )
    name = StringField(_l("Name"))
    kind = SelectField(_l("Type of service"), validate_choice=False)
    legal_reference = StringField(
        _l("Legal reference"),
        description=_l("Leave it empty for the usual reference of the type of service."),
    )
    org_unit = SelectField(_l("Where it works"), validate_choice=False)
    provider_type = SelectField(_l("Provider type"), validate_choice=False)
    provider_name = StringField(_l("Provider"), description=_l("The agency or cooperative that runs it."))
    targets = TextAreaField(_l("Who it serves"), render_kw={"rows": 3})
    capacity = StringField(_l("Capacity (places)"), render_kw={"inputmode": "numeric"})
    active = BooleanField(_l("Active"), default=True)

    def with_choices(self, units: Iterable[OrgUnit]) -> Self:
        self.kind.choices = kind_choices("")
        self.provider_type.choices = provider_choices()
        self.org_unit.choices = unit_choices(units, "")
        return self

    def cells(self) -> dict[str, str]:
        """The values as the rules read them: text keyed by the import's column names."""
        return {name: (self[name].data or "") for name in COLUMNS}

    def show(self, problems: Iterable[Any], language: str) -> None:
        """Put each problem's message under its field."""
        for problem in problems:
            self[problem.column].errors = [*self[problem.column].errors, problem.message(language)]


class ImportForm(FlaskForm):
    registry_file = FileField(
        _l("Registry file (CSV or XLSX)"), validators=[FileRequired()], render_kw={"accept": ".csv,.xlsx"}
    )
