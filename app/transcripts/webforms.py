"""Flask-WTF forms of the workbench pages: a study, a transcript upload, a participant, a code."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, FloatField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.edits import SeenForm

NONE = 0  # the select value for "no org unit" / "no parent"


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class StudyForm(FlaskForm):
    project = SelectField(_l("Project"), coerce=int, choices=[])
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), filters=[_strip], validators=[Length(max=5000)])
    org_unit = SelectField(_l("Org unit"), coerce=int, choices=[])
    language = SelectField(_l("Language of the transcripts"), choices=[])
    turn_pattern = StringField(
        _l("Speaker pattern (regular expression with a 'speaker' group)"),
        filters=[_strip],
        validators=[Optional(), Length(max=500)],
    )
    blind = BooleanField(_l("Blind double coding: coders see only their own codings until released"))


class UploadForm(FlaskForm):
    file = FileField(_l("Transcript (.txt, .docx, .odt, .pdf, .vtt, .srt)"), validators=[FileRequired()])
    name = StringField(_l("Name"), filters=[_strip], validators=[Optional(), Length(max=255)])
    date = DateField(_l("Date"), validators=[Optional()])
    macro_area = StringField(_l("Macro-area"), filters=[_strip], validators=[Optional(), Length(max=100)])
    service_type = StringField(_l("Service type"), filters=[_strip], validators=[Optional(), Length(max=100)])
    org_unit = SelectField(_l("Org unit"), coerce=int, choices=[])
    replace_names = BooleanField(_l("Replace speakers' names with participant codes"), default=True)


class ParticipantForm(FlaskForm):
    role = StringField(_l("Role"), filters=[_strip], validators=[Optional(), Length(max=100)])
    service_type = StringField(_l("Service type"), filters=[_strip], validators=[Optional(), Length(max=100)])
    territory = StringField(_l("Territory"), filters=[_strip], validators=[Optional(), Length(max=100)])
    gender = SelectField(_l("Gender"), choices=[])
    seniority_years = FloatField(_l("Years of service"), validators=[Optional(), NumberRange(0, 60)])


class CodeForm(SeenForm, FlaskForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=200)])
    parent = SelectField(_l("Under"), coerce=int, choices=[])
    definition = TextAreaField(_l("Definition"), filters=[_strip], validators=[Length(max=5000)])
    when_to_use = TextAreaField(_l("When to use"), filters=[_strip], validators=[Length(max=5000)])
    when_not = TextAreaField(_l("When not to use"), filters=[_strip], validators=[Length(max=5000)])
    example = TextAreaField(_l("Example"), filters=[_strip], validators=[Length(max=5000)])
    colour = StringField(_l("Colour"), filters=[_strip], validators=[Optional(), Length(max=7)])
    marks_need = BooleanField(_l("Passages with this code are training needs"))


class MergeForm(FlaskForm):
    target = SelectField(_l("Merge into"), coerce=int, choices=[])


class MoveForm(FlaskForm):
    parent = SelectField(_l("Move under"), coerce=int, choices=[])


class SplitForm(FlaskForm):
    name = StringField(
        _l("Move the ticked segments to a new sub-code named"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=200)],
    )


class ConfirmForm(FlaskForm):
    """A button that only needs its CSRF token."""
