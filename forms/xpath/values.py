"""XPath 1.0 values and their conversions and comparisons, with the ODK reading of date strings."""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from decimal import Decimal

from forms.xpath.dates import days_from_string
from forms.xpath.nodes import Node, string_value

Value = str | float | bool | list[Node]

_NUMBER = re.compile(r"\s*-?(?:\d+(?:\.\d*)?|\.\d+)\s*")

# JavaRosa compares numbers for equality with this tolerance, so 0.1 + 0.2 = 0.3 holds in ODK Collect;
# we do the same so the server never rejects an answer that Collect accepted.
EQUALITY_TOLERANCE = 1e-12

_RELATIONAL: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def is_node_set(value: object) -> bool:
    return isinstance(value, list)


def to_string(value: Value) -> str:
    """XPath string(): a node-set gives its first node's string-value, numbers print without '.0'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, list):
        return string_value(value[0]) if value else ""
    return value


def format_number(number: float) -> str:
    """Print a double as XPath 1.0 does: NaN, Infinity, integers bare, never an exponent."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"  # also for -0
    if number.is_integer() and -_EXACT < number < _EXACT:
        return str(int(number))  # what the Decimal below gives for a whole number this small, faster
    # repr gives the shortest digits that round-trip; Decimal spells them out without an exponent.
    text = format(Decimal(repr(number)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# Below this, a whole float prints (repr) as its exact integer value.
_EXACT = 2.0**53


def to_number(value: Value) -> float:
    """XPath number(), extended as ODK specifies: date and dateTime strings become days since 1970-01-01.

    Only strings that XPath 1.0 would turn into NaN gain a meaning, so plain numbers are unaffected.
    A date counts whole days; a dateTime counts fractional days since the epoch in UTC.
    """
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    return text_to_number(to_string(value))


def text_to_number(text: str) -> float:
    """`to_number` of a string: the step every comparison of a node with a number takes."""
    number = _NUMBERS.get(text)
    if number is None:
        number = _parse_number(text)
        if len(text) <= _NUMBERS_TEXT_LENGTH:
            if len(_NUMBERS) >= _NUMBERS_SIZE:
                _NUMBERS.clear()
            _NUMBERS[text] = number
    return number


# The same short answers ('0', '12', '2024-07-01') come back in every submission: their numbers are kept
# (a pure function of the text) rather than matched against _NUMBER and the date patterns each time.
_NUMBERS: dict[str, float] = {}
_NUMBERS_SIZE = 4096
_NUMBERS_TEXT_LENGTH = 40


def _parse_number(text: str) -> float:
    if _NUMBER.fullmatch(text):
        return float(text)
    days = days_from_string(text.strip())
    return math.nan if days is None else days


def to_boolean(value: Value) -> bool:
    """XPath boolean(): non-zero numbers, non-empty strings and non-empty node-sets are true."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    return len(value) > 0


def compare(op: str, left: Value, right: Value) -> bool:
    """XPath 1.0 comparison (section 3.4): node-sets compare existentially, node by node."""
    if isinstance(left, list) or isinstance(right, list):
        return _compare_node_sets(op, left, right)
    if op in _RELATIONAL:
        return _RELATIONAL[op](to_number(left), to_number(right))
    return _equal(left, right) == (op == "=")


def _equal(left: str | float | bool, right: str | float | bool) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return to_boolean(left) == to_boolean(right)
    if isinstance(left, float) or isinstance(right, float):
        a, b = to_number(left), to_number(right)
        return a == b or abs(a - b) < EQUALITY_TOLERANCE
    return left == right


def _compare_node_sets(op: str, left: Value, right: Value) -> bool:
    if isinstance(left, list) and isinstance(right, list):
        right_strings = [string_value(node) for node in right]
        return any(compare(op, string_value(node), value) for node in left for value in right_strings)
    if isinstance(right, list):
        return compare(_MIRRORED[op], right, left)
    assert isinstance(left, list)
    if isinstance(right, bool):
        return compare(op, to_boolean(left), right)
    if isinstance(right, float):
        return any(compare(op, to_number(string_value(node)), right) for node in left)
    return any(compare(op, string_value(node), right) for node in left)


_MIRRORED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def flatten(values: tuple[Value, ...]) -> list[str | float | bool]:
    """Arguments with every node-set spread into its nodes' string-values, as concat() and max() read them."""
    items: list[str | float | bool] = []
    for value in values:
        if isinstance(value, list):
            items.extend(string_value(node) for node in value)
        else:
            items.append(value)
    return items


def to_index(value: Value) -> int:
    """A number truncated to an int the way Java casts it (NaN is 0, infinities saturate)."""
    number = to_number(value)
    if math.isnan(number):
        return 0
    if math.isinf(number):
        return 2**31 - 1 if number > 0 else -(2**31)
    return int(number)
