"""Entity versions: how a create or update from a submission changes an entity, and when it conflicts.

Conflicts follow ODK Central's handling of updates (and of ODK Collect's offline updates):
- An update is always applied, in the order submissions arrive: it becomes version current + 1, its
  properties replace the ones it sends, the others keep their values, and its label replaces the label
  only when it sends one. We neither refuse it nor apply part of it: the submission records what an
  operator saw and decided, and a case record must not lose that or become an unreviewed mix.
- When it was based on an older version than the current one, the entity is marked as in conflict:
  "hard" when the update sends a different value for a property (or the label) that changed since its
  base version, "soft" otherwise. An offline branch another update broke into is a "soft" conflict too.
- The mark stays on later versions (never downgraded from hard to soft) until someone reviews the
  entity and clears it with `resolve_conflict`.
- Offline updates carry a branchId: their baseVersion counts on the device, so the server version it
  means is found in the entity's history. One whose predecessor in the branch has not arrived yet is
  refused (EntityError "branch_gap"); Central holds it in a backlog instead, which we leave out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from forms.entities import EntityAction, EntityError

__all__ = ["EntityState", "apply_action", "resolve_conflict"]

_SEVERITY = {None: 0, "soft": 1, "hard": 2}


@dataclass(frozen=True)
class EntityState:
    """One version of an entity, as the submission `submission_ref` made it.

    `received` is what that submission sent (its properties, and 'label' if it sent one); `conflict` is
    the entity's conflict mark as of this version ("soft", "hard" or None); `conflicting_properties` are
    the ones this version's update changed on top of a concurrent change. `branch_id`, `trunk_version`
    and `branch_base_version` record an offline update (its device-local base version)."""

    dataset: str
    id: str
    label: str
    version: int
    properties: Mapping[str, str]
    submission_ref: str | None = None
    base_version: int | None = None
    received: Mapping[str, str] = field(default_factory=dict)
    conflict: str | None = None
    conflicting_properties: tuple[str, ...] = ()
    branch_id: str | None = None
    trunk_version: int | None = None
    branch_base_version: int | None = None


def apply_action(
    current: EntityState | None,
    action: EntityAction,
    submission_ref: str,
    *,
    history: Sequence[EntityState] = (),
) -> EntityState:
    """The entity after `action` from the submission `submission_ref`; EntityError when it cannot apply.

    `current` is the entity's latest version, None when it does not exist. `history` holds its versions
    (any order, `current` may be among them) and is needed only for an update based on an older version
    or coming from an offline branch: ValueError when such an update comes without it."""
    if current is not None and current.dataset != action.dataset:
        raise EntityError("wrong_dataset", value=action.dataset, dataset=current.dataset)
    if current is not None and current.id != action.entity_id:
        raise ValueError(f"The action is for entity {action.entity_id}, not for {current.id}.")
    if action.update and current is not None:
        return _update(current, action, submission_ref, {s.version: s for s in (*history, current)})
    if action.create:
        return _create(current, action, submission_ref)
    raise EntityError("missing", entity_id=action.entity_id, dataset=action.dataset)


def resolve_conflict(state: EntityState) -> EntityState:
    """The same version with its conflict mark cleared, once someone has reviewed the entity."""
    return replace(state, conflict=None)


def _create(current: EntityState | None, action: EntityAction, submission_ref: str) -> EntityState:
    if current is not None:
        raise EntityError("exists", entity_id=action.entity_id, dataset=action.dataset)
    if not (action.label or "").strip():
        raise EntityError("label_missing")
    return EntityState(
        dataset=action.dataset,
        id=action.entity_id,
        label=action.label or "",
        version=1,
        properties=dict(action.properties),
        submission_ref=submission_ref,
        received=_received(action),
        branch_id=action.branch_id,
    )


def _update(
    current: EntityState, action: EntityAction, submission_ref: str, versions: Mapping[int, EntityState]
) -> EntityState:
    base = _base_version(current, action, versions)
    conflict, conflicting = _conflict(current, action, base, versions)
    if _SEVERITY[current.conflict] > _SEVERITY[conflict]:
        conflict = current.conflict
    return EntityState(
        dataset=current.dataset,
        id=current.id,
        label=action.label or current.label,
        version=current.version + 1,
        properties={**current.properties, **action.properties},
        submission_ref=submission_ref,
        base_version=base,
        received=_received(action),
        conflict=conflict,
        conflicting_properties=conflicting,
        branch_id=action.branch_id,
        trunk_version=action.trunk_version,
        branch_base_version=action.base_version if action.branch_id else None,
    )


def _base_version(current: EntityState, action: EntityAction, versions: Mapping[int, EntityState]) -> int:
    """The server version the update was based on."""
    params = {"entity_id": current.id, "version": current.version}
    if action.base_version is None:
        raise EntityError("base_version_missing", **params)
    if action.trunk_version is not None and action.trunk_version > current.version:
        raise EntityError("version_not_found", base_version=action.trunk_version, **params)
    base = action.base_version
    if action.branch_id and base not in (1, action.trunk_version):
        # The middle of an offline branch: the version the device made before this one.
        _need_history(versions, current)
        previous = (
            s.version
            for s in versions.values()
            if s.branch_id == action.branch_id and s.branch_base_version == base - 1
        )
        found = next(previous, None)
        if found is None:
            raise EntityError("branch_gap", **params)
        base = found
    if not 1 <= base <= current.version:
        raise EntityError("version_not_found", base_version=base, **params)
    return base


def _conflict(
    current: EntityState, action: EntityAction, base: int, versions: Mapping[int, EntityState]
) -> tuple[str | None, tuple[str, ...]]:
    if base != current.version:
        _need_history(versions, current, base)
        changed = _changes(versions[base], current)
        received = _received(action)
        conflicting = tuple(k for k, v in received.items() if k in changed and changed[k] != v)
        return ("hard" if conflicting else "soft"), conflicting
    if action.branch_id and _interrupted(action, versions, current):
        return "soft", ()
    return None, ()


def _changes(before: EntityState, after: EntityState) -> dict[str, str]:
    """What `after` holds that differs from `before`: properties, and 'label' if it changed."""
    changed = {k: v for k, v in after.properties.items() if before.properties.get(k) != v}
    if after.label != before.label:
        changed["label"] = after.label
    return changed


def _interrupted(action: EntityAction, versions: Mapping[int, EntityState], current: EntityState) -> bool:
    """Whether a version from elsewhere came after the branch's trunk (after version 1 for a branch that
    began with an offline create)."""
    _need_history(versions, current)
    trunk = action.trunk_version or 1
    return any(s.version > trunk and s.branch_id != action.branch_id for s in versions.values())


def _need_history(versions: Mapping[int, EntityState], current: EntityState, base: int | None = None) -> None:
    wanted = set(range(1, current.version + 1)) if base is None else {base}
    if not wanted <= versions.keys():
        raise ValueError(f"Pass the history of entity {current.id} (its versions) to apply this update.")


def _received(action: EntityAction) -> dict[str, str]:
    received = dict(action.properties)
    if action.label:
        received["label"] = action.label
    return received
