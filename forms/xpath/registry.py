"""The table of XPath functions: name, arity, implementation, and which arguments must be node-sets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from forms.xpath.tree import Call, Expr

if TYPE_CHECKING:
    from forms.xpath.evaluator import Scope
    from forms.xpath.values import Value

LazyImpl = Callable[["Scope", tuple[Expr, ...]], "Value"]
# Looks at a call when it is compiled; returns a problem to report, or None
StaticCheck = Callable[[Call], str | None]


@dataclass(frozen=True)
class FunctionSpec:
    """A function the parser accepts and the evaluator runs.

    `call` receives the unevaluated arguments, so if(), coalesce() and indexed-repeat() can decide
    what to evaluate. `node_sets` lists the argument positions that must be node-set expressions,
    checked when an expression is compiled, as is `check`. `max_args` None means any number.
    `impl` is the implementation of an eager function, taking `(scope, *argument_values)`; None when lazy.
    """

    name: str
    min_args: int
    max_args: int | None
    call: LazyImpl
    node_sets: tuple[int, ...] = ()
    returns_node_set: bool = False
    check: StaticCheck | None = None
    impl: Callable[..., Value] | None = None


FUNCTIONS: dict[str, FunctionSpec] = {}


def function(
    name: str,
    min_args: int,
    max_args: int | None = -1,
    *,
    lazy: bool = False,
    node_sets: tuple[int, ...] = (),
    returns_node_set: bool = False,
    check: StaticCheck | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an implementation; unless `lazy`, it gets `(scope, *argument_values)`."""
    upper = min_args if max_args == -1 else max_args

    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        call = impl if lazy else _eager(name, impl, node_sets)
        eager = None if lazy else impl
        FUNCTIONS[name] = FunctionSpec(name, min_args, upper, call, node_sets, returns_node_set, check, eager)
        return impl

    return register


def _eager(name: str, impl: Callable[..., Value], node_sets: tuple[int, ...]) -> LazyImpl:
    def call(scope: Scope, args: tuple[Expr, ...]) -> Value:
        values = (
            scope.node_set(arg, f"{name}()") if index in node_sets else scope.evaluate(arg)
            for index, arg in enumerate(args)
        )
        return impl(scope, *values)

    return call
