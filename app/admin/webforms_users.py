"""Flask-WTF forms for administering users and their roles."""

from collections.abc import Iterable
from typing import Any, Self

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SearchField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.accounts import Grant
from app.home.tasks import role_label
from app.models import OrgUnit, Project, Role

Choices = list[tuple[Any, str]]
# The option for a network-wide role; it comes last so that it is never the preselected default.
NETWORK = "network"


def optional_id(value: Any) -> int | None:
    """Coerce a select's value to an id, the empty option meaning None."""
    if value is None or value == "":
        return None
    return int(value)


def role_choices(blank: str | None = None) -> Choices:
    choices: Choices = [(r.value, role_label(r.value)) for r in Role]
    return [("", blank), *choices] if blank else choices


def org_unit_choices(units: Iterable[OrgUnit]) -> Choices:
    """One option per org unit, valued by id as text and indented by depth so the select reads as a tree."""
    return [(str(u.id), "— " * u.depth + f"{u.name} ({u.code})") for u in units]


def project_choices(projects: Iterable[Project]) -> Choices:
    return [("", _("All projects")), *((p.id, p.name) for p in projects)]


class UserFilterForm(FlaskForm):
    """The search box and role filter of the users list (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Email or name"), validators=[Optional(), Length(max=254)])
    role = SelectField(_l("Role"), validators=[Optional()], default="")

    def with_choices(self) -> Self:
        self.role.choices = role_choices(blank=_("Any role"))
        return self


class AssignmentForm(FlaskForm):
    """A role over an org unit in a project; only the units offered can be chosen."""

    role = SelectField(_l("Role"), validators=[InputRequired()])
    org_unit = SelectField(_l("Org unit"))
    project = SelectField(_l("Project"), coerce=optional_id)

    def with_choices(self, units: Iterable[OrgUnit], projects: Iterable[Project], network_wide: bool) -> Self:
        """Offer the admin's org units, and the whole network only to a network-wide admin."""
        self.role.choices = role_choices()
        network = [(NETWORK, _("Whole network"))] if network_wide else []
        self.org_unit.choices = [*org_unit_choices(units), *network]
        self.project.choices = project_choices(projects)
        return self

    def grant(self) -> Grant:
        org_unit_id = None if self.org_unit.data == NETWORK else int(self.org_unit.data)
        return Grant(role=self.role.data, org_unit_id=org_unit_id, project_id=self.project.data)


class UserCreateForm(AssignmentForm):
    """A new account with its first role."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    # No DataRequired: an empty password reaches the password rules, which explain themselves.
    password = PasswordField(_l("Initial password"), validators=[Length(max=1024)])


class PasswordSetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[Length(max=1024)])
