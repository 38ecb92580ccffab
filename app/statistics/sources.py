"""Where statistics come from: what the two sources share (scope, territory, records, labels of choices).

The sources themselves are app/statistics/case_records.py (the cartella sociale, grouped by SQL) and
app/statistics/form_records.py (a form's submissions, read one by one). Each gives `Material`: records for
analysis.aggregate, perhaps weighted, with breakdowns and labels. A row belongs to the territory of its org
unit, and the reader sees only rows whose org unit lies in their statistics scope, project by project.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from analysis.aggregate import Breakdown
from analysis.stat_territory import ZONE, Area, TerritoryIndex, Unit
from app.extensions import db
from app.models import OrgUnit, Project, User
from app.permissions import Permission, roles_with
from app.scoping import Scope, user_scope
from app.surveys.filtering import FilterField
from app.surveys.table import FormTable
from forms.tables import label_in


@dataclass
class Material:
    """What a table is made of: records (perhaps weighted), breakdowns, the field summed, display labels."""

    records: Iterable[Mapping[str, object]]
    by: list[Breakdown]
    weight: str | None = None
    measure: str | None = None  # the field summed; None counts
    sensitive: bool = False  # special categories or court measures: the stricter threshold
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # dimension -> code -> label


def statistics_scopes(user: User) -> dict[int, Scope]:
    """The user's statistics scope in each project where they have one."""
    roles = roles_with(Permission.READ_STATISTICS)
    found = {}
    for project_id in db.session.scalars(select(Project.id).order_by(Project.id)):
        scope = user_scope(user, roles, project_id)
        if not scope.empty:
            found[project_id] = scope
    return found


def within(scopes: Iterable[Scope]) -> tuple[str, ...] | None:
    """The subtrees the scopes reach together (None: everywhere), for listing the units of a level."""
    paths: set[str] = set()
    for scope in scopes:
        if scope.everywhere:
            return None
        paths.update(scope.paths)
    return tuple(sorted(paths))


def territory_index() -> TerritoryIndex:
    """The org-unit tree, with the zones of STATISTICS_ZONES (the units that are zones of their own)."""
    rows = db.session.execute(select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.kind, OrgUnit.path))
    return TerritoryIndex((Unit(*row) for row in rows), current_app.config.get("STATISTICS_ZONES"))


def readable_area(user: User, code: str, index: TerritoryIndex) -> Area | None:
    """The unit or zone a code names, when the user's statistics reach it (a unit inside their scope, a
    zone of a unit inside it); None otherwise, as for a code that names nothing."""
    area = index.area(code)
    if area is None:
        return None
    paths = within(statistics_scopes(user).values())
    if area.level == ZONE:
        return area if area.code in index.zones.within(paths) else None
    reached = paths is None or any((area.path or "").startswith(path) for path in paths)
    return area if reached else None


def choice_labels(table: FormTable, found: FilterField, language: str | None) -> dict[str, str]:
    """The label of each choice of a select field, in a language of the form, by its code."""
    default = table.layout.default_language
    return {code: label_in(texts, language, default, code) for code, texts in found.choices}


def main_fields(table: FormTable) -> dict[str, FilterField]:
    """The fields of a form's main table (not inside a repeat), by path."""
    return {path: found for path, found in table.fields.items() if len(found.steps) == 1}


def day(value: object) -> date | None:
    """The day of a date, a datetime or an ISO text ("2025-03-31", "2025-03-31T10:00"); None otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
