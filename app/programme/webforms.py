"""Flask-WTF forms of the programme pages: plan, events, attachments, vouchers and the report's period."""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from analysis.programme import MAX_TARGET, METRICS, ProgrammeError, parse_amount
from analysis.programme_vouchers import MAX_MINORS
from app.edits import SeenForm
from app.programme.web import METRIC_LABELS

NONE = 0  # the select value for "no org unit" / "no activity"
PLAN_CODE = r"^[\w.\- ]{1,32}$"
# A household is known by a code of the service's register, never by a name: letters, digits, - / and .
HOUSEHOLD = r"^[A-Za-z0-9][A-Za-z0-9/.\-]{1,63}$"


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _upper(value: str | None) -> str | None:
    return "".join(value.split()).upper() if isinstance(value, str) else value


def _amount(form: FlaskForm, field: StringField) -> None:
    """An amount in euros typed the Italian or the English way."""
    try:
        field.cents = parse_amount(field.data or "")
    except ProgrammeError as error:
        raise ValidationError(error.message(str(get_locale()))) from None


class ActionForm(SeenForm, FlaskForm):
    code = StringField(
        _l("Code"),
        filters=[_strip],
        validators=[
            DataRequired(),
            Regexp(PLAN_CODE, message=_l("Up to 32 letters, digits, dots or hyphens.")),
        ],
    )
    title = StringField(_l("Title"), filters=[_strip], validators=[DataRequired(), Length(max=255)])
    description = TextAreaField(
        _l("Description"), filters=[_strip], validators=[Optional(), Length(max=5000)]
    )
    position = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(0, 1000)])


class ActivityForm(SeenForm, FlaskForm):
    code = StringField(
        _l("Code"),
        filters=[_strip],
        validators=[
            DataRequired(),
            Regexp(PLAN_CODE, message=_l("Up to 32 letters, digits, dots or hyphens.")),
        ],
    )
    title = StringField(_l("Title"), filters=[_strip], validators=[DataRequired(), Length(max=255)])
    description = TextAreaField(
        _l("Description"), filters=[_strip], validators=[Optional(), Length(max=5000)]
    )
    responsible_partner = StringField(
        _l("Responsible partner"), filters=[_strip], validators=[Optional(), Length(max=255)]
    )
    planned_start = DateField(_l("Planned start"), validators=[Optional()])
    planned_end = DateField(_l("Planned end"), validators=[Optional()])
    actual_start = DateField(_l("Actual start"), validators=[Optional()])
    actual_end = DateField(_l("Actual end"), validators=[Optional()])
    position = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(0, 1000)])

    def targets(self) -> dict[str, int | None]:
        return {metric: self[f"target_{metric}"].data for metric in METRICS}


for _metric in METRICS:
    setattr(
        ActivityForm,
        f"target_{_metric}",
        IntegerField(_l(METRIC_LABELS[_metric]), validators=[Optional(), NumberRange(0, MAX_TARGET)]),
    )


class LinkForm(FlaskForm):
    what = StringField(validators=[AnyOf(("course", "form"))])
    target = IntegerField(validators=[InputRequired()])
    unlink = BooleanField()


class EventForm(SeenForm, FlaskForm):
    activity = SelectField(_l("Activity"), coerce=int, choices=[])
    kind = SelectField(_l("Type"), choices=[])
    title = StringField(_l("Title"), filters=[_strip], validators=[DataRequired(), Length(max=255)])
    held_on = DateField(_l("Date"), validators=[DataRequired()])
    org_unit = SelectField(_l("Territory"), coerce=int, choices=[])
    place = StringField(_l("Place"), filters=[_strip], validators=[Optional(), Length(max=255)])
    organiser = StringField(_l("Organiser"), filters=[_strip], validators=[Optional(), Length(max=255)])
    notes = TextAreaField(_l("Notes"), filters=[_strip], validators=[Optional(), Length(max=5000)])


class AttachmentForm(FlaskForm):
    kind = SelectField(_l("Document"), choices=[])
    upload = FileField(_l("File"), validators=[FileRequired()])


class TranscriptForm(FlaskForm):
    document = IntegerField(_l("Transcript"), validators=[InputRequired()])
    unlink = BooleanField()


class ConfirmForm(FlaskForm):
    """A form that only needs the CSRF token (the participation grid reads its own fields)."""


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class VoucherTypeForm(SeenForm, FlaskForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=200)])
    level = SelectField(_l("Level"), choices=[])
    amount = StringField(_l("Amount (euros)"), filters=[_strip], validators=[DataRequired(), _amount])
    quantity = IntegerField(_l("Vouchers available"), validators=[InputRequired(), NumberRange(1, 100_000)])
    activity = SelectField(_l("Activity"), coerce=int, choices=[])
    rules = MultiCheckboxField(_l("Eligibility rules"), choices=[])
    isee_max = IntegerField(_l("ISEE threshold (euros)"), validators=[Optional(), NumberRange(0, 1_000_000)])
    months_valid = IntegerField(_l("Months of validity"), validators=[Optional(), NumberRange(1, 120)])
    description = TextAreaField(
        _l("Description"), filters=[_strip], validators=[Optional(), Length(max=5000)]
    )


class AssignForm(FlaskForm):
    voucher_type = SelectField(_l("Voucher type"), coerce=int, choices=[])
    case = StringField(_l("Case code"), filters=[_upper], validators=[Optional(), Length(max=255)])
    household = StringField(
        _l("Household code"),
        filters=[_strip],
        validators=[
            Optional(),
            Regexp(
                HOUSEHOLD,
                message=_l("A code of 2 to 64 letters, digits, dots, slashes or hyphens; no names."),
            ),
        ],
    )
    org_unit = SelectField(_l("Org unit"), coerce=int, choices=[])
    assigned_on = DateField(_l("Assigned on"), validators=[DataRequired()])
    in_care = BooleanField(_l("The household is in the care of social services"))
    isee = IntegerField(_l("ISEE (euros)"), validators=[Optional(), NumberRange(0, 1_000_000)])
    minors = IntegerField(
        _l("Children under 18 in the household"),
        default=0,
        validators=[InputRequired(), NumberRange(0, MAX_MINORS)],
    )


class SpendingForm(FlaskForm):
    spent_on = DateField(_l("Date"), validators=[DataRequired()])
    amount = StringField(_l("Amount (euros)"), filters=[_strip], validators=[DataRequired(), _amount])
    description = StringField(
        _l("What it paid for"), filters=[_strip], validators=[Optional(), Length(max=255)]
    )


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=[])
    on = DateField(_l("From"), validators=[DataRequired()])
    note = StringField(_l("Note"), filters=[_strip], validators=[Optional(), Length(max=255)])


class PeriodForm(FlaskForm):
    """The report's period and reference date, read from the query string."""

    class Meta:
        csrf = False

    project = IntegerField(validators=[Optional()])
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    as_of = DateField(_l("Data as of"), validators=[Optional()])
