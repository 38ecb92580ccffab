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
        for component in self.plan.order:
            # A component's members depend on each other through a group's relevance: a second round
            # settles them.
            for _ in range(2 if len(component) > 1 else 1):
                for path in component:
                    self._node(self.plan.nodes[path])

    def _node(self, node: NodePlan) -> None:
        for element in self.model.elements.get(node.path, ()):
            parent = self.model.parents[element]
            on = self.relevant.get(parent, True) and self.truth(node.relevant, element, True)
            self.relevant[element] = on
            if node.kind != "field":
                continue
            self._show_or_hold(element, on)
            if on and node.calculate is not None:
                element.text = self.value(node.calculate, element, node.value_type) or None

    def _show_or_hold(self, element: Element, on: bool) -> None:
        if on:
            if element in self.held:
                element.text = self.held.pop(element)
        elif element.text:
            self.held[element] = element.text
            element.text = None

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
        for element, path in self.model.paths.items():
            node = self.plan.nodes.get(self.model.template_paths[element])
            if node is None:
                continue  # the root
            found[path] = self._state(node, element, readonly)
        return found

    def _state(self, node: NodePlan, element: Element, readonly: dict[Element, bool]) -> FieldState:
        on = self.relevant.get(element, True)
        inherited = readonly.get(self.model.parents[element], False)
        readonly[element] = (
            inherited or node.calculate is not None or self.truth(node.readonly, element, False)
        )
        if node.kind != "field":
            return FieldState(on, False, readonly[element], "", True)
        value = element.text or ""
        required = on and self.truth(node.required, element, False)
        constraint_ok = not (on and value and node.constraint) or self.truth(node.constraint, element, True)
        return FieldState(on, required, readonly[element], value, constraint_ok)


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
