"""Italian by default, English on request, and the choice kept from page to page."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NEWCOMER, LiveServer, sign_in


@pytest.mark.browser
def test_pages_are_in_italian_by_default_even_for_an_english_browser(page: Page):
    page.goto("/login")

    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(page.locator("header button[lang=it]")).to_have_attribute("aria-current", "true")
    expect(page.locator("header button[lang=en]")).not_to_have_attribute("aria-current", "true")


@pytest.mark.browser
def test_visitor_choice_of_english_survives_navigation(page: Page):
    page.goto("/login")

    page.locator("header button[lang=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/healthz")
    page.goto("/login")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Humus")


@pytest.mark.browser
def test_language_switch_goes_to_english_and_back_and_the_choice_survives_navigation(
    page: Page, live_server: LiveServer
):
    html = page.locator("html")
    sign_in(page, NEWCOMER)
    expect(html).to_have_attribute("lang", "it")

    page.locator("header button[lang=en]").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}/")
    page.get_by_role("navigation").get_by_role("link", name="My account").click()
    expect(page).to_have_url(f"{live_server.url}/account")
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")

    page.locator("header button[lang=it]").click()
    expect(html).to_have_attribute("lang", "it")
    expect(page).to_have_url(f"{live_server.url}/account")
    page.locator("header a.humus-brand").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(html).to_have_attribute("lang", "it")
