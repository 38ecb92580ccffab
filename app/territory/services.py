"""What administrators do to the territory: load files, create Ambiti, assign comuni, rename, add units."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.models import OrgUnit, OrgUnitKind
from app.scoping import Scope, subtree_condition
from app.territory.csvfile import NAME_MAX, check_unit_code
from app.territory.loading import (
    AssignmentReport,
    LoadReport,
    all_or_nothing,
    assign_ambiti,
    code_taken,
    load_territory,
)
from app.territory.tree import TerritoryError, add_org_unit, find_by_code, move_org_unit, province_of

__all__ = [
    "AssignmentReport",
    "LoadReport",
    "MembershipChange",
    "add_child",
    "assign_ambiti",
    "assign_comuni",
    "create_ambito",
    "load_territory",
    "rename_org_unit",
]

CHILD_KINDS = (OrgUnitKind.AGENCY, OrgUnitKind.SERVICE)
KIND_ORDER = {kind: position for position, kind in enumerate(OrgUnitKind)}


@dataclass(frozen=True)
class MembershipChange:
    moved_in: int
    moved_out: int


@dataclass
class TreeNode:
    unit: OrgUnit
    children: list["TreeNode"] = field(default_factory=list)


def tree_in_scope(scope: Scope) -> list[TreeNode]:
    """The org units a scope reaches, nested under the outermost ones; Ambiti before comuni, then by name."""
    units = db.session.scalars(select(OrgUnit).where(subtree_condition(scope, OrgUnit.path))).all()
    nodes = {unit.id: TreeNode(unit) for unit in units}
    roots: list[TreeNode] = []
    for unit in in_tree_order(units):
        parent = nodes.get(unit.parent_id) if unit.parent_id is not None else None
        (parent.children if parent else roots).append(nodes[unit.id])
    return roots


def in_tree_order(units: Sequence[OrgUnit]) -> list[OrgUnit]:
    """Provinces before Ambiti before comuni before agencies and services, then by name."""
    return sorted(units, key=lambda u: (KIND_ORDER.get(u.kind, len(KIND_ORDER)), u.name.casefold()))


def ancestors(unit: OrgUnit) -> list[OrgUnit]:
    """The units above `unit`, from the top of the tree down."""
    ids = [int(part) for part in unit.path.strip("/").split("/")[:-1]]
    found = {u.id: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def comuni_of_province(province: OrgUnit) -> list[OrgUnit]:
    """Every comune of a province, in or out of its Ambiti, by name."""
    inside = OrgUnit.path.startswith(province.path, autoescape=True)
    query = select(OrgUnit).where(inside, OrgUnit.kind == OrgUnitKind.COMUNE).order_by(OrgUnit.name)
    return list(db.session.scalars(query))


def create_ambito(province: OrgUnit, code: str, name: str) -> OrgUnit:
    """Create an Ambito under a province."""
    code, name = _checked_code(code), _checked_name(name)
    if province.kind != OrgUnitKind.PROVINCE:
        raise TerritoryError(_l("An Ambito can only be created under a province."))
    with all_or_nothing():
        ambito = add_org_unit(code, name, OrgUnitKind.AMBITO, province)
        audit.record("org_unit.created", ambito, org_unit_id=ambito.id, code=code, kind=ambito.kind)
    return ambito


def add_child(parent: OrgUnit, code: str, name: str, kind: str) -> OrgUnit:
    """Add an agency or a service under an org unit."""
    if kind not in CHILD_KINDS:
        raise TerritoryError(_l("Only agencies and services can be added here."))
    code, name = _checked_code(code), _checked_name(name)
    with all_or_nothing():
        child = add_org_unit(code, name, kind, parent)
        audit.record("org_unit.created", child, org_unit_id=child.id, code=code, kind=kind)
    return child


def rename_org_unit(unit: OrgUnit, name: str) -> OrgUnit:
    """Give an org unit a new name (its code, used by files and scripts, stays)."""
    name = _checked_name(name)
    if name == unit.name:
        return unit
    with all_or_nothing():
        audit.record("org_unit.renamed", unit, org_unit_id=unit.id, old=unit.name, new=name)
        unit.name = name
    return unit


def assign_comuni(ambito: OrgUnit, comuni: Sequence[OrgUnit]) -> MembershipChange:
    """Make `comuni` the Ambito's comuni: those listed move in, the others go back under the province."""
    province = _province_of_ambito(ambito)
    for comune in comuni:
        if comune.kind != OrgUnitKind.COMUNE or province_of(comune) is not province:
            raise TerritoryError(_l("%(name)s is not a comune of the same province.", name=comune.name))
    wanted = {c.id for c in comuni}
    leaving = [c for c in comuni_under(ambito) if c.id not in wanted]
    arriving = [c for c in comuni if c.parent_id != ambito.id]
    with all_or_nothing():
        for comune in leaving:
            _move(comune, province)
        for comune in arriving:
            _move(comune, ambito)
    return MembershipChange(moved_in=len(arriving), moved_out=len(leaving))


def _move(unit: OrgUnit, new_parent: OrgUnit) -> None:
    old_parent = unit.parent
    move_org_unit(unit, new_parent)
    audit.record(
        "org_unit.moved",
        unit,
        org_unit_id=unit.id,
        old_parent=old_parent.code if old_parent else None,
        new_parent=new_parent.code,
    )


def _province_of_ambito(ambito: OrgUnit) -> OrgUnit:
    province = ambito.parent
    if ambito.kind != OrgUnitKind.AMBITO or province is None:
        raise TerritoryError(_l("Comuni can only be assigned to an Ambito."))
    return province


def comuni_under(unit: OrgUnit) -> list[OrgUnit]:
    """The comuni directly under a province or an Ambito."""
    query = select(OrgUnit).where(OrgUnit.parent_id == unit.id, OrgUnit.kind == OrgUnitKind.COMUNE)
    return list(db.session.scalars(query.order_by(OrgUnit.name)))


def _checked_code(code: str) -> str:
    code = code.strip()
    if problem := check_unit_code(code):
        raise TerritoryError(problem)
    if find_by_code(code) is not None:
        raise TerritoryError(code_taken(code))
    return code


def _checked_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise TerritoryError(_l("The name is empty."))
    if len(name) > NAME_MAX:
        raise TerritoryError(_l("The name is longer than %(max)d characters.", max=NAME_MAX))
    return name
