"""Comparing two versions of a submission's answers: what changed, where, labelled from the form."""

import pytest

from forms.diff import compare_answers, diff_answers
from forms.spec_read import read_xform
from tests.forms.conftest import xform_from_md

FAMILY = """
| survey  |
|         | type               | name     | label::Italiano (it) | label::English (en) |
|         | integer            | bambini  | Bambini seguiti      | Children followed   |
|         | select_one sn      | visita   | Visita domiciliare   | Home visit          |
|         | select_multiple sv | servizi  | Servizi              | Services            |
|         | begin_group        | casa     | Casa                 | Home                |
|         | text               | via      | Via                  | Street              |
|         | end_group          |          |                      |                     |
|         | begin_repeat       | figlio   | Figlio               | Child               |
|         | integer            | eta      | Età                  | Age                 |
|         | text               | scuola   | Scuola               | School              |
|         | end_repeat         |          |                      |                     |
| choices |
|         | list_name | name | label::Italiano (it) | label::English (en) |
|         | sn        | si   | Sì                   | Yes                 |
|         | sn        | no   | No                   | No                  |
|         | sv        | asilo| Asilo nido           | Nursery             |
|         | sv        | edu  | Educativa            | Education           |
| settings |
|          | form_id  | version | default_language |
|          | famiglie | 1       | Italiano (it)    |
"""

BASE = {
    "bambini": 2,
    "visita": "si",
    "servizi": ["asilo"],
    "casa": {"via": "Roma"},
    "figlio": [{"eta": 4, "scuola": "Rodari"}, {"eta": 9}],
}


@pytest.fixture(scope="module")
def spec():
    return read_xform(xform_from_md(FAMILY))


def _summary(changes):
    return [(c.path, c.kind, c.old, c.new) for c in changes]


def test_the_same_answers_have_no_changes(spec):
    assert diff_answers(spec, BASE, dict(BASE)) == []


def test_a_changed_answer_is_reported_with_its_label_and_both_values(spec):
    changes = diff_answers(spec, BASE, {**BASE, "bambini": 3}, language="English (en)")

    assert _summary(changes) == [("/data/bambini", "changed", 2, 3)]
    assert changes[0].label == "Children followed"
    assert (changes[0].old_text, changes[0].new_text) == ("2", "3")


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ({"bambini": 2}, {}, "removed"),
        ({}, {"bambini": 2}, "added"),
        ({"bambini": 2}, {"bambini": 5}, "changed"),
    ],
)
def test_the_kind_of_a_change_says_whether_the_answer_appeared_or_went(spec, old, new, kind):
    assert [c.kind for c in diff_answers(spec, old, new)] == [kind]


def test_an_empty_answer_counts_as_not_answered(spec):
    assert diff_answers(spec, {"casa": {"via": ""}, "servizi": []}, {}) == []


def test_labels_follow_the_form_language_and_default_to_its_default_language(spec):
    italian = diff_answers(spec, BASE, {**BASE, "visita": "no"})
    english = diff_answers(spec, BASE, {**BASE, "visita": "no"}, language="English (en)")

    assert (italian[0].label, italian[0].old_text, italian[0].new_text) == ("Visita domiciliare", "Sì", "No")
    assert (english[0].label, english[0].old_text) == ("Home visit", "Yes")


def test_a_select_multiple_compares_the_choices_not_their_order(spec):
    same = diff_answers(spec, {"servizi": ["asilo", "edu"]}, {"servizi": ["edu", "asilo"]})
    changed = diff_answers(
        spec, {"servizi": ["asilo"]}, {"servizi": ["asilo", "edu"]}, language="English (en)"
    )

    assert same == []
    assert _summary(changed) == [("/data/servizi", "changed", ["asilo"], ["asilo", "edu"])]
    assert changed[0].new_text == "Nursery, Education"


def test_a_question_inside_a_group_is_labelled_with_the_group(spec):
    changes = diff_answers(spec, BASE, {**BASE, "casa": {"via": "Garibaldi"}}, language="English (en)")

    assert _summary(changes) == [("/data/casa/via", "changed", "Roma", "Garibaldi")]
    assert changes[0].label == "Home › Street"


def test_repeat_entries_are_compared_by_position(spec):
    new = {**BASE, "figlio": [{"eta": 4, "scuola": "Rodari"}, {"eta": 10}]}

    changes = diff_answers(spec, BASE, new, language="English (en)")

    assert _summary(changes) == [("/data/figlio[2]/eta", "changed", 9, 10)]
    assert changes[0].label == "Child 2 › Age"


def test_an_added_entry_is_reported_whole_then_answer_by_answer(spec):
    new = {**BASE, "figlio": [*BASE["figlio"], {"eta": 1}]}

    changes = diff_answers(spec, BASE, new, language="English (en)")

    assert _summary(changes) == [
        ("/data/figlio[3]", "added", None, {"eta": 1}),
        ("/data/figlio[3]/eta", "added", None, 1),
    ]
    assert changes[0].entry and changes[0].label == "Child 3"
    assert not changes[1].entry


def test_a_removed_last_entry_is_reported_as_removed(spec):
    new = {**BASE, "figlio": BASE["figlio"][:1]}

    changes = diff_answers(spec, BASE, new)

    assert _summary(changes) == [
        ("/data/figlio[2]", "removed", {"eta": 9}, None),
        ("/data/figlio[2]/eta", "removed", 9, None),
    ]


def test_removing_the_first_entry_shifts_the_others_since_entries_have_no_identity(spec):
    new = {**BASE, "figlio": BASE["figlio"][1:]}

    changes = diff_answers(spec, BASE, new)

    assert _summary(changes) == [
        ("/data/figlio[1]/eta", "changed", 4, 9),
        ("/data/figlio[1]/scuola", "removed", "Rodari", None),
        ("/data/figlio[2]", "removed", {"eta": 9}, None),
        ("/data/figlio[2]/eta", "removed", 9, None),
    ]


def test_changes_come_in_the_order_of_the_form(spec):
    new = {
        "bambini": 1,
        "visita": "no",
        "servizi": ["asilo"],
        "casa": {"via": "Roma"},
        "figlio": BASE["figlio"],
    }

    changes = diff_answers(spec, BASE, new)

    assert [c.path for c in changes] == ["/data/bambini", "/data/visita"]


def test_an_answer_the_form_does_not_have_is_still_reported_under_its_name(spec):
    changes = diff_answers(spec, {"vecchio": "x"}, {})

    assert [(c.path, c.label, c.kind) for c in changes] == [("/data/vecchio", "vecchio", "removed")]


def test_compare_answers_lists_unchanged_answers_too_for_a_side_by_side_view(spec):
    rows = compare_answers(spec, BASE, {**BASE, "bambini": 3})

    kinds = {c.path: c.kind for c in rows}
    assert kinds["/data/bambini"] == "changed"
    assert kinds["/data/casa/via"] == "unchanged"
    assert kinds["/data/figlio[1]/scuola"] == "unchanged"
    assert "/data/figlio[2]/scuola" not in kinds  # answered in neither version
