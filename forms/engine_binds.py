"""One evaluation of the binds over an instance: relevance with inheritance, and calculates in dependency
order (`engine_states` then reads every node's state)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC
from xml.etree.ElementTree import Element  # noqa: S405 - reading and editing trees only

from forms.engine_model import Model
from forms.engine_plan import Condition, Plan
from forms.engine_text import FieldProblem, problem
from forms.xpath import EvalContext, Expression, XPathError, to_boolean, to_number, to_string
from forms.xpath.dates import date_from_days, date_string, datetime_string, moment_from_days
from forms.xpath.evaluator import Scope


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
    _scope: Scope = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Registered once, as `Expression.evaluate` would before each expression; one scope moved from node
        # to node, as the context is: expressions run one at a time, and none keeps its scope.
        self.context.trees.document(self.context.root)
        self._scope = Scope(self.context, self.context.root)

    def run(self) -> None:
        """Relevance and calculates for every node, dependencies first."""
        # A component's members depend on each other through a group's relevance: `steps` lists them
        # twice, and the second round settles them. The loop is written out (no call per node) because
        # it visits every element of the instance.
        elements, parents, relevant, held = self.model.elements, self.model.parents, self.relevant, self.held
        for path, is_field, condition, calculate, value_type in self.plan.run_steps:
            constant = type(condition) is bool
            for element in elements.get(path, ()):
                on = relevant.get(parents[element], True) and (
                    condition if constant else self.truth(condition, element, True)  # type: ignore[arg-type]
                )
                relevant[element] = on
                if not is_field:
                    continue
                if not on:
                    if element.text:  # held aside, to come back if the node becomes relevant again
                        held[element] = element.text
                        element.text = None
                    continue
                if held and element in held:
                    element.text = held.pop(element)
                if calculate is not None:
                    element.text = self.value(calculate, element, value_type) or None

    def truth(self, condition: Condition, element: Element, fallback: bool) -> bool:
        """A bind condition at `element`; a condition that cannot be evaluated counts as `fallback`."""
        if isinstance(condition, bool):
            return condition
        try:
            value = condition.run(self._move(element))
        except XPathError as error:
            self._error(element, condition.failure(error))
            return fallback
        return value if type(value) is bool else to_boolean(value)  # comparisons give a bool already

    def value(self, expression: Expression, element: Element, value_type: str) -> str:
        """An expression's result at `element`, written as the node's type stores it."""
        try:
            return stored_text(expression.run(self._move(element)), value_type)
        except XPathError as error:
            self._error(element, expression.failure(error))
            return ""

    def _move(self, element: Element) -> Scope:
        # What Expression.evaluate does at `element`, with the shared context and scope.
        context, scope = self.context, self._scope
        context.node, context.current, scope.node = element, None, element
        return scope

    def _error(self, element: Element, error: XPathError) -> None:
        path = self.model.paths.get(element, "")
        self.errors.setdefault(path, problem(path, "expression", problem=str(error)))


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
