"""Keyboard use and labelled fields."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OPERATOR, sign_in


@pytest.mark.browser
def test_first_tab_focuses_the_skip_link_and_activating_it_moves_focus_to_main(page: Page):
    page.goto("/login")
    skip = page.locator("a[href='#main']")

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    page.keyboard.press("Enter")

    assert box is not None and box["width"] > 20 and box["height"] > 10, "the focused skip link is hidden"
    expect(page.locator("main#main")).to_be_focused()


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/login", "/account"])
def test_every_input_has_an_associated_label(page: Page, path: str):
    if path != "/login":
        sign_in(page, OPERATOR)
    page.goto(path)

    fields = page.locator("input:not([type=hidden]), select, textarea")
    assert fields.count() > 0
    for field in fields.all():
        field_id = field.get_attribute("id")
        label = page.locator(f"label[for='{field_id}']")
        expect(label).to_have_count(1)
        found = page.get_by_label(label.inner_text().strip(), exact=True)
        expect(found).to_have_attribute("id", field_id or "")
