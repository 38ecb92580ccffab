"""Filling a real form in the browser: skip logic, live constraint messages, focus kept, submission."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from app import accounts
from app.extensions import db
from app.models import OrgUnit, Project, Submission, User
from app.surveys.attachments import attach_file
from app.surveys.services import spec_of, upload_form
from tests.browser.conftest import ADMIN, LiveServer, PageLog, assert_no_browser_errors, settle, sign_in
from tests.conftest import PASSWORD

SHARED = Path(__file__).resolve().parents[3] / "shared"
FORM_FILE = SHARED / "domain" / "forms" / "monitoraggio_servizi.xlsx"
TERRITORY = SHARED / "domain" / "puglia_territory.csv"  # the dataset of its select_one_from_file
FILLER = "compilatrice@example.org"
AMBITO = "ATS-BA1"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "tmp" / "screenshots"

_EQUALS = re.compile(r"^\$\{(\w+)\}\s*=\s*'(\w+)'$")
_AT_MOST = re.compile(r"\.\s*<=\s*\$\{(\w+)\}")
_REFERENCE = re.compile(r"\$\{(\w+)\}")


@dataclass(frozen=True)
class SkipRule:
    trigger: str  # a select_one question
    value: str  # the choice that makes `shown` relevant
    shown: str


@dataclass(frozen=True)
class Ceiling:
    question: str  # an integer that may not exceed...
    total: str  # ...a calculated total
    addends: list[str]  # the questions the total adds up
    message: str  # the Italian constraint message, ${total} still in it


@dataclass(frozen=True)
class FillForm:
    id: int
    paths: dict[str, str]  # question name -> instance path
    skip: SkipRule
    ceiling: Ceiling


def _survey_rows() -> list[dict[str, str]]:
    sheet = openpyxl.load_workbook(FORM_FILE, read_only=True)["survey"]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "") for h in next(rows)]
    return [{h: str(v) if v is not None else "" for h, v in zip(header, row, strict=False)} for row in rows]


def _skip_rule(rows: list[dict[str, str]]) -> SkipRule:
    """The first question shown only when a single-choice answer equals a given choice."""
    types = {r["name"]: r["type"] for r in rows}
    for row in rows:
        match = _EQUALS.match(row["relevant"].strip())
        if match and types.get(match.group(1), "").startswith("select_one ") and row["type"] == "text":
            return SkipRule(match.group(1), match.group(2), row["name"])
    raise AssertionError("the form has no question shown by a single-choice answer")


def _ceiling(rows: list[dict[str, str]]) -> Ceiling:
    """The first integer whose constraint caps it at a calculated total of other integers."""
    calculations = {r["name"]: r["calculation"] for r in rows if r["type"] == "calculate"}
    for row in rows:
        match = _AT_MOST.search(row["constraint"])
        if row["type"] == "integer" and match and match.group(1) in calculations:
            addends = _leaves(match.group(1), calculations)
            return Ceiling(row["name"], match.group(1), addends, row["constraint_message::Italiano (it)"])
    raise AssertionError("the form has no sub-count capped by a total")


def _leaves(name: str, calculations: dict[str, str]) -> list[str]:
    found: list[str] = []
    for ref in _REFERENCE.findall(calculations[name]):
        found += _leaves(ref, calculations) if ref in calculations else [ref]
    return found


@pytest.fixture(scope="module")
def fill_form(live_server: LiveServer) -> FillForm:
    """The monitoring form uploaded to a project whose operator files records for the Ambito di Bari."""
    if not (FORM_FILE.exists() and TERRITORY.exists()):
        pytest.skip(f"{FORM_FILE} or {TERRITORY} is missing")
    rows = _survey_rows()
    with live_server.app.app_context():
        project = Project(code="monitoraggio", name="Monitoraggio servizi")
        db.session.add(project)
        ambito = db.session.scalars(select(OrgUnit).where(OrgUnit.code == AMBITO)).one()
        filler = accounts.create_user(FILLER, PASSWORD, name="Compilatrice")
        accounts.grant_role(filler, "operator", ambito, project)
        db.session.commit()
        admin = db.session.scalars(select(User).where(User.email == ADMIN)).one()
        upload = upload_form(admin, project, FORM_FILE.read_bytes(), FORM_FILE.name)
        attach_file(upload.version, TERRITORY.name, TERRITORY.read_bytes())
        spec = spec_of(upload.version)
        paths = {path.rsplit("/", 1)[-1]: path for path in (b.path for b in spec.binds.values())}
        return FillForm(upload.version.form_id, paths, _skip_rule(rows), _ceiling(rows))


def _field(page: Page, path: str) -> Locator:
    return page.locator(f'[id="{path}"]')


def _choice(page: Page, path: str, value: str) -> Locator:
    return page.locator(f'[id="{path}={value}"]')


def _widget(page: Page, path: str) -> Locator:
    return page.locator(f'.humus-widget[data-path="{path}"]')


def _refreshed(page: Page, action: Callable[[], None]) -> None:
    """Do something that fires `change`, and wait until htmx has swapped in the re-rendered body."""
    page.evaluate("() => { document.getElementById('fill-body').dataset.stale = 'yes' }")
    with page.expect_response(lambda r: r.request.method == "POST" and r.request.headers.get("hx-request")):
        action()
    page.wait_for_selector("#fill-body:not([data-stale]):not(.htmx-settling)", state="attached")
    settle(page)


def _show(page: Page, path: str) -> None:
    """Open the page of a long form that holds the question at `path`, with the page buttons."""
    index = page.evaluate(
        """(path) => {
            const target = document.getElementById(path) || document.querySelector(`[id^="${CSS.escape(path)}="]`);
            return [...document.querySelectorAll('.humus-page')].findIndex(p => p.contains(target));
        }""",
        path,
    )
    button = page.locator(f'button[name="_action"][value="page:{index}"]').first
    if index >= 0 and page.locator(".humus-page").nth(index).is_hidden():
        with page.expect_navigation():
            button.click()
        settle(page)


def _type(page: Page, path: str, value: str) -> None:
    """Type into a field as a keyboard user does, and leave it with Tab (which fires `change`)."""
    _show(page, path)

    def act() -> None:
        _field(page, path).fill(value)
        page.keyboard.press("Tab")

    _refreshed(page, act)
    expect(_field(page, path)).to_have_value(value)  # the re-rendered field kept the answer


def _check(page: Page, path: str, value: str) -> None:
    # Bootstrap Italia draws its own radio and checkbox over the input: people click the label.
    _show(page, path)
    _refreshed(page, lambda: page.locator(f'label[for="{path}={value}"]').click())
    expect(_choice(page, path, value)).to_be_checked()


def _after(page: Page, path: str) -> str:
    """The id of the field Tab goes to from the one at `path`."""
    return page.evaluate(
        """(path) => {
            const shown = '#fill-body .humus-page:not([hidden]) :is(input, select, textarea):not([type=hidden])';
            const all = [...document.querySelectorAll(shown)];
            return all[all.findIndex(e => e.id === path) + 1].id;
        }""",
        path,
    )


def _focused_id(page: Page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


@pytest.mark.browser
def test_an_operator_fills_the_monitoring_form_with_live_logic_and_submits_it(
    page: Page, page_log: PageLog, live_server: LiveServer, fill_form: FillForm
):
    p = fill_form.paths
    skip, ceiling = fill_form.skip, fill_form.ceiling
    sign_in(page, FILLER)
    page.goto(f"/forms/{fill_form.id}/fill")
    settle(page)

    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(page.get_by_role("button", name="Invia")).to_be_visible()
    expect(page.get_by_text("Le domande segnate con * sono obbligatorie.")).to_be_visible()

    # Skip logic: the question appears only once its trigger has the right answer.
    expect(_field(page, p[skip.shown])).to_be_hidden()
    _check(page, p[skip.trigger], skip.value)
    expect(_field(page, p[skip.shown])).to_be_visible()
    expect(_widget(page, p[skip.shown])).to_contain_text("*")

    # A sub-count above its total: the message appears next to the field, and goes once fixed.
    question = _field(page, p[ceiling.question])
    alert = _widget(page, p[ceiling.question]).get_by_role("alert")
    _type(page, p[ceiling.question], "5")
    expect(alert).to_have_text(ceiling.message.replace(f"${{{ceiling.total}}}", "0"))
    expect(question).to_have_attribute("aria-invalid", "true")
    expect(question).to_have_attribute("aria-describedby", re.compile(f"e-{re.escape(p[ceiling.question])}"))
    # Keyboard: Tab moved the focus to the next field before the refresh; it is still there after it,
    # on the new element with the same id (the swap replaced them all).
    assert _focused_id(page) == _after(page, p[ceiling.question]), "the htmx refresh lost the focus"

    first, second = ceiling.addends[0], ceiling.addends[1]
    _type(page, p[first], "4")
    assert _focused_id(page) == _after(page, p[first]), "the htmx refresh lost the focus"
    expect(alert).to_have_text(ceiling.message.replace(f"${{{ceiling.total}}}", "4"))
    _type(page, p[second], "2")
    expect(alert).to_have_count(0)
    expect(question).not_to_have_attribute("aria-invalid", "true")
    expect(question).to_have_value("5")
    expect(page.locator(".callout.note")).to_contain_text(["Totale utenti: 6"])

    _fill_the_rest(page, p, skip)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "fill.png"), full_page=True)
    assert_no_browser_errors(page_log, "while filling")

    with page.expect_navigation():
        page.get_by_role("button", name="Invia").click()
    refused = [
        f"{w.get_attribute('data-path')}: {w.get_by_role('alert').inner_text()}"
        for w in page.locator(".humus-widget:has(> [role=alert], > * > [role=alert])").all()
    ]
    assert re.search(rf"/forms/{fill_form.id}/receipt/\d+$", page.url), refused
    settle(page)
    assert_no_browser_errors(page_log, "on the receipt")

    submission_id = int(page.url.rsplit("/", 1)[-1])
    with live_server.app.app_context():
        row = db.session.get(Submission, submission_id)
        assert row is not None and row.form_id == fill_form.id
        assert row.org_unit.code == AMBITO
        assert row.submitter.email == FILLER


def _fill_the_rest(page: Page, p: dict[str, str], skip: SkipRule) -> None:
    """Every other required answer, as a user would give them."""
    _check(page, p["provincia"], "072")
    _check(page, p["comune_capofila"], "072006")  # Bari: offered once the province is Bari
    _type(page, p["ambito_denominazione"], "Ambito di Bari")
    _type(page, p[skip.shown], "Ludoteca")
    _type(page, p["denominazione_servizio"], "Ludoteca comunale")
    _check(page, p["forma_gestione"], "diretta")
    _type(page, p["anno_riferimento"], "2025")
    _check(page, p["periodo"], "anno")
    _type(page, p["data_inizio"], "2025-01-01")
    _type(page, p["data_fine"], "2025-12-31")
    _check(page, p["modalita_accesso"], "spontaneo")
    _check(page, p["attivita"], "altro")  # the only activity offered for another kind of service
    _type(page, p["attivita_altro"], "Ludoteca e animazione")
    entry = "/data/personale[1]"
    repeat = next(r for r in _survey_rows() if r["type"] == "begin_repeat")
    expect(page.locator("fieldset.humus-repeat > legend")).to_have_text(repeat["label::Italiano (it)"])
    _check(page, f"{entry}/profilo", "educatore")
    _type(page, f"{entry}/n_operatori", "2")
    _type(page, f"{entry}/ore_settimanali", "30")
    _check(page, f"{entry}/rapporto_lavoro", "dipendente_ets")
    expect(page.locator(".callout.note")).to_contain_text(["Personale: 2 operatori, 30 ore settimanali"])
    _check(page, p["supervisione"], "no")
    _type(page, p["criticita"], "Nessuna criticità di rilievo")


@pytest.mark.browser
def test_enter_in_a_field_refreshes_the_page_and_never_removes_an_entry(
    page: Page, page_log: PageLog, fill_form: FillForm
):
    # The first submit button in the form is an entry's "Remove": Enter must not press it.
    p = fill_form.paths
    sign_in(page, FILLER)
    page.goto(f"/forms/{fill_form.id}/fill")
    _show(page, p["ambito_denominazione"])
    entries = page.locator("input[name=_entry]")
    expect(entries).to_have_count(1)

    def enter() -> None:
        _field(page, p["ambito_denominazione"]).fill("Ambito di Bari")
        page.keyboard.press("Enter")

    _refreshed(page, enter)
    expect(entries).to_have_count(1)
    expect(_field(page, p["ambito_denominazione"])).to_have_value("Ambito di Bari")
    expect(_field(page, p["ambito_denominazione"])).to_be_focused()
    assert page.url.endswith(f"/forms/{fill_form.id}/fill")
    assert_no_browser_errors(page_log, "after Enter")


@pytest.mark.browser
def test_what_is_typed_while_a_refresh_is_in_flight_survives_the_refresh(
    page: Page, page_log: PageLog, fill_form: FillForm
):
    sign_in(page, FILLER)
    page.goto(f"/forms/{fill_form.id}/fill")
    # Two text questions of one page: the refresh of the first is held while the second is typed.
    first_path, second_path = page.evaluate(
        """() => {
            for (const p of document.querySelectorAll('#fill-body .humus-page')) {
                const texts = [...p.querySelectorAll('input[type=text], textarea')]
                    .filter(e => !e.readOnly && !e.closest('.humus-widget[hidden]'));
                if (texts.length >= 2) return [texts[0].id, texts[1].id];
            }
        }"""
    )
    _show(page, first_path)
    held: list = []  # htmx refreshes, answered only when the test says so: a slow network, made exact

    def hold(route) -> None:
        if route.request.headers.get("hx-request"):
            held.append(route)
        else:
            route.continue_()

    page.route(f"**/forms/{fill_form.id}/fill", hold)
    first, second = _field(page, first_path), _field(page, second_path)
    first.fill("Prima risposta")
    first.dispatch_event("change")  # the refresh leaves, and waits
    while not held:
        page.wait_for_timeout(20)
    second.focus()
    page.keyboard.type("Ludo")  # typed while the refresh is in flight, no `change` yet

    page.evaluate("() => { document.getElementById('fill-body').dataset.stale = 'yes' }")
    route = held.pop()
    route.fulfill(response=route.fetch())
    page.wait_for_selector("#fill-body:not([data-stale]):not(.htmx-settling)", state="attached")
    page.keyboard.type("teca")  # the caret stayed at the end of what was typed

    expect(second).to_have_value("Ludoteca")
    expect(second).to_be_focused()
    expect(first).to_have_value("Prima risposta")
    page.unroute(f"**/forms/{fill_form.id}/fill")
    assert_no_browser_errors(page_log, "after a slow refresh")
