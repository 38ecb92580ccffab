"""Location paths and predicates compiled into closures: how each step finds its nodes is chosen once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from forms.xpath.nodes import (
    FORWARD_ORDERED_AXES,
    PLAIN_NAME,
    REVERSE_AXES,
    Node,
    axis_nodes,
    local_name,
    matches,
    named_children,
)
from forms.xpath.tree import SELF, Expr, Literal, Path, Step
from forms.xpath.values import Value, to_boolean

if TYPE_CHECKING:
    from forms.xpath.evaluator import Scope

Run = Callable[["Scope"], Value]
Compile = Callable[[Expr], Run]
NodeSetRun = Callable[["Scope"], list[Node]]
# (scope, nodes) -> the nodes a predicate keeps
Keep = Callable[["Scope", list[Node]], list[Node]]
# (scope, node) -> the nodes a step finds from one node, before its predicates
Candidates = Callable[["Scope", Node], list[Node]]
# (scope, nodes, flat) -> the nodes a step finds from all of them
StepRun = Callable[["Scope", list[Node], bool], list[Node]]


def compile_path(expr: Path, compile_expr: Compile, start: NodeSetRun | None) -> Run:
    """A path from `start` (a node-set expression), the document root or the context node, then its steps."""
    if start is None and not expr.absolute and expr.steps == (SELF,):
        return lambda scope: [scope.node]  # '.', the most common path of all
    if start is None and expr.absolute and expr.steps and all(map(_is_plain_child, expr.steps)):
        return _child_chain(expr.steps[0].test, [step.test for step in expr.steps[1:]])
    if start is None:
        start = _document if expr.absolute else _context_node
    steps = tuple((step.axis in FORWARD_ORDERED_AXES, _step(step, compile_expr)) for step in expr.steps)

    def path(scope: Scope) -> Value:
        nodes = start(scope)
        # Child, parent, self and attribute steps from nodes of equal depth keep document order;
        # once a step may mix depths (descendants, siblings, a union), results must be sorted.
        flat = len(nodes) == 1
        for forward, step in steps:
            flat = flat and forward
            nodes = step(scope, nodes, flat)
        return nodes

    return path


def _document(scope: Scope) -> list[Node]:
    return [scope.context.trees.document(scope.context.root)]


def _context_node(scope: Scope) -> list[Node]:
    return [scope.node]


def _is_plain_child(step: Step) -> bool:
    return step.axis == "child" and step.test not in ("*", "node()") and not step.predicates


def _child_chain(top: str, names: list[str]) -> Run:
    """An absolute path of named child steps without predicates, as '/data/group/field': document order
    needs no sorting, since every step goes one level down from nodes of equal depth.

    The first step goes from the document node to the top element, `context.root`, if it is called `top`.
    Evaluation has registered that document already (see `evaluate`), so it need not be looked up here.
    Each step takes ElementTree's C loop for a plain name and falls back to `named_children`.
    """
    steps = [(name, PLAIN_NAME.fullmatch(name) is not None) for name in names]

    def child_chain(scope: Scope) -> Value:
        root = scope.context.root
        nodes: list[Node] = [root] if root.tag == top or local_name(root.tag) == top else []
        for name, plain in steps:
            if len(nodes) == 1:
                node = nodes[0]
                nodes = node.findall(name) if plain and type(node) is Element else []
                if not nodes:
                    nodes = named_children(node, name)
            else:
                nodes = [found for node in nodes for found in named_children(node, name)]
        return nodes

    return child_chain


def compile_first(expr: Path, full: Run) -> Callable[[Scope], Node | None] | None:
    """For an absolute path of plain named child steps (see `_child_chain`), its first node in document
    order, or None when it selects nothing; None for any other path. `full` evaluates the path.

    The first node is found with ElementTree's find() from the top element down: when the first element
    at each step has the next one, that is the path's first node. When one has not, `full` decides.
    """
    plain = all(_is_plain_child(step) and PLAIN_NAME.fullmatch(step.test) for step in expr.steps)
    if not (expr.absolute and expr.start is None and expr.steps and plain):
        return None
    top, names = expr.steps[0].test, tuple(step.test for step in expr.steps[1:])

    def first_node(scope: Scope) -> Node | None:
        node = scope.context.root
        if node.tag == top and type(node) is Element:
            for name in names:
                node = node.find(name)
                if node is None:
                    break
            else:
                return node
        nodes = full(scope)
        return nodes[0] if nodes else None  # type: ignore[index]

    return first_node


def _step(step: Step, compile_expr: Compile) -> StepRun:
    candidates = _candidates(step)
    keeps = tuple(predicate_filter(predicate, compile_expr) for predicate in step.predicates)
    reverse = step.axis in REVERSE_AXES
    parent = step.axis == "parent"

    def run(scope: Scope, nodes: list[Node], flat: bool) -> list[Node]:
        found: list[Node] = []
        for node in nodes:
            chosen = candidates(scope, node)
            for keep in keeps:
                chosen = keep(scope, chosen)
            found.extend(reversed(chosen) if reverse else chosen)
        if len(nodes) > 1 and not flat:
            return scope.sort(found)
        if len(nodes) > 1 and parent:
            return list({id(node): node for node in found}.values())
        return found

    return run


def _candidates(step: Step) -> Candidates:
    axis, test = step.axis, step.test
    if axis == "child" and test not in ("*", "node()"):
        return _named(test)
    if axis == "self" and test == "node()":
        return lambda scope, node: [node]
    if axis == "parent" and test == "node()":
        return _parent
    return lambda scope, node: [
        n for n in axis_nodes(node, axis, scope.context.trees) if matches(n, test, axis)
    ]


def _parent(scope: Scope, node: Node) -> list[Node]:
    found = scope.context.trees.parent(node)
    return [] if found is None else [found]


def _named(name: str) -> Candidates:
    """Child elements called `name`: ElementTree's C loop for a plain tag, else `named_children`."""
    plain = PLAIN_NAME.fullmatch(name) is not None

    def named(scope: Scope, node: Node) -> list[Node]:
        if plain and type(node) is Element:
            found: list[Node] = node.findall(name)
            if found:
                return found
        return named_children(node, name)

    return named


def predicate_filter(predicate: Expr, compile_expr: Compile) -> Keep:
    """Filter by a predicate: a number keeps the node at that position, anything else is a boolean."""
    if isinstance(predicate, Literal) and isinstance(predicate.value, float):
        index = predicate.value

        def at_position(scope: Scope, nodes: list[Node]) -> list[Node]:
            return [nodes[int(index) - 1]] if index.is_integer() and 1 <= index <= len(nodes) else []

        return at_position
    run = compile_expr(predicate)

    def keep(scope: Scope, nodes: list[Node]) -> list[Node]:
        kept = []
        size = len(nodes)
        for position, node in enumerate(nodes, start=1):
            value = run(scope.focus(node, position, size))
            if value == position if isinstance(value, float) else to_boolean(value):
                kept.append(node)
        return kept

    return keep
