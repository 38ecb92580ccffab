"""Problems with answers: required and empty, constraint false, wrong type, a choice not offered."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from xml.etree.ElementTree import Element  # noqa: S405 - reading trees only

from forms.engine_binds import Binds
from forms.engine_choices import option_values
from forms.engine_plan import ENCODED_TYPES, NodePlan, NodeRule
from forms.engine_text import FieldProblem, filler, message_pair, problem
from forms.instance_values import text_fits
from forms.spec import MULTIPLE_TYPES, FormSpec

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_MIN_POINTS = {"geotrace": 2, "geoshape": 3}

# A relevant field whose answer may have a problem, as the walk of the states found it:
# (element, path, rule, answer, constraint holds); an empty answer is there only when it is required.
Answer = tuple[Element, str, NodeRule, str, bool]


def answer_problems(spec: FormSpec, binds: Binds, answers: Iterable[Answer]) -> Iterator[FieldProblem]:
    """The problem of each answer, if it has one: required and empty, of the wrong type or not among the
    choices, or breaking its constraint (one problem per answer, in that order)."""
    for element, path, rule, value, constraint_ok in answers:
        if not value:
            yield _form_problem(spec, binds, rule.node, element, path, "required")
            continue
        found = _value_problem(binds, rule, element, path, value) if rule.checked else None
        if found is not None:
            yield found
        elif not constraint_ok:
            yield _form_problem(spec, binds, rule.node, element, path, "constraint")


def _form_problem(
    spec: FormSpec, binds: Binds, node: NodePlan, element: Element, path: str, kind: str
) -> FieldProblem:
    context = binds.context.at(element, current=element)
    own = message_pair(spec, node.path, kind, binds.context.language or None, filler(context))
    return FieldProblem(path, kind, *own) if own else problem(path, kind)


def _value_problem(
    binds: Binds, rule: NodeRule, element: Element, path: str, value: str
) -> FieldProblem | None:
    code = type_problem(value, rule.node.value_type)
    if code is not None:
        return problem(path, code)
    if rule.control is not None:
        return _choice_problem(binds, rule, element, path, value)
    return None


def type_problem(value: str, value_type: str) -> str | None:
    """The message code when a non-empty answer does not fit its type, else None."""
    if value_type in ENCODED_TYPES:
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
    binds: Binds, rule: NodeRule, element: Element, path: str, value: str
) -> FieldProblem | None:
    control = rule.control
    if control is None or (control.itemset is None and not control.choices):
        return None  # an external or search() select: its choices live outside the form
    chosen = value.split() if rule.node.value_type in MULTIPLE_TYPES else [value]
    offered = rule.offered
    if offered is None:
        offered = option_values(binds.plan, control, element, binds.context, chosen)
    if offered is None:
        return None  # the attachment holding the choices was not given: nothing to check against
    for each in chosen:
        if each not in offered:
            return problem(path, "choice", value=each)
    if len(chosen) == 1 or len(set(chosen)) == len(chosen):
        return None
    repeated = next(each for each in chosen if chosen.count(each) > 1)
    return problem(path, "choice_twice", value=repeated)
