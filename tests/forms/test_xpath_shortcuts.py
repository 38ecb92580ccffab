"""The shapes compiled to shortcuts ('. >= 0 and . <= 5000', '. <= /data/total', 'a + b + c', a path's
first node as a number) give what the same expression written without the shortcut gives."""

import math
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone

import pytest
from defusedxml.ElementTree import fromstring

from forms.xpath import EvalContext, compile_expression
from forms.xpath.dates import datetime_string
from forms.xpath.values import format_number

INSTANCE = """
<data>
  <x>7</x><n/><t>abc</t><d>1970-01-05</d>
  <r><w>a</w></r><r><v>2</v></r><r><v>9</v></r>
  <total>12</total><totals><s>3</s><s>30</s></totals>
</data>
"""
TEXTS = [
    "0",
    "7",
    " 7 ",
    "-1",
    "5000",
    "5000.5",
    "",
    "abc",
    "NaN",
    "1e3",
    "1970-01-05",
    "2024-02-29T10:00:00Z",
]


def evaluate(expression: str, root: ET.Element, node: ET.Element | None = None):
    return compile_expression(expression).evaluate(EvalContext(root, node=node, now=datetime.now(UTC)))


def same(first: object, second: object) -> bool:
    if isinstance(first, float) and isinstance(second, float) and math.isnan(first):
        return math.isnan(second)
    return first == second and type(first) is type(second)


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize(
    ("shortcut", "plain"),
    [
        (". >= 0 and . <= 5000", "boolean(. >= 0) and boolean(. <= 5000)"),
        (". > 0 and . < 10", "boolean(. > 0) and boolean(. < 10)"),
        (". <= /data/total", "/data/total >= ."),
        (". >= /data/totals/s", "/data/totals/s <= ."),
        (". < /data/missing", "/data/missing > ."),
        (". > /data/t", "/data/t < ."),
        (". >= 0 and . <= /data/total", "boolean(. >= 0) and boolean(/data/total >= .)"),
        (". > '5'", "'5' < ."),
        (". <= true()", "true() >= ."),
        (". < 3 + 4", "3 + 4 > ."),
        (". >= 1 or . = 'abc'", "boolean(. >= 1) or boolean(. = 'abc')"),
    ],
)
def test_a_shortcut_answers_as_the_expression_written_otherwise(shortcut, plain, text):
    root = fromstring(INSTANCE)
    node = root.find("n")
    node.text = text

    assert same(evaluate(shortcut, root, node), evaluate(plain, root, node))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("/data/x + /data/total + /data/x", 26.0),
        ("/data/x + /data/total + /data/n", math.nan),  # '' is NaN
        ("/data/x + /data/missing + 1", math.nan),
        ("1 + 2 + 3 - 4 + 5", 7.0),
        ("/data/d + 1 + 1", 6.0),  # a date counts as days since 1970-01-01
        ("/data/r/v + 0", 2.0),  # the first r has no v: the first v is in the second r
        ("/data/totals/s + /data/totals/s + 0", 6.0),  # the first node of each
        ("/data/r/w + 0", math.nan),
        ("0.1 + 0.2 + 0.3", 0.1 + 0.2 + 0.3),  # added left to right, as the nested additions do
    ],
)
def test_sums_and_first_nodes_keep_xpath_answers(expression, expected):
    assert same(evaluate(expression, fromstring(INSTANCE)), expected)


def test_the_first_node_of_a_path_is_found_by_local_name_as_ever():
    plain_and_prefixed = fromstring('<data xmlns:o="urn:o"><o:a>3</o:a><a>4</a></data>')
    prefixed_only = fromstring('<data xmlns:o="urn:o"><o:a>3</o:a></data>')
    prefixed_root = fromstring('<o:data xmlns:o="urn:o"><a>5</a></o:data>')

    assert evaluate("/data/a + 0", plain_and_prefixed) == 4.0
    assert evaluate("/data/a + 0", prefixed_only) == 3.0
    assert evaluate("/data/a + 0", prefixed_root) == 5.0
    assert math.isnan(evaluate("/other/a + 0", prefixed_root))


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (21.0, "21"),
        (-3.0, "-3"),
        (2.0**53 - 1, "9007199254740991"),
        (2.0**53, "9007199254740992"),
        (1e22, "10000000000000000000000"),
        (1e23, "100000000000000000000000"),  # the shortest digits, not the float's exact value
        (0.5, "0.5"),
        (-0.0, "0"),
    ],
)
def test_numbers_print_as_xpath_prints_them(number, text):
    assert format_number(number) == text


@pytest.mark.parametrize(
    ("offset", "text"),
    [
        (timedelta(0), "2025-03-04T05:06:07.089+00:00"),
        (timedelta(hours=1), "2025-03-04T05:06:07.089+01:00"),
        (timedelta(hours=-9, minutes=-30), "2025-03-04T05:06:07.089-09:30"),
        (timedelta(minutes=-1, seconds=-30), "2025-03-04T05:06:07.089-00:01"),  # whole minutes towards zero
        (timedelta(hours=5, seconds=59, microseconds=1), "2025-03-04T05:06:07.089+05:00"),
    ],
)
def test_moments_are_written_with_their_offset_in_whole_minutes(offset, text):
    moment = datetime(2025, 3, 4, 5, 6, 7, 89999, tzinfo=timezone(offset))

    assert datetime_string(moment) == text


def test_a_moment_without_a_zone_is_written_as_utc():
    assert datetime_string(datetime(2025, 3, 4, 5, 6, 7)) == "2025-03-04T05:06:07.000+00:00"
