"""Number and boolean functions of the ODK library: round, int, sum, max, math, if, checklist."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import TYPE_CHECKING

from forms.xpath.nodes import string_value
from forms.xpath.registry import function
from forms.xpath.tree import Call, Expr
from forms.xpath.values import Value, flatten, to_boolean, to_number, to_string

if TYPE_CHECKING:
    from forms.xpath.evaluator import Scope

# Enough digits for any double written out in full, so quantize() never runs out of precision
_WIDE = Context(prec=800, Emax=999_999, Emin=-999_999)


@function("number", 0, 1)
def number(scope: Scope, *value: Value) -> float:
    return to_number(value[0]) if value else to_number(string_value(scope.node))


@function("int", 1)
def int_(scope: Scope, value: Value) -> float:
    """Drop the fraction, towards zero."""
    number = to_number(value)
    return float(math.trunc(number)) if math.isfinite(number) else number


@function("round", 1, 2)
def round_(scope: Scope, value: Value, digits: Value = 0.0) -> float:
    """Round half away from zero, to `digits` decimals (negative digits round to tens, hundreds...).

    Rounds the shortest decimal spelling of the double, so round(2.15, 1) is 2.2 as a person expects.
    """
    number, places = to_number(value), to_number(digits)
    if not math.isfinite(number):
        return number
    if math.isnan(places):
        places = 0.0  # as Enketo: a blank digits argument means whole numbers
    if math.isinf(places) or abs(places) > 400:
        return math.nan
    step = Decimal(1).scaleb(-int(places))
    try:
        return float(Decimal(repr(number)).quantize(step, rounding=ROUND_HALF_UP, context=_WIDE))
    except InvalidOperation:
        return number


def _numbers(values: tuple[Value, ...]) -> list[float]:
    """Every argument and node as a number, leaving out blanks and other non-numbers."""
    numbers = (to_number(item) for item in flatten(values))
    return [n for n in numbers if not math.isnan(n)]


@function("sum", 1, node_sets=(0,))
def sum_(scope: Scope, nodes: Value) -> float:
    """Total of the nodes' numbers. Blank and non-numeric values are skipped, as ODK Collect does;
    XPath 1.0 would give NaN, which would make a total over a partly answered repeat unusable."""
    return math.fsum(_numbers((nodes,)))


@function("max", 1, None)
def max_(scope: Scope, *values: Value) -> float:
    found = _numbers(values)
    return max(found) if found else math.nan


@function("min", 1, None)
def min_(scope: Scope, *values: Value) -> float:
    found = _numbers(values)
    return min(found) if found else math.nan


@function("count", 1, node_sets=(0,))
def count(scope: Scope, nodes: Value) -> float:
    assert isinstance(nodes, list)
    return float(len(nodes))


@function("count-non-empty", 1, node_sets=(0,))
def count_non_empty(scope: Scope, nodes: Value) -> float:
    assert isinstance(nodes, list)
    return float(sum(1 for node in nodes if string_value(node)))


def _safe(operation: Callable[..., float]) -> Callable[..., float]:
    """Java's Math answers NaN or Infinity where Python's math raises; so do we."""

    def run(scope: Scope, *values: Value) -> float:
        try:
            return operation(*(to_number(value) for value in values))
        except OverflowError:
            return math.inf
        except ValueError:
            return math.nan

    return run


def _log(x: float) -> float:
    return -math.inf if x == 0 else math.log(x)


def _log10(x: float) -> float:
    return -math.inf if x == 0 else math.log10(x)


def _pow(base: float, exponent: float) -> float:
    if base == 0 and exponent < 0:
        return math.inf
    return math.pow(base, exponent)


_MATH: dict[str, tuple[int, Callable[..., float]]] = {
    "pow": (2, _pow),
    "log": (1, _log),
    "log10": (1, _log10),
    "abs": (1, abs),
    "sin": (1, math.sin),
    "cos": (1, math.cos),
    "tan": (1, math.tan),
    "asin": (1, math.asin),
    "acos": (1, math.acos),
    "atan": (1, math.atan),
    "atan2": (2, math.atan2),
    "sqrt": (1, math.sqrt),
    "exp": (1, math.exp),
    "exp10": (1, lambda x: math.pow(10.0, x)),
}
for _name, (_arity, _operation) in _MATH.items():
    function(_name, _arity)(_safe(_operation))


@function("pi", 0)
def pi(scope: Scope) -> float:
    return math.pi


@function("random", 0)
def random(scope: Scope) -> float:
    return scope.context.rng.random()


@function("boolean", 1)
def boolean(scope: Scope, value: Value) -> bool:
    return to_boolean(value)


@function("boolean-from-string", 1)
def boolean_from_string(scope: Scope, value: Value) -> bool:
    return to_string(value).strip().lower() in ("true", "1")


@function("not", 1)
def not_(scope: Scope, value: Value) -> bool:
    return not to_boolean(value)


@function("true", 0)
def true(scope: Scope) -> bool:
    return True


@function("false", 0)
def false(scope: Scope) -> bool:
    return False


@function("if", 3, lazy=True, returns_node_set=True)
def if_(scope: Scope, args: tuple[Expr, ...]) -> Value:
    """Only the branch chosen is evaluated."""
    condition, then, otherwise = args
    return scope.evaluate(then if to_boolean(scope.evaluate(condition)) else otherwise)


@function("coalesce", 2, lazy=True)
def coalesce(scope: Scope, args: tuple[Expr, ...]) -> Value:
    """The first argument unless it is blank (an empty string or NaN), else the second."""
    first = scope.evaluate(args[0])
    blank = to_string(first) in ("", "NaN")
    return scope.evaluate(args[1]) if blank else first


def _counts(item: str | float | bool) -> bool:
    """Whether a checklist answer counts: numbers when non-zero, other text when not blank.

    JavaRosa reads typed answers, where an integer 0 is false; our answers are strings, so a string
    that is a number counts as that number.
    """
    if isinstance(item, str):
        number = to_number(item)
        return to_boolean(item) if math.isnan(number) else to_boolean(number)
    return to_boolean(item)


def _in_range(total: float, low: float, high: float) -> bool:
    """Negative bounds mean no bound."""
    return (low < 0 or total >= low) and (high < 0 or total <= high)


@function("checklist", 2, None)
def checklist(scope: Scope, low: Value, high: Value, *answers: Value) -> bool:
    total = sum(1 for item in flatten(answers) if _counts(item))
    return _in_range(total, to_number(low), to_number(high))


def _check_pairs(call: Call) -> str | None:
    return None if len(call.args) % 2 == 0 else "weighted-checklist() needs answers and weights in pairs"


@function("weighted-checklist", 2, None, check=_check_pairs)
def weighted_checklist(scope: Scope, low: Value, high: Value, *pairs: Value) -> bool:
    total = 0.0
    for answers, weights in zip(pairs[::2], pairs[1::2], strict=True):
        for item, weight in zip(flatten((answers,)), flatten((weights,)), strict=False):
            total += to_number(weight) if _counts(item) else 0.0
    return _in_range(total, to_number(low), to_number(high))
