"""Compiling expressions: what parses, and clear XPathSyntaxError messages for what does not."""

import re

import pytest
from defusedxml.ElementTree import fromstring

from forms.errors import FormError
from forms.xpath import EvalContext, XPathSyntaxError, compile_expression, to_string
from tests.forms.conftest import xform_from_md

XFORMS = "{http://www.w3.org/2002/xforms}"


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("", "expression is empty"),
        ("1 +", "unexpected end"),
        ("(1", "unexpected end"),
        ("1)", "unexpected"),
        ("/data/", "unexpected end"),
        ("concat('a'", "unexpected end"),
        ("'unterminated", "a string opened with ' is not closed"),
        ("/data/r[", "unexpected end"),
        ("1 2", "unexpected"),
        ("${age} > 3", "XLSForm syntax"),
        ("concat(${first}, ' ', ${last})", "XLSForm syntax"),
        ("foo(1)", "unknown function 'foo'"),
        ("lower-case('A')", "unknown function 'lower-case'"),
        ("substring('abc', 1)", "substring() is XPath 1.0 but not part of the ODK function library"),
        ("last()", "last() is XPath 1.0 but not part of the ODK function library"),
        ("floor(1.5)", "floor() is XPath 1.0 but not part of the ODK function library"),
        ("jr:itext('label')", "unknown function 'itext'"),
        ("if(1, 2)", "if() takes 3 arguments"),
        ("today(1)", "today() takes no arguments"),
        ("selected('a')", "selected() takes 2 arguments"),
        ("coalesce('a', 'b', 'c')", "coalesce() takes 2 arguments"),
        ("not()", "not() takes 1 argument"),
        ("round()", "round() takes 1 or 2 arguments"),
        ("max()", "max() takes at least 1 argument"),
        ("jr:choice-name(.)", "jr:choice-name() takes 2 arguments"),
        ("1e5 > 3", "exponent"),
        ("text()", "elements and attributes only"),
        ("/data/comment()", "elements and attributes only"),
        ("namespace::x", "namespace axis"),
        ("$age > 3", "variables"),
        ("count('a')", "argument 1 of count() must be a node-set"),
        ("sum(1 + 2)", "argument 1 of sum() must be a node-set"),
        ("randomize('a b')", "argument 1 of randomize() must be a node-set"),
        ("'a'/b", "not a node-set"),
        ("uuid()/x", "uuid() does not return nodes"),
        ("'a'[1]", "not a node-set"),
        ("/data/a | 1", "not a node-set"),
        ("a/(b)", "a path step must be"),
        ("regex(., '[0-9')", "regular expression '[0-9' is not valid"),
        ("regex(., '" + "a" * 501 + "')", "longer than 500 characters"),
        ("format-date(., '%Y-%Q')", "does not know the code '%Q'"),
        ("format-date-time(., 'at %')", "does not know the code '%'"),
        ("digest(., 'SHA-999')", "digest() knows MD5"),
        ("indexed-repeat(/data/r/x, /data/r)", "indexed-repeat() takes 3 to 11 arguments"),
        ("indexed-repeat(/data/r/x, /data/r, 1, /data/r/s)", "pairs of a repeat and a position"),
        ("indexed-repeat('x', /data/r, 1)", "argument 1 of indexed-repeat() must be a path"),
        ("weighted-checklist(1, 2, 3)", "in pairs"),
        ("1" + " + 1" * 300, "nested too deeply"),
        ("(" * 600 + "1" + ")" * 600, "nested too deeply"),
    ],
)
def test_a_bad_expression_is_a_syntax_error_naming_it_and_the_problem(expression, problem):
    with pytest.raises(XPathSyntaxError) as raised:
        compile_expression(expression)

    message = str(raised.value)
    assert problem in message
    assert repr(expression)[:60].rstrip("'\"") in message


def test_syntax_errors_are_form_errors():
    with pytest.raises(FormError):
        compile_expression("1 +")


def test_a_syntax_error_keeps_the_expression_and_the_problem_for_other_wordings():
    with pytest.raises(XPathSyntaxError) as raised:
        compile_expression("foo(1)")

    assert raised.value.expression == "foo(1)"
    assert raised.value.problem.startswith("unknown function 'foo'")


def test_a_syntax_error_says_where_the_problem_is():
    with pytest.raises(XPathSyntaxError, match=r"at column 9"):
        compile_expression("/data/a unexpected")


@pytest.mark.parametrize(
    "expression",
    [
        "/data/count + /data/date + /data/position + /data/if",
        "/data/first-name != '' and /data/q1.2 > 0",
        "/data/and or /data/div or /data/mod",
        ". != ''",
        '"double" = "quotes"',
        "\n  /data/a\n  + 1\n",
        "jr:choice-name( /data/a , ' /data/a ')",
        "instance('c')/root/item[name = current()/../n]/label",
        "current()/../y",
        "(/data/a | /data/b)[1]/c",
        "/data/orx:meta/orx:instanceID",
        "child::data/attribute::id | /data/@id",
        "-/data/a - -1",
        "not(selected(., 'x')) or count-selected(.) >= 2",
        "if(/data/a = 'yes', 1, 0) * 2 div 3 mod 4",
        "today() - date(/data/dob) >= 365 * 18",
        "concat()",
    ],
)
def test_valid_expressions_compile(expression):
    compile_expression(expression)


def test_names_that_are_also_function_names_are_paths():
    root = fromstring("<data><count>2</count><date>3</date><if>4</if></data>")

    result = compile_expression("/data/count + /data/date * /data/if").evaluate(EvalContext(root))

    assert result == 14.0


def test_equality_binds_looser_than_relational_operators():
    assert to_string(compile_expression("2 > 1 = 3 > 2").evaluate(EvalContext(fromstring("<d/>")))) == "true"


def test_compiled_expressions_are_cached():
    assert compile_expression("/data/a + 1") is compile_expression("/data/a + 1")


FORM = """
| survey |
| | type | name | label | relevant | constraint | calculation | choice_filter |
| | select_multiple col | cols | Cols | | count-selected(.) <= 2 | | |
| | integer | age_max | Max | | | | |
| | select_one col | fav0 | Fav 0 | | | | |
| | begin repeat | kids | Kids | | | | |
| | integer | age | Age | | . >= 0 and . < ${age_max} | | |
| | select_one col | fav | Fav | ${age} > 3 | | | name != ${fav0} |
| | calculate | lbl | | | | jr:choice-name(${fav}, '${fav}') | |
| | calculate | pos | | | | position(..) | |
| | end repeat | | | | | | |
| | calculate | first | | | | indexed-repeat(${age}, ${kids}, 1) | |
| | calculate | total | | | | sum(${age}) | |
| | calculate | when | | | | format-date(today(), '%d/%m/%Y') | |
| | text | email | Email | | regex(., '^[^@ ]+@[^@ ]+$') | | |
| choices |
| | list_name | name | label |
| | col | r | Red |
| | col | g | Green |
"""


def test_every_expression_pyxform_writes_compiles_and_resolves():
    model = fromstring(xform_from_md(FORM)).find(f".//{XFORMS}model")
    found = []
    for bind in model.iter(f"{XFORMS}bind"):
        for attribute in ("relevant", "constraint", "calculate", "required", "readonly"):
            if bind.get(attribute):
                expression = compile_expression(bind.get(attribute))
                found.append(expression.references(bind.get("nodeset")))
    itemsets = fromstring(xform_from_md(FORM)).iter(f"{XFORMS}itemset")
    filters = [compile_expression(itemset.get("nodeset")) for itemset in itemsets]

    assert {"/data/kids/age"} in found and {"/data/age_max", "/data/kids/age"} in found
    assert {"/data/kids/age", "/data/kids"} in found
    assert [f.instance_references for f in filters] == [{"col"}] * 3
    assert {"/data/fav0"} in [f.references("/data/kids/fav") for f in filters]
    assert all(re.fullmatch(r"/data(/[\w-]+)+", path) for paths in found for path in paths)
