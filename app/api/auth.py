"""Bearer-token authentication for the JSON API."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, g, jsonify, request
from flask_babel import gettext as _

from app.auth.tokens import user_for_token
from app.models import User


def unauthorized_response() -> Response:
    response = jsonify(
        error=_("Sign-in required"),
        message=_("Send a valid API token: Authorization: Bearer <token>."),
    )
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="humus"'
    return response


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Authenticate the request by its bearer token; 401 for a missing, bad or revoked one."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            return unauthorized_response()
        g.api_user = user
        return view(*args, **kwargs)

    return guarded


def api_user() -> User:
    return g.api_user
