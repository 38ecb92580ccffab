"""Admin pages: the audit log, read-only and limited to the reader's scope."""

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import org_units_within
from app.admin import bp
from app.admin.webforms_audit import AuditFilterForm
from app.audit_search import TARGET_TYPES, find_events
from app.permissions import Permission, require, roles_with
from app.scoping import user_scope


@bp.route("/audit")
@require(Permission.READ_AUDIT)
def audit():
    """List audit events in the administrator's scope, newest first."""
    scope = user_scope(current_user, roles=roles_with(Permission.READ_AUDIT))
    form = AuditFilterForm(request.args).with_choices(org_units_within(scope))
    page = request.args.get("page", 1, type=int)
    events = find_events(scope, form.filters(), page) if form.validate() else None
    pager_args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "admin/audit.html", form=form, events=events, pager_args=pager_args, target_label=_target_label
    )


def _target_label(target_type: str) -> str:
    return _(TARGET_TYPES[target_type]) if target_type in TARGET_TYPES else target_type
