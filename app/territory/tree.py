"""Adding and moving org units while keeping their materialised paths right."""

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import OrgUnit, OrgUnitKind

# Which kind may sit under which: the shape of the regional network.
ALLOWED_PARENTS: dict[str, set[str | None]] = {
    "region": {None},
    "province": {"region"},
    "ambito": {"province"},
    "comune": {"province", "ambito"},
    "agency": {"region", "province", "ambito", "comune"},
    "service": {"region", "province", "ambito", "comune", "agency"},
}

# What users read for each kind; whole sentences below use these as values.
KIND_LABELS = {
    OrgUnitKind.REGION: _l("region"),
    OrgUnitKind.PROVINCE: _l("province"),
    OrgUnitKind.AMBITO: _l("Ambito"),
    OrgUnitKind.COMUNE: _l("comune"),
    OrgUnitKind.AGENCY: _l("agency"),
    OrgUnitKind.SERVICE: _l("service"),
}


def kind_label(kind: str) -> LazyString | str:
    return KIND_LABELS.get(kind, kind)


class TerritoryError(ValueError):
    """A change that would break the tree; the message, translated when shown, is for the user."""


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
        raise TerritoryError(_l("%(name)s cannot be moved inside itself.", name=unit.name))
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
        raise TerritoryError(_l("Unknown kind of org unit: %(kind)s.", kind=kind))
    if (parent.kind if parent else None) not in allowed:
        if parent is None:
            message = _l(
                "An org unit of kind %(kind)s cannot be at the top of the tree.", kind=kind_label(kind)
            )
        else:
            message = _l(
                "An org unit of kind %(kind)s cannot be placed under one of kind %(parent)s.",
                kind=kind_label(kind),
                parent=kind_label(parent.kind),
            )
        raise TerritoryError(message)


def province_of(unit: OrgUnit) -> OrgUnit | None:
    """The province a unit lies in (the unit itself when it is one); None above or outside provinces."""
    node: OrgUnit | None = unit
    while node is not None and node.kind != OrgUnitKind.PROVINCE:
        node = node.parent
    return node


def find_by_code(code: str) -> OrgUnit | None:
    return db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).first()
