"""Loading checked territory and Ambito files into the tree: every row or none."""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.extensions import db
from app.models import OrgUnit, OrgUnitKind
from app.territory.csvfile import (
    AssignmentFile,
    AssignmentRow,
    ComuneRow,
    TerritoryFile,
    check_unit_code,
    span_message,
)
from app.territory.errors import Message, RowErrors
from app.territory.tree import TerritoryError, add_org_unit, move_org_unit, province_of

REGION, PROVINCE, AMBITO, COMUNE = (
    OrgUnitKind.REGION,
    OrgUnitKind.PROVINCE,
    OrgUnitKind.AMBITO,
    OrgUnitKind.COMUNE,
)
QUERY_CHUNK = 500  # codes per IN (...), well below SQLite's limit on bound parameters


@dataclass(frozen=True)
class LoadReport:
    """What a territory file did to the comuni."""

    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        return _(
            "Comuni in the file: %(total)d (created: %(created)d, updated: %(updated)d, "
            "unchanged: %(unchanged)d).",
            total=self.total,
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
        )


@dataclass(frozen=True)
class AssignmentReport:
    """What an Ambito assignment file did."""

    ambiti_created: int
    moved: int
    unchanged: int

    def summary(self) -> str:
        return _(
            "Comuni moved: %(moved)d; already in place: %(unchanged)d; new Ambiti: %(created)d.",
            moved=self.moved,
            unchanged=self.unchanged,
            created=self.ambiti_created,
        )


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """Commit what the block did, or roll all of it back and let the error through."""
    try:
        yield
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        # Another change got there first, e.g. two administrators creating the same code at once.
        raise TerritoryError(
            _l("The change clashes with one made at the same time: reload and retry.")
        ) from exc
    except BaseException:
        db.session.rollback()
        raise


def code_taken(code: str) -> LazyString:
    return _l("The code %(code)s is already in use: every org unit needs a code of its own.", code=code)


def units_by_code(codes: set[str]) -> dict[str, OrgUnit]:
    """The existing org units with these codes, by code."""
    ordered = sorted(codes)
    found: dict[str, OrgUnit] = {}
    for start in range(0, len(ordered), QUERY_CHUNK):
        query = select(OrgUnit).where(OrgUnit.code.in_(ordered[start : start + QUERY_CHUNK]))
        found.update((unit.code, unit) for unit in db.session.scalars(query))
    return found


def load_territory(parsed: TerritoryFile, region_code: str = "16", region_name: str = "Puglia") -> LoadReport:
    """Create or update a region's provinces, Ambiti and comuni from a checked file, all or nothing.

    Loading the same file again changes nothing. A comune already placed in an Ambito of its province
    stays there when the file leaves its Ambito blank.
    """
    region_code, region_name = region_code.strip(), region_name.strip()
    codes = {region_code} | {c.istat_code for c in parsed.comuni} | set(parsed.provinces)
    with all_or_nothing():
        units = units_by_code(codes | {c.ambito for c in parsed.comuni if c.ambito})
        _check_territory(parsed, region_code, region_name, units)
        loader = _Loader(units)
        region = loader.ensure(region_code, region_name, REGION, None)
        outcomes = Counter(loader.comune(row, region) for row in parsed.comuni)
        report = LoadReport(outcomes["created"], outcomes["updated"], outcomes["unchanged"])
        created = {str(kind): n for kind, n in loader.created.items()}
        audit.record(
            "territory.loaded", region, org_unit_id=region.id, **asdict(report), units_created=created
        )
    return report


class _Loader:
    def __init__(self, units: dict[str, OrgUnit]) -> None:
        self.units = units
        self.created: Counter[str] = Counter()

    def ensure(self, code: str, name: str, kind: str, parent: OrgUnit | None) -> OrgUnit:
        """The unit with this code: created, or renamed to match the file (Ambiti keep their names)."""
        unit = self.units.get(code)
        if unit is None:
            unit = self.units[code] = add_org_unit(code, name, kind, parent)
            self.created[kind] += 1
        elif kind != AMBITO and unit.name != name:
            unit.name = name
        return unit

    def comune(self, row: ComuneRow, region: OrgUnit) -> str:
        """Create or update one comune; say which of the two it was, or that nothing changed."""
        province = self.ensure(row.province_code, row.province_name, PROVINCE, region)
        ambito = self.ensure(row.ambito, row.ambito, AMBITO, province) if row.ambito else None
        unit = self.units.get(row.istat_code)
        if unit is None:
            self.ensure(row.istat_code, row.name, COMUNE, ambito or province)
            return "created"
        changed = unit.name != row.name
        unit.name = row.name
        target = ambito or _kept_parent(unit, province)
        if unit.parent_id != target.id:
            move_org_unit(unit, target)
            changed = True
        return "updated" if changed else "unchanged"


def _kept_parent(unit: OrgUnit, province: OrgUnit) -> OrgUnit:
    # An Ambito chosen earlier (by hand or by an assignment file) survives a reload with a blank column.
    parent = unit.parent
    if parent is not None and parent.kind == AMBITO and parent.parent_id == province.id:
        return parent
    return province


def _check_territory(parsed: TerritoryFile, code: str, name: str, units: dict[str, OrgUnit]) -> None:
    errors = RowErrors()
    region = units.get(code)
    for problem in _region_problems(parsed, code, name, region):
        errors.add(None, problem)
    # Codes the file gives to non-Ambito units: an Ambito cannot reuse them.
    taken = {code} | set(parsed.provinces) | {c.istat_code for c in parsed.comuni}
    seen: set[str] = set()
    for row in parsed.comuni:
        unit = units.get(row.istat_code)
        if unit is not None and unit.kind != COMUNE:
            errors.add(row.row, code_taken(row.istat_code))
        if row.province_code not in seen:
            seen.add(row.province_code)
            for problem in _province_problems(row, region, units):
                errors.add(row.row, problem)
        if row.ambito and row.ambito not in seen:
            seen.add(row.ambito)
            for problem in _ambito_problems(row, units, taken):
                errors.add(row.row, problem)
    errors.raise_if_any()


def _region_problems(
    parsed: TerritoryFile, code: str, name: str, region: OrgUnit | None
) -> Iterator[Message]:
    if problem := check_unit_code(code):
        yield problem
    if not name:
        yield _l("The region name is empty.")
    clashes_in_file = code in parsed.provinces or any(c.istat_code == code for c in parsed.comuni)
    if clashes_in_file or (region is not None and region.kind != REGION):
        yield code_taken(code)


def _province_problems(
    row: ComuneRow, region: OrgUnit | None, units: dict[str, OrgUnit]
) -> Iterator[Message]:
    province = units.get(row.province_code)
    if province is None:
        return
    if province.kind != PROVINCE:
        yield code_taken(row.province_code)
    elif region is None or province.parent_id != region.id:
        yield _l("The province %(code)s already belongs to another region.", code=row.province_code)


def _ambito_problems(row: ComuneRow, units: dict[str, OrgUnit], taken: set[str]) -> Iterator[Message]:
    ambito = units.get(row.ambito)
    if row.ambito in taken or (ambito is not None and ambito.kind != AMBITO):
        yield code_taken(row.ambito)
    elif ambito is not None and ambito.parent_id is not None and ambito.parent.code != row.province_code:
        yield _elsewhere(row.ambito, ambito, row.province_code)


def _elsewhere(code: str, ambito: OrgUnit, province_code: str) -> LazyString:
    return _l(
        "The Ambito %(ambito)s belongs to the province %(province)s, not %(other)s.",
        ambito=code,
        province=ambito.parent.code if ambito.parent else "",
        other=province_code,
    )


def assign_ambiti(parsed: AssignmentFile) -> AssignmentReport:
    """Put comuni in the Ambiti a checked file names, creating missing Ambiti; all or nothing."""
    with all_or_nothing():
        units = units_by_code({r.istat_code for r in parsed.rows} | {r.ambito for r in parsed.rows})
        provinces = _check_assignment(parsed, units)
        known = len(units)
        moved = sum(_assign(row, units, provinces) for row in parsed.rows)
        # _assign adds each Ambito it creates to `units`.
        report = AssignmentReport(len(units) - known, moved, len(parsed.rows) - moved)
        audit.record("territory.ambiti_assigned", None, **asdict(report))
    return report


def _assign(row: AssignmentRow, units: dict[str, OrgUnit], provinces: dict[str, OrgUnit]) -> bool:
    """Put one comune in its Ambito, creating the Ambito on its first row; say whether the comune moved."""
    ambito = units.get(row.ambito)
    if ambito is None:
        name = row.ambito_name or row.ambito
        ambito = units[row.ambito] = add_org_unit(row.ambito, name, AMBITO, provinces[row.ambito])
    elif row.ambito_name and ambito.name != row.ambito_name:
        ambito.name = row.ambito_name
    comune = units[row.istat_code]
    if comune.parent_id == ambito.id:
        return False
    move_org_unit(comune, ambito)
    return True


def _check_assignment(parsed: AssignmentFile, units: dict[str, OrgUnit]) -> dict[str, OrgUnit]:
    """The province of each Ambito in the file, or every reason the file cannot be applied."""
    errors = RowErrors()
    provinces: dict[str, tuple[OrgUnit, int]] = {}
    for row in parsed.rows:
        comune, ambito = units.get(row.istat_code), units.get(row.ambito)
        province = province_of(comune) if comune is not None and comune.kind == COMUNE else None
        if province is None:
            errors.add(row.row, _l("No comune has the ISTAT code %(code)s.", code=row.istat_code))
        elif ambito is not None and ambito.kind != AMBITO:
            errors.add(row.row, code_taken(row.ambito))
        elif (first := provinces.setdefault(row.ambito, (province, row.row)))[0] is not province:
            errors.add(row.row, span_message(row.ambito, first[0].code, first[1]))
        elif ambito is not None and ambito.parent_id != province.id:
            errors.add(row.row, _elsewhere(row.ambito, ambito, province.code))
    errors.raise_if_any()
    return {code: province for code, (province, _row) in provinces.items()}
