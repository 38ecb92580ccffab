"""Entity lists served to forms as CSV datasets (`minori.csv`), holding only the entities in the user's scope.

A form reads an entity list through a CSV attachment named after it: the version expects `minori.csv`, the
attachment is linked to the project's entity list `minori` (app/cases/entities.py links them when either
is created), and no file was uploaded under that name. The same filtered rows feed
the engine (to offer and check the choices), the web fill page and ODK Collect's manifest, so an operator
can never pick, or send an update for, a case outside their org units.

Building the rows of 50,000 entities takes a while, so they are kept per (list, scope) and rebuilt only when
the list changed inside that scope: a count and the latest change time, read with one indexed query.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import func, select

from app.extensions import db
from app.models import Entity, EntityList, FormVersion, User
from app.permissions import Permission, roles_with
from app.scoping import Scope, org_unit_condition, user_scope
from forms.entity_datasets import SYSTEM_COLUMNS, entity_csv
from forms.entity_versions import EntityState

__all__ = ["ScopedList", "entity_datasets", "entity_list_csvs", "entity_lists_read_by", "scoped_list"]

_CACHE: dict[tuple[int, Scope], "ScopedList"] = {}
_CACHE_SIZE = 32


@dataclass
class ScopedList:
    """An entity list as one scope sees it: rows for the engine, the CSV file and its md5."""

    stamp: tuple[object, ...]
    rows: list[dict[str, str]]
    properties: tuple[str, ...]
    states: tuple[EntityState, ...]

    @cached_property
    def csv(self) -> bytes:
        return entity_csv(self.states, self.properties)

    @cached_property
    def md5(self) -> str:
        return hashlib.md5(self.csv, usedforsecurity=False).hexdigest()


def entity_lists_read_by(version: FormVersion) -> dict[str, EntityList]:
    """The entity lists the version reads, by the attachment name it reads them under: its CSV files linked
    to a list and not replaced by an uploaded file. No query for a version without such files."""
    return {
        a.name: a.entity_list for a in version.attachments if a.entity_list_id is not None and a.md5 is None
    }


def case_scope(user: User, project_id: int) -> Scope:
    """Where a user keeps or files case records: the org units of their fill-forms assignments."""
    return user_scope(user, roles=roles_with(Permission.FILL_FORMS), project_id=project_id)


def entity_datasets(user: User, version: FormVersion, project_id: int) -> dict[str, list[dict[str, str]]]:
    """Rows of each entity list the version reads, inside the user's scope, keyed by attachment name."""
    lists = entity_lists_read_by(version)
    if not lists:
        return {}
    scope = case_scope(user, project_id)
    return {name: scoped_list(entity_list, scope).rows for name, entity_list in lists.items()}


def entity_list_csvs(user: User, version: FormVersion, project_id: int) -> dict[str, ScopedList]:
    """The scoped lists the version reads, for serving their CSV files (ODK Collect, downloads)."""
    lists = entity_lists_read_by(version)
    scope = case_scope(user, project_id) if lists else Scope(everywhere=False, paths=())
    return {name: scoped_list(entity_list, scope) for name, entity_list in lists.items()}


def scoped_list(entity_list: EntityList, scope: Scope) -> ScopedList:
    """The live entities of a list inside `scope`, in creation order; rebuilt only when they changed."""
    inside = (
        Entity.entity_list_id == entity_list.id,
        Entity.deleted_at.is_(None),
        org_unit_condition(scope, Entity.org_unit_id),
    )
    properties = tuple(p for p in entity_list.properties or [] if p not in SYSTEM_COLUMNS)
    counted = db.session.execute(select(func.count(), func.max(Entity.updated_at)).where(*inside)).one()
    stamp = (tuple(counted), properties)
    key = (entity_list.id, scope)
    cached = _CACHE.get(key)
    if cached is not None and cached.stamp == stamp:
        return cached
    query = (
        select(Entity.uuid, Entity.label, Entity.version, Entity.properties)
        .where(*inside)
        .order_by(Entity.id)
    )
    states = tuple(
        EntityState(dataset=entity_list.name, id=uuid, label=label, version=version, properties=values or {})
        for uuid, label, version, values in db.session.execute(query)
    )
    built = ScopedList(stamp, [_row(state, properties) for state in states], properties, states)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = built
    return built


def _row(state: EntityState, properties: tuple[str, ...]) -> dict[str, str]:
    values: Mapping[str, str] = state.properties
    row = {"name": state.id, "label": state.label, "__version": str(state.version)}
    row.update((name, str(values.get(name, "") or "")) for name in properties)
    return row
