"""Compile a syntax tree once into nested Python closures that evaluate it with XPath 1.0 semantics.

Each closure takes a Scope and returns a Value. Whatever depends only on the expression (the operator,
a constant operand, the function to call, how a step finds its nodes) is decided here, once, instead of
on every evaluation; nothing is generated as source text.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING

from forms.xpath.errors import XPathEvaluationError
from forms.xpath.nodes import Node, string_value
from forms.xpath.paths import compile_first, compile_path, predicate_filter
from forms.xpath.registry import FUNCTIONS
from forms.xpath.tree import SELF, Binary, Call, Expr, Filter, Literal, Negate, Path
from forms.xpath.values import EQUALITY_TOLERANCE, Value, compare, text_to_number, to_boolean, to_number

if TYPE_CHECKING:
    from forms.xpath.evaluator import Scope

Run = Callable[["Scope"], Value]
Number = Callable[["Scope"], float]

# Closures by the identity of their syntax tree node; each entry keeps its node alive, so an id is never
# reused while it is here. Compiled expressions are themselves cached, so this stays small in practice.
_COMPILED: dict[int, tuple[Expr, Run]] = {}
_COMPILED_SIZE = 65536


def compiled(expr: Expr) -> Run:
    """The closure evaluating `expr`, made on first use."""
    found = _COMPILED.get(id(expr))
    if found is not None and found[0] is expr:
        return found[1]
    run = _COMPILERS[type(expr)](expr)
    if len(_COMPILED) >= _COMPILED_SIZE:
        _COMPILED.clear()
    _COMPILED[id(expr)] = (expr, run)
    return run


def checked_node_set(value: Value, what: str) -> list[Node]:
    if not isinstance(value, list):
        raise XPathEvaluationError(f"{what} needs a node-set, such as a path, not the value {value!r}.")
    return value


def _node_set(run: Run, what: str) -> Run:
    return lambda scope: checked_node_set(run(scope), what)


def _literal(expr: Literal) -> Run:
    value = expr.value
    return lambda scope: value


def _negate(expr: Negate) -> Run:
    operand = compiled(expr.operand)
    return lambda scope: -to_number(operand(scope))


def _binary(expr: Binary) -> Run:
    op, left, right = expr.op, compiled(expr.left), compiled(expr.right)
    if op == "or":
        left, right = _truth_of(expr.left, left), _truth_of(expr.right, right)
        return lambda scope: left(scope) or right(scope)
    if op == "and":
        low, high = _self_test(expr.left), _self_test(expr.right)
        if low is not None and high is not None:
            return _self_between(low, high)
        left, right = _truth_of(expr.left, left), _truth_of(expr.right, right)
        return lambda scope: left(scope) and right(scope)
    if op == "|":
        first, second = _node_set(left, "'|'"), _node_set(right, "'|'")
        return lambda scope: scope.sort(first(scope) + second(scope))
    if op == "+" and isinstance(expr.left, Binary) and expr.left.op == "+":
        return _sum(expr)
    if op in _ARITHMETIC:
        return _arithmetic(_ARITHMETIC[op], _number_of(expr.left), _number_of(expr.right))
    constant = expr.right.value if isinstance(expr.right, Literal) else None
    if isinstance(constant, float) and op in _RELATIONAL and expr.left == _CONTEXT_NODE:
        return _self_against_number(_RELATIONAL[op], constant)
    if isinstance(constant, float):
        return _against_number(op, left, constant)
    if isinstance(constant, str) and op in ("=", "!="):
        return _equal_to_text(op, left, constant)
    if op in _RELATIONAL and expr.left == _CONTEXT_NODE:
        return _self_against_nodes(op, right)
    if op in _RELATIONAL:
        return _relational(op, left, right)
    return lambda scope: compare(op, left(scope), right(scope))


def _truth_of(expr: Expr, run: Run) -> Run:
    """An operand of 'and' or 'or' as a boolean: comparisons and logic give one already."""
    if isinstance(expr, Binary) and expr.op in _BOOLEAN_OPERATORS:
        return run
    return lambda scope: to_boolean(run(scope))


def _arithmetic(apply: Callable[[float, float], float], left: Number, right: Number) -> Run:
    return lambda scope: apply(left(scope), right(scope))


def _sum(expr: Binary) -> Run:
    """'a + b + c + ...', as totals are written: one loop adds the operands, left to right as the nested
    additions would."""
    operands: list[Expr] = []
    while isinstance(expr, Binary) and expr.op == "+":
        operands.append(expr.right)
        expr = expr.left  # type: ignore[assignment]
    operands.append(expr)
    first, *rest = (_number_of(operand) for operand in reversed(operands))

    def total(scope: Scope) -> float:
        value = first(scope)
        for number in rest:
            value = value + number(scope)
        return value

    return total


def _number_of(expr: Expr) -> Number:
    """An operand of arithmetic as a number, without asking `to_number` what is known already."""
    run = compiled(expr)
    if isinstance(expr, Negate) or (isinstance(expr, Binary) and expr.op in _ARITHMETIC):
        return run  # type: ignore[return-value] - a number already
    if isinstance(expr, Literal) and isinstance(expr.value, float):
        return run  # type: ignore[return-value]
    first = compile_first(expr, run) if isinstance(expr, Path) else None
    if first is not None:  # '/data/group/field', the commonest operand of all

        def first_number(scope: Scope) -> float:
            node = first(scope)
            return text_to_number("" if node is None else string_value(node))

        return first_number
    if isinstance(expr, Path):  # a node-set: the number of its first node's string-value

        def path_number(scope: Scope) -> float:
            nodes = run(scope)
            return text_to_number(string_value(nodes[0]) if nodes else "")  # type: ignore[index]

        return path_number
    return lambda scope: to_number(run(scope))


def _self_against_number(relation: Callable[[float, float], bool], constant: float) -> Run:
    """'. >= 18', the commonest constraint: the node-set is the context node alone."""
    return lambda scope: relation(text_to_number(string_value(scope.node)), constant)


def _self_test(expr: Expr) -> tuple[Callable[[float, float], bool], float] | None:
    """'. >= 18' as (operator.ge, 18.0); None for any other expression."""
    if not (isinstance(expr, Binary) and expr.op in _RELATIONAL and expr.left == _CONTEXT_NODE):
        return None
    bound = expr.right.value if isinstance(expr.right, Literal) else None
    return (_RELATIONAL[expr.op], bound) if isinstance(bound, float) else None


def _self_between(
    low: tuple[Callable[[float, float], bool], float], high: tuple[Callable[[float, float], bool], float]
) -> Run:
    """'. >= 0 and . <= 5000', the commonest constraint of all: the context node's number is read once."""
    (first, first_bound), (second, second_bound) = low, high

    def between(scope: Scope) -> bool:
        number = text_to_number(string_value(scope.node))
        return first(number, first_bound) and second(number, second_bound)

    return between


def _self_against_nodes(op: str, right: Run) -> Run:
    """'. <= /data/totale': the context node's number against each number on the right."""
    relation = _RELATIONAL[op]

    def self_against_nodes(scope: Scope) -> Value:
        nodes = right(scope)
        if type(nodes) is not list:
            return compare(op, [scope.node], nodes)
        number = text_to_number(string_value(scope.node))
        for node in nodes:  # noqa: SIM110 - any() would make a generator for what is mostly one node
            if relation(number, text_to_number(string_value(node))):
                return True
        return False

    return self_against_nodes


def _relational(op: str, left: Run, right: Run) -> Run:
    """'<', '<=', '>' or '>=' between two expressions; between two node-sets, as in '. <= /data/totale',
    each side's numbers are compared without going through `compare` for every pair."""
    relation = _RELATIONAL[op]

    def relational(scope: Scope) -> Value:
        first, second = left(scope), right(scope)
        if type(first) is not list or type(second) is not list:
            return compare(op, first, second)
        numbers = [text_to_number(string_value(node)) for node in second]
        return any(
            relation(text_to_number(string_value(node)), number) for node in first for number in numbers
        )

    return relational


def _against_number(op: str, left: Run, constant: float) -> Run:
    """A comparison with a number literal on the right: each node's number against it."""
    relation = _RELATIONAL.get(op)
    want = op == "="

    def holds(number: float) -> bool:
        if relation is not None:
            return relation(number, constant)
        return (number == constant or abs(number - constant) < EQUALITY_TOLERANCE) == want

    def against_number(scope: Scope) -> Value:
        value = left(scope)
        if not isinstance(value, list):
            return compare(op, value, constant)
        for node in value:  # noqa: SIM110 - as in _equal_to_text
            if holds(text_to_number(string_value(node))):
                return True
        return False

    return against_number


def _equal_to_text(op: str, left: Run, constant: str) -> Run:
    """'=' or '!=' with a string literal on the right, as in ". = 'altro'": each node's string against it."""
    want = op == "="

    def equal_to_text(scope: Scope) -> Value:
        value = left(scope)
        if not isinstance(value, list):
            return compare(op, value, constant)
        for node in value:  # noqa: SIM110 - any() would make a generator for what is mostly one node
            if (string_value(node) == constant) == want:
                return True
        return False

    return equal_to_text


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
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "div": _divide,
    "mod": _modulo,
}
_RELATIONAL: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_CONTEXT_NODE = Path(False, None, (SELF,))
# Operators whose compiled closure gives a bool.
_BOOLEAN_OPERATORS = frozenset({"or", "and", "=", "!=", "<", "<=", ">", ">="})


def _call(expr: Call) -> Run:
    spec = FUNCTIONS[expr.name]
    if spec.impl is None:  # lazy: it evaluates what it needs of its arguments itself
        call, args = spec.call, expr.args
        return lambda scope: call(scope, args)
    impl, what = spec.impl, f"{spec.name}()"
    runs = [
        _node_set(compiled(arg), what) if index in spec.node_sets else compiled(arg)
        for index, arg in enumerate(expr.args)
    ]
    if not runs:
        return lambda scope: impl(scope)
    if len(runs) == 1:
        (only,) = runs
        return lambda scope: impl(scope, only(scope))
    if len(runs) == 2:
        first, second = runs
        return lambda scope: impl(scope, first(scope), second(scope))
    return lambda scope: impl(scope, *[run(scope) for run in runs])


def _filter(expr: Filter) -> Run:
    primary = _node_set(compiled(expr.primary), "A predicate")
    keeps = tuple(predicate_filter(predicate, compiled) for predicate in expr.predicates)

    def filtered(scope: Scope) -> Value:
        nodes = primary(scope)
        for keep in keeps:
            nodes = keep(scope, nodes)
        return nodes

    return filtered


def _path(expr: Path) -> Run:
    start = None
    if expr.start is not None:
        start = _node_set(compiled(expr.start), "A path that starts with an expression")
    return compile_path(expr, compiled, start)


_COMPILERS: dict[type, Callable[..., Run]] = {
    Literal: _literal,
    Negate: _negate,
    Binary: _binary,
    Call: _call,
    Filter: _filter,
    Path: _path,
}
