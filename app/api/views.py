"""JSON API routes."""

from flask import jsonify

from app.api import bp
from app.api.auth import api_user, token_required


@bp.get("/me")
@token_required
def me():
    """Who the token belongs to, with roles and scopes."""
    user = api_user()
    return jsonify(
        id=user.id,
        email=user.email,
        name=user.name,
        roles=[
            {
                "role": a.role,
                "project": a.project.code if a.project else None,
                "org_unit": a.org_unit.code if a.org_unit else None,
            }
            for a in user.assignments
        ],
    )
