"""The completeness dashboard of a cycle: its grid of periods by org unit (and service), rates and gaps.

Decisions:
- Rows are the cycle's org units inside the reader's scope; a cycle by service has one row per service
  registered inside each of them: the active ones, and any other that has filed in the cycle, so a
  service closed since keeps its reports.
- A service belongs to the deepest expected unit holding it, as its reports do (app/monitoring/filing.py).
- A report in the trash counts as not filed.
- A filed cell links to its submission only for those who may read that submission (READ_DATA over its
  org unit).
"""

import csv
import io
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from analysis.completeness import (
    Completeness,
    Rate,
    Slot,
    completeness,
    containing_unit,
    cycle_periods,
    expected_slots,
    latest_due,
)
from analysis.errors import StatisticsError
from app.extensions import db
from app.models import OrgUnit, ReportFiling, ReportingCycle, Service, Submission, User
from app.monitoring.cycles import units_in_scope
from app.permissions import Permission, roles_with
from app.scoping import user_scope
from forms.exports.cells import csv_cells


@dataclass(frozen=True)
class Cell:
    period: str
    filed: bool
    submission_id: int | None = None  # set when the reader may open the report


@dataclass(frozen=True)
class GridRow:
    unit: OrgUnit
    service: Service | None
    cells: tuple[Cell, ...]
    rate: Rate


@dataclass(frozen=True)
class Gap:
    """A report missing for the period shown: the unit and, in a cycle by service, the service."""

    unit: OrgUnit
    service: Service | None


@dataclass(frozen=True)
class Dashboard:
    cycle: ReportingCycle
    periods: list[str]
    units: list[OrgUnit]
    rows: list[GridRow]
    result: Completeness
    period: str | None  # the period whose missing reports are listed
    missing: list[Gap]
    without_services: list[OrgUnit]  # units of a cycle by service with no service registered


def dashboard(
    user: User, cycle: ReportingCycle, period: str | None = None, today: date | None = None
) -> Dashboard:
    """The cycle's completeness as the user may see it; the missing reports of `period`, by default the
    latest period that has ended."""
    periods = _periods(cycle)
    units = units_in_scope(user, cycle)
    services = _services(cycle, units) if cycle.by_service else None
    filings = _filings(cycle, units)
    expected = expected_slots([unit.id for unit in units], periods, _service_ids(services))
    result = completeness(expected, filings.keys())
    links = _links(user, cycle, filings)
    rows = [_row(unit, service, periods, result, links) for unit, service in _row_keys(units, services)]
    if period not in periods:
        period = latest_due(periods, today or date.today(), cycle.period_unit)
    return Dashboard(
        cycle=cycle,
        periods=periods,
        units=units,
        rows=rows,
        result=result,
        period=period,
        missing=_gaps(result, period, units, services),
        without_services=[unit for unit in units if services is not None and not services.get(unit.id)],
    )


def _periods(cycle: ReportingCycle) -> list[str]:
    try:
        return cycle_periods(cycle.first_period, cycle.last_period, cycle.period_unit)
    except StatisticsError:
        return []


def _services(cycle: ReportingCycle, units: list[OrgUnit]) -> dict[int, list[Service]]:
    """Each unit's services (id -> services by name): active ones and those with a filing in the cycle."""
    if not units:
        return {}
    filed = select(ReportFiling.service_id).where(
        ReportFiling.cycle_id == cycle.id, ReportFiling.service_id.is_not(None)
    )
    query = (
        select(Service)
        .join(OrgUnit, OrgUnit.id == Service.org_unit_id)
        .where(or_(*(OrgUnit.path.startswith(unit.path, autoescape=True) for unit in units)))
        .where(or_(Service.active.is_(True), Service.id.in_(filed)))
        .options(joinedload(Service.org_unit))
        .order_by(Service.name, Service.id)
    )
    expected = {unit.org_unit_id: unit.org_unit.path for unit in cycle.units}
    shown = {unit.id for unit in units}
    found: dict[int, list[Service]] = {unit.id: [] for unit in units}
    for service in db.session.scalars(query):
        unit_id = containing_unit(service.org_unit.path, expected)
        if unit_id in shown:
            found[unit_id].append(service)
    return found


def _service_ids(services: dict[int, list[Service]] | None) -> dict[int, list[int]] | None:
    if services is None:
        return None
    return {unit_id: [service.id for service in found] for unit_id, found in services.items()}


@dataclass(frozen=True)
class _Filed:
    slot: Slot
    submission_id: int
    unit_path: str | None


def _filings(cycle: ReportingCycle, units: list[OrgUnit]) -> dict[Slot, _Filed]:
    query = (
        select(ReportFiling, Submission.id, OrgUnit.path)
        .join(Submission, Submission.id == ReportFiling.submission_id)
        .outerjoin(OrgUnit, OrgUnit.id == Submission.org_unit_id)
        .where(ReportFiling.cycle_id == cycle.id, ReportFiling.org_unit_id.in_([unit.id for unit in units]))
        .where(Submission.deleted_at.is_(None))
    )
    found = {}
    for filing, submission_id, path in db.session.execute(query):
        slot = Slot(filing.org_unit_id, filing.service_id, filing.period)
        found[slot] = _Filed(slot, submission_id, path)
    return found


def _links(user: User, cycle: ReportingCycle, filings: dict[Slot, _Filed]) -> dict[Slot, int]:
    scope = user_scope(user, roles=roles_with(Permission.READ_DATA), project_id=cycle.form.project_id)
    return {slot: f.submission_id for slot, f in filings.items() if scope.covers_path(f.unit_path)}


def _row_keys(
    units: list[OrgUnit], services: dict[int, list[Service]] | None
) -> list[tuple[OrgUnit, Service | None]]:
    if services is None:
        return [(unit, None) for unit in units]
    return [(unit, service) for unit in units for service in services.get(unit.id, [])]


def _row(
    unit: OrgUnit, service: Service | None, periods: list[str], result: Completeness, links: dict[Slot, int]
) -> GridRow:
    slots = [Slot(unit.id, service.id if service else None, period) for period in periods]
    cells = tuple(Cell(slot.period, result.is_filed(slot), links.get(slot)) for slot in slots)
    return GridRow(unit, service, cells, completeness(slots, result.filed).overall)


def _gaps(
    result: Completeness, period: str | None, units: list[OrgUnit], services: dict[int, list[Service]] | None
) -> list[Gap]:
    if period is None or period not in result.by_period:
        return []
    by_id = {unit.id: unit for unit in units}
    by_service = {service.id: service for found in (services or {}).values() for service in found}
    return [
        Gap(by_id[slot.org_unit_id], by_service.get(slot.service_id) if slot.service_id else None)
        for slot in result.by_period[period].missing
    ]


def grid_csv(board: Dashboard) -> bytes:
    """The grid as CSV (UTF-8 with BOM, for spreadsheets): one row per unit (and service), 1 for a report
    filed and 0 for one missing in each period, the row's rate; a last row with each period's rate."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    by_service = board.cycle.by_service
    head = [_("Org unit code"), _("Org unit")]
    head += [_("Service code"), _("Service")] if by_service else []
    writer.writerow(csv_cells([*head, *board.periods, _("Reporting rate (%)")]))
    for row in board.rows:
        names = [row.unit.code, row.unit.name]
        names += [row.service.code, row.service.name] if row.service is not None else []
        marks = [1 if cell.filed else 0 for cell in row.cells]
        writer.writerow(csv_cells([*names, *marks, _percent(row.rate)]))
    rates = [
        _percent(board.result.by_period[p]) if p in board.result.by_period else "" for p in board.periods
    ]
    blanks = [""] * (len(head) - 1)
    writer.writerow(csv_cells([_("Reporting rate (%)"), *blanks, *rates, _percent(board.result.overall)]))
    return out.getvalue().encode("utf-8-sig")


def _percent(rate: Rate) -> str:
    return "" if rate.percent is None else f"{rate.percent:.1f}"
