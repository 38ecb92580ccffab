"""Flask-WTF forms of the case pages: identity, transfer, conflict review, import."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.edits import SeenForm


class IdentityForm(SeenForm, FlaskForm):
    """The identifiers; `seen` is the identity_version the page showed (app.edits)."""

    nome = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    cognome = StringField(_l("Surname"), validators=[Optional(), Length(max=100)])
    codice_fiscale = StringField(_l("Codice fiscale"), validators=[Optional(), Length(max=20)])
    data_nascita = DateField(_l("Date of birth"), validators=[Optional()])
    indirizzo = StringField(_l("Address"), validators=[Optional(), Length(max=300)])


class TransferForm(FlaskForm):
    target = StringField(
        _l("Code of the receiving Ambito or comune"), validators=[DataRequired(), Length(max=64)]
    )
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token."""


class ImportForm(FlaskForm):
    data_file = FileField(
        _l("File (CSV or XLSX)"), validators=[FileRequired()], render_kw={"accept": ".csv,.xlsx"}
    )
    kind = SelectField(
        _l("Each row is"),
        choices=[("minori", _l("a minor")), ("interventi", _l("an intervention of a minor"))],
    )
    entity_list = SelectField(_l("Case list"), coerce=int, choices=[])
    org_unit = SelectField(_l("Cases belong to"), coerce=int, choices=[])
