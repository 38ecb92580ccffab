"""Entities in the database: the lists of a project, and what a submission's create or update does to them.

The rules themselves (what create and update mean, when an update conflicts) live in forms/entities.py and
forms/entity_versions.py; this module loads the entity, applies the rule and stores the version, in the
transaction of the submission that asked for it. Submissions that only name an entity (a follow-up form
whose case was picked from `minori.csv`) are linked to it as references, for the case's timeline.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select, update

from app import audit
from app.cases.interventions import record_interventions
from app.extensions import db
from app.models import (
    Entity,
    EntityLinkKind,
    EntityList,
    EntitySubmission,
    EntityVersion,
    Form,
    FormAttachment,
    FormVersion,
    User,
    utcnow,
)
from forms.entities import EntityAction, saveto_properties
from forms.entity_versions import EntityState, apply_action
from forms.spec import FormSpec

__all__ = [
    "add_properties",
    "apply_entity_action",
    "ensure_entity_list",
    "link_entity_lists",
    "link_references",
    "state_of",
]

_UUID = re.compile(r"^(?:uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def ensure_entity_list(project_id: int, spec: FormSpec) -> EntityList | None:
    """The entity list a form creates or updates, made when first declared (and linked to the forms of the
    project that already read it); its new properties added."""
    if spec.entity is None:
        return None
    entity_list = _list_named(project_id, spec.entity.dataset)
    if entity_list is None:
        entity_list = EntityList(project_id=project_id, name=spec.entity.dataset, properties=[])
        db.session.add(entity_list)
        db.session.flush()
        _link_readers(entity_list)
    add_properties(entity_list, saveto_properties(spec).values())
    return entity_list


def link_entity_lists(project_id: int, attachments: Iterable[FormAttachment]) -> None:
    """Link the CSV files a new version expects to the project's entity lists of the same name (as ODK
    Central links a form attachment to a dataset): while no file is uploaded, the list is served instead."""
    wanted = {
        a.name.removesuffix(".csv"): a for a in attachments if a.kind == "csv" and a.name.endswith(".csv")
    }
    if not wanted:
        return
    query = select(EntityList).where(EntityList.project_id == project_id, EntityList.name.in_(wanted))
    for entity_list in db.session.scalars(query):
        wanted[entity_list.name].entity_list_id = entity_list.id


def _link_readers(entity_list: EntityList) -> None:
    """Link the attachments named after a new list in the project's existing form versions."""
    versions = select(FormVersion.id).join(Form, Form.id == FormVersion.form_id)
    versions = versions.where(Form.project_id == entity_list.project_id)
    db.session.execute(
        update(FormAttachment)
        .where(FormAttachment.name == f"{entity_list.name}.csv", FormAttachment.form_version_id.in_(versions))
        .values(entity_list_id=entity_list.id)
    )


def apply_entity_action(
    user: User,
    project_id: int,
    action: EntityAction,
    submission_id: int,
    org_unit_id: int | None,
    data: Mapping[str, Any],
) -> Entity:
    """Create or update the entity `action` names, as the submission `submission_id` asks; EntityError when
    it cannot apply (an update of an unknown entity, a create of an existing one). The caller has checked
    that the entity is inside the submitter's scope (the form only offers those)."""
    entity_list = _list_named(project_id, action.dataset)
    if entity_list is None:
        entity_list = EntityList(project_id=project_id, name=action.dataset, properties=[])
        db.session.add(entity_list)
        db.session.flush()
    row = _locked_entity(entity_list.id, action.entity_id)
    current = state_of(row, action.dataset) if row is not None else None
    history = _history(row) if row is not None and _needs_history(current, action) else ()
    state = apply_action(current, action, str(submission_id), history=history)
    if row is None:
        row = Entity(entity_list_id=entity_list.id, uuid=state.id, org_unit_id=org_unit_id)
        db.session.add(row)
    _write(row, state)
    db.session.flush()
    db.session.add(_version_row(row.id, state, submission_id, user))
    kind = EntityLinkKind.CREATED if state.version == 1 else EntityLinkKind.UPDATED
    db.session.add(EntitySubmission(entity_id=row.id, submission_id=submission_id, kind=kind))
    add_properties(entity_list, state.properties)
    record_interventions(row, data, submission_id)
    audit.record_row(
        f"entity.{kind}",
        "Entity",
        row.id,
        org_unit_id=row.org_unit_id,
        actor=user,
        dataset=action.dataset,
        version=state.version,
        submission=submission_id,
        conflict=state.conflict,
    )
    return row


def link_references(
    project_id: int, datasets: Iterable[str], data: Mapping[str, Any], submission_id: int, skip: int | None
) -> list[int]:
    """Link the submission to the entities of `datasets` its answers name (by their uuid), except `skip`
    (the entity it created or updated): the ids of the entities linked."""
    names = list(datasets)
    uuids = set(_uuid_answers(data))
    if not names or not uuids:
        return []
    query = (
        select(Entity.id)
        .join(EntityList, EntityList.id == Entity.entity_list_id)
        .where(EntityList.project_id == project_id, EntityList.name.in_(names), Entity.uuid.in_(uuids))
    )
    linked = [entity_id for entity_id in db.session.scalars(query) if entity_id != skip]
    for entity_id in linked:
        db.session.add(
            EntitySubmission(entity_id=entity_id, submission_id=submission_id, kind=EntityLinkKind.REFERENCED)
        )
    return linked


def state_of(row: Entity, dataset: str) -> EntityState:
    """The entity's current version as the rules of forms/entity_versions see it."""
    return EntityState(
        dataset=dataset,
        id=row.uuid,
        label=row.label,
        version=row.version,
        properties=dict(row.properties or {}),
        conflict=row.conflict,
    )


def _list_named(project_id: int, name: str) -> EntityList | None:
    query = select(EntityList).where(EntityList.project_id == project_id, EntityList.name == name)
    return db.session.scalars(query).first()


def _locked_entity(entity_list_id: int, uuid: str) -> Entity | None:
    """The entity row, locked for this transaction on PostgreSQL: two updates of one case arriving at
    once are applied one after the other, each seeing the other's version (SQLite writes one at a time)."""
    query = select(Entity).where(Entity.entity_list_id == entity_list_id, Entity.uuid == uuid)
    return db.session.scalars(query.with_for_update()).first()


def _needs_history(current: EntityState | None, action: EntityAction) -> bool:
    if current is None or not action.update:
        return False
    return bool(action.branch_id) or (action.base_version or current.version) != current.version


def _history(row: Entity) -> tuple[EntityState, ...]:
    dataset = row.entity_list.name
    return tuple(
        EntityState(
            dataset=dataset,
            id=row.uuid,
            label=version.label,
            version=version.version,
            properties=dict(version.properties or {}),
            base_version=version.base_version,
            conflict=version.conflict,
            branch_id=version.branch_id,
            trunk_version=version.trunk_version,
            branch_base_version=version.branch_base_version,
        )
        for version in row.versions
    )


def _write(row: Entity, state: EntityState) -> None:
    row.label = state.label[:255]
    row.version = state.version
    row.properties = dict(state.properties)
    row.conflict = state.conflict
    row.updated_at = utcnow()


def _version_row(
    entity_id: int, state: EntityState, submission_id: int | None, user: User | None
) -> EntityVersion:
    return EntityVersion(
        entity_id=entity_id,
        version=state.version,
        label=state.label[:255],
        properties=dict(state.properties),
        received=dict(state.received),
        submission_id=submission_id,
        base_version=state.base_version,
        conflict=state.conflict,
        conflicting_properties=list(state.conflicting_properties),
        branch_id=state.branch_id,
        trunk_version=state.trunk_version,
        branch_base_version=state.branch_base_version,
        created_by_id=user.id if user else None,
    )


def add_properties(entity_list: EntityList, properties: Iterable[str]) -> None:
    """Add to the list's properties, in first-seen order, the names it does not have yet."""
    known = list(entity_list.properties or [])
    added = [name for name in properties if name not in known]
    if added:
        entity_list.properties = known + added


def _uuid_answers(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        if _UUID.match(value):
            yield value.removeprefix("uuid:")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key != "meta":  # the instanceID is a uuid too, and never names an entity
                yield from _uuid_answers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _uuid_answers(item)
