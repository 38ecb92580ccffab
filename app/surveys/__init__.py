"""Blueprint: upload XLSForms, publish versions, fill forms in, list submissions."""

from flask import Blueprint
from flask_babel import gettext

from app.i18n import N_

bp = Blueprint("surveys", __name__, url_prefix="/forms")

VERSION_STATUS_LABELS = {"draft": N_("draft"), "published": N_("published"), "superseded": N_("superseded")}


@bp.app_context_processor
def _survey_helpers() -> dict[str, object]:
    return {"version_status_label": lambda status: gettext(VERSION_STATUS_LABELS.get(status, status))}


from app.surveys import data_views, export_views, exporting, fill, review_views, summary_views, views  # noqa: E402,F401
