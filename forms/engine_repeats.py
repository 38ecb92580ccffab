"""Repeat instances and actions: add, remove and count repeats, run setvalue actions, fill preloads."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from xml.etree.ElementTree import Element, SubElement  # noqa: S405 - building trees only

from forms.engine_binds import Binds
from forms.engine_model import EngineError, Model, build, insert_position, template_path
from forms.engine_plan import Plan
from forms.engine_text import FieldProblem, problem
from forms.spec import FormSpec, Setvalue, derived
from forms.xpath import Expression, XPathError, compile_expression, to_number
from forms.xpath.dates import date_string, datetime_string

FIRST_LOAD, NEW_REPEAT, VALUE_CHANGED = "odk-instance-first-load", "odk-new-repeat", "xforms-value-changed"
# A count above this is a form error (or an attack), not a household: refuse to build that many instances.
MAX_REPEAT_COUNT = 1000
_DEVICE_ID = "humus"


def wanted_counts(binds: Binds) -> Iterator[tuple[str, Element, int, list[Element]]]:
    """For each repeat with jr:count, in each relevant parent: (repeat path, parent, count, instances)."""
    plan, model = binds.plan, binds.model
    for path, expression in plan.counts.items():
        parent_path = path.rsplit("/", 1)[0]
        parents = (
            [model.root] if parent_path == model.shape.root.path else model.elements.get(parent_path, [])
        )
        for parent in parents:
            if binds.relevant.get(parent, True):
                instances = [child for child in parent if model.template_paths.get(child) == path]
                yield path, parent, _count(binds, expression, parent, instances, path), instances


def _count(binds: Binds, expression: Expression, parent: Element, instances: list[Element], path: str) -> int:
    # jr:count is relative to the repeat (pyxform writes ' ../membri_count '), so it is evaluated at an
    # instance; with none yet, at a placeholder removed straight after.
    anchor = instances[0] if instances else SubElement(parent, binds.plan.shape.nodes[path].tag)
    try:
        number = to_number(binds.value(expression, anchor, "string") or "nan")
    finally:
        if not instances:
            parent.remove(anchor)
    return min(int(number), MAX_REPEAT_COUNT) if math.isfinite(number) and number > 0 else 0


def adjust_counts(spec: FormSpec, binds: Binds) -> bool:
    """Add or drop trailing instances so each counted repeat has its jr:count; True if any changed."""
    added: list[Element] = []
    removed = False
    for path, parent, count, instances in list(wanted_counts(binds)):
        for extra in instances[count:]:
            parent.remove(extra)
            removed = True
        added.extend(
            append_instance(binds.plan, binds.model, parent, path) for _ in range(count - len(instances))
        )
    if added or removed:
        binds.model.index()
    for element in added:
        run_actions(spec, binds, NEW_REPEAT, anchor=element)
    return bool(added) or removed


def count_problems(binds: Binds) -> Iterator[FieldProblem]:
    for path, parent, count, instances in wanted_counts(binds):
        if count != len(instances):
            at = f"{binds.model.paths[parent]}/{path.rsplit('/', 1)[1]}"
            yield problem(at, "repeat_count", expected=count, found=len(instances))


def append_instance(plan: Plan, model: Model, parent: Element, path: str) -> Element:
    """A new instance of a repeat from its template, placed after the parent's last one."""
    node = plan.shape.nodes[path]
    parent_node = plan.shape.nodes[path.rsplit("/", 1)[0]]
    element = build(node)
    parent.insert(insert_position(plan.shape, parent, parent_node, node.name), element)
    return element


def check_changeable(spec: FormSpec, plan: Plan, path: str) -> None:
    """Refuse to add or remove instances of a repeat that is not one, or whose count the form fixes."""
    if path not in plan.shape.nodes or not plan.shape.nodes[path].repeat:
        raise EngineError(
            f"{path} is not a repeat of this form.", f"{path} non è una ripetizione di questo modulo."
        )
    if path in plan.fixed:
        raise EngineError(
            "This form does not let you add or remove entries here.",
            "Questo modulo non consente di aggiungere o togliere elementi qui.",
        )


def check_removable(binds: Binds, element: Element, path: str) -> None:
    """Refuse to go below the count the form asks for with jr:count."""
    parent = binds.model.parents[element]
    for counted, where, count, instances in wanted_counts(binds):
        if counted == path and where is parent and len(instances) - 1 < count:
            raise EngineError(
                f"This repeat must keep {count} entries: change the number it depends on instead.",
                f"Questa ripetizione deve avere {count} elementi: cambiare invece il numero da cui dipende.",
            )


def run_actions(
    spec: FormSpec, binds: Binds, event: str, anchor: Element | None = None, *, empty_meta_only: bool = False
) -> None:
    """Run the setvalues listening to `event`; with an anchor, only on targets inside it (a new repeat).

    `empty_meta_only` limits them to meta nodes still empty, such as the entity id a submission that
    never went through `new_instance` lacks.
    """
    for action in spec.setvalues:
        if event not in action.events or action.action != "setvalue":
            continue
        if empty_meta_only and "/meta/" not in action.ref:
            continue
        path, attribute = split_ref(action.ref)
        for target in targets(binds.model, path, anchor):
            if not (empty_meta_only and _current(target, attribute)):
                set_value(binds, action, target, attribute)


def fire_value_changed(spec: FormSpec, binds: Binds, previous: Mapping[str, str]) -> bool:
    """Run each xforms-value-changed setvalue whose question differs from `previous`; True if any ran."""
    fired = False
    for action in spec.setvalues:
        if VALUE_CHANGED not in action.events or not action.control:
            continue
        path, attribute = split_ref(action.ref)
        for trigger in list(binds.model.elements.get(action.control, ())):
            if (trigger.text or "") != previous.get(binds.model.paths[trigger], ""):
                for target in targets(binds.model, path, trigger):
                    set_value(binds, action, target, attribute)
                fired = True
    return fired


def split_ref(ref: str) -> tuple[str, str | None]:
    """'/data/meta/entity/@id' as ('/data/meta/entity', 'id'); a plain element path with None."""
    path, _, attribute = template_path(ref.strip()).partition("/@")
    return path, attribute or None


def targets(model: Model, path: str, anchor: Element | None) -> list[Element]:
    """The elements a setvalue writes: those in the anchor's repeat instance when it shares one with them."""
    found = model.elements.get(path, [])
    node: Element | None = anchor
    while node is not None:
        repeat = model.template_paths.get(node, "")
        template = model.shape.nodes.get(repeat)
        if template is not None and template.repeat and path.startswith(repeat + "/"):
            return [element for element in found if model.within(element, node)]
        node = model.parents.get(node)
    return found


def _current(target: Element, attribute: str | None) -> str:
    return (target.get(attribute) if attribute else target.text) or ""


def set_value(binds: Binds, action: Setvalue, target: Element, attribute: str | None = None) -> None:
    """Write a setvalue's result into the target element's text, or into one of its attributes."""
    node = binds.plan.nodes.get(binds.model.template_paths.get(target, ""))
    value_type = node.value_type if node and attribute is None else "string"
    if action.value is None:
        value = action.literal or ""  # XForms: no value attribute means the element's text, or empty
    else:
        try:
            value = binds.value(compile_expression(action.value), target, value_type)
        except XPathError:
            return  # check_form refuses such forms at upload
    if attribute:
        target.set(attribute, value)
    else:
        target.text = value or None


def fill_preloads(
    spec: FormSpec, model: Model, *, now: datetime, username: str, instance_id: str | None
) -> None:
    """Set the preloaded fields that are still empty: instanceID, start, today and the user properties."""
    values: dict[tuple[str, str], Callable[[], str]] = {
        ("uid", ""): lambda: instance_id or f"uuid:{uuid.uuid4()}",
        ("timestamp", "start"): lambda: datetime_string(now),
        ("date", "today"): lambda: date_string(now.date()),
        ("property", "username"): lambda: username,
        ("property", "deviceid"): lambda: _DEVICE_ID,
    }
    _fill(spec, model, values)


def fill_end(spec: FormSpec, model: Model, *, now: datetime, username: str) -> None:
    """Set the `end` timestamp, and a missing instanceID or username, as ODK Collect does on finalising."""
    values: dict[tuple[str, str], Callable[[], str]] = {
        ("timestamp", "end"): lambda: datetime_string(now),
        ("uid", ""): lambda: f"uuid:{uuid.uuid4()}",
        ("property", "username"): lambda: username,
    }
    _fill(spec, model, values)


def _fill(spec: FormSpec, model: Model, values: Mapping[tuple[str, str], Callable[[], str]]) -> None:
    # A value is made only for a field left empty, and once: every empty instanceID gets the same uuid.
    made: dict[tuple[str, str], str] = {}
    for path, key in derived(spec, _preloads):
        if key in values:
            for element in model.elements.get(path, ()):
                if not element.text:
                    if key not in made:
                        made[key] = values[key]()
                    element.text = made[key] or None


def _preloads(spec: FormSpec) -> list[tuple[str, tuple[str, str]]]:
    """The preloaded fields, each with its (preload, parameters) key."""
    found = []
    for path, bind in spec.binds.items():
        preload = (bind.preload or "").strip()
        if preload:
            found.append(
                (path, (preload, "" if bind.preload == "uid" else (bind.preload_params or "").strip()))
            )
    return found
