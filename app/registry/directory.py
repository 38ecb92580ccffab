"""Reading the registry in a user's scope: the filtered directory, one service, the monitoring submissions
that name it, and the forms' CSV dataset of services.

Services are public information about the network, so everyone signed in reads them, but only inside the
org units of their assignments (any role; a network-wide assignment sees all): an Ambito sees its own
services, and a service outside the scope answers 404 like one that does not exist.
"""

from dataclasses import dataclass
from typing import Any

from flask import abort
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, Text, cast, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Form, OrgUnit, Project, ReportFiling, Service, Submission, User
from app.permissions import Permission, roles_with
from app.registry.datasets import service_rows
from app.registry.rules import dataset_csv, holds_code
from app.scoping import Scope, org_unit_condition, subtree_condition, user_scope
from app.surveys.services import project_ids

PER_PAGE = 50
LATEST = 20  # monitoring submissions shown on a service's page
FILTER_KINDS = ("province", "ambito", "comune")  # the places the directory filters by
MANAGE_PERMISSIONS = (Permission.MANAGE_TERRITORY, Permission.DESIGN_FORMS)


def view_scope(user: User, project_id: int | None = None) -> Scope:
    return user_scope(user, project_id=project_id)


def manage_scope(user: User) -> Scope:
    """Where the user may register and change services: roles that manage the territory or design forms."""
    roles = set().union(*(roles_with(permission) for permission in MANAGE_PERMISSIONS))
    return user_scope(user, roles=roles)


def can_manage(user: User) -> bool:
    return user.is_authenticated and not manage_scope(user).empty


@dataclass(frozen=True)
class Filters:
    """The directory's filters as read from the query string; empty strings mean "any"."""

    q: str = ""
    kind: str = ""
    provider_type: str = ""
    unit: str = ""  # an org unit code: that unit and its subtree
    inactive: bool = False  # include deactivated services

    def args(self) -> dict[str, Any]:
        """The filters as query-string arguments for the pager's links."""
        values = {"q": self.q, "kind": self.kind, "provider": self.provider_type, "unit": self.unit}
        return {key: value for key, value in values.items() if value} | (
            {"inactive": 1} if self.inactive else {}
        )


def filter_units(user: User) -> list[OrgUnit]:
    """The provinces, Ambiti and comuni in the user's scope, in tree order, for the directory's filter."""
    query = select(OrgUnit).where(
        OrgUnit.kind.in_(FILTER_KINDS), subtree_condition(view_scope(user), OrgUnit.path)
    )
    return list(db.session.scalars(query.order_by(OrgUnit.path).limit(2000)))


def search(user: User, filters: Filters, page: int = 1) -> Pagination:
    """A page of the services in the user's scope matching the filters, by name."""
    query = _visible(user).options(joinedload(Service.org_unit))
    if not filters.inactive:
        query = query.where(Service.active.is_(True))
    if filters.kind:
        query = query.where(Service.kind == filters.kind)
    if filters.provider_type:
        query = query.where(Service.provider_type == filters.provider_type)
    if filters.unit:
        unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == filters.unit)).first()
        inside = select(OrgUnit.id).where(
            OrgUnit.path.startswith(unit.path if unit else "\0", autoescape=True)
        )
        query = query.where(Service.org_unit_id.in_(inside))
    text = filters.q.strip()
    if text:
        query = query.where(
            or_(
                Service.name.icontains(text, autoescape=True),
                Service.provider_name.icontains(text, autoescape=True),
                Service.code == text.upper(),
            )
        )
    query = query.order_by(Service.name, Service.id)
    return db.paginate(query, page=max(page, 1), per_page=PER_PAGE, error_out=False)


def _visible(user: User, project_id: int | None = None) -> Select[Any]:
    return select(Service).where(org_unit_condition(view_scope(user, project_id), Service.org_unit_id))


def service_or_404(user: User, service_id: int) -> Service:
    service = db.session.scalars(_visible(user).where(Service.id == service_id)).first()
    if service is None:
        abort(404)
    return service


def linked_submissions(user: User, service: Service, limit: int = LATEST) -> list[Submission]:
    """The latest current submissions the user may read whose answers name the service's code, or that a
    reporting cycle by service filed as the service's report (matched by its type and name).

    The database narrows to rows whose JSON text contains the code; holds_code then checks that it is the
    answer of a codice_servizio or servizio field and not some other text."""
    readable = _readable(user)
    if readable is None:
        return []
    filed = set(
        db.session.scalars(select(ReportFiling.submission_id).where(ReportFiling.service_id == service.id))
    )
    named = cast(Submission.data, Text).icontains(service.code, autoescape=True)
    query = (
        select(Submission)
        .join(Form, Form.id == Submission.form_id)
        .where(
            readable,
            Submission.current.is_(True),
            Submission.test.is_(False),
            Submission.deleted_at.is_(None),
            or_(named, Submission.id.in_(filed)) if filed else named,
        )
        .options(joinedload(Submission.form), joinedload(Submission.org_unit))
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .limit(limit * 5)
    )
    found = [
        row for row in db.session.scalars(query) if row.id in filed or holds_code(row.data, service.code)
    ]
    return found[:limit]


def _readable(user: User) -> Any:
    """The submissions the user may read: in projects where they read data, inside that role's org units."""
    roles = roles_with(Permission.READ_DATA)
    ids = project_ids(user, Permission.READ_DATA)
    if ids is None:  # a role in every project: each project still has its own scope
        ids = set(db.session.scalars(select(Project.id)))
    if not ids:
        return None
    return or_(
        *(
            (Form.project_id == project_id)
            & org_unit_condition(user_scope(user, roles=roles, project_id=project_id), Submission.org_unit_id)
            for project_id in sorted(ids)
        )
    )


def services_csv(user: User, project_id: int | None = None) -> bytes:
    """The active services in the user's scope (of `project_id`'s assignments, when given) as the forms'
    servizi.csv: the code a form stores, the name the operator picks, the kind, the org unit's code, the
    provider type and the monitoring form's code of the kind (app/registry/datasets.py)."""
    return dataset_csv(service_rows(user, project_id))
