"""Errors raised by the XPath layer, with messages that name the expression."""

from forms.errors import FormError


class XPathError(FormError):
    """Base of the XPath errors; `expression` and `problem` let a caller word its own message."""

    def __init__(self, message: str, *, expression: str = "", problem: str = "") -> None:
        super().__init__(message)
        self.expression = expression
        self.problem = problem


class XPathSyntaxError(XPathError):
    """An expression is not valid XPath 1.0 with the ODK function library."""


class XPathReferenceError(XPathError):
    """An expression refers to a place that cannot exist, such as a parent above the root."""


class XPathEvaluationError(XPathError):
    """An expression cannot be evaluated, such as counting something that is not a node-set."""
