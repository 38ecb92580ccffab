"""Blueprint: the OpenRosa server ODK Collect talks to, and the page of one's device credentials."""

from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("openrosa", __name__)
csrf.exempt(bp)  # OpenRosa requests carry device credentials, never cookies; the pages check CSRF themselves

from app.openrosa import pages, views  # noqa: E402,F401
