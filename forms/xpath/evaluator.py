"""Evaluate a syntax tree with XPath 1.0 semantics: paths, predicates, operators and function calls."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from forms.xpath.context import EvalContext
from forms.xpath.errors import XPathEvaluationError
from forms.xpath.nodes import FORWARD_ORDERED_AXES, REVERSE_AXES, Node, axis_nodes, matches, named_children
from forms.xpath.registry import FUNCTIONS
from forms.xpath.tree import Binary, Call, Expr, Filter, Literal, Negate, Path, Step
from forms.xpath.values import Value, compare, to_boolean, to_number


@dataclass(frozen=True, slots=True)
class Scope:
    """Where evaluation stands: the EvalContext, the context node, and inside a predicate its position."""

    context: EvalContext
    node: Node
    position: int | None = None
    size: int | None = None

    def evaluate(self, expr: Expr) -> Value:
        return _EVALUATORS[type(expr)](self, expr)

    def focus(self, node: Node, position: int | None = None, size: int | None = None) -> Scope:
        return replace(self, node=node, position=position, size=size)

    def node_set(self, expr: Expr, what: str) -> list[Node]:
        """Evaluate an expression that must give a node-set (compilation checks most cases)."""
        value = self.evaluate(expr)
        if not isinstance(value, list):
            raise XPathEvaluationError(f"{what} needs a node-set, such as a path, not the value {value!r}.")
        return value

    def sort(self, nodes: list[Node]) -> list[Node]:
        """Document order without duplicates."""
        unique = {id(node): node for node in nodes}.values()
        return sorted(unique, key=self.context.trees.order)


def evaluate(expr: Expr, context: EvalContext) -> Value:
    context.trees.document(context.root)  # registers the primary tree, so parents can be found
    return Scope(context, context.context_node).evaluate(expr)


def _literal(scope: Scope, expr: Literal) -> Value:
    return expr.value


def _negate(scope: Scope, expr: Negate) -> Value:
    return -to_number(scope.evaluate(expr.operand))


def _binary(scope: Scope, expr: Binary) -> Value:
    if expr.op == "or":
        return to_boolean(scope.evaluate(expr.left)) or to_boolean(scope.evaluate(expr.right))
    if expr.op == "and":
        return to_boolean(scope.evaluate(expr.left)) and to_boolean(scope.evaluate(expr.right))
    if expr.op == "|":
        return scope.sort(scope.node_set(expr.left, "'|'") + scope.node_set(expr.right, "'|'"))
    left, right = scope.evaluate(expr.left), scope.evaluate(expr.right)
    if expr.op in _ARITHMETIC:
        return _ARITHMETIC[expr.op](to_number(left), to_number(right))
    return compare(expr.op, left, right)


def _divide(left: float, right: float) -> float:
    if right != 0:
        return left / right
    if left == 0 or math.isnan(left):
        return math.nan
    # IEEE 754: the sign of the zero matters, 1 div -0 is -Infinity
    return math.copysign(math.inf, left) * math.copysign(1.0, right)


def _modulo(left: float, right: float) -> float:
    # XPath mod truncates like Java's %, which is math.fmod, not Python's %
    if right == 0 or math.isinf(left) or math.isnan(left) or math.isnan(right):
        return math.nan
    return math.fmod(left, right)


_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "div": _divide,
    "mod": _modulo,
}


def _call(scope: Scope, expr: Call) -> Value:
    return FUNCTIONS[expr.name].call(scope, expr.args)


def _filter(scope: Scope, expr: Filter) -> Value:
    nodes = scope.node_set(expr.primary, "A predicate")
    for predicate in expr.predicates:
        nodes = _keep(scope, nodes, predicate)
    return nodes


def _path(scope: Scope, expr: Path) -> Value:
    if expr.start is not None:
        nodes = scope.node_set(expr.start, "A path that starts with an expression")
    elif expr.absolute:
        nodes = [scope.context.trees.document(scope.context.root)]
    else:
        nodes = [scope.node]
    # Child, parent, self and attribute steps from nodes of equal depth keep document order;
    # once a step may mix depths (descendants, siblings, a union), results must be sorted.
    flat = len(nodes) == 1
    for step in expr.steps:
        flat = flat and step.axis in FORWARD_ORDERED_AXES
        nodes = _step(scope, nodes, step, flat)
    return nodes


def _step(scope: Scope, nodes: list[Node], step: Step, flat: bool) -> list[Node]:
    found: list[Node] = []
    for node in nodes:
        candidates = _candidates(scope, node, step)
        for predicate in step.predicates:
            candidates = _keep(scope, candidates, predicate)
        found.extend(reversed(candidates) if step.axis in REVERSE_AXES else candidates)
    if len(nodes) > 1 and not flat:
        return scope.sort(found)
    if len(nodes) > 1 and step.axis == "parent":
        return list({id(node): node for node in found}.values())
    return found


def _candidates(scope: Scope, node: Node, step: Step) -> list[Node]:
    if step.axis == "child" and step.test not in ("*", "node()"):
        return named_children(node, step.test)
    found = axis_nodes(node, step.axis, scope.context.trees)
    return [n for n in found if matches(n, step.test, step.axis)]


def _keep(scope: Scope, nodes: list[Node], predicate: Expr) -> list[Node]:
    """Filter by a predicate: a number keeps the node at that position, anything else is a boolean."""
    if isinstance(predicate, Literal) and isinstance(predicate.value, float):
        index = predicate.value
        return [nodes[int(index) - 1]] if index.is_integer() and 1 <= index <= len(nodes) else []
    kept = []
    for position, node in enumerate(nodes, start=1):
        value = scope.focus(node, position, len(nodes)).evaluate(predicate)
        if value == position if isinstance(value, float) else to_boolean(value):
            kept.append(node)
    return kept


_EVALUATORS: dict[type, Callable[[Scope, Expr], Value]] = {
    Literal: _literal,
    Negate: _negate,
    Binary: _binary,
    Call: _call,
    Filter: _filter,
    Path: _path,
}
