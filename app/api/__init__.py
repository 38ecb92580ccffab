"""Blueprint: the JSON API under /api/v1, authenticated by bearer tokens."""

from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies are accepted here, only bearer tokens

from app.api import exports, forms, openapi, submissions, views  # noqa: E402,F401
