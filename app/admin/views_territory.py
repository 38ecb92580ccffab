"""Admin pages: territory."""

from flask import render_template

from app.admin import bp
from app.permissions import Permission, require


@bp.route("/territory")
@require(Permission.MANAGE_TERRITORY)
def territory():
    """Show the territory tree within the administrator's scope."""
    return render_template("admin/placeholder.html")
