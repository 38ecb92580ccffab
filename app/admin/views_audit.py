"""Admin pages: audit."""

from flask import render_template

from app.admin import bp
from app.permissions import Permission, require


@bp.route("/audit")
@require(Permission.READ_AUDIT)
def audit():
    """List audit events in the administrator's scope."""
    return render_template("admin/placeholder.html")
