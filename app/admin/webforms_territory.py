"""Flask-WTF forms of the territory pages: rename, add a unit, create an Ambito, assign comuni, upload."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import OrgUnit
from app.territory.csvfile import CODE_MAX, NAME_MAX
from app.territory.services import CHILD_KINDS
from app.territory.tree import ALLOWED_PARENTS, kind_label


class RenameForm(FlaskForm):
    name = StringField(_l("New name"), validators=[DataRequired(), Length(max=NAME_MAX)])


class ChildForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[])
    child_code = StringField(_l("Code"), validators=[DataRequired(), Length(max=CODE_MAX)])
    child_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])


def child_form(parent: OrgUnit, **kwargs: object) -> ChildForm | None:
    """The form to add a unit under `parent`, offering the kinds that may sit there; None when none may."""
    choices = [(kind.value, kind_label(kind)) for kind in CHILD_KINDS if parent.kind in ALLOWED_PARENTS[kind]]
    if not choices:
        return None
    form = ChildForm(**kwargs)
    form.kind.choices = choices
    return form


class AmbitoForm(FlaskForm):
    ambito_code = StringField(_l("Code of the Ambito"), validators=[DataRequired(), Length(max=CODE_MAX)])
    ambito_name = StringField(_l("Name of the Ambito"), validators=[DataRequired(), Length(max=NAME_MAX)])


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AssignForm(FlaskForm):
    # Choices are the comuni the administrator may see; anything else posted is refused as invalid.
    comuni = CheckboxListField(_l("Comuni"), coerce=int, choices=[])


class TerritoryUploadForm(FlaskForm):
    territory_file = FileField(
        _l("Territory file (CSV)"), validators=[FileRequired()], render_kw={"accept": ".csv,text/csv"}
    )
    region_code = StringField(
        _l("Region code"), default="16", validators=[DataRequired(), Length(max=CODE_MAX)]
    )
    region_name = StringField(
        _l("Region name"), default="Puglia", validators=[DataRequired(), Length(max=NAME_MAX)]
    )


class AssignmentUploadForm(FlaskForm):
    assignment_file = FileField(
        _l("Ambito assignment file (CSV)"), validators=[FileRequired()], render_kw={"accept": ".csv,text/csv"}
    )
