"""The walks every evaluation makes: conforming the instance while indexing it, the node states kept as
rows until read, and the tables a model makes on demand, answer as the separate steps always did."""

import copy
import dataclasses
from datetime import datetime, timedelta, timezone
from xml.etree.ElementTree import Element, SubElement, tostring

import pytest
from defusedxml.ElementTree import fromstring

from forms.engine import FieldState, add_repeat, evaluate, validate
from forms.engine_model import JR_TEMPLATE, conform, index_model
from forms.engine_plan import plan_for
from forms.instance import instance_from_data
from forms.spec import FormSpec
from forms.spec_read import read_xform
from forms.xpath import EvalContext
from tests.forms.conftest import xform_from_md

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=1)))

HOUSE = """
| survey |
|        | type         | name    | label   | relevant      | calculation     | constraint |
|        | text         | nome    | Nome    |               |                 |            |
|        | begin_group  | casa    | Casa    |               |                 |            |
|        | integer      | stanze  | Stanze  |               |                 | . < 20     |
|        | begin_group  | bagno   | Bagno   | ${stanze} > 1 |                 |            |
|        | integer      | docce   | Docce   |               |                 |            |
|        | end_group    |         |         |               |                 |            |
|        | end_group    |         |         |               |                 |            |
|        | begin_repeat | figli   | Figli   |               |                 |            |
|        | integer      | eta     | Età     |               |                 |            |
|        | begin_group  | scuola  | Scuola  | ../eta >= 6   |                 |            |
|        | text         | classe  | Classe  |               |                 |            |
|        | end_group    |         |         |               |                 |            |
|        | end_repeat   |         |         |               |                 |            |
|        | calculate    | quanti  |         |               | count(${figli}) |            |
"""


def spec_of(markdown: str) -> FormSpec:
    return read_xform(xform_from_md(markdown))


def ragged(spec: FormSpec, template_copy: bool = True) -> Element:
    """An instance with what submissions get wrong: a jr:template copy, missing and doubled groups,
    elements the form does not have, repeats short of their children."""
    root = instance_from_data(
        spec, {"nome": "Ada", "casa": {"stanze": 3}, "figli": [{"eta": 7}, {}]}, "uuid:x"
    )
    figli = root.findall("figli")
    if template_copy:
        root.insert(1, copy.deepcopy(figli[0]))
        root[1].set(JR_TEMPLATE, "")
    figli[0].remove(figli[0].find("scuola"))
    root.find("casa").remove(root.find("casa/bagno"))
    root.append(copy.deepcopy(root.find("casa")))  # a second casa: not a repeat
    root[-1].append(Element("intruso"))
    SubElement(figli[1], "ignoto").text = "?"
    return root


def tables(model) -> tuple:
    return (
        [
            (tostring(element), path, template, parent.tag)
            for element, path, template, parent in model.entries
        ],
        {path: len(found) for path, found in model.elements.items()},
        [(path, element.tag, parent.tag) for path, element, parent in model.unknown],
        list(model.paths.values()),
        list(model.template_paths.values()),
        sorted(model.at),
    )


@pytest.mark.parametrize("shape", ["ragged", "missing", "complete", "empty"])
def test_conforming_while_indexing_gives_the_tree_and_tables_of_conforming_first(shape):
    spec = spec_of(HOUSE)
    shape_of = plan_for(spec).shape
    root = {
        "ragged": lambda: ragged(spec),
        "missing": lambda: ragged(spec, template_copy=False),  # fixed deeper down than the root
        "complete": lambda: instance_from_data(spec, {"nome": "Ada", "figli": [{"eta": 9}]}, "uuid:x"),
        "empty": lambda: Element("data"),
    }[shape]()
    first, both = copy.deepcopy(root), copy.deepcopy(root)

    conform(shape_of, first)
    separate = index_model(shape_of, first)
    together = index_model(shape_of, both, conform=True)

    assert tostring(both) == tostring(first)
    assert tables(together) == tables(separate)


def test_tables_made_on_demand_follow_the_tree_once_it_is_indexed_again():
    spec = spec_of(HOUSE)
    root = instance_from_data(spec, {"figli": [{"eta": 1}]}, "uuid:x")
    model = index_model(plan_for(spec).shape, root, conform=True)
    before = (dict(model.paths), dict(model.template_paths), dict(model.at))

    root.append(copy.deepcopy(root.find("figli")))
    model.index()

    assert "/data/figli[2]" not in before[2]
    assert model.at["/data/figli[2]/eta"].text == "1"
    assert model.paths[model.at["/data/figli[2]"]] == "/data/figli[2]"
    assert model.template_paths[model.at["/data/figli[2]/eta"]] == "/data/figli/eta"
    assert len(model.paths) == len(before[0]) + 4


def test_field_states_read_as_a_mapping_of_field_states_in_document_order():
    spec = spec_of(HOUSE)
    root = instance_from_data(spec, {"nome": "Ada", "casa": {"stanze": 1}, "figli": [{"eta": 3}]}, "uuid:x")

    fields = evaluate(spec, root, now=NOW).fields

    assert list(fields)[:5] == [
        "/data/nome",
        "/data/casa",
        "/data/casa/stanze",
        "/data/casa/bagno",
        "/data/casa/bagno/docce",
    ]
    assert fields["/data/casa/bagno"] == FieldState(False, False, False, "", True)
    assert fields.get("/data/figli[1]/eta") == FieldState(True, False, False, "3", True)
    assert fields.get("/data/nowhere") is None
    assert "/data/quanti" in fields and "/data/nowhere" not in fields
    assert fields["/data/quanti"].readonly  # calculated
    assert len(fields) == len(dict(fields.items())) == len(list(fields.values()))
    assert fields == dict(fields) and dict(fields) == fields
    assert fields != {**dict(fields), "/data/nome": FieldState(True, False, False, "Bea", True)}
    assert all(type(state) is FieldState for state in fields.values())


def test_field_states_are_the_states_at_the_end_of_the_evaluation():
    spec = spec_of(HOUSE)
    evaluation = validate(spec, instance_from_data(spec, {"casa": {"stanze": 30}}, "uuid:x"), now=NOW)

    evaluation.model.find("casa/stanze").text = "0"  # after the evaluation: its states do not follow

    assert evaluation.fields["/data/casa/stanze"].value == "30"
    assert not evaluation.fields["/data/casa/stanze"].constraint_ok
    assert evaluation.fields["/data/casa/bagno"].relevant  # 30 > 1
    assert dataclasses.astuple(evaluation.fields["/data/casa/stanze"]) == (True, False, False, "30", False)


def test_a_submission_missing_groups_and_holding_a_template_copy_evaluates_as_before():
    spec = spec_of(HOUSE)

    evaluation = validate(spec, ragged(spec), now=NOW)

    assert [(p.path, p.code) for p in evaluation.problems] == [
        ("/data/figli[2]/ignoto", "unknown"),
        ("/data/casa", "twice"),
    ]
    assert evaluation.root.find("casa/bagno/docce") is not None  # put back, empty
    assert evaluation.root.find("figli/scuola/classe") is not None
    assert len(evaluation.root.findall("figli")) == 2  # the template copy is gone
    assert evaluation.root.findtext("quanti") == "2"


def test_an_added_repeat_keeps_a_doubled_group_conformed_as_before():
    spec = spec_of(HOUSE)
    root = ragged(spec)
    shape = plan_for(spec).shape
    expected = copy.deepcopy(root)
    conform(shape, expected)

    grown = add_repeat(spec, root, "/data/figli", now=NOW)

    doubled = grown.findall("casa")[1]
    assert tostring(doubled) == tostring(expected.findall("casa")[1])
    assert doubled.find("bagno/docce") is not None


def test_a_context_moved_to_another_node_keeps_everything_else():
    root = fromstring("<data><a>1</a></data>")
    context = EvalContext(root, instances={"x": Element("root")}, now=NOW, language="it", pulldata={"p": []})

    moved = context.at(root[0], current=root)

    assert moved == dataclasses.replace(context, node=root[0], current=root)
    assert moved.trees is context.trees


CHOICES = """
| survey |
|        | type               | name    | label   | choice_filter           |
|        | select_one colore  | colore  | Colore  |                         |
|        | select_multiple colore | altri | Altri |                         |
|        | text               | prov    | Prov    |                         |
|        | select_one_from_file territorio.csv | comune | Comune | province_code=${prov} |
| choices |
|         | list_name | name  | label |
|         | colore    | rosso | Rosso |
|         | colore    | verde | Verde |
"""
LECCE = [{"name": "075035", "label": "Lecce", "province_code": "075"}]
BARI = [{"name": "072006", "label": "Bari", "province_code": "072"}]


def codes(spec: FormSpec, data: dict, attachments: dict | None = None) -> list[tuple[str, str]]:
    root = instance_from_data(spec, data, "uuid:x")
    return [(p.path, p.code) for p in validate(spec, root, now=NOW, attachments=attachments).problems]


def test_choices_are_checked_against_each_form_and_each_attachment_of_the_moment():
    spec = spec_of(CHOICES)
    other = spec_of(CHOICES.replace("verde | Verde", "blu   | Blu  "))

    for _ in range(2):  # alternating, so no table kept from one can answer for the other
        assert codes(spec, {"colore": "verde", "altri": ["rosso", "verde"]}) == []
        assert codes(other, {"colore": "verde"}) == [("/data/colore", "choice")]
        assert codes(spec, {"altri": ["verde", "verde"]}) == [("/data/altri", "choice_twice")]
        assert codes(spec, {"prov": "075", "comune": "075035"}, {"territorio.csv": LECCE}) == []
        assert codes(spec, {"prov": "075", "comune": "075035"}, {"territorio.csv": BARI}) == [
            ("/data/comune", "choice")
        ]
        assert codes(spec, {"prov": "072", "comune": "072006"}, {"territorio.csv": BARI}) == []
        assert codes(spec, {"prov": "075", "comune": "072006"}, {"territorio.csv": BARI}) == [
            ("/data/comune", "choice")
        ]
