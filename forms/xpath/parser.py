"""Parse XPath 1.0 with elementpath's grammar, taught the ODK functions, into our own syntax tree."""

from __future__ import annotations

import re
from typing import Any, NoReturn

from elementpath import ElementPathError, XPath1Parser
from elementpath.tdop import Parser

from forms.xpath.errors import XPathSyntaxError
from forms.xpath.library import FUNCTIONS, check_call
from forms.xpath.tree import (
    DESCENDANT_OR_SELF,
    PARENT,
    SELF,
    Binary,
    Call,
    Expr,
    Filter,
    Literal,
    Negate,
    Path,
    Step,
    depth,
)

Token = Any  # elementpath's token classes are generated per parser; we read symbol, label, value, children

JAVAROSA = "http://openrosa.org/javarosa"
NAMESPACES = {
    "jr": JAVAROSA,
    "orx": "http://openrosa.org/xforms",
    "odk": "http://www.opendatakit.org/xforms",
    "h": "http://www.w3.org/1999/xhtml",
    "entities": "http://www.opendatakit.org/xforms/entities",
}
# XPath 1.0 functions the ODK specification leaves out, so ODK Collect would not run them either
_NOT_ODK = ("substring", "floor", "ceiling", "last", "lang", "id", "name", "local-name", "namespace-uri")
_SUPPORTED_AXES = frozenset(
    {"child", "descendant", "descendant-or-self", "parent", "ancestor", "ancestor-or-self", "self"}
    | {"following-sibling", "preceding-sibling", "following", "preceding", "attribute"}
)
# Evaluation recurses once per level of the tree; real forms stay far below this.
MAX_DEPTH = 200
_OPERATORS = ("or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod", "|")


class ODKXPathParser(XPath1Parser):
    """elementpath's XPath 1.0 grammar with the ODK function table and two corrections.

    XPath 1.0 lets a path continue after a function call or parenthesised expression
    ("instance('x')/root/item", "current()/../a"), and gives equality a lower precedence than
    relational operators, chaining both left to right; elementpath's XPath 1.0 parser does neither.
    """

    symbol_table = {k: v for k, v in XPath1Parser.symbol_table.items() if k not in _NOT_ODK}
    DEFAULT_NAMESPACES = {**XPath1Parser.DEFAULT_NAMESPACES, **NAMESPACES}
    PATH_STEP_LABELS = ("axis", "kind test", "function")
    PATH_STEP_SYMBOLS = XPath1Parser.PATH_STEP_SYMBOLS | {"("}

    def parse(self, source: str) -> Token:
        # XPath1Parser.parse also evaluates the tree statically, with XPath 2 typing; we only parse.
        return Parser.parse(self, source)


def _led_comparison(self: Token, left: Token) -> Token:
    self[:] = left, self.parser.expression(rbp=self.lbp)
    return self


def _register_comparisons() -> None:
    for symbol, power in (("=", 30), ("!=", 30), ("<", 35), ("<=", 35), (">", 35), (">=", 35)):
        ODKXPathParser.symbol_table.pop(symbol)
        ODKXPathParser.register(symbol, label="operator", lbp=power, rbp=power, led=_led_comparison)


def _register_functions() -> None:
    for spec in FUNCTIONS.values():
        prefix, _, local = spec.name.rpartition(":")
        if not prefix:
            ODKXPathParser.symbol_table.pop(local, None)
        low, high = spec.min_args, spec.max_args
        nargs = low if low == high else (low, high)
        ODKXPathParser.function(local, prefix=prefix or None, nargs=nargs, label="function")


_register_comparisons()
_register_functions()
ODKXPathParser.build()


def parse(text: str) -> Expr:
    """Parse an expression, or raise XPathSyntaxError naming it and the problem."""
    if "${" in text:
        _refuse(text, "${...} is XLSForm syntax: write the path instead (pyxform replaces ${name} with it)")
    try:
        tree = _convert(ODKXPathParser().parse(text))
    except ElementPathError as error:
        _refuse(text, _describe(error))
    except _Invalid as invalid:
        _refuse(text, str(invalid))
    except RecursionError:
        _refuse(text, "it is nested too deeply")
    if depth(tree) > MAX_DEPTH:
        _refuse(text, "it is nested too deeply")
    return tree


def _refuse(text: str, problem: str) -> NoReturn:
    shown = text if len(text) <= 120 else text[:100] + "..."
    raise XPathSyntaxError(
        f"The expression {shown!r} is not valid: {problem}.", expression=text, problem=problem
    ) from None


def _describe(error: ElementPathError) -> str:
    unknown = re.search(r"unknown function '([\w-]+)'", str(error.message))
    if unknown and unknown.group(1) in _NOT_ODK:
        return f"{unknown.group(1)}() is XPath 1.0 but not part of the ODK function library"
    message = re.sub(r"^\[err:\w+\]\s*|^'?fn:[\w-]+'? function:\s*", "", str(error.message)).strip()
    message = message.replace("source", "expression").rstrip(".")
    token = error.token
    if token is not None and token.label == "function" and "argument" in message:
        return _arity_problem(token)
    if token is not None and token.symbol == "(unknown)" and token.value in ("'", '"'):
        return f"a string opened with {token.value} is not closed (at column {token.position[1]})"
    if token is not None and token.symbol not in ("(end)", "(start)"):
        where = str(token).replace("'fn:", "'")
        return f"{message} (at column {token.position[1]}, {where})"
    return message


def _arity_problem(token: Token) -> str:
    name = token.symbol if token.symbol in FUNCTIONS else f"jr:{token.symbol}"
    spec = FUNCTIONS[name]
    low, high = spec.min_args, spec.max_args
    if high is None:
        count = f"at least {low}"
    elif low == high:
        count = "no" if low == 0 else str(low)
    else:
        count = f"{low} or {high}" if high == low + 1 else f"{low} to {high}"
    noun = "argument" if count == "1" or count.endswith(" 1") else "arguments"
    return f"{name}() takes {count} {noun} (at column {token.position[1]})"


class _Invalid(Exception):
    """A construct elementpath accepts but XPath 1.0 with ODK does not; becomes XPathSyntaxError."""


def _convert(token: Token) -> Expr:
    symbol, label = token.symbol, token.label
    if symbol == "(string)":
        return Literal(token.value)
    if symbol in ("(integer)", "(decimal)"):
        return Literal(float(token.value))
    if symbol == "(float)":
        raise _Invalid("numbers with an exponent (such as 1e5) are not XPath 1.0")
    if symbol == "|" and len(token) == 2:
        return Binary(symbol, _node_set_start(token[0]), _node_set_start(token[1]))
    if symbol in _OPERATORS and len(token) == 2 and label == "operator":
        return Binary(symbol, _convert(token[0]), _convert(token[1]))
    if symbol == "-" and len(token) == 1:
        return Negate(_convert(token[0]))
    if symbol == "(":
        return _convert(token[0])
    if symbol == "$":
        raise _Invalid(f"variables such as ${token.value} are not part of XForms")
    if label == "function" or (symbol == ":" and token[1].label == "function"):
        return _call(token)
    if symbol == "[" and not _is_step_or_step_predicate(token[0]):
        return _filter(token)
    if symbol in ("/", "//", "[") or _is_step(token):
        return _path(token)
    raise _Invalid(f"unexpected {token}")


def _call(token: Token) -> Expr:
    function = token[1] if token.symbol == ":" else token
    name = token.value if token.symbol == ":" else function.symbol
    call = Call(name, tuple(_convert(arg) for arg in function))
    problem = check_call(call)
    if problem:
        raise _Invalid(problem)
    return call


def _path(token: Token) -> Path:
    """Turn '/', '//', '[' and step tokens into one Path."""
    symbol = token.symbol
    if symbol in ("/", "//") and len(token) < 2:
        steps = (DESCENDANT_OR_SELF,) if symbol == "//" else ()
        rest = _relative_steps(token[0]) if len(token) else ()
        return Path(True, None, steps + rest)
    if symbol in ("/", "//"):
        left = _path(token[0])
        middle = (DESCENDANT_OR_SELF,) if symbol == "//" else ()
        return Path(left.absolute, left.start, left.steps + middle + _relative_steps(token[1]))
    if symbol == "[" and _is_step_or_step_predicate(token[0]):
        inner = _path(token[0])
        *before, last = inner.steps
        step = Step(last.axis, last.test, last.predicates + (_convert(token[1]),))
        return Path(inner.absolute, inner.start, (*before, step))
    if symbol == "[":
        return Path(False, _filter(token), ())
    if _is_step(token):
        return Path(False, None, (_step(token),))
    return Path(False, _node_set_start(token), ())


def _relative_steps(token: Token) -> tuple[Step, ...]:
    path = _path(token)
    if path.absolute or path.start is not None:
        raise _Invalid(f"a path step must be a name, '.', '..', '*' or an axis step, not {token}")
    return path.steps


def _filter(token: Token) -> Filter:
    primary = _node_set_start(token[0])
    predicate = _convert(token[1])
    if isinstance(primary, Filter):
        return Filter(primary.primary, primary.predicates + (predicate,))
    return Filter(primary, (predicate,))


def _node_set_start(token: Token) -> Expr:
    expr = _convert(token)
    if isinstance(expr, Literal | Negate) or (isinstance(expr, Binary) and expr.op != "|"):
        raise _Invalid(
            f"{token} is not a node-set, so it cannot start a path, take a predicate or join a union"
        )
    if isinstance(expr, Call) and not FUNCTIONS[expr.name].returns_node_set:
        raise _Invalid(f"{expr.name}() does not return nodes, so it cannot start a path or take a predicate")
    return expr


def _is_step(token: Token) -> bool:
    return token.label in ("name", "axis", "kind test", "attribute reference") or (
        token.symbol in (".", "..", "*", ":") and len(token) in (0, 2) and not _is_call(token)
    )


def _is_call(token: Token) -> bool:
    return token.symbol == ":" and token[1].label == "function" or token.symbol == "*" and len(token) == 2


def _is_step_or_step_predicate(token: Token) -> bool:
    return _is_step(token) or (token.symbol == "[" and _is_step_or_step_predicate(token[0]))


def _step(token: Token) -> Step:
    symbol = token.symbol
    if symbol == ".":
        return SELF
    if symbol == "..":
        return PARENT
    if token.label == "axis":
        if symbol not in _SUPPORTED_AXES:
            raise _Invalid(f"the {symbol} axis is not supported")
        return Step(symbol, _node_test(token[0]))
    if token.label == "attribute reference":
        return Step("attribute", _node_test(token[0]))
    return Step("child", _node_test(token))


def _node_test(token: Token) -> str:
    if token.symbol == "*" and not len(token):
        return "*"
    if token.label == "name":
        return token.value
    if token.symbol == ":":
        return token[1].value  # instance nodes are matched by local name
    if token.label == "kind test" and token.symbol == "node":
        return "node()"
    raise _Invalid(f"{token} is not supported: ODK paths reference elements and attributes only")
