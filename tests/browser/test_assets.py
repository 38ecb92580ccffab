"""Bootstrap Italia and htmx are served and actually take effect; the home page looks right."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN, PageLog, settle, sign_in

ASSETS = (
    "vendor/bootstrap-italia/dist/css/bootstrap-italia.min.css",
    "vendor/bootstrap-italia/dist/js/bootstrap-italia.bundle.min.js",
    "vendor/htmx.org/dist/htmx.min.js",
    "css/humus.css",
    "js/humus.js",
)
TRANSPARENT = "rgba(0, 0, 0, 0)"


@pytest.mark.browser
def test_bootstrap_italia_and_htmx_are_served(page: Page, page_log: PageLog):
    page.goto("/login")
    settle(page)

    assert [page_log.response_for(f"/static/{asset}").status for asset in ASSETS] == [200] * len(ASSETS)


@pytest.mark.browser
def test_htmx_runs_with_the_configuration_from_the_page(page: Page):
    page.goto("/login")
    settle(page)

    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("window.htmx.version").startswith("2.")
    assert page.evaluate("[htmx.config.allowEval, htmx.config.includeIndicatorStyles]") == [False, False]


@pytest.mark.browser
def test_bootstrap_italia_styles_and_titillium_font_apply(page: Page):
    page.goto("/login")
    settle(page)
    page.evaluate("document.fonts.ready")

    slim = page.locator(".it-header-slim-wrapper").evaluate("e => getComputedStyle(e).backgroundColor")
    center = page.locator(".it-header-center-wrapper").evaluate("e => getComputedStyle(e).backgroundColor")
    body_font = page.locator("body").evaluate("e => getComputedStyle(e).fontFamily")
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.family.includes('Titillium') && f.status === 'loaded').length"
    )

    assert slim != TRANSPARENT
    assert center == "rgb(0, 102, 204)"  # Italia blue, #0066CC
    assert body_font.startswith('"Titillium Web"')
    assert loaded > 0


@pytest.mark.browser
def test_home_page_screenshot_is_taken(page: Page, tmp_path: Path):
    sign_in(page, ADMIN)
    expect(page.locator("#roles-heading")).to_be_visible()
    settle(page)
    page.evaluate("document.fonts.ready")

    path = tmp_path / "home.png"
    page.screenshot(path=path, full_page=True)

    assert path.stat().st_size > 10_000
    print(f"home page screenshot: {path}")
