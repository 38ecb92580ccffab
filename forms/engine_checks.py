"""Problems with answers: required and empty, constraint false, wrong type, a choice not offered."""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element  # noqa: S405 - reading trees only

from forms.engine_binds import Binds, FieldState
from forms.engine_choices import option_values
from forms.engine_plan import NodePlan
from forms.engine_text import FieldProblem, filler, message_pair, problem
from forms.instance_values import text_fits
from forms.spec import MULTIPLE_TYPES, FormSpec

_ENCODED_TYPES = frozenset({"int", "decimal", "boolean", "date", "time", "dateTime"})
_SELECT_TYPES = MULTIPLE_TYPES | {"select1"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_MIN_POINTS = {"geotrace": 2, "geoshape": 3}
# Types whose answers can be wrong (text, notes and the like never are).
_CHECKED_TYPES = _ENCODED_TYPES | _SELECT_TYPES | {"geopoint", *_MIN_POINTS}


def answer_problems(
    spec: FormSpec, binds: Binds, states: dict[str, FieldState], strict: bool
) -> Iterator[FieldProblem]:
    """Problems of every relevant field; only `strict` reports required answers left empty."""
    model, nodes = binds.model, binds.plan.nodes
    for element, path in model.paths.items():
        state = states.get(path)
        if state is None or not state.relevant:
            continue
        node = nodes.get(model.template_paths[element])
        if node is None or node.kind != "field":
            continue
        if not state.value:
            if strict and state.required:
                yield _form_problem(spec, binds, node, element, path, "required")
            continue
        checked = node.calculate is None and node.value_type in _CHECKED_TYPES
        found = _value_problem(spec, binds, node, element, path) if checked else None
        if found is not None:
            yield found
        elif not state.constraint_ok:
            yield _form_problem(spec, binds, node, element, path, "constraint")


def _form_problem(
    spec: FormSpec, binds: Binds, node: NodePlan, element: Element, path: str, kind: str
) -> FieldProblem:
    context = binds.context.at(element, current=element)
    own = message_pair(spec, node.path, kind, binds.context.language or None, filler(context))
    return FieldProblem(path, kind, *own) if own else problem(path, kind)


def _value_problem(
    spec: FormSpec, binds: Binds, node: NodePlan, element: Element, path: str
) -> FieldProblem | None:
    value = element.text or ""
    code = type_problem(value, node.value_type)
    if code is not None:
        return problem(path, code)
    if node.value_type in _SELECT_TYPES:
        return _choice_problem(spec, binds, node, element, path)
    return None


def type_problem(value: str, value_type: str) -> str | None:
    """The message code when a non-empty answer does not fit its type, else None."""
    if value_type in _ENCODED_TYPES:
        return None if text_fits(value, value_type) else value_type
    if value_type == "geopoint":
        return None if _is_point(value) else "geopoint"
    if value_type in _MIN_POINTS:
        points = value.strip().rstrip(";").split(";")
        enough = len(points) >= _MIN_POINTS[value_type]
        return None if enough and all(_is_point(point) for point in points) else value_type
    return None


def _is_point(text: str) -> bool:
    parts = text.split()
    if not 2 <= len(parts) <= 4 or not all(_NUMBER.match(part) for part in parts):
        return False
    numbers = [float(part) for part in parts]
    accuracy_ok = len(numbers) < 4 or numbers[3] >= 0
    return -90 <= numbers[0] <= 90 and -180 <= numbers[1] <= 180 and accuracy_ok


def _choice_problem(
    spec: FormSpec, binds: Binds, node: NodePlan, element: Element, path: str
) -> FieldProblem | None:
    control = spec.control(node.path)
    if control is None or (control.itemset is None and not control.choices):
        return None  # an external or search() select: its choices live outside the form
    chosen = (element.text or "").split() if node.value_type in MULTIPLE_TYPES else [element.text or ""]
    offered = option_values(binds.plan, control, element, binds.context, chosen)
    if offered is None:
        return None  # the attachment holding the choices was not given: nothing to check against
    for value in chosen:
        if value not in offered:
            return problem(path, "choice", value=value)
    repeated = next((value for value in chosen if chosen.count(value) > 1), None)
    return problem(path, "choice_twice", value=repeated) if repeated else None
