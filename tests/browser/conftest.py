"""Fixtures for the browser tests: the real app on a live server, driven by Debian's headless Chromium."""

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Response,
    expect,
    sync_playwright,
)
from werkzeug.serving import make_server

from app import accounts
from app.extensions import db
from app.territory.tree import add_org_unit
from tests.conftest import PASSWORD, make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 5000
CSP_VIOLATION = "violates the following Content Security Policy directive"
# Chromium logs HTTP errors (a 401 from a wrong password, a missing favicon) as console errors too;
# those are not script errors, and failed static files are checked on their own.
NETWORK_ERROR = "Failed to load resource"

ADMIN = "amministratrice@example.org"
OPERATOR = "operatore@example.org"  # prefers English, so his home page is readable in any catalog state
NEWCOMER = "nuova@example.org"  # has never chosen a language

expect.set_options(timeout=TIMEOUT_MS)


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: Flask  # for seeding and checking the database, inside app.app_context()


@dataclass
class PageLog:
    """What one page reported: console messages, uncaught exceptions and the responses it received."""

    console: list[ConsoleMessage] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        # Playwright wraps handlers by attribute, which builtin methods such as list.append refuse.
        page.on("console", lambda message: self.console.append(message))
        page.on("pageerror", lambda error: self.errors.append(f"{error.name}: {error.message}"))
        page.on("response", lambda response: self.responses.append(response))

    def csp_violations(self) -> list[str]:
        return [f"{m.text[:200]} ({m.location.get('url')})" for m in self.console if CSP_VIOLATION in m.text]

    def script_errors(self) -> list[str]:
        """Uncaught exceptions and console errors other than CSP reports and HTTP statuses."""
        logged = [
            f"{m.text[:200]} ({m.location.get('url')})"
            for m in self.console
            if m.type == "error" and CSP_VIOLATION not in m.text and NETWORK_ERROR not in m.text
        ]
        return self.errors + logged

    def failed_static_files(self) -> list[str]:
        return [f"{r.status} {r.url}" for r in self.responses if "/static/" in r.url and r.status >= 400]

    def response_for(self, path_end: str) -> Response:
        """The first response whose URL (without query) ends with path_end."""
        found = [r for r in self.responses if r.url.split("?")[0].endswith(path_end)]
        assert found, f"the page never requested …{path_end}"
        return found[0]


def assert_no_browser_errors(log: PageLog, where: str = "") -> None:
    """No Content-Security-Policy violation, no JavaScript error, no missing static file so far."""
    assert log.csp_violations() == [], f"CSP violations {where}"
    assert log.script_errors() == [], f"JavaScript errors {where}"
    assert log.failed_static_files() == [], f"static files that failed {where}"


def settle(page: Page) -> None:
    """Wait for the load event, then for one frame, so every console message sent so far has arrived."""
    page.wait_for_load_state("load")
    page.evaluate("() => new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve)))")


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill in and submit the real sign-in form, and wait for the answer (which carries the new cookie)."""
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    with page.expect_response(lambda r: r.request.method == "POST" and urlsplit(r.url).path == "/login"):
        page.locator("main form button[type=submit]").click()


def _seed() -> None:
    region = add_org_unit("16", "Puglia", "region", None)
    bari = add_org_unit("072", "Bari", "province", region)
    ambito = add_org_unit("ATS-BA1", "Ambito di Bari", "ambito", bari)
    for email, role, unit, locale in (
        (ADMIN, "admin", None, None),
        (OPERATOR, "operator", ambito, "en"),
        (NEWCOMER, "operator", ambito, None),
    ):
        user = accounts.create_user(email, PASSWORD, name=email.split("@")[0].capitalize(), locale=locale)
        accounts.grant_role(user, role, unit)
    db.session.commit()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on a file SQLite database, served by werkzeug on a free local port."""
    database = tmp_path_factory.mktemp("live_server") / "humus.sqlite"
    app = make_app(f"sqlite:///{database}")
    with app.app_context():
        db.create_all()
        _seed()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    # An English-speaking browser: Humus must still answer in Italian until the user chooses.
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        timezone_id="Europe/Rome",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(context: BrowserContext, page_log: PageLog) -> Page:
    page = context.new_page()
    page_log.watch(page)
    return page
