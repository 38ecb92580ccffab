"""Splitting a long fill page into one page per top-level group."""

from forms.webform import Widget
from forms.webpage import page_with_errors, paginate


def _group(name: str, questions: int, appearance: str = "") -> Widget:
    children = [Widget(kind="input", path=f"/data/{name}/q{n}") for n in range(questions)]
    return Widget(kind="group", path=f"/data/{name}", children=children, appearance=appearance)


def test_a_short_form_stays_on_one_page():
    widgets = [_group("a", 3), _group("b", 3)]

    assert paginate(widgets) == [widgets]


def test_a_long_form_gets_a_page_per_group_and_loose_questions_share_one():
    intro = [Widget(kind="input", path="/data/nome"), Widget(kind="note", path="/data/nota")]
    widgets = [*intro, _group("a", 12), _group("b", 12)]

    pages = paginate(widgets)

    assert [[w.path for w in page] for page in pages] == [
        ["/data/nome", "/data/nota"],
        ["/data/a"],
        ["/data/b"],
    ]


def test_a_field_list_group_gets_its_own_page_even_in_a_short_form():
    widgets = [_group("a", 2, appearance="field-list"), _group("b", 2)]

    assert len(paginate(widgets)) == 2


def test_a_refused_submit_opens_the_first_page_with_a_message():
    widgets = [_group("a", 12), _group("b", 12)]
    widgets[1].children[3].errors = ["Risposta obbligatoria."]

    assert page_with_errors(paginate(widgets)) == 1
