"""Coding a transcript in Chromium: select words after an emoji, apply a code from the keyboard, undo it."""

from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app import accounts
from app.extensions import db
from app.models import (
    Code,
    Coding,
    CodingDocument,
    CodingMemo,
    CodingProject,
    CodingTurn,
    OrgUnit,
    Project,
    User,
)
from coding.documents import read_document
from tests.browser.conftest import LiveServer, PageLog, assert_no_browser_errors, settle, sign_in
from tests.conftest import PASSWORD

CODER = "codificatrice@example.org"
TRANSCRIPT = (
    "MODERATORE: Com'è andata la settimana?\n"
    "P01: Il centro è aperto 😕 tre giorni soltanto, e le famiglie aspettano.\n"
    "P02: Servono più operatori.\n"
)
WORDS = "tre giorni soltanto"  # after the emoji: a UTF-16 count would be one off


@dataclass(frozen=True)
class Study:
    document_id: int
    text: str
    codes: dict[str, int]


@pytest.fixture(scope="module")
def study(live_server: LiveServer) -> Study:
    """A study in the Ambito di Bari with one focus group and two codes, coded by CODER (English)."""
    imported = read_document(TRANSCRIPT.encode(), "fg_bari.txt")
    with live_server.app.app_context():
        ambito = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "ATS-BA1")).one()
        project = Project(code="codifica", name="Codifica")
        db.session.add(project)
        db.session.flush()
        coder = accounts.create_user(CODER, PASSWORD, name="Carla", locale="en")
        accounts.grant_role(coder, "evaluator", ambito, project)
        study = CodingProject(project_id=project.id, org_unit_id=ambito.id, name="Focus Bari")
        db.session.add(study)
        db.session.flush()
        document = CodingDocument(
            coding_project_id=study.id,
            name="fg_bari.txt",
            text=imported.text,
            text_sha256="",
            org_unit_id=ambito.id,
        )
        db.session.add(document)
        db.session.flush()
        for position, turn in enumerate(imported.turns):
            db.session.add(
                CodingTurn(
                    document_id=document.id,
                    position=position,
                    speaker=turn.speaker,
                    role=turn.role or "",
                    start=turn.start,
                    end=turn.end,
                )
            )
        codes = {}
        for position, (name, colour) in enumerate((("Criticità", "#d9364f"), ("Risorse", "#008758"))):
            codes[name] = Code(coding_project_id=study.id, name=name, colour=colour, position=position)
            db.session.add(codes[name])
        db.session.commit()
        return Study(document.id, imported.text, {name: code.id for name, code in codes.items()})


def stored(live_server: LiveServer, study: Study) -> list[tuple[int, int, int]]:
    with live_server.app.app_context():
        rows = db.session.execute(
            select(Coding.code_id, Coding.start, Coding.end).where(Coding.document_id == study.document_id)
        )
        return [tuple(row) for row in rows]


def drag_over(page: Page, words: str) -> None:
    """Press the mouse on the first letter of `words` in the transcript and release it on the last."""
    box = page.evaluate(
        """(words) => {
            const run = [...document.querySelectorAll('#cw-transcript .cw-run')].find(r => r.textContent.includes(words));
            const node = run.firstChild;
            const at = node.data.indexOf(words);
            const letter = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                                    return r.getBoundingClientRect(); };
            const first = letter(at), last = letter(at + words.length - 1);
            return {x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2};
        }""",
        words,
    )
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=5)
    page.mouse.up()


def open_document(page: Page, study: Study) -> None:
    sign_in(page, CODER)
    page.goto(f"/transcripts/documents/{study.document_id}")
    settle(page)


@pytest.mark.browser
def test_words_after_an_emoji_are_coded_from_the_keyboard_with_code_point_offsets_then_undone(
    page: Page, page_log: PageLog, live_server: LiveServer, study: Study
):
    open_document(page, study)
    drag_over(page, WORDS)
    expect(page.locator("#cw-selection")).to_have_text(f"Selected: “{WORDS}”")

    with page.expect_response(lambda r: r.url.endswith("/codings") and r.request.method == "POST"):
        page.keyboard.press("1")  # Criticità's shortcut

    mark = page.locator(f"#cw-transcript mark.code-{study.codes['Criticità']}")
    expect(mark).to_have_text(WORDS)
    expect(page.locator("#cw-status")).to_have_text("Coded with Criticità.")
    start = study.text.index(WORDS)
    assert stored(live_server, study) == [(study.codes["Criticità"], start, start + len(WORDS))]

    with page.expect_response(lambda r: r.url.endswith("/delete") and r.request.method == "POST"):
        page.keyboard.press("Control+z")

    expect(mark).to_have_count(0)
    assert stored(live_server, study) == []
    assert_no_browser_errors(page_log, "on the coding page")


@pytest.mark.browser
def test_shift_and_the_arrows_select_words_and_ticked_codes_apply_with_enter(
    page: Page, page_log: PageLog, live_server: LiveServer, study: Study
):
    open_document(page, study)
    text = page.locator("#cw-transcript .cw-text").nth(1)  # P01's turn
    text.focus()
    before = study.text[study.text.index("Il centro") : study.text.index(WORDS)]
    for _ in range(len(before)):  # one step per code point: the emoji too, though it is two UTF-16 units
        page.keyboard.press("ArrowRight")
    for _ in range(len("tre giorni")):
        page.keyboard.press("Shift+ArrowRight")
    expect(page.locator("#cw-selection")).to_have_text("Selected: “tre giorni”")

    page.locator(f"#cw-code-{study.codes['Risorse']}").check()
    with page.expect_response(lambda r: r.url.endswith("/codings") and r.request.method == "POST"):
        page.keyboard.press("Enter")

    expect(page.locator(f"#cw-transcript mark.code-{study.codes['Risorse']}")).to_have_text("tre giorni")
    start = study.text.index("tre giorni")
    assert stored(live_server, study) == [(study.codes["Risorse"], start, start + len("tre giorni"))]
    here = page.locator("#cw-here li")
    expect(here).to_have_count(1)
    expect(here).to_contain_text("Risorse by Carla")

    with page.expect_response(lambda r: r.url.endswith("/delete") and r.request.method == "POST"):
        here.get_by_role("button", name="Remove").click()
    expect(page.locator("#cw-transcript mark")).to_have_count(0)
    assert stored(live_server, study) == []

    with page.expect_response(lambda r: r.url.endswith("/restore") and r.request.method == "POST"):
        page.keyboard.press("Control+z")  # the removal comes back under its coder, as a new coding
    expect(page.locator(f"#cw-transcript mark.code-{study.codes['Risorse']}")).to_have_text("tre giorni")
    assert stored(live_server, study) == [(study.codes["Risorse"], start, start + len("tre giorni"))]
    with page.expect_response(lambda r: r.url.endswith("/delete") and r.request.method == "POST"):
        page.locator("#cw-undo").click()  # then the first coding goes, under the id it came back with
    expect(page.locator("#cw-transcript mark")).to_have_count(0)
    assert stored(live_server, study) == []
    expect(page.locator("#cw-undo")).to_be_disabled()
    assert_no_browser_errors(page_log, "on the coding page")


@pytest.mark.browser
def test_a_turn_gets_a_new_code_in_one_step_and_a_memo_on_that_segment(
    page: Page, page_log: PageLog, live_server: LiveServer, study: Study
):
    open_document(page, study)
    turn = page.locator("#cw-transcript .cw-turn").nth(2)  # P02
    turn.get_by_role("button", name="Code the whole turn of P02").click()
    expect(page.locator("#cw-selection")).to_have_text("Selected: “Servono più operatori.”")

    page.locator("#cw-new-code").fill("Carenza di personale")
    with page.expect_response(lambda r: r.url.endswith("/codings") and r.request.method == "POST"):
        page.locator("#cw-new-code").press("Enter")

    expect(turn.locator("mark")).to_have_text("Servono più operatori.")
    expect(page.locator("#cw-codes li").last).to_contain_text("Carenza di personale")
    with live_server.app.app_context():
        code_id = db.session.scalar(select(Code.id).where(Code.name == "Carenza di personale"))
    start = study.text.index("Servono")
    assert stored(live_server, study) == [(code_id, start, start + len("Servono più operatori."))]

    page.locator("#cw-here li").get_by_role("button", name="Memo").click()
    expect(page.locator("#cw-memo-about option:checked")).to_have_text(
        "Segment: Carenza di personale “Servono più operatori.”"
    )
    page.locator("#cw-memo-text").fill("Tema ricorrente in tutti i gruppi.")
    page.locator("#cw-memo-form").get_by_role("button", name="Save the memo").click()

    expect(page.locator("#cw-memo-list")).to_contain_text("Tema ricorrente in tutti i gruppi.")
    expect(page.locator("#cw-memo-list")).to_contain_text("Carenza di personale on “Servono più operatori.”")
    expect(page.locator("#cw-status")).to_have_text("Memo saved.")
    with page.expect_response(lambda r: r.url.endswith("/delete") and r.request.method == "POST"):
        page.keyboard.press("Control+z")  # the focus is on the memo form's button, not in a text field
    expect(turn.locator("mark")).to_have_count(0)
    assert stored(live_server, study) == []
    assert_no_browser_errors(page_log, "on the coding page")


@pytest.mark.browser
def test_a_memo_saved_in_another_tab_meanwhile_is_not_overwritten(
    page: Page, page_log: PageLog, live_server: LiveServer, study: Study
):
    with live_server.app.app_context():
        coder = db.session.scalars(select(User).where(User.email == CODER)).one()
        memo = CodingMemo(
            coding_project_id=db.session.get(CodingDocument, study.document_id).coding_project_id,
            document_id=study.document_id,
            author_id=coder.id,
            text="Prima stesura.",
        )
        db.session.add(memo)
        db.session.commit()
        memo_id = memo.id
    open_document(page, study)
    with live_server.app.app_context():  # the same memo, saved from another tab
        db.session.get(CodingMemo, memo_id).text = "Scritto in un'altra scheda."
        db.session.commit()

    item = page.locator(f"#memo-{memo_id}")
    item.locator("summary").click()
    item.locator("textarea").fill("Scritto in questa scheda.")
    with page.expect_response(lambda r: r.url.endswith(f"/memos/{memo_id}") and r.status == 409):
        item.get_by_role("button", name="Save the memo").click()

    expect(page.locator("#cw-error")).to_contain_text("Someone else changed this after you opened the page")
    expect(page.locator(f"#memo-{memo_id} .cw-memo-text")).to_have_text("Scritto in un'altra scheda.")
    expect(page.locator("#cw-memo-list .humus-unsaved")).to_contain_text("Scritto in questa scheda.")
    with live_server.app.app_context():
        assert db.session.get(CodingMemo, memo_id).text == "Scritto in un'altra scheda."
        db.session.delete(db.session.get(CodingMemo, memo_id))
        db.session.commit()
    assert_no_browser_errors(page_log, "on the coding page")


@pytest.mark.browser
def test_every_field_of_the_coding_page_has_its_label(page: Page, study: Study):
    open_document(page, study)

    fields = page.locator(".cw-panel input:not([type=hidden]), .cw-panel select, .cw-panel textarea")
    assert fields.count() >= 6
    for field in fields.all():
        if page.locator("#cw-memo-list").locator(f"#{field.get_attribute('id')}").count():
            continue  # the edit forms of memos repeat the labels, each for its own memo
        field_id = field.get_attribute("id")
        label = page.locator(f"label[for='{field_id}']")
        expect(label).to_have_count(1)
        expect(page.get_by_label(label.inner_text().strip(), exact=True)).to_have_attribute(
            "id", field_id or ""
        )


@pytest.mark.browser
def test_a_link_with_start_and_end_selects_that_passage(page: Page, page_log: PageLog, study: Study):
    sign_in(page, CODER)
    start = study.text.index(WORDS)

    page.goto(f"/transcripts/documents/{study.document_id}?start={start}&end={start + len(WORDS)}")

    expect(page.locator("#cw-selection")).to_have_text(f"Selected: “{WORDS}”")
    assert page.evaluate("document.getSelection().toString()") == WORDS
    assert_no_browser_errors(page_log, "on the coding page")


@pytest.mark.browser
def test_a_link_to_an_offset_puts_the_caret_there(page: Page, page_log: PageLog, study: Study):
    sign_in(page, CODER)

    page.goto(f"/transcripts/documents/{study.document_id}#o{study.text.index(WORDS)}")
    settle(page)

    after_caret = (
        "(() => { const s = document.getSelection(); return s.anchorNode.data.slice(s.anchorOffset); })()"
    )
    assert page.evaluate(after_caret).startswith(WORDS)
    assert page.evaluate("document.getSelection().isCollapsed")
    assert_no_browser_errors(page_log, "on the coding page")
