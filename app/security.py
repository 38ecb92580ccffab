"""Security headers on every response, and the session loader that enforces server-side sessions."""

from typing import Any

from flask import Flask, Request, Response, redirect, request, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import gettext

from app.auth.sessions import load_session_user
from app.extensions import login_manager
from app.i18n import N_
from app.models import User

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, minus the work a request without a session cookie does not need: API
    and ODK clients send none, and building the signer for nothing cost more than the rest of opening the
    session. What is stored, read and answered stays as in Flask."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if not session and not session.modified:  # Flask sets no cookie then, and reads no cookie setting
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessionInterface()
    login_manager.session_protection = None  # the server-side session row is the protection
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Please sign in to see this page.")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    app.after_request(_add_security_headers)


def _load_user(token: str) -> User | None:
    return load_session_user(token)


def _unauthorized() -> Response:
    if request.path.startswith("/api/"):
        from app.api.auth import unauthorized_response

        return unauthorized_response()
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


_ALWAYS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def _add_security_headers(response: Response) -> Response:
    """Add each header the view did not set itself. One pass over the response's few headers: a lookup of
    a missing header raises and catches an exception, eight times a request with Headers.setdefault."""
    headers = response.headers
    present = {key.lower() for key, _value in headers}
    for name, value in _ALWAYS:
        if name.lower() not in present:
            headers.add(name, value)
    if response.mimetype == "text/html" and "cache-control" not in present:
        headers.add("Cache-Control", "no-store")
    if request.is_secure and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
