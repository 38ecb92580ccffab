"""No page breaks the Content-Security-Policy or throws a JavaScript error."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    ADMIN,
    OPERATOR,
    LiveServer,
    PageLog,
    assert_no_browser_errors,
    settle,
    sign_in,
)


@pytest.mark.browser
def test_sign_in_page_has_no_csp_violation_or_script_error(page: Page, page_log: PageLog):
    page.goto("/login")
    settle(page)

    assert_no_browser_errors(page_log, "on /login")


@pytest.mark.browser
@pytest.mark.parametrize(
    ("email", "path"),
    [
        (OPERATOR, "/"),
        (OPERATOR, "/account"),
        (ADMIN, "/"),
        (ADMIN, "/admin/users"),
        (ADMIN, "/admin/territory"),
        (ADMIN, "/admin/audit"),
    ],
)
def test_signed_in_page_has_no_csp_violation_or_script_error(
    page: Page, page_log: PageLog, live_server: LiveServer, email: str, path: str
):
    sign_in(page, email)
    expect(page).to_have_url(f"{live_server.url}/")

    response = page.goto(path)
    settle(page)

    assert response is not None and response.status == 200
    assert_no_browser_errors(page_log, f"on {path}")


@pytest.mark.browser
def test_sign_in_page_has_no_csp_violation_even_from_vendored_code(page: Page, page_log: PageLog):
    page.goto("/login")
    settle(page)

    assert page_log.csp_violations() == []
