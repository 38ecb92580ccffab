"""The suggestions panel of the coding page in Chromium: accept one suggestion, reject another, undo the accept."""

import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app import accounts
from app.extensions import db
from app.models import (
    Code,
    Coding,
    CodingDocument,
    CodingOrigin,
    CodingProject,
    CodingTurn,
    Job,
    JobStatus,
    OrgUnit,
    Project,
)
from app.transcripts import assist_suggest
from coding.documents import read_document
from tests.app.test_transcript_assist import NEEDS, NETWORK
from tests.browser.conftest import LiveServer, PageLog, assert_no_browser_errors, settle, sign_in
from tests.conftest import PASSWORD

CODER = "suggerita@example.org"
ACCEPTED = NEEDS[6]  # uncoded: "Mancano educatori e la presa in carico arriva tardi."
REJECTED = NETWORK[6]  # uncoded: "Le associazioni del territorio offrono spazi e volontari."
TRAINING_SECONDS = 120


@dataclass(frozen=True)
class Suggested:
    document_id: int
    codes: dict[str, int]
    turns: dict[str, int]  # text -> turn id


def _seed() -> tuple[Suggested, int]:
    """A study in the Ambito di Bari with a focus group of sixteen turns, the first twelve coded by CODER."""
    texts = [text for pair in zip(NEEDS, NETWORK, strict=True) for text in pair]
    lines = [f"P0{1 + n % 2}: {text}" for n, text in enumerate(texts)]
    imported = read_document("\n".join(lines).encode(), "fg_suggerimenti.txt")
    ambito = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "ATS-BA1")).one()
    project = Project(code="suggerimenti", name="Suggerimenti")
    db.session.add(project)
    db.session.flush()
    coder = accounts.create_user(CODER, PASSWORD, name="Sara", locale="en")
    accounts.grant_role(coder, "evaluator", ambito, project)
    study = CodingProject(project_id=project.id, org_unit_id=ambito.id, name="Focus suggerimenti")
    db.session.add(study)
    db.session.flush()
    document = CodingDocument(
        coding_project_id=study.id,
        name="fg_suggerimenti.txt",
        text=imported.text,
        text_sha256="",
        org_unit_id=ambito.id,
    )
    codes = {
        name: Code(coding_project_id=study.id, name=name, colour=colour, position=position)
        for position, (name, colour) in enumerate((("Criticità", "#d9364f"), ("Risorse", "#008758")))
    }
    db.session.add_all([document, *codes.values()])
    db.session.flush()
    turns = []
    for position, parsed in enumerate(imported.turns):
        turn = CodingTurn(
            document_id=document.id,
            position=position,
            speaker=parsed.speaker,
            start=parsed.start,
            end=parsed.end,
        )
        turns.append(turn)
        if position < 12:
            code = codes["Criticità" if position % 2 == 0 else "Risorse"]
            db.session.add(
                Coding(
                    document_id=document.id,
                    code_id=code.id,
                    start=turn.start,
                    end=turn.end,
                    coder_id=coder.id,
                )
            )
    db.session.add_all(turns)
    db.session.commit()
    job = assist_suggest.start_training(coder, study)
    return Suggested(
        document.id,
        {name: code.id for name, code in codes.items()},
        {text: turn.id for text, turn in zip(texts, turns, strict=True)},
    ), job.id


def _wait_for_training(live_server: LiveServer, job_id: int) -> None:
    deadline = time.monotonic() + TRAINING_SECONDS
    while True:
        with live_server.app.app_context():
            job = db.session.get(Job, job_id)
            status, message = job.status, job.message
        if status in (JobStatus.DONE, JobStatus.FAILED):
            assert status == JobStatus.DONE, message
            return
        assert time.monotonic() < deadline, f"the training is still {status}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def suggested(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory):
    """The study, with CODER's suggestions trained by the real job, its model in a folder of its own."""
    app = live_server.app
    instance_path = app.instance_path
    app.instance_path = str(tmp_path_factory.mktemp("suggestions") / "instance")
    try:
        with app.app_context():
            found, job_id = _seed()
        _wait_for_training(live_server, job_id)
        assert list((Path(app.instance_path) / "models").glob("*.pickle"))
        yield found
    finally:
        app.instance_path = instance_path


def stored(live_server: LiveServer, document_id: int) -> list[tuple[int, int, str]]:
    """The codings made on the page: those not seeded, with their code, turn start and origin."""
    with live_server.app.app_context():
        rows = db.session.execute(
            select(Coding.code_id, Coding.start, Coding.origin)
            .where(Coding.document_id == document_id, Coding.origin != CodingOrigin.MANUAL)
            .order_by(Coding.id)
        )
        return [tuple(row) for row in rows]


@pytest.mark.browser
def test_a_suggestion_is_accepted_another_rejected_and_the_accept_undone_without_leaving_the_page(
    page: Page, page_log: PageLog, live_server: LiveServer, suggested: Suggested
):
    sign_in(page, CODER)
    page.goto(f"/transcripts/documents/{suggested.document_id}")
    settle(page)
    items = page.locator("#cw-sg-list > li")
    expect(items).to_have_count(4)
    accepted = items.filter(has_text=ACCEPTED)
    criticita = suggested.codes["Criticità"]
    turn = page.locator(f"#cw-turn-{suggested.turns[ACCEPTED]}")

    accepted.locator(".cw-sg-show").click()  # brings the turn into view and selects it
    expect(page.locator("#cw-selection")).to_have_text(f"Selected: “{ACCEPTED}”")
    with page.expect_response(lambda r: r.url.endswith("/suggestions/accept") and r.request.method == "POST"):
        accepted.get_by_role("button", name="Accept Criticità for the turn of P01").click()

    expect(turn.locator(f"mark.code-{criticita}")).to_have_text(ACCEPTED)
    expect(page.locator("#cw-status")).to_have_text("Coded with Criticità.")
    expect(items).to_have_count(3)
    expect(page.locator("#cw-sg-list")).not_to_contain_text(ACCEPTED)
    with live_server.app.app_context():
        start = db.session.get(CodingTurn, suggested.turns[ACCEPTED]).start
    assert stored(live_server, suggested.document_id) == [(criticita, start, "suggestion")]

    rejected = items.filter(has_text=REJECTED)
    with page.expect_response(lambda r: r.url.endswith("/suggestions/reject") and r.request.method == "POST"):
        rejected.get_by_role("button", name="Reject Risorse for the turn of P02").click()

    expect(items).to_have_count(2)
    expect(page.locator("#cw-sg-list")).not_to_contain_text(REJECTED)
    expect(page.locator("#cw-status")).to_have_text("Suggestion of Risorse rejected.")
    assert stored(live_server, suggested.document_id) == [(criticita, start, "suggestion")]

    with page.expect_response(lambda r: r.url.endswith("/delete") and r.request.method == "POST"):
        page.keyboard.press("Control+z")  # the accepted suggestion is undone like any coding
    expect(turn.locator("mark")).to_have_count(0)
    expect(items).to_have_count(3)
    expect(items.first).to_contain_text(ACCEPTED)  # back in the panel, in the transcript's order
    assert stored(live_server, suggested.document_id) == []

    page.reload()
    settle(page)
    expect(items).to_have_count(3)
    expect(page.locator("#cw-sg-list")).not_to_contain_text(REJECTED)  # a rejection persists
    assert_no_browser_errors(page_log, "on the coding page with suggestions")
