"""What recording a submission does to the entities it names: the step between validation and storage.

Before storing: the entity attributes the form computes are set on the instance (so the stored XML says what
it asked for) and the create or update is read from it. After inserting the submission, in the same
transaction: the action is applied and every entity its answers name is linked to it. Test submissions
never touch entities, like they never reach statistics.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element  # noqa: S405 - type only

from sqlalchemy import select

from app.cases.datasets import case_scope
from app.cases.entities import apply_entity_action, link_references
from app.extensions import db
from app.models import Entity, EntityList, OrgUnit, User
from forms.engine import Evaluation
from forms.entities import EntityAction, EntityError, entity_action, with_entity_attributes
from forms.spec import FormSpec

__all__ = ["EntityStep", "apply_entity_step", "entity_step"]


@dataclass(frozen=True)
class EntityStep:
    root: Element
    action: EntityAction | None
    datasets: tuple[str, ...]  # the entity lists the form reads, by name


def entity_step(
    spec: FormSpec,
    evaluation: Evaluation,
    attachments: Mapping[str, Any],
    entity_lists: Collection[str],
    *,
    now: datetime,
    lang: str,
) -> EntityStep:
    """The instance to store and the entity action it asks for; EntityError when it is malformed."""
    datasets = tuple(name.removesuffix(".csv") for name in entity_lists)
    if spec.entity is None:
        return EntityStep(evaluation.root, None, datasets)
    root = with_entity_attributes(spec, evaluation.root, now=now, attachments=attachments, language=lang)
    return EntityStep(root, entity_action(spec, root, fields=evaluation.fields), datasets)


def apply_entity_step(
    user: User,
    project_id: int,
    step: EntityStep,
    submission_id: int,
    org_unit_id: int | None,
    data: Mapping[str, Any],
) -> Entity | None:
    """Apply the step's action and link the entities the answers name; EntityError when the action
    cannot apply, or names an entity outside the user's scope (said as for one that does not exist)."""
    entity = None
    if step.action is not None:
        _refuse_outside_scope(user, project_id, step.action)
        entity = apply_entity_action(user, project_id, step.action, submission_id, org_unit_id, data)
    link_references(project_id, step.datasets, data, submission_id, entity.id if entity else None)
    return entity


def _refuse_outside_scope(user: User, project_id: int, action: EntityAction) -> None:
    query = (
        select(Entity.org_unit_id)
        .join(EntityList, EntityList.id == Entity.entity_list_id)
        .where(EntityList.project_id == project_id, EntityList.name == action.dataset)
        .where(Entity.uuid == action.entity_id)
    )
    found = db.session.execute(query).first()
    if found is None:
        return
    scope = case_scope(user, project_id)
    if scope.everywhere:
        return
    path = db.session.get(OrgUnit, found.org_unit_id).path if found.org_unit_id else None
    if not scope.covers_path(path):
        raise EntityError("missing", entity_id=action.entity_id, dataset=action.dataset)
