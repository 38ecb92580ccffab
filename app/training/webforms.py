"""Flask-WTF forms of the training pages: catalogue entry, edition, session, enrolment, CSV of enrolments."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, FloatField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from analysis.training_enrolment import CODE, MAX_YEARS
from app.edits import SeenForm

# The evaluation form checks the course code with this same pattern, so a code given here can be typed there.
EDITION_CODE = r"^[A-Z0-9-]{3,30}$"
NONE = 0  # the select value for "no org unit" / "no form"


def _strip(value: str | None) -> str:
    """Text without surrounding spaces; a field the request left out is empty text, as an empty box sends
    (None would reach a NOT NULL column as a 500)."""
    return value.strip() if isinstance(value, str) else ""


def _code(value: str | None) -> str | None:
    return "".join(value.split()).upper() if isinstance(value, str) else value


class InterventionForm(SeenForm, FlaskForm):
    project = SelectField(_l("Project"), coerce=int, choices=[])
    kind = SelectField(_l("Type"), choices=[])
    title = StringField(_l("Title"), filters=[_strip], validators=[DataRequired(), Length(max=255)])
    work_package = StringField(
        _l("Work package or action"), filters=[_strip], validators=[Optional(), Length(max=64)]
    )
    editions_planned = IntegerField(_l("Editions planned"), default=1, validators=[NumberRange(1, 100)])
    hours = FloatField(_l("Hours per edition"), default=0, validators=[InputRequired(), NumberRange(0, 1000)])
    recipients_planned = IntegerField(
        _l("Recipients planned"), default=0, validators=[InputRequired(), NumberRange(0, 100_000)]
    )
    recipient_type = StringField(_l("Recipients"), filters=[_strip], validators=[Optional(), Length(max=255)])
    selection = BooleanField(_l("Participants are selected"))
    tier = SelectField(_l("Seniority tier"), choices=[])
    evaluation_form = SelectField(_l("Pre/post evaluation form"), coerce=int, choices=[])


class EditionForm(SeenForm, FlaskForm):
    code = StringField(
        _l("Course code"),
        filters=[_code],
        validators=[
            DataRequired(),
            Regexp(EDITION_CODE, message=_l("Use capital letters, digits and hyphens (3 to 30).")),
        ],
    )
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    place = StringField(_l("Place"), filters=[_strip], validators=[Optional(), Length(max=255)])
    org_unit = SelectField(_l("Org unit"), coerce=int, choices=[])
    completion_percent = IntegerField(
        _l("Share of hours needed to complete (%)"),
        default=70,
        validators=[InputRequired(), NumberRange(1, 100)],
    )


class SessionForm(FlaskForm):
    day = DateField(_l("Day"), validators=[DataRequired()])
    hours = FloatField(_l("Hours"), validators=[InputRequired(), NumberRange(0.25, 24)])
    topic = StringField(_l("Topic"), filters=[_strip], validators=[Optional(), Length(max=255)])


class EnrolmentForm(FlaskForm):
    code = StringField(
        _l("Participant code"),
        filters=[_code],
        validators=[
            DataRequired(),
            Regexp(CODE.pattern, message=_l("Use capital letters, digits and hyphens (2 to 32).")),
        ],
    )
    name = StringField(_l("Name and surname"), filters=[_strip], validators=[Optional(), Length(max=200)])
    role = StringField(_l("Role"), filters=[_strip], validators=[Optional(), Length(max=64)])
    years = IntegerField(_l("Years of service"), validators=[InputRequired(), NumberRange(0, MAX_YEARS)])
    org_unit = SelectField(_l("Org unit"), coerce=int, choices=[])


class EnrolmentUploadForm(FlaskForm):
    data_file = FileField(_l("CSV file"), validators=[FileRequired()], render_kw={"accept": ".csv"})


class ConfirmForm(FlaskForm):
    """A form that only needs the CSRF token (the attendance grid reads its own fields)."""
