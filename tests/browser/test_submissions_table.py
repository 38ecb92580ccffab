"""Filtering the table of submissions in the browser: the rows narrow in place and the address keeps the filter."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Project, User
from app.surveys.services import upload_form
from app.surveys.submissions import record_submission
from tests.browser.conftest import ADMIN, LiveServer, PageLog, assert_no_browser_errors, settle, sign_in

FORM = """
| survey   |
|          | type            | name | label             |
|          | text            | nome | Nome              |
|          | integer         | eta  | Età               |
|          | select_one tipi | tipo | Tipo di servizio  |
| choices  |
|          | list_name | name | label                 |
|          | tipi      | cd   | Centro diurno         |
|          | tipi      | ed   | Educativa domiciliare |
| settings |
|          | form_id        | version | form_title        |
|          | tabella_invii  | 1       | Tabella degli invii |
"""
SCREENSHOTS = Path(__file__).resolve().parents[2] / "tmp" / "screenshots"
ANSWERS = (
    {"nome": "Anna", "eta": 10, "tipo": "cd"},
    {"nome": "Bruno", "eta": 9, "tipo": "ed"},
    {"nome": "Carla", "eta": 100, "tipo": "cd"},
    {"nome": "Dario", "eta": 4, "tipo": "ed"},
)


@pytest.fixture(scope="module")
def form_id(live_server: LiveServer) -> int:
    """The form, with four submissions filed in the Ambito of Bari by the administrator."""
    with live_server.app.app_context():
        admin = db.session.scalars(select(User).where(User.email == ADMIN)).one()
        project = Project(code="tabella", name="Tabella")
        db.session.add(project)
        form = upload_form(admin, project, FORM.encode(), "tabella.md").version.form
        for answers in ANSWERS:
            record_submission(admin, form, answers, None, "ATS-BA1", "it")
        return form.id


def test_filtering_by_an_answer_narrows_the_rows_and_keeps_the_filter_in_the_address(
    page: Page, page_log: PageLog, form_id: int
):
    sign_in(page, ADMIN)
    page.goto(f"/forms/{form_id}/submissions")
    rows = page.locator("#submissions-table tbody tr")
    expect(rows).to_have_count(len(ANSWERS))

    page.locator("#field-1").select_option("eta")
    page.locator("#op-1").select_option("greater")
    page.locator("#value-1").fill("9")
    page.locator("#filter-submit").click()

    expect(rows).to_have_count(2)  # 10 and 100: compared as numbers, not as text
    expect(page.locator("#submissions-table tbody")).to_contain_text("Anna")
    expect(page.locator("#submissions-table tbody")).not_to_contain_text("Bruno")
    expect(page).to_have_url(re.compile(r"/submissions\?field=eta&op=greater&value=9$"))
    assert any(r.request.headers.get("hx-request") == "true" for r in page_log.responses), "not through htmx"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "submissions-table.png"), full_page=True)
    page.reload()
    expect(rows).to_have_count(2)
    expect(page.locator("#value-1")).to_have_value("9")
    settle(page)
    assert_no_browser_errors(page_log, "filtering the submissions table")


def test_the_filter_form_adds_a_row_for_another_condition(page: Page, page_log: PageLog, form_id: int):
    sign_in(page, ADMIN)
    page.goto(f"/forms/{form_id}/submissions?field=eta&op=greater&value=9")

    page.locator("#field-2").select_option("tipo")
    page.locator("#value-2").fill("Centro diurno")
    page.locator("#filter-submit").click()

    expect(page.locator("#submissions-table tbody tr")).to_have_count(2)
    expect(page.locator("#field-3")).to_be_visible()
    page.locator("#field-3").select_option("nome")
    page.locator("#value-3").fill("carla")
    page.locator("#filter-submit").click()
    expect(page.locator("#submissions-table tbody tr")).to_have_count(1)
    expect(page.locator("#submissions-table tbody")).to_contain_text("Carla")
    settle(page)
    assert_no_browser_errors(page_log, "adding conditions")


def test_a_row_opens_the_submission_with_its_answers_on_a_phone(page: Page, page_log: PageLog, form_id: int):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, ADMIN)
    page.goto(f"/forms/{form_id}/submissions?field=nome&op=equals&value=anna")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "submissions-table-phone.png"), full_page=True)

    page.locator("#submissions-table tbody th a").first.click()

    expect(page.locator("#answers-heading")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Centro diurno")
    page.screenshot(path=str(SCREENSHOTS / "submission-phone.png"), full_page=True)
    settle(page)
    assert_no_browser_errors(page_log, "opening a submission")
