"""The home page: a dashboard of what the signed-in user's roles allow."""

from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy import text

from app.extensions import db
from app.home import bp
from app.permissions import Permission, user_can


@bp.route("/")
@login_required
def index():
    """Show the signed-in user's roles, scopes and the tasks open to them."""
    user = current_user._get_current_object()
    allowed = {p.value for p in Permission if user_can(user, p)}
    assignments = sorted(user.assignments, key=lambda a: (a.role, a.org_unit.path if a.org_unit else ""))
    return render_template("home/index.html", allowed=allowed, assignments=assignments)


@bp.route("/healthz")
def healthz():
    """Liveness probe for the proxy and process manager (no database access)."""
    return {"status": "ok"}


@bp.route("/readyz")
def readyz():
    """Readiness probe: the database answers. When it does not, app/errors.py answers 503 with Retry-After."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
