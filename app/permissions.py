"""What each role may do, and the decorator that guards a view by permission."""

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from app.models import Role


class Permission(enum.StrEnum):
    MANAGE_USERS = "manage_users"
    MANAGE_TERRITORY = "manage_territory"
    READ_AUDIT = "read_audit"
    DESIGN_FORMS = "design_forms"
    FILL_FORMS = "fill_forms"
    KEEP_CASES = "keep_cases"
    READ_DATA = "read_data"
    CODE_TRANSCRIPTS = "code_transcripts"
    RUN_TRAINING = "run_training"
    READ_STATISTICS = "read_statistics"
    RUN_PROGRAMME = "run_programme"  # edit the programme's plan, record its events, define voucher types
    READ_PROGRAMME = "read_programme"  # read the plan, the timeline and the progress report


GRANTS: dict[str, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.RESEARCHER: frozenset(
        {
            Permission.DESIGN_FORMS,
            Permission.READ_DATA,
            Permission.READ_STATISTICS,
            Permission.CODE_TRANSCRIPTS,
            Permission.RUN_PROGRAMME,
            Permission.READ_PROGRAMME,
        }
    ),
    Role.OPERATOR: frozenset(
        {
            Permission.FILL_FORMS,
            Permission.KEEP_CASES,
            Permission.READ_DATA,
            Permission.READ_STATISTICS,
            Permission.READ_PROGRAMME,
        }
    ),
    Role.EVALUATOR: frozenset(
        {
            Permission.CODE_TRANSCRIPTS,
            Permission.RUN_TRAINING,
            Permission.READ_STATISTICS,
            Permission.RUN_PROGRAMME,
            Permission.READ_PROGRAMME,
        }
    ),
    Role.VIEWER: frozenset({Permission.READ_STATISTICS, Permission.READ_PROGRAMME}),
}


def roles_with(permission: Permission) -> set[str]:
    """The roles that grant a permission, for building scopes."""
    return {role for role, granted in GRANTS.items() if permission in granted}


def user_can(user: Any, permission: Permission) -> bool:
    return user.is_authenticated and bool(user.roles & roles_with(permission))


def require(permission: Permission) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Guard a view: sign-in required, then 403 without a role granting the permission."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not user_can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def init_app(app: Any) -> None:
    @app.context_processor
    def inject_permissions() -> dict[str, object]:
        allowed = {p.value for p in Permission if user_can(current_user, p)}
        return {"nav_permissions": allowed}
