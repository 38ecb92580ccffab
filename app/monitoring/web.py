"""Blueprint of the reporting cycles and completeness pages."""

from flask import Blueprint

bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")

from app.monitoring import views  # noqa: E402,F401
