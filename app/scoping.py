"""The one place that restricts rows to the org-unit subtrees a user may see."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import abort
from sqlalchemy import ColumnElement, Select, false, or_, select, true

from app.extensions import db
from app.models import OrgUnit, RoleAssignment, User

T = TypeVar("T")


@dataclass(frozen=True)
class Scope:
    """The subtrees a user reaches: everything when `everywhere`, else the org units under `paths`."""

    everywhere: bool
    paths: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.everywhere and not self.paths

    def covers_path(self, path: str | None) -> bool:
        if self.everywhere:
            return True
        return path is not None and any(path.startswith(p) for p in self.paths)


def user_scope(user: User, roles: Iterable[str] | None = None, project_id: int | None = None) -> Scope:
    """The scope a user holds through assignments with one of `roles` (any role when None)."""
    wanted = set(roles) if roles is not None else None
    paths: set[str] = set()
    for assignment in user.assignments:
        if wanted is not None and assignment.role not in wanted:
            continue
        if project_id is not None and assignment.project_id not in (None, project_id):
            continue
        if assignment.org_unit is None:
            return Scope(everywhere=True, paths=())
        paths.add(assignment.org_unit.path)
    return Scope(everywhere=False, paths=_outermost(paths))


def _outermost(paths: set[str]) -> tuple[str, ...]:
    ordered = sorted(paths, key=len)
    kept: list[str] = []
    for path in ordered:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(sorted(kept))


def subtree_condition(scope: Scope, path_column: Any) -> ColumnElement[bool]:
    """A SQL condition true for paths inside the scope."""
    if scope.everywhere:
        return true()
    if not scope.paths:
        return false()
    return or_(*(path_column.startswith(p, autoescape=True) for p in scope.paths))


def org_unit_condition(scope: Scope, org_unit_id_column: Any) -> ColumnElement[bool]:
    """A SQL condition true for rows whose org unit lies inside the scope."""
    if scope.everywhere:
        return true()
    inside = select(OrgUnit.id).where(subtree_condition(scope, OrgUnit.path))
    return org_unit_id_column.in_(inside)


def restrict(query: Select[Any], scope: Scope, org_unit_id_column: Any) -> Select[Any]:
    """Restrict a select to rows whose org unit is inside the scope."""
    return query.where(org_unit_condition(scope, org_unit_id_column))


def users_condition(scope: Scope) -> ColumnElement[bool]:
    """Users visible in a scope: those holding at least one assignment inside it.

    Users with no assignment, or with network-wide ones, are visible only to network-wide scopes.
    """
    if scope.everywhere:
        return true()
    inside = select(RoleAssignment.user_id).where(org_unit_condition(scope, RoleAssignment.org_unit_id))
    return User.id.in_(inside)


def get_in_scope_or_404(query: Select[Any]) -> Any:
    """Run a scoped select for one row; out of scope answers 404 exactly like a missing id."""
    row = db.session.scalars(query).first()
    if row is None:
        abort(404)
    return row
