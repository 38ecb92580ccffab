"""Blueprint of the statistics pages."""

from flask import Blueprint

bp = Blueprint("statistics", __name__, url_prefix="/statistics")

from app.statistics import views  # noqa: E402,F401
