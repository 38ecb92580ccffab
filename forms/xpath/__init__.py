"""XPath 1.0 with the ODK function library, for evaluating XForm logic on the server."""

from forms.xpath.context import ChoiceLabels, EvalContext
from forms.xpath.errors import XPathError, XPathEvaluationError, XPathReferenceError, XPathSyntaxError
from forms.xpath.expression import Expression, compile_expression
from forms.xpath.library import FUNCTIONS
from forms.xpath.nodes import Attribute, Document, Node, string_value
from forms.xpath.values import Value, format_number, to_boolean, to_number, to_string

__all__ = [
    "FUNCTIONS",
    "Attribute",
    "ChoiceLabels",
    "Document",
    "EvalContext",
    "Expression",
    "Node",
    "Value",
    "XPathError",
    "XPathEvaluationError",
    "XPathReferenceError",
    "XPathSyntaxError",
    "compile_expression",
    "format_number",
    "string_value",
    "to_boolean",
    "to_number",
    "to_string",
]
