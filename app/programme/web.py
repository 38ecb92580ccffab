"""Blueprint of the programme pages, and the labels its templates show."""

from flask import Blueprint
from flask_babel import get_locale, gettext

from analysis.programme import euros
from app.i18n import N_

bp = Blueprint("programme", __name__, url_prefix="/programme")

KIND_LABELS = {
    "focus_group": N_("focus group"),
    "workshop": N_("workshop"),
    "seminar": N_("seminar"),
    "technical_table": N_("technical table"),
    "dissemination": N_("dissemination event"),
    "other": N_("other activity"),
}
CATEGORY_LABELS = {
    "public_services": N_("Public services"),
    "third_sector": N_("Third sector"),
    "families": N_("Families"),
    "schools": N_("Schools"),
    "health": N_("Health"),
    "justice": N_("Justice"),
    "other": N_("Other"),
}
GENDER_LABELS = {"female": N_("Women"), "male": N_("Men"), "unspecified": N_("Not given")}
ATTACHMENT_LABELS = {
    "programme": N_("programme"),
    "sign_in": N_("sign-in sheet"),
    "minutes": N_("minutes"),
    "other": N_("other document"),
}
LEVEL_LABELS = {"base": N_("base"), "medium": N_("medium"), "high": N_("high")}
STATUS_LABELS = {
    "assigned": N_("assigned"),
    "in_use": N_("in use"),
    "spent": N_("spent"),
    "expired": N_("expired"),
}
RULE_LABELS = {
    "in_care": N_("household in the care of social services"),
    "disadvantage": N_("socio-economic disadvantage (ISEE)"),
    "minors": N_("at least one child under 18"),
}
METRIC_LABELS = {
    "events": N_("Events held"),
    "participants": N_("Participants"),
    "trainees": N_("Trainees (enrolled)"),
    "trained": N_("Trainees who completed"),
    "forms": N_("Questionnaires collected"),
    "transcripts": N_("Transcripts coded"),
    "vouchers": N_("Vouchers spent"),
    "focus_group": N_("Focus groups"),
    "workshop": N_("Workshops"),
    "seminar": N_("Seminars"),
    "technical_table": N_("Technical tables"),
    "dissemination": N_("Dissemination events"),
    "other": N_("Other activities"),
}
TIMELINE_LABELS = {
    "no_dates": N_("no dates"),
    "not_started": N_("not started"),
    "late_start": N_("late start"),
    "running": N_("running"),
    "overdue": N_("running past its planned end"),
    "ended": N_("ended"),
}


def label(labels: dict[str, str], key: str) -> str:
    return gettext(labels[key]) if key in labels else key


@bp.context_processor
def _programme_helpers() -> dict[str, object]:
    return {
        "event_kind": lambda key: label(KIND_LABELS, key),
        "category_label": lambda key: label(CATEGORY_LABELS, key),
        "gender_label": lambda key: label(GENDER_LABELS, key),
        "attachment_kind": lambda key: label(ATTACHMENT_LABELS, key),
        "voucher_level": lambda key: label(LEVEL_LABELS, key),
        "voucher_status": lambda key: label(STATUS_LABELS, key),
        "voucher_rule": lambda key: label(RULE_LABELS, key),
        "metric_label": lambda key: label(METRIC_LABELS, key),
        "timeline_label": lambda key: label(TIMELINE_LABELS, key),
        "money": money,
    }


def money(cents: int) -> str:
    """Cents as euros the reader's way: 1.250,50 in Italian, 1,250.50 in English."""
    return euros(cents, "," if str(get_locale()).startswith("it") else ".")


from app.programme import event_views, report_views, views, voucher_views  # noqa: E402,F401
