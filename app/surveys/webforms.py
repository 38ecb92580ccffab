"""Flask-WTF forms of the surveys pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField

from forms.xlsform import FILE_TYPES


class UploadForm(FlaskForm):
    xlsform = FileField(
        _l("XLSForm file"),
        validators=[
            FileRequired(_l("Choose a file to upload.")),
            FileAllowed(
                [t.lstrip(".") for t in FILE_TYPES], _l("Upload an XLSForm: .xlsx, .xls, .csv or .md.")
            ),
        ],
    )
    project = SelectField(_l("Project"), coerce=int)
    publish = BooleanField(_l("Publish it at once if it is a new version of an existing form"))
