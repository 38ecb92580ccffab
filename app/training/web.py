"""Blueprint of the training pages."""

from flask import Blueprint
from flask_babel import gettext

from app.i18n import N_

bp = Blueprint("training", __name__, url_prefix="/training")

KIND_LABELS = {
    "corso": N_("course"),
    "laboratorio": N_("workshop"),
    "co_progettazione": N_("co-design training"),
    "seminario": N_("seminar"),
    "altro": N_("other"),
}
TIER_LABELS = {
    "all": N_("all tiers"),
    "start_up": N_("start up (under 3 years)"),
    "miglioramento": N_("miglioramento (3 to 10 years)"),
    "aggiornamento": N_("aggiornamento (over 10 years)"),
    "unknown": N_("tier not given"),
}
MEASURE_LABELS = {"knowledge": N_("Knowledge (right answers)"), "efficacy": N_("Self-efficacy (mean 1–5)")}


def label(labels: dict[str, str], key: str) -> str:
    return gettext(labels[key]) if key in labels else key


@bp.context_processor
def _training_helpers() -> dict[str, object]:
    return {
        "training_kind": lambda kind: label(KIND_LABELS, kind),
        "training_tier": lambda tier: label(TIER_LABELS, tier),
        "training_measure": lambda measure: label(MEASURE_LABELS, measure),
    }


from app.training import edit_views, needs_views, report_views, views  # noqa: E402,F401
