"""The instance paths an expression reads, for calculate ordering and upload-time checks."""

import pytest

from forms.xpath import XPathReferenceError, compile_expression


def references(expression: str, context_path: str = "/data/grp/q") -> set[str]:
    return compile_expression(expression).references(context_path)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("/data/age > 3", {"/data/age"}),
        ("1 + 2", set()),
        (". >= 18", {"/data/grp/q"}),
        ("../x", {"/data/grp/x"}),
        ("./x", {"/data/grp/q/x"}),
        ("x", {"/data/grp/q/x"}),
        ("../../top", {"/data/top"}),
        (" /data/a  + /data/b * /data/a ", {"/data/a", "/data/b"}),
        ("concat(/data/a, if(../b, /data/c, 'x'))", {"/data/a", "/data/grp/b", "/data/c"}),
        ("-/data/a", {"/data/a"}),
        ("/data/@id", {"/data/@id"}),
        ("/data/*", {"/data/*"}),
        ("//x", {"//x"}),
        ("/data//x", {"/data//x"}),
        ("/data/r[2]/v", {"/data/r/v"}),
        ("count(/data/r)", {"/data/r"}),
        ("position(..)", {"/data/grp"}),
        ("/data/r/ancestor::data", set()),
        ("'/data/not/a/path'", set()),
    ],
)
def test_paths_resolve_against_the_context(expression, expected):
    assert references(expression) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("/data/r[v > 1]/w", {"/data/r/v", "/data/r/w"}),
        ("/data/r[position() = /data/idx]/w", {"/data/idx", "/data/r/w"}),
        ("/data/r[../flag = 'y'][. = current()/../x]", {"/data/flag", "/data/grp/x", "/data/r"}),
        ("(/data/a | /data/b)[. != '']", {"/data/a", "/data/b"}),
        ("sum(/data/r[w = 'x']/v)", {"/data/r/w", "/data/r/v"}),
    ],
)
def test_predicates_count_with_their_own_context(expression, expected):
    assert references(expression) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("current()", {"/data/grp/q"}),
        ("current()/../y", {"/data/grp/y"}),
        ("current()/../../z + 1", {"/data/z"}),
    ],
)
def test_current_is_the_field_the_expression_belongs_to(expression, expected):
    assert references(expression) == expected


def test_paths_into_secondary_instances_are_left_out_and_their_ids_returned():
    expression = compile_expression(
        "instance('cities')/root/item[country = /data/country and region = current()/../region]/name"
    )

    assert expression.references("/data/grp/city") == {"/data/country", "/data/grp/region"}
    assert expression.instance_references == {"cities"}


def test_instance_ids_are_collected_from_every_call():
    expression = compile_expression("count(instance('a')/root/item) + count(instance('b')/root/item[x = 1])")

    assert expression.instance_references == {"a", "b"}
    assert expression.references("/data/n") == set()


def test_an_expression_without_instances_has_no_instance_references():
    assert compile_expression("/data/a").instance_references == set()


def test_indexed_repeat_reads_the_field_and_the_repeat():
    expected = {"/data/kids/age", "/data/kids", "/data/n"}

    assert references("indexed-repeat(/data/kids/age, /data/kids, /data/n)", "/data/first") == expected


def test_pyxform_relative_references_inside_a_repeat_resolve_to_the_repeat():
    assert references(" ../age  > 3", "/data/kids/fav") == {"/data/kids/age"}


def test_a_path_above_the_top_of_the_instance_is_an_error_naming_the_expression():
    with pytest.raises(XPathReferenceError, match=r"'\.\./\.\./\.\./x'.*\(for /data/q\).*above the top"):
        references("../../../x", "/data/q")


def test_a_context_at_the_top_element_resolves_dot():
    assert references(".", "/data") == {"/data"}
