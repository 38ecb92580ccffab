"""Blueprint of the case pages (the cartella sociale); the rest of app/cases works without it."""

from flask import Blueprint
from flask_babel import gettext

from app.i18n import N_

bp = Blueprint("cases", __name__, url_prefix="/cases")

STATUS_LABELS = {"aperta": N_("open"), "chiusa": N_("closed")}
TIMELINE_LABELS = {
    "created": N_("Opened by"),
    "updated": N_("Updated by"),
    "referenced": N_("Named in"),
    "transferred": N_("Transferred"),
    "imported": N_("Imported"),
    "conflict_resolved": N_("Conflict reviewed"),
}


@bp.app_context_processor
def _case_helpers() -> dict[str, object]:
    return {
        "case_status": lambda status: (
            gettext(STATUS_LABELS[status]) if status in STATUS_LABELS else (status or "—")
        ),
        "timeline_label": lambda kind: gettext(TIMELINE_LABELS.get(kind, kind)),
    }


from app.cases import import_views, views  # noqa: E402,F401
