"""Adding and moving org units while keeping their materialised paths right."""

from sqlalchemy import select

from app.extensions import db
from app.models import OrgUnit

# Which kind may sit under which: the shape of the regional network.
ALLOWED_PARENTS: dict[str, set[str | None]] = {
    "region": {None},
    "province": {"region"},
    "ambito": {"province"},
    "comune": {"province", "ambito"},
    "agency": {"region", "province", "ambito", "comune"},
    "service": {"region", "province", "ambito", "comune", "agency"},
}


class TerritoryError(ValueError):
    """A change to the territory that would break the tree; the message is for the user."""


def add_org_unit(code: str, name: str, kind: str, parent: OrgUnit | None) -> OrgUnit:
    """Create an org unit under a parent and give it its path (the caller commits)."""
    _check_parent(kind, parent)
    unit = OrgUnit(code=code, name=name, kind=kind, parent=parent, path="")
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    return unit


def move_org_unit(unit: OrgUnit, new_parent: OrgUnit) -> None:
    """Put a unit and its whole subtree under a new parent (the caller commits)."""
    _check_parent(unit.kind, new_parent)
    if new_parent.path.startswith(unit.path):
        raise TerritoryError(f"{unit.name} cannot be moved inside itself.")
    old_prefix = unit.path
    new_prefix = new_parent.path + f"{unit.id}/"
    descendants = db.session.scalars(
        select(OrgUnit).where(OrgUnit.path.startswith(old_prefix, autoescape=True))
    )
    for node in descendants:
        node.path = new_prefix + node.path[len(old_prefix) :]
    unit.parent = new_parent


def _check_parent(kind: str, parent: OrgUnit | None) -> None:
    allowed = ALLOWED_PARENTS.get(kind)
    if allowed is None:
        raise TerritoryError(f"Unknown kind of org unit: {kind}.")
    if (parent.kind if parent else None) not in allowed:
        where = parent.kind if parent else "the top of the tree"
        raise TerritoryError(f"A {kind} cannot be placed under {where}.")


def find_by_code(code: str) -> OrgUnit | None:
    return db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).first()
