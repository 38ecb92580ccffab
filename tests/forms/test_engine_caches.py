"""What the engine keeps between evaluations (per-form tables, parent links) never carries one form's or one
instance's answers into another."""

import dataclasses
import gc
import weakref
from datetime import datetime, timedelta, timezone
from xml.etree.ElementTree import Element, tostring

import pytest

from forms.engine import FieldState, add_repeat, evaluate, remove_repeat, validate
from forms.instance import InstanceDataError, data_from_instance, instance_from_data, instance_to_xml
from forms.spec import FormSpec
from forms.spec_read import read_xform
from tests.forms.conftest import xform_from_md

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=1)))

AGES = """
| survey |
|        | type    | name   | label  | relevant   | constraint | calculation     |
|        | integer | eta    | Età    |            | . < 18     |                 |
|        | text    | scuola | Scuola | ${eta} > 5 |            |                 |
|        | calculate | doppia |      |            |            | ${eta} * 2      |
"""

# The same paths as AGES, with another type, other logic and other messages.
WORDS = """
| survey |
|        | type    | name   | label  | relevant          | constraint   | calculation        |
|        | text    | eta    | Età    |                   | . != 'nulla' |                    |
|        | text    | scuola | Scuola | ${eta} = 'grande' |              |                    |
|        | calculate | doppia |      |                   |              | concat(${eta}, ${eta}) |
"""

FAMILY = """
| survey |
|        | type         | name   | label  | relevant         | calculation     |
|        | begin_repeat | figli  | Figli  |                  |                 |
|        | integer      | eta    | Età    |                  |                 |
|        | text         | scuola | Scuola | ../eta >= 6      |                 |
|        | calculate    | numero |        |                  | position(..)    |
|        | end_repeat   |        |        |                  |                 |
|        | calculate    | quanti |        |                  | count(${figli}) |
"""

COUNTED = """
| survey |
|        | type         | name   | label  | repeat_count | relevant     | calculation  |
|        | integer      | quanti | Quanti |              |              |              |
|        | begin_repeat | membri | Membri | ${quanti}    |              |              |
|        | calculate    | numero |        |              |              | position(..) |
|        | text         | lavoro | Lavoro |              | ../numero > 1 |             |
|        | end_repeat   |        |        |              |              |              |
"""


def spec_of(markdown: str) -> FormSpec:
    return read_xform(xform_from_md(markdown))


def outcome(spec: FormSpec, root: Element) -> tuple:
    evaluation = validate(spec, root, now=NOW)
    states = {path: dataclasses.astuple(state) for path, state in evaluation.fields.items()}
    problems = [(p.path, p.code) for p in evaluation.problems]
    return tostring(evaluation.root), states, problems


def test_two_forms_with_the_same_paths_keep_their_own_types_and_logic():
    ages, words = spec_of(AGES), spec_of(WORDS)

    for _ in range(3):  # alternating, so neither form's tables can stand in for the other's
        by_age = validate(ages, instance_from_data(ages, {"eta": 20, "scuola": "Liceo"}, "uuid:a"), now=NOW)
        by_word = validate(
            words, instance_from_data(words, {"eta": "nulla", "scuola": "Liceo"}, "uuid:b"), now=NOW
        )

        assert [(p.path, p.code) for p in by_age.problems] == [("/data/eta", "constraint")]
        assert (by_age.root.findtext("doppia"), by_age.root.findtext("scuola")) == ("40", "Liceo")
        assert [(p.path, p.code) for p in by_word.problems] == [("/data/eta", "constraint")]
        assert (by_word.root.findtext("doppia"), by_word.root.findtext("scuola")) == ("nullanulla", "")
        assert data_from_instance(ages, by_age.root)["eta"] == 20
        assert data_from_instance(words, by_word.root)["eta"] == "nulla"
        with pytest.raises(InstanceDataError):
            instance_from_data(ages, {"eta": "nulla"})


def test_one_spec_object_answers_each_instance_as_a_fresh_copy_of_it_would():
    spec = spec_of(FAMILY)
    answers = [
        {"figli": [{"eta": age, "scuola": "Scuola"} for age in range(count)]}
        for count in (0, 1, 3, 7, 2, 0, 9)
    ]

    for data in answers:
        fresh = FormSpec.from_dict(spec.to_dict())  # nothing worked out for it yet

        assert outcome(spec, instance_from_data(spec, data, "uuid:x")) == outcome(
            fresh, instance_from_data(fresh, data, "uuid:x")
        )


def test_repeats_added_and_removed_between_evaluations_are_read_as_they_are():
    spec = spec_of(FAMILY)
    root = instance_from_data(spec, {"figli": [{"eta": 8, "scuola": "Elementare"}]}, "uuid:x")

    grown = add_repeat(spec, add_repeat(spec, root, "/data/figli", now=NOW), "/data/figli", now=NOW)
    for instance, age in zip(grown.findall("figli"), ("8", "3", "10"), strict=True):
        instance.find("eta").text = age
        instance.find("scuola").text = "Scuola"
    wider = evaluate(spec, grown, now=NOW)
    narrower = evaluate(spec, remove_repeat(spec, wider.model, "/data/figli[2]", now=NOW), now=NOW)

    assert [f.findtext("numero") for f in wider.root.findall("figli")] == ["1", "2", "3"]
    assert [f.findtext("scuola") for f in wider.root.findall("figli")] == ["Scuola", "", "Scuola"]
    assert wider.root.findtext("quanti") == "3"
    assert [f.findtext("numero") for f in narrower.root.findall("figli")] == ["1", "2"]
    assert [f.findtext("eta") for f in narrower.root.findall("figli")] == ["8", "10"]
    assert narrower.root.findtext("quanti") == "2"


def test_instances_a_count_adds_during_an_evaluation_find_their_parent():
    spec = spec_of(COUNTED)

    evaluation = evaluate(spec, instance_from_data(spec, {"quanti": 3}, "uuid:x"), now=NOW)

    relevant = [evaluation.fields[f"/data/membri[{n}]/lavoro"].relevant for n in (1, 2, 3)]
    assert relevant == [False, True, True]


def test_validating_does_not_change_the_instance_it_is_given():
    spec = spec_of(AGES)
    root = instance_from_data(spec, {"eta": 4, "scuola": "Nido"}, "uuid:x")
    before = instance_to_xml(root)

    evaluation = validate(spec, root, now=NOW)

    assert instance_to_xml(root) == before
    assert evaluation.root.findtext("scuola") == ""  # not relevant: dropped from what is stored
    assert evaluation.model.findtext("scuola") == "Nido"  # kept in the model, as a page keeps it


def test_a_spec_no_longer_used_is_freed_with_what_was_worked_out_from_it():
    spec = spec_of(AGES)
    validate(spec, instance_from_data(spec, {"eta": 4}, "uuid:x"), now=NOW)
    gone = weakref.ref(spec)

    del spec
    gc.collect()

    assert gone() is None


def test_field_states_stay_frozen_values():
    state = FieldState(True, False, False, "12", True)

    assert state == FieldState(relevant=True, required=False, readonly=False, value="12", constraint_ok=True)
    assert dataclasses.replace(state, value="13").value == "13"
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.value = "14"  # type: ignore[misc]
