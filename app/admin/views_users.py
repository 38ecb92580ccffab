"""Admin pages: users."""

from flask import render_template

from app.admin import bp
from app.permissions import Permission, require


@bp.route("/users")
@require(Permission.MANAGE_USERS)
def users():
    """List the users in the administrator's scope."""
    return render_template("admin/placeholder.html")
