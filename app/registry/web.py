"""Blueprint of the services registry pages."""

from flask import Blueprint

bp = Blueprint("registry", __name__, url_prefix="/services")

from app.registry import views  # noqa: E402,F401
