"""Compiled expressions: evaluate against an EvalContext, or list the instance paths they read."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from forms.xpath.compiler import Run, compiled
from forms.xpath.context import EvalContext
from forms.xpath.errors import XPathError, XPathEvaluationError, XPathReferenceError
from forms.xpath.evaluator import Scope
from forms.xpath.parser import parse
from forms.xpath.references import find_references, instance_ids
from forms.xpath.tree import Expr
from forms.xpath.values import Value


@dataclass(frozen=True)
class Expression:
    """An XPath expression, parsed once; `text` is what the form says (and all that equality compares)."""

    text: str
    tree: Expr = field(compare=False, repr=False)
    run: Run = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "run", compiled(self.tree))

    def evaluate(self, context: EvalContext) -> Value:
        """A str, float, bool or list of nodes (ElementTree elements, or Attribute/Document nodes)."""
        try:
            context.trees.document(context.root)  # registers the primary tree, so parents can be found
            return self.run(Scope(context, context.context_node))
        except XPathEvaluationError as error:
            raise self.failure(error) from None

    def failure(self, error: XPathError) -> XPathError:
        """What `evaluate` raises when `run` raises `error`: an evaluation error names the expression.

        For callers that call `run` themselves, with a Scope they move from node to node."""
        if isinstance(error, XPathEvaluationError):
            return XPathEvaluationError(f"Cannot evaluate {self.text!r}: {error}")
        return error

    def references(self, context_path: str) -> set[str]:
        """Absolute paths in the primary instance that the expression reads, for a field at `context_path`."""
        return set(_references(self, context_path))

    @functools.cached_property
    def instance_references(self) -> frozenset[str]:
        """Ids of the secondary instances named in instance('id') (found once: expressions are cached)."""
        return instance_ids(self.tree)


@functools.lru_cache(maxsize=4096)
def _references(expression: Expression, context_path: str) -> frozenset[str]:
    try:
        return find_references(expression.tree, context_path)
    except XPathReferenceError as error:
        message = f"In {expression.text!r} (for {context_path}): {error}."
        raise XPathReferenceError(message) from None


@functools.lru_cache(maxsize=4096)
def compile_expression(text: str) -> Expression:
    """Parse an expression once; raises XPathSyntaxError with a message naming it and the problem."""
    return Expression(text, parse(text))
