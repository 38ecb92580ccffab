"""Blueprint: administration of users and roles, the territory and the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import views_audit, views_territory, views_users  # noqa: E402,F401
