"""Flask-WTF form for creating device credentials."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length


class DeviceCredentialForm(FlaskForm):
    label = StringField(
        _l("Device name"),
        validators=[DataRequired(), Length(max=100)],
        render_kw={"placeholder": _l("for example: tablet of the home-visit team")},
    )
    # Filled in by the view with the units the user may file records for; "" means the user's own unit.
    org_unit = SelectField(_l("Records filed under"), choices=[], validate_choice=False)
