"""One evaluation of the binds over an instance: relevance with inheritance, calculates in dependency order,
then readonly, required and constraints for every node."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC
from xml.etree.ElementTree import Element  # noqa: S405 - reading and editing trees only

from forms.engine_model import Model
from forms.engine_plan import Condition, NodePlan, Plan
from forms.engine_text import FieldProblem, problem
from forms.xpath import EvalContext, Expression, XPathError, to_boolean, to_number, to_string
from forms.xpath.dates import date_from_days, date_string, datetime_string, moment_from_days


@dataclass(frozen=True)
class FieldState:
    """What the form says about one node at this moment; `value` is '' when the node is not relevant."""

    relevant: bool
    required: bool
    readonly: bool
    value: str
    constraint_ok: bool

    def __init__(
        self, relevant: bool, required: bool, readonly: bool, value: str, constraint_ok: bool
    ) -> None:
        # Written out because states() makes one per node: the generated __init__ of a frozen dataclass
        # (an object.__setattr__ per field) takes half as long again.
        self.__dict__.update(
            relevant=relevant, required=required, readonly=readonly, value=value, constraint_ok=constraint_ok
        )


@dataclass
class Binds:
    """Bind evaluation over one model.

    A non-relevant answer is held aside (`held`) and its element emptied, so every expression reads it
    as empty, as JavaRosa does; it comes back if the node becomes relevant again in the same evaluation.
    """

    plan: Plan
    model: Model
    context: EvalContext
    held: dict[Element, str] = field(default_factory=dict)
    relevant: dict[Element, bool] = field(default_factory=dict)
    errors: dict[str, FieldProblem] = field(default_factory=dict)

    def run(self) -> None:
        """Relevance and calculates for every node, dependencies first."""
        # A component's members depend on each other through a group's relevance: `steps` lists them
        # twice, and the second round settles them.
        for node in self.plan.steps:
            self._node(node)

    def _node(self, node: NodePlan) -> None:
        parents, relevant, held, condition = self.model.parents, self.relevant, self.held, node.relevant
        for element in self.model.elements.get(node.path, ()):
            on = relevant.get(parents[element], True) and (
                condition if type(condition) is bool else self.truth(condition, element, True)
            )
            relevant[element] = on
            if node.kind != "field":
                continue
            if not on:
                if element.text:  # held aside, to come back if the node becomes relevant again
                    held[element] = element.text
                    element.text = None
                continue
            if element in held:
                element.text = held.pop(element)
            if node.calculate is not None:
                element.text = self.value(node.calculate, element, node.value_type) or None

    def truth(self, condition: Condition, element: Element, fallback: bool) -> bool:
        """A bind condition at `element`; a condition that cannot be evaluated counts as `fallback`."""
        if isinstance(condition, bool):
            return condition
        try:
            return to_boolean(condition.evaluate(self._at(element)))
        except XPathError as error:
            self._error(element, error)
            return fallback

    def value(self, expression: Expression, element: Element, value_type: str) -> str:
        """An expression's result at `element`, written as the node's type stores it."""
        try:
            return stored_text(expression.evaluate(self._at(element)), value_type)
        except XPathError as error:
            self._error(element, error)
            return ""

    def _at(self, element: Element) -> EvalContext:
        # One shared context moved from node to node: cheaper than a copy per expression.
        self.context.node, self.context.current = element, None
        return self.context

    def _error(self, element: Element, error: XPathError) -> None:
        path = self.model.paths.get(element, "")
        self.errors.setdefault(path, problem(path, "expression", problem=str(error)))

    def states(self) -> dict[str, FieldState]:
        """Every node's state, in document order (groups and repeat instances included)."""
        readonly: dict[Element, bool] = {}
        found = {}
        nodes, template_paths = self.plan.nodes, self.model.template_paths
        for element, path in self.model.paths.items():
            node = nodes.get(template_paths[element])
            if node is None:
                continue  # the root
            found[path] = self._state(node, element, readonly)
        return found

    def _state(self, node: NodePlan, element: Element, readonly: dict[Element, bool]) -> FieldState:
        # Most conditions are constants (required is 'true()'): they are read without calling `truth`.
        on = self.relevant.get(element, True)
        locked = readonly.get(self.model.parents[element], False) or node.calculate is not None
        if not locked:
            locked = (
                node.readonly if type(node.readonly) is bool else self.truth(node.readonly, element, False)
            )
        readonly[element] = locked
        if node.kind != "field":
            return _GROUP_STATES[on, locked]
        value = element.text or ""
        required = on and (
            node.required if type(node.required) is bool else self.truth(node.required, element, False)
        )
        constraint_ok = not (on and value and node.constraint) or self.truth(node.constraint, element, True)
        return FieldState(on, required, locked, value, constraint_ok)


# A group's or a repeat instance's state has no value: one frozen object per combination will do.
_GROUP_STATES = {
    (on, locked): FieldState(on, False, locked, "", True) for on in (False, True) for locked in (False, True)
}


def stored_text(value: object, value_type: str) -> str:
    """A calculated value as the instance stores it: NaN as '', whole numbers without '.0', dates as dates."""
    if isinstance(value, bool) and value_type in ("int", "decimal"):
        value = 1.0 if value else 0.0
    if isinstance(value, float):
        return _number_text(value, value_type)
    text = to_string(value)  # type: ignore[arg-type]
    if value_type == "int" and text:
        number = to_number(text)
        return str(int(number)) if math.isfinite(number) else ""
    return text


def _number_text(number: float, value_type: str) -> str:
    if math.isnan(number) or (math.isinf(number) and value_type != "string"):
        return ""
    if value_type == "int":
        return str(int(number))  # JavaRosa truncates towards zero
    if value_type == "date":
        day = date_from_days(number)
        return date_string(day) if day else ""
    if value_type == "dateTime":
        moment = moment_from_days(number, UTC)
        return datetime_string(moment) if moment else ""
    return to_string(number)
