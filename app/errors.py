"""Error pages in the user's language, JSON errors for the API, and 503 when the database is down."""

import logging

from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db, login_manager
from app.i18n import N_

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30

TITLES = {
    400: N_("Bad request"),
    401: N_("Sign-in required"),
    403: N_("Access denied"),
    404: N_("Page not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    413: N_("File or request too large"),
    422: N_("Invalid data"),
    429: N_("Too many requests"),
    500: N_("Something went wrong"),
    503: N_("Service temporarily unavailable"),
}
EXPLANATIONS = {
    400: N_("The request could not be understood. If you submitted a form, reload the page and try again."),
    401: N_("Sign in to continue."),
    403: N_("You do not have permission to do this."),
    404: N_("The page does not exist, or you do not have access to it."),
    405: N_("This address does not accept this kind of request."),
    409: N_("The data changed in the meantime. Reload the page and try again."),
    413: N_("The file or request is larger than the limit allowed. Nothing was saved."),
    422: N_("The data sent is not valid. Nothing was saved."),
    429: N_("Too many attempts in a short time. Wait a minute and try again."),
    500: N_(
        "An unexpected error occurred and nothing was saved. If it happens again, tell your administrator."
    ),
    503: N_("The database cannot be reached right now. Nothing was lost: try again in a few moments."),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(PoolTimeout, _database_unavailable)
    app.register_error_handler(InternalServerError, _internal_error)


def render_error(code: int, message: str | None = None) -> tuple[Response | str, int]:
    title = _(TITLES.get(code, TITLES[500]))
    text = message or _(EXPLANATIONS.get(code, EXPLANATIONS[500]))
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=title, message=text), code
    return render_template("errors/error.html", code=code, title=title, message=text), code


def _http_error(exc: HTTPException) -> tuple[Response | str, int] | HTTPException:
    if exc.code is None or exc.code < 400:
        return exc
    body, code = render_error(exc.code)
    response = body if isinstance(body, Response) else Response(body, mimetype="text/html")
    response.status_code = code
    for name, value in exc.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response, code


def _csrf_error(exc: CSRFError) -> tuple[Response | str, int]:
    message = _("The form has expired or did not come from this site. Reload the page and try again.")
    return render_error(400, message)


def _database_unavailable(exc: Exception) -> Response:
    # The driver's own words tell the administrator why ("database or disk is full", "connection refused");
    # its first line only, without the statement and its parameters, which may hold personal data.
    cause = str(getattr(exc, "orig", None) or "").strip().split("\n")[0][:300]
    log.error("database unavailable: %s: %s", type(exc).__name__, cause)
    _rollback_quietly()
    # The page must not ask the database who is signed in.
    g._login_user = login_manager.anonymous_user()
    if request.headers.get("X-OpenRosa-Version"):
        response = _openrosa_message(_(EXPLANATIONS[503]), 503)
    else:
        body, _code = render_error(503)
        response = body if isinstance(body, Response) else Response(body, mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _openrosa_message(message: str, status: int) -> Response:
    """ODK Collect reads an OpenRosaResponse and shows its message to the person sending."""
    from app.openrosa.responses import message_response  # the blueprint imports the views: not at start-up

    return message_response(message, status)


def _internal_error(exc: InternalServerError) -> tuple[Response | str, int]:
    original = getattr(exc, "original_exception", None)
    if isinstance(original, OperationalError | PoolTimeout):
        return _database_unavailable(original), 503
    _rollback_quietly()
    return render_error(500)


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the page must still render
        log.warning("rollback failed after a database error")
