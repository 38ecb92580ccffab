"""The filter form of the audit log page, and the plain filters it yields."""

from datetime import date, datetime, time, timedelta
from typing import Self

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from flask_wtf import FlaskForm
from wtforms import DateField, SearchField, SelectField, StringField
from wtforms.validators import Length, Optional

from app.admin.webforms_users import org_unit_choices
from app.audit_search import TARGET_TYPES, AuditFilters
from app.models import OrgUnit


class AuditFilterForm(FlaskForm):
    """A GET form: filters belong in the address, so they need no CSRF token."""

    class Meta:
        csrf = False

    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    actor = SearchField(_l("Actor email"), validators=[Optional(), Length(max=254)])
    target_type = SelectField(_l("Target type"), validators=[Optional()], default="")
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To (included)"), validators=[Optional()])
    org_unit = SelectField(_l("Org unit"), validators=[Optional()], default="")

    def with_choices(self, units: list[OrgUnit]) -> Self:
        self.org_unit.choices = [("", _("Any org unit")), *org_unit_choices(units)]
        self.target_type.choices = [("", _("Anything")), *((k, _(v)) for k, v in TARGET_TYPES.items())]
        return self

    def filters(self) -> AuditFilters:
        """The filters asked for, with the dates read as whole days in the user's time zone."""
        return AuditFilters(
            action=(self.action.data or "").strip(),
            actor=(self.actor.data or "").strip(),
            target_type=(self.target_type.data or "").strip(),
            since=_day_start(self.date_from.data),
            before=_day_start(self.date_to.data + timedelta(days=1)) if self.date_to.data else None,
            org_unit_id=int(self.org_unit.data) if self.org_unit.data else None,
        )


def _day_start(day: date | None) -> datetime | None:
    return to_utc(datetime.combine(day, time())) if day else None
