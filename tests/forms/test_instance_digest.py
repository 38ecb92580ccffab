"""answers_digest: the same digest as the one the app has always stored, without computed fields."""

import hashlib
import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms.instance import answers_digest, data_from_instance, instance_from_data
from forms.instance_digest import computed_paths
from forms.spec import FormSpec
from forms.spec_read import read_xform
from tests.forms.conftest import xform_from_md

HOUSEHOLD = """
| survey |
|        | type         | name     | label    | calculation          |
|        | start        | inizio   |          |                      |
|        | today        | oggi     |          |                      |
|        | text         | nome     | Nome     |                      |
|        | begin_group  | casa     | Casa     |                      |
|        | integer      | stanze   | Stanze   |                      |
|        | calculate    | doppie   |          | ${stanze} * 2        |
|        | end_group    |          |          |                      |
|        | begin_repeat | figli    | Figli    |                      |
|        | integer      | eta      | Età      |                      |
|        | calculate    | mesi     |          | ${eta} * 12          |
|        | end_repeat   |          |          |                      |
|        | calculate    | quanti   |          | count(${figli})      |
"""


def spec_of(markdown: str) -> FormSpec:
    return read_xform(xform_from_md(markdown))


HOUSEHOLD_SPEC = spec_of(HOUSEHOLD)  # one spec for the many examples below; a spec is never changed


def stored_digest(spec: FormSpec, data: Mapping[str, Any]) -> str:
    """The digest as app/surveys/submissions.py has always computed it, the reference."""
    computed = {path for path, bind in spec.binds.items() if bind.calculate or bind.preload}
    answers = _without(data, f"/{spec.root_name}", computed)
    canonical = json.dumps(answers, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _without(value: Any, path: str, computed: set[str]) -> Any:
    if isinstance(value, Mapping):
        return {
            k: _without(v, f"{path}/{k}", computed) for k, v in value.items() if f"{path}/{k}" not in computed
        }
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        return [_without(v, path, computed) for v in value]
    return value


def test_computed_and_preloaded_fields_are_the_ones_left_out():
    spec = spec_of(HOUSEHOLD)

    assert computed_paths(spec) == {
        "/data/inizio",
        "/data/oggi",
        "/data/casa/doppie",
        "/data/figli/mesi",
        "/data/quanti",
        "/data/meta/instanceID",
    }


def test_answers_that_differ_only_in_computed_fields_have_one_digest():
    spec = spec_of(HOUSEHOLD)
    first = {"inizio": "2025-01-01T10:00:00.000+01:00", "nome": "Ada", "figli": [{"eta": 3, "mesi": 36}]}
    again = {"inizio": "2025-01-02T11:00:00.000+01:00", "nome": "Ada", "figli": [{"eta": 3, "mesi": 0}]}

    assert answers_digest(spec, first) == answers_digest(spec, again)
    assert answers_digest(spec, first) != answers_digest(spec, {**first, "nome": "Bea"})


def test_a_stored_record_has_the_digest_the_app_always_gave_it():
    spec = spec_of(HOUSEHOLD)
    data = {"nome": "Ada", "casa": {"stanze": 4}, "figli": [{"eta": 3}, {"eta": 7}, {}]}
    stored = data_from_instance(spec, instance_from_data(spec, data, "uuid:x"))

    assert answers_digest(spec, stored) == stored_digest(spec, stored)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"nome": "Ada", "oggi": "2025-01-01", "casa": {"stanze": 2, "doppie": 4}, "quanti": 0},
        {"figli": [{"eta": 1, "mesi": 12}, {"mesi": 5, "altro": {"mesi": 1}}], "quanti": 2},
        {"figli": [{"eta": 1}, 3], "casa": [{"doppie": 1}], "nome": ["x", {"doppie": 2}]},
        {"casa/doppie": 4, "casa": {"stanze/x": 1, "doppie/": 2}, "figli/mesi": 1},
        {"casa": MappingProxyType({"stanze": 1, "doppie": 2}), "meta": {"instanceID": "uuid:x", "y": 1}},
        {
            "altro": MappingProxyType({"a": MappingProxyType({"b": 1})}),
            "figli": [MappingProxyType({"mesi": 1})],
        },
        {"nome": "Città – ünïcode ✓", "casa": {"stanze": 1.5}, "figli": [], "quanti": None},
        {"": {"": 1}, "casa": {"": {"doppie": 1}}},
    ],
)
def test_odd_data_has_the_digest_the_app_always_gave_it(data):
    spec = spec_of(HOUSEHOLD)

    assert answers_digest(spec, data) == stored_digest(spec, data)


def test_data_json_cannot_write_fails_as_it_always_did():
    spec = spec_of(HOUSEHOLD)
    data = {"nome": {1, 2}, "casa": {"doppie": 2}}

    with pytest.raises(TypeError):
        stored_digest(spec, data)
    with pytest.raises(TypeError):
        answers_digest(spec, data)


_NAMES = st.sampled_from(
    ["nome", "casa", "stanze", "doppie", "figli", "eta", "mesi", "quanti", "oggi", "x", "a/b"]
)
_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5), st.floats(allow_nan=False))
_DATA = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_NAMES, inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_NAMES, _DATA, max_size=6))
def test_any_data_has_the_digest_the_app_always_gave_it(data):
    spec = HOUSEHOLD_SPEC

    assert answers_digest(spec, data) == stored_digest(spec, data)
