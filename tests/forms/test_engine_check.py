"""Upload-time checks of a form's logic, on inline forms and on the pyxform corpus; no expression reaches eval."""

import io
import json
import re
from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from forms.engine import check_form
from forms.spec import FormSpec
from forms.spec_read import read_xform
from tests.forms.conftest import xform_from_md

SHARED = Path(__file__).resolve().parents[3] / "shared"
CORPUS = SHARED / "xlsform-corpus" / "pyxform"
FORMS_PACKAGE = Path(__file__).resolve().parents[2] / "forms"
# openpyxl warns about an Excel extension in two corpus workbooks; it does not affect the forms.
pytestmark = pytest.mark.filterwarnings("ignore:Unknown extension:UserWarning")


def spec_of(markdown: str) -> FormSpec:
    return read_xform(xform_from_md(markdown))


def corpus_spec(name: str) -> FormSpec:
    path = CORPUS / name
    xform = convert(xlsform=io.BytesIO(path.read_bytes()), file_type=path.suffix, form_name="data").xform
    return read_xform(xform)


def summary(problems) -> list[tuple[str, str, str, str]]:
    return [(p.severity, p.code, p.column, p.name) for p in problems]


def test_a_sound_form_has_no_problems():
    spec = spec_of("""
    | survey |
    |        | type         | name  | label        | relevant   | calculation    | constraint   | repeat_count |
    |        | integer      | n     | N            |            |                | . > 0        |              |
    |        | calculate    | dbl   |              |            | ${n} * 2       |              |              |
    |        | begin_repeat | r     | R            | ${n} > 1   |                |              | ${n}         |
    |        | text         | a     | A ${dbl}     |            |                |              |              |
    |        | calculate    | p     |              |            | position(..)   |              |              |
    |        | end_repeat   |       |              |            |                |              |              |
    """)

    assert check_form(spec) == []


def test_an_expression_that_does_not_parse_is_an_error_naming_field_and_column():
    spec = spec_of("""
    | survey |
    |        | type    | name | label | constraint      |
    |        | integer | eta  | Età   | . >= 0 and (   |
    """)

    found = check_form(spec)

    assert summary(found) == [("error", "syntax", "constraint", "eta")]
    assert "'eta'" in found[0].message("en") and "'eta'" in found[0].message("it")


def test_a_reference_to_a_node_the_form_lacks_is_an_error():
    spec = spec_of("""
    | survey |
    |        | type    | name | label | relevant          |
    |        | integer | eta  | Età   |                   |
    |        | text    | nome | Nome  | /data/etaa > 3    |
    """)

    found = check_form(spec)

    assert summary(found) == [("error", "unknown_reference", "relevant", "nome")]
    assert "/data/etaa" in found[0].message_en


def test_an_instance_the_form_does_not_declare_is_an_error():
    spec = spec_of("""
    | survey |
    |        | type      | name | label | calculation                              |
    |        | calculate | x    |       | count(instance('comuni')/root/item)      |
    """)

    assert summary(check_form(spec)) == [("error", "unknown_instance", "calculation", "x")]


def test_a_name_read_inside_a_question_is_only_a_warning():
    # ODK Validate accepts this (the pyxform corpus has it): a quoted string was surely meant.
    spec = spec_of("""
    | survey |
    |        | type      | name | label | calculation |
    |        | calculate | x    |       | aperta      |
    """)

    assert summary(check_form(spec)) == [("warning", "below_field", "calculation", "x")]


def test_calculations_in_a_cycle_are_an_error_naming_every_field():
    spec = spec_of("""
    | survey |
    |        | type      | name | label | calculation | relevant   |
    |        | calculate | a    |       | ${b} + 1    |            |
    |        | calculate | b    |       | ${a} + 1    |            |
    |        | text      | c    | C     |             | ${d} = ''  |
    |        | text      | d    | D     |             | ${c} = ''  |
    """)

    found = check_form(spec)

    assert summary(found) == [("error", "cycle", "calculation", "a"), ("error", "cycle", "calculation", "c")]
    assert "'a', 'b'" in found[0].message_en and "'c', 'd'" in found[1].message_it


def test_a_field_reading_itself_is_not_a_cycle():
    spec = spec_of("""
    | survey |
    |        | type      | name | label | calculation                |
    |        | calculate | ts   |       | if(. = '', now(), .)       |
    """)

    assert check_form(spec) == []


def test_label_outputs_choice_filters_and_defaults_are_checked():
    spec = spec_of("""
    | survey |
    |        | type         | name | label            | choice_filter | default     |
    |        | text         | a    | A                |               | concat(     |
    |        | select_one l | b    | B                | x = '         |             |
    |        | note         | c    | Vale ${a}        |               |             |
    | choices |
    |         | list_name | name | label | x |
    |         | l         | uno  | Uno   | 1 |
    """)

    assert sorted(summary(check_form(spec))) == [
        ("error", "syntax", "choice_filter", "b"),
        ("error", "syntax", "default", "a"),
    ]


def test_the_corpus_form_with_prose_in_a_calculation_is_refused():
    found = check_form(corpus_spec("must-fail/example_xls/bad_calc.xlsx"))

    assert summary(found) == [("error", "syntax", "calculation", "badcalc")]


def test_the_corpus_form_with_a_label_axis_in_a_choice_filter_is_refused():
    # ODK Validate: "XPath evaluation: unsupported construct [... item[label::English != '']]"
    found = check_form(corpus_spec("bug_example_xls/xl_date_ambiguous.xlsx"))

    assert [p for p in summary(found) if p[0] == "error"] == [("error", "syntax", "choice_filter", "names")]


def test_the_corpus_form_with_an_empty_group_has_sound_logic():
    # ODK Validate refuses it for "Group has no children!", a structural check outside check_form.
    assert check_form(corpus_spec("historical/example_xls/warnings.xls")) == []


def _corpus_forms_outside_must_fail() -> list:
    manifest = json.loads((CORPUS / "manifest.json").read_text())
    return [pytest.param(e["file"], id=e["file"]) for e in manifest if e["expected"] == "ok"]


@pytest.mark.parametrize("name", _corpus_forms_outside_must_fail())
def test_every_corpus_form_odk_validate_accepts_passes_the_checks(name):
    found = check_form(corpus_spec(name))

    assert [p.message_en for p in found if p.severity == "error"] == []


_EVAL_CALL = re.compile(r"(?<![\w.])(eval|exec|compile)\s*\(|__import__|\bbuiltins\b")


def test_no_forms_source_hands_code_to_python_eval_or_exec():
    sources = sorted(FORMS_PACKAGE.rglob("*.py"))

    offenders = [
        f"{path.relative_to(FORMS_PACKAGE)}:{number}"
        for path in sources
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if _EVAL_CALL.search(line.split("#", 1)[0])
    ]

    assert sources and offenders == []


def test_a_group_whose_relevance_reads_a_question_inside_it_is_not_a_cycle():
    spec = spec_of("""
    | survey |
    |        | type        | name     | label    | relevant              |
    |        | begin_group | blocco   | Blocco   | ${continua} != 'no'   |
    |        | text        | continua | Continua |                       |
    |        | end_group   |          |          |                       |
    """)

    assert check_form(spec) == []
