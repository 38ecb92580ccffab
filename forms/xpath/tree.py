"""The syntax tree of a compiled expression: small frozen dataclasses, independent of elementpath."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Literal:
    """A string or number literal (numbers are always floats, as XPath 1.0 has only doubles)."""

    value: str | float


@dataclass(frozen=True, slots=True)
class Binary:
    """An infix operator: or, and, =, !=, <, <=, >, >=, +, -, *, div, mod, |."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Negate:
    """Unary minus."""

    operand: Expr


@dataclass(frozen=True, slots=True)
class Call:
    """A function call; the name keeps its prefix, as in 'jr:choice-name'."""

    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Step:
    """One location step: an axis, a node test ('name', '*' or 'node()') and its predicates."""

    axis: str
    test: str
    predicates: tuple[Expr, ...] = ()


@dataclass(frozen=True, slots=True)
class Filter:
    """A primary expression filtered by predicates, as in '(a | b)[1]' or "instance('x')[1]"."""

    primary: Expr
    predicates: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Path:
    """A location path: from the document root, the context node or a start expression, then steps."""

    absolute: bool
    start: Expr | None
    steps: tuple[Step, ...]


Expr = Literal | Binary | Negate | Call | Filter | Path

SELF = Step("self", "node()")
PARENT = Step("parent", "node()")
DESCENDANT_OR_SELF = Step("descendant-or-self", "node()")


def children(expr: Expr | Step) -> tuple[Expr | Step, ...]:
    if isinstance(expr, Binary):
        return (expr.left, expr.right)
    if isinstance(expr, Negate):
        return (expr.operand,)
    if isinstance(expr, Call):
        return expr.args
    if isinstance(expr, Step | Filter):
        head = (expr.primary,) if isinstance(expr, Filter) else ()
        return head + expr.predicates
    if isinstance(expr, Path):
        return ((expr.start,) if expr.start is not None else ()) + expr.steps
    return ()


def depth(expr: Expr) -> int:
    """How deeply the tree nests, counted without recursion (evaluation recurses once per level)."""
    deepest, stack = 0, [(expr, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(node))
    return deepest
