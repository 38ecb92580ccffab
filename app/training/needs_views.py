"""The training needs page: needs from coded transcripts and from a needs-analysis form, by service type or
territory, to build the training plan on."""

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from analysis.training_needs import needs_table
from app.models import User
from app.permissions import Permission, require
from app.statistics.form_records import form_fields, statistics_forms
from app.training import needs
from app.training.web import bp

GROUPINGS = ("service_type", "territory")


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.get("/needs")
@require(Permission.RUN_TRAINING)
def training_needs():
    """Needs by service type or territory: coded transcript passages, and the answers to a chosen form."""
    by = request.args.get("by", "service_type")
    if by not in GROUPINGS:
        abort(400)
    from_transcripts = needs_table(needs.transcript_mentions(_user()), by)
    forms = statistics_forms(_user())
    chosen, fields, path, from_form = _form_choice(forms), None, "", None
    if chosen is not None:
        fields = form_fields(chosen)
        path = request.args.get("field", "")
        if path and path not in fields.selects:
            abort(404)
        if path:
            threshold = current_app.config["STATISTICS_THRESHOLD"]
            from_form = needs_table(needs.form_mentions(_user(), fields, path), by, threshold=threshold)
    return render_template(
        "training/needs.html",
        by=by,
        groupings={"service_type": _("service type"), "territory": _("territory")},
        transcripts=from_transcripts,
        forms=forms,
        chosen=chosen,
        fields=fields,
        path=path,
        from_form=from_form,
    )


def _form_choice(forms):
    form_id = request.args.get("form", type=int)
    if not form_id:
        return None
    found = [f for f in forms if f.id == form_id]
    if not found:
        abort(404)
    return found[0]
