"""A digest of what a submission answered, to recognise the same answers sent again whatever their form."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from forms.spec import FormSpec, derived

# A tree of the names leading to calculated and preloaded fields: a name maps to the names below it, or
# to _DROP when the field itself is computed.
Tree = dict[str, "Tree | object"]
_DROP = object()


def answers_digest(spec: FormSpec, data: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of `data` (keyed by field name, as `data_from_instance` gives it) without its
    calculated and preloaded fields, written as canonical JSON (sorted keys, no spaces, UTF-8).

    Those fields are left out because the server computes them again on each arrival (start and end
    times, today()), so they would make the very same answers look different.
    """
    computed, tree = derived(spec, _computed)
    base = f"/{spec.root_name}"
    try:
        canonical = _canonical(_lean(data, base, tree, computed))
    except (TypeError, ValueError):
        # What `_lean` shares holds something JSON cannot write as it is (a Mapping that is not a dict):
        # a full copy turns every Mapping into a dict, and fails where it must.
        canonical = _canonical(_without(data, base, computed))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _canonical(answers: Any) -> str:
    return json.dumps(answers, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def computed_paths(spec: FormSpec) -> frozenset[str]:
    """The template paths of the calculated and preloaded fields, worked out once per spec."""
    return derived(spec, _computed)[0]


def _computed(spec: FormSpec) -> tuple[frozenset[str], Tree]:
    paths = frozenset(path for path, bind in spec.binds.items() if bind.calculate or bind.preload)
    base = f"/{spec.root_name}/"
    tree: Tree = {}
    for path in paths:
        if not path.startswith(base):
            continue  # no path the walk makes can be this one
        *above, last = path[len(base) :].split("/")
        node = tree
        for name in above:
            below = node.setdefault(name, {})
            if below is _DROP:
                break  # a computed group: everything in it is left out already
            node = below  # type: ignore[assignment]
        else:
            node[last] = _DROP
    return paths, tree


def _lean(value: Any, path: str, tree: Tree, computed: frozenset[str]) -> Any:
    """`value` (at `path`, `tree` being the part of the tree there) without its computed fields. What has
    none below it is shared, not copied; it makes the same JSON as a copy, or none at all."""
    if isinstance(value, Mapping):
        kept = {}
        for key, item in value.items():
            if type(key) is str and "/" not in key:
                below = tree.get(key)
                if below is _DROP:
                    continue
                kept[key] = item if below is None else _lean(item, f"{path}/{key}", below, computed)  # type: ignore[arg-type]
            elif f"{path}/{key}" not in computed:  # a key the tree cannot follow: the slow way
                kept[key] = _without(item, f"{path}/{key}", computed)
        return kept
    if isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
        return [_lean(item, path, tree, computed) for item in value]
    return value


def _without(value: Any, path: str, computed: frozenset[str]) -> Any:
    if isinstance(value, Mapping):
        return {
            k: _without(v, f"{path}/{k}", computed) for k, v in value.items() if f"{path}/{k}" not in computed
        }
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        return [_without(v, path, computed) for v in value]
    return value
