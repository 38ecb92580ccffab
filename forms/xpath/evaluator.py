"""Where an evaluation stands, as the compiled closures and the function library see it."""

from __future__ import annotations

from forms.xpath.compiler import checked_node_set, compiled
from forms.xpath.context import EvalContext
from forms.xpath.nodes import Node
from forms.xpath.tree import Expr
from forms.xpath.values import Value


class Scope:
    """Where evaluation stands: the EvalContext, the context node, and inside a predicate its position.

    A plain class with slots rather than a frozen dataclass: every predicate makes one per node, so the
    cost of creating it shows.
    """

    __slots__ = ("context", "node", "position", "size")

    def __init__(
        self, context: EvalContext, node: Node, position: int | None = None, size: int | None = None
    ) -> None:
        self.context = context
        self.node = node
        self.position = position
        self.size = size

    def evaluate(self, expr: Expr) -> Value:
        return compiled(expr)(self)

    def focus(self, node: Node, position: int | None = None, size: int | None = None) -> Scope:
        return Scope(self.context, node, position, size)

    def node_set(self, expr: Expr, what: str) -> list[Node]:
        """Evaluate an expression that must give a node-set (compilation checks most cases)."""
        return checked_node_set(self.evaluate(expr), what)

    def sort(self, nodes: list[Node]) -> list[Node]:
        """Document order without duplicates."""
        unique = {id(node): node for node in nodes}.values()
        return sorted(unique, key=self.context.trees.order)
