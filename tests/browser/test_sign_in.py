"""Signing in and out through the real forms, in Chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OPERATOR, LiveServer, sign_in


@pytest.mark.browser
def test_operator_signs_in_and_lands_on_the_home_page_showing_their_role(page: Page, live_server: LiveServer):
    sign_in(page, OPERATOR)

    expect(page).to_have_url(f"{live_server.url}/")
    roles = page.locator("section[aria-labelledby=roles-heading] li")
    expect(roles).to_have_count(1)
    expect(roles.locator("strong")).to_have_text("Operator")
    expect(roles).to_contain_text("Ambito di Bari")


@pytest.mark.browser
def test_wrong_password_shows_the_error_on_the_sign_in_page(page: Page, live_server: LiveServer):
    page.goto("/login")
    page.locator("header button[lang=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    sign_in(page, OPERATOR, "una-password-sbagliata")

    expect(page.locator("main [role=alert]")).to_have_text("Wrong email or password.")
    expect(page).to_have_url(f"{live_server.url}/login")
    expect(page.locator("#password")).to_have_value("")


@pytest.mark.browser
def test_home_page_is_not_stored_by_the_browser(page: Page):
    sign_in(page, OPERATOR)
    expect(page.locator("#roles-heading")).to_be_visible()

    response = page.reload()

    assert response is not None
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.browser
def test_signing_out_returns_to_sign_in_and_back_does_not_show_the_home_page(
    page: Page, live_server: LiveServer
):
    sign_in(page, OPERATOR)
    expect(page.locator("#roles-heading")).to_be_visible()

    page.locator("header").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/login")
    page.go_back()

    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)$"))
    expect(page.locator("#roles-heading")).to_have_count(0)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)$"))
