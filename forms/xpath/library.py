"""The ODK function library: importing the function modules fills the table, and calls are checked here."""

from __future__ import annotations

from forms.xpath import date_functions, geo, node_functions, numbers, strings  # noqa: F401 - they register
from forms.xpath.registry import FUNCTIONS
from forms.xpath.tree import Binary, Call, Expr, Filter, Path

__all__ = ["FUNCTIONS", "check_call", "may_be_node_set"]


def may_be_node_set(expr: Expr) -> bool:
    """Whether an expression can give a node-set (paths, unions, filters, node-returning functions)."""
    if isinstance(expr, Path | Filter):
        return True
    if isinstance(expr, Binary):
        return expr.op == "|"
    if isinstance(expr, Call):
        return FUNCTIONS[expr.name].returns_node_set
    return False


def check_call(call: Call) -> str | None:
    """The problem with a function call that can be seen before evaluating it, if any."""
    spec = FUNCTIONS[call.name]
    for index in spec.node_sets:
        if index < len(call.args) and not may_be_node_set(call.args[index]):
            return f"argument {index + 1} of {call.name}() must be a node-set, such as a path"
    return spec.check(call) if spec.check else None
