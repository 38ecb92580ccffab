"""Changing the registry: registering and editing services and importing a registry file, all audited.

Services are never deleted: a service that closes is deactivated, so the monitoring submissions that name
its code keep pointing at it. The code is fixed once registered for the same reason.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select

from app import audit
from app.extensions import db
from app.models import OrgUnit, Service, User
from app.registry.directory import manage_scope
from app.registry.rules import (
    COLUMNS,
    UNIT_KINDS,
    Problem,
    ServiceValues,
    UnitInfo,
    check_import,
    header_problems,
)
from app.scoping import subtree_condition
from forms.entity_import import ImportFileError, ImportLimits, read_table
from forms.safety_limits import MiB

IMPORT_LIMITS = ImportLimits(upload_bytes=2 * MiB, rows=5000, lines=10_000, columns=30, cells=200_000)
EDITABLE = tuple(name for name in COLUMNS if name not in ("code", "org_unit")) + ("org_unit_id",)


def managed_units(user: User) -> list[OrgUnit]:
    """The Ambiti, comuni, agencies and service units where the user may register services, in tree order."""
    query = select(OrgUnit).where(
        OrgUnit.kind.in_(UNIT_KINDS), subtree_condition(manage_scope(user), OrgUnit.path)
    )
    return list(db.session.scalars(query.order_by(OrgUnit.path).limit(2000)))


def units_by_code(user: User, codes: Iterable[str]) -> dict[str, UnitInfo]:
    """The org units with these codes, each marked managed or not by the user."""
    scope = manage_scope(user)
    wanted = sorted({code for code in codes if code})
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.code.in_(wanted))) if wanted else []
    return {
        unit.code: UnitInfo(unit.id, unit.code, unit.kind, scope.covers_path(unit.path)) for unit in units
    }


def code_taken(code: str) -> bool:
    return db.session.scalars(select(Service.id).where(Service.code == code)).first() is not None


def create_service(user: User, values: ServiceValues, via: str = "form") -> Service:
    """Register a service (the caller has checked the values and the code's uniqueness)."""
    service = Service(**values.as_dict())
    db.session.add(service)
    audit.record(
        "service.created", service, org_unit_id=values.org_unit_id, actor=user, code=values.code, via=via
    )
    db.session.commit()
    return service


def update_service(
    user: User, service: Service, values: ServiceValues, active: bool | None = None, via: str = "form"
) -> dict[str, list[object]]:
    """Change a service's values (its code stays) and, when given, whether it is active; return the changes
    as field -> [before, after], audited when there are any."""
    changes = _apply(service, values, active)
    if changes:
        audit.record(
            "service.updated",
            service,
            org_unit_id=service.org_unit_id,
            actor=user,
            code=service.code,
            via=via,
            changes=changes,
        )
    db.session.commit()
    return changes


def _apply(service: Service, values: ServiceValues, active: bool | None) -> dict[str, list[object]]:
    wanted: dict[str, object] = {name: getattr(values, name) for name in EDITABLE}
    if active is not None:
        wanted["active"] = active
    changes = {}
    for name, value in wanted.items():
        if getattr(service, name) != value:
            changes[name] = [getattr(service, name), value]
            setattr(service, name, value)
    return changes


@dataclass
class ImportOutcome:
    """What an import did: nothing when there are problems (of the file, or of its rows)."""

    file_error: ImportFileError | None = None
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return self.file_error is None and not self.problems


def import_registry(user: User, data: bytes, filename: str) -> ImportOutcome:
    """Upsert every service of a registry file by code, or none if any row has a problem."""
    try:
        table = read_table(data, filename, IMPORT_LIMITS)
    except ImportFileError as error:
        return ImportOutcome(file_error=error)
    rows = [
        (number, {name.strip().lower(): value for name, value in cells.items()})
        for number, cells in table.rows
    ]
    columns = [name.strip().lower() for name in table.columns]
    problems = header_problems(columns, table.header_row)
    if problems:
        return ImportOutcome(problems=problems)
    units = units_by_code(user, (cells.get("org_unit", "") for _, cells in rows))
    codes = {cells.get("code", "").strip().upper() for _, cells in rows}
    existing = _existing(user, codes)
    check = check_import(rows, units, {code: managed for code, (_, managed) in existing.items()})
    if not check.ok:
        return ImportOutcome(problems=check.problems)
    return _write(user, check.services, {code: service for code, (service, _) in existing.items()})


def _existing(user: User, codes: set[str]) -> dict[str, tuple[Service, bool]]:
    scope = manage_scope(user)
    found = db.session.scalars(select(Service).where(Service.code.in_(sorted(codes)))) if codes else []
    return {service.code: (service, scope.covers_path(service.org_unit.path)) for service in found}


def _write(user: User, checked: list[ServiceValues], existing: Mapping[str, Service]) -> ImportOutcome:
    outcome = ImportOutcome()
    for values in checked:
        service = existing.get(values.code)
        if service is None:
            service = Service(**values.as_dict())
            db.session.add(service)
            audit.record(
                "service.created",
                service,
                org_unit_id=values.org_unit_id,
                actor=user,
                code=values.code,
                via="import",
            )
            outcome.created += 1
            continue
        changes = _apply(service, values, None)
        if changes:
            audit.record(
                "service.updated",
                service,
                org_unit_id=service.org_unit_id,
                actor=user,
                code=service.code,
                via="import",
                changes=changes,
            )
            outcome.updated += 1
        else:
            outcome.unchanged += 1
    db.session.commit()
    return outcome
