"""Bearer-token authentication for the JSON API."""

import functools
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from app.auth.tokens import TokenOwner, owner_for_token_with
from app.extensions import db
from app.models import RoleAssignment, User

# Built once, as the other per-request statements: building loader options costs more than the query.
_USER_WITH_ROLES = (
    select(User)
    .where(User.id == bindparam("user_id"))
    .options(joinedload(User.assignments).joinedload(RoleAssignment.org_unit))
)


def unauthorized_response() -> Response:
    response = jsonify(
        error=_("Sign-in required"),
        message=_("Send a valid API token: Authorization: Bearer <token>."),
    )
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="humus"'
    return response


def token_required(view: Callable[..., Any] | None = None, *, along: Select | None = None) -> Any:
    """Authenticate the request by its bearer token; 401 for a missing, bad or revoked one.

    With `along`, a statement whose parameters are the view's URL values, its rows are read in the same
    statement as the token (app.auth.tokens.owner_for_token_with) and the view finds them in along_rows():
    for a view that reads one thing more on every request, such as the form a submission is for."""
    if view is None:
        return functools.partial(token_required, along=along)

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return unauthorized_response()
        owner, g.api_along = owner_for_token_with(token.strip(), along, kwargs)
        if owner is None:
            return unauthorized_response()
        g.api_owner = owner
        return view(*args, **kwargs)

    return guarded


def along_rows() -> list[tuple[Any, ...]]:
    """The rows of the statement token_required read along with the token (see there)."""
    return g.api_along


def api_owner() -> TokenOwner:
    """Who the token belongs to, with their roles: all that scopes, permission checks, the audit log and
    recording a submission read of the caller, without loading the User."""
    return g.api_owner


def api_user() -> User:
    """The token's owner as a User with their role assignments, loaded on first use in the request."""
    user = g.get("api_user")
    if user is None:
        user = g.api_user = db.session.scalars(_USER_WITH_ROLES, {"user_id": g.api_owner.id}).unique().one()
    return user
