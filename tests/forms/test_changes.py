"""Comparing a new version with the published one: which changes reshape the data already stored."""

from forms.changes import compare_versions
from forms.spec_read import read_xform
from tests.forms.conftest import xform_from_md

PUBLISHED = """
| survey  |
|         | type          | name    | label   |
|         | integer       | bambini | Bambini |
|         | text          | note    | Note    |
|         | select_one sn | visita  | Visita  |
| choices |
|         | list_name | name | label |
|         | sn        | si   | Sì    |
|         | sn        | no   | No    |
"""


def _spec(markdown: str):
    return read_xform(xform_from_md(markdown))


def test_the_same_form_has_no_changes():
    assert compare_versions(_spec(PUBLISHED), _spec(PUBLISHED)) == []


def test_adding_a_question_or_a_choice_does_not_reshape():
    draft = PUBLISHED.replace(
        "| text          | note    | Note    |", "| text | note | Note |\n| | date | data | Data |"
    )
    draft = draft.replace("| sn        | no   | No    |", "| sn | no | No |\n| | sn | forse | Forse |")

    changes = compare_versions(_spec(PUBLISHED), _spec(draft))

    assert [(c.code, c.path) for c in changes] == [
        ("field_added", "/data/data"),
        ("choices_added", "/data/visita"),
    ]
    assert not any(c.reshapes for c in changes)


def test_removing_a_question_changing_a_type_or_dropping_a_choice_reshapes_and_comes_first():
    draft = """
    | survey  |
    |         | type          | name    | label   |
    |         | decimal       | bambini | Bambini |
    |         | select_one sn | visita  | Visita  |
    | choices |
    |         | list_name | name | label |
    |         | sn        | si   | Sì    |
    """

    changes = compare_versions(_spec(PUBLISHED), _spec(draft))

    assert [(c.code, c.path, c.reshapes) for c in changes] == [
        ("type_changed", "/data/bambini", True),
        ("field_removed", "/data/note", True),
        ("choices_removed", "/data/visita", True),
    ]
    assert "da int a decimal" in changes[0].message("it") and "from int to decimal" in changes[0].message(
        "en"
    )
