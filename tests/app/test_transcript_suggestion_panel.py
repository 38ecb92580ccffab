"""The suggestions panel of a transcript's coding page: the study's suggestions for that transcript, accepted
or rejected without leaving the page (JSON) or with plain forms that come back to it through a safe `next`."""

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs import queues
from app.models import (
    AuditEvent,
    Coding,
    CodingDocument,
    CodingOrigin,
    CodingProject,
    CodingTurn,
    JobStatus,
)
from tests.app.test_transcript_assist import add_coding_to, coded_focus_group, in_english, train
from tests.conftest import csrf_token, login, post_form

JSON = {"Accept": "application/json"}
ACCEPTED_NEED = "Mancano educatori e la presa in carico arriva tardi."  # uncoded turn 12, a need
REJECTED_NETWORK = "Le associazioni del territorio offrono spazi e volontari."  # uncoded turn 13


@pytest.fixture(autouse=True)
def _own_instance_folder(app, tmp_path):
    """Models and rejections go to this test's folder; in-process jobs end before the database goes."""
    app.instance_path = str(tmp_path / "instance")
    yield
    queues.shutdown_local_runner(wait=True)


def page_url(document_id: int) -> str:
    return f"/transcripts/documents/{document_id}"


def study_url(workbench, action: str) -> str:
    return f"/transcripts/studies/{workbench.study_id}/suggestions/{action}"


def panel(page: str) -> str:
    """The suggestions section of a coding page."""
    found = re.search(r'<section class="cw-section cw-suggestions" id="suggestions".*?</section>', page, re.S)
    assert found, "the coding page has no suggestions panel"
    return found.group(0)


def listed(page: str) -> list[tuple[int, int, int]]:
    """(start, end, code id) of each suggestion's accept form in the panel, in order."""
    forms = re.findall(r'<form[^>]*suggestions/accept"[^>]*>(.*?)</form>', panel(page), re.S)
    return [
        tuple(
            int(re.search(rf'name="{name}" value="(\d+)"', form).group(1))
            for name in ("start", "end", "code_id")
        )
        for form in forms
    ]


def target(workbench, turn: SimpleNamespace, code: str, document_id: int) -> dict:
    return {
        "document_id": document_id,
        "start": turn.start,
        "end": turn.end,
        "code_id": workbench.codes[code],
    }


def suggestion_codings(app) -> list[tuple[int, int, int, int]]:
    with app.app_context():
        rows = db.session.execute(
            select(Coding.start, Coding.end, Coding.code_id, Coding.coder_id).where(
                Coding.origin == CodingOrigin.SUGGESTION
            )
        )
        return [tuple(row) for row in rows]


def spans(app, document_id: int) -> dict[int, SimpleNamespace]:
    """The turns of a transcript by position: id, start and end."""
    with app.app_context():
        rows = db.session.execute(
            select(CodingTurn.position, CodingTurn.id, CodingTurn.start, CodingTurn.end).where(
                CodingTurn.document_id == document_id
            )
        )
        return {row.position: SimpleNamespace(id=row.id, start=row.start, end=row.end) for row in rows}


@pytest.fixture
def trained(app, client, workbench):
    """Anna (reading English) trained the study's suggestions on the coded focus group; she is signed in."""
    with app.app_context():
        document_id, _turns = coded_focus_group(workbench)
    in_english(app, "anna@example.org")
    login(client, "anna@example.org")
    assert train(client, app, workbench).status == JobStatus.DONE
    return document_id, spans(app, document_id)


# ---- the panel -----------------------------------------------------------------------------------------


def test_without_a_model_the_panel_says_so_and_links_to_the_suggestions_page(app, client, workbench):
    in_english(app, "anna@example.org")
    login(client, "anna@example.org")

    page = client.get(page_url(workbench.document_id))

    assert page.status_code == 200
    section = panel(page.text)
    assert '<h2 class="h5" id="cw-sg-title" tabindex="-1">Suggestions</h2>' in section
    assert "No suggestion model has been trained for this study yet." in section
    assert f'href="/transcripts/studies/{workbench.study_id}/suggestions"' in section
    assert "<form" not in section


def test_the_panel_lists_the_suggestions_of_this_transcript_as_the_suggestions_page_does(
    app, client, workbench, trained
):
    document_id, turns = trained

    page = client.get(page_url(document_id))

    section = panel(page.text)
    uncoded = [turns[position] for position in (12, 13, 14, 15)]
    assert [(start, end) for start, end, _code in listed(page.text)] == [(t.start, t.end) for t in uncoded]
    suggestions_page = client.get(
        f"/transcripts/studies/{workbench.study_id}/suggestions?document_id={document_id}"
    ).text
    on_page = re.findall(
        r'name="start" value="(\d+)"><input type="hidden" name="end" value="(\d+)">'
        r'<input type="hidden" name="code_id" value="(\d+)">',
        suggestions_page,
    )
    assert sorted(listed(page.text)) == sorted({tuple(map(int, found)) for found in on_page})
    [need] = [item for item in section.split('<li class="cw-sg-turn"') if ACCEPTED_NEED in item]
    assert f'href="#cw-turn-{turns[12].id}"' in need
    assert '<span class="cw-speaker">P01</span>' in need
    assert '<rect width="10" height="10" rx="2" fill="#d9364f"/></svg> <strong>Criticità</strong>' in need
    assert re.search(r"· score \d+%", need)
    assert re.search(r"Because of: [^<]*(mancare|carico|educatore|presa)", need)
    assert 'Accept<span class="visually-hidden"> Criticità for the turn of P01</span>' in need
    assert 'Reject<span class="visually-hidden"> Criticità for the turn of P01</span>' in need
    assert 'name="next" value="/transcripts/documents/' in need
    assert "Il servizio è aperto" not in section  # a turn of the study's other transcript
    assert suggestion_codings(app) == []  # showing suggestions codes nothing


def test_in_a_blind_study_the_panel_shows_only_the_coders_own_model_and_codings(app, client, workbench):
    with app.app_context():
        db.session.get(CodingProject, workbench.study_id).blind = True
        db.session.commit()
        document_id, _turns = coded_focus_group(workbench, coder="bruno")
    need = spans(app, document_id)[12]
    with app.app_context():
        add_coding_to(workbench, document_id, need.start, need.end, "Criticità", coder="anna")
    need_span = (need.start, need.end)
    in_english(app, "anna@example.org")
    login(client, "bruno@example.org")
    assert train(client, app, workbench).status == JobStatus.DONE

    bruno_sees = client.get(page_url(document_id)).text
    login(client, "anna@example.org")
    anna_sees = client.get(page_url(document_id)).text

    assert need_span in [(start, end) for start, end, _code in listed(bruno_sees)]  # anna's coding is hidden
    assert "No suggestion model has been trained for this study yet." in panel(anna_sees)
    assert ACCEPTED_NEED not in panel(anna_sees)


# ---- accepting and rejecting from the page (JSON) ------------------------------------------------------


def test_accepting_from_the_panel_codes_the_turn_and_answers_its_redrawn_block(
    app, client, workbench, trained
):
    document_id, turns = trained
    need = turns[12]

    answer = post_form(
        client,
        study_url(workbench, "accept"),
        target(workbench, need, "Criticità", document_id),
        headers=JSON,
    )

    assert answer.status_code == 200
    body = answer.get_json()
    anna = workbench.users["anna"]
    assert suggestion_codings(app) == [(need.start, need.end, workbench.codes["Criticità"], anna)]
    [made] = body["codings"]
    assert (made["start"], made["end"], made["origin"], made["removable"]) == (
        need.start,
        need.end,
        CodingOrigin.SUGGESTION,
        True,
    )
    [block] = body["blocks"]
    assert block["key"] == f"turn-{need.id}"
    assert f'data-coding="{made["id"]}"' in block["html"] and ACCEPTED_NEED in block["html"]
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "transcript.suggestion.accept")
        )
    assert ACCEPTED_NEED not in panel(client.get(page_url(document_id)).text)  # the turn is coded now
    undone = client.post(
        f"/transcripts/codings/{made['id']}/delete", headers={**JSON, "X-CSRFToken": csrf_token(client)}
    )
    assert undone.status_code == 200 and suggestion_codings(app) == []
    assert ACCEPTED_NEED in panel(client.get(page_url(document_id)).text)  # undone: suggested again


def test_rejecting_from_the_panel_codes_nothing_and_the_suggestion_stays_away(
    app, client, workbench, trained
):
    document_id, turns = trained
    network = turns[13]
    data = target(workbench, network, "Risorse", document_id)
    assert (network.start, network.end, workbench.codes["Risorse"]) in listed(
        client.get(page_url(document_id)).text
    )

    answer = post_form(client, study_url(workbench, "reject"), data, headers=JSON)

    assert answer.status_code == 200
    assert answer.get_json() == {"message": "Suggestion of Risorse rejected."}
    with app.app_context():
        assert db.session.scalars(select(Coding).where(Coding.start == network.start)).all() == []
    again = client.get(page_url(document_id)).text
    assert (network.start, network.end, workbench.codes["Risorse"]) not in listed(again)
    rejected = (
        Path(app.instance_path)
        / "models"
        / f"suggest-study-{workbench.study_id}-rejected-{workbench.users['anna']}.json"
    )
    assert json.loads(rejected.read_text()) == [
        f"{document_id}:{network.start}:{network.end}:{workbench.codes['Risorse']}"
    ]


def test_accepting_blank_text_is_refused_as_json_in_the_users_language(app, client, workbench):
    in_english(app, "anna@example.org")
    login(client, "anna@example.org")
    with app.app_context():
        document = db.session.get(CodingDocument, workbench.document_id)
        newline = document.text.index("\n")
    data = {
        "document_id": workbench.document_id,
        "start": newline,
        "end": newline + 1,
        "code_id": workbench.codes["Risorse"],
    }

    answer = post_form(client, study_url(workbench, "accept"), data, headers=JSON)

    assert answer.status_code == 422
    assert answer.get_json() == {"error": "The selection holds only spaces: select some words to code."}
    assert suggestion_codings(app) == []


# ---- plain forms, coming back through `next` -----------------------------------------------------------


def test_a_plain_accept_form_codes_the_turn_and_comes_back_to_the_coding_page(app, client, workbench):
    turn = _first_answer(app, workbench)
    login(client, "anna@example.org")
    back = f"/transcripts/documents/{workbench.document_id}#suggestions"
    data = {**target(workbench, turn, "Risorse", workbench.document_id), "next": back}

    answer = post_form(client, study_url(workbench, "accept"), data)

    assert answer.status_code == 302
    assert answer.headers["Location"] == back
    assert suggestion_codings(app) == [
        (turn.start, turn.end, workbench.codes["Risorse"], workbench.users["anna"])
    ]


def test_a_plain_reject_form_comes_back_to_the_coding_page_with_its_message(app, client, workbench):
    turn = _first_answer(app, workbench)
    in_english(app, "anna@example.org")
    login(client, "anna@example.org")
    back = f"/transcripts/documents/{workbench.document_id}#suggestions"
    data = {**target(workbench, turn, "Criticità", workbench.document_id), "next": back}

    answer = post_form(client, study_url(workbench, "reject"), data, follow_redirects=True)

    assert answer.request.path == f"/transcripts/documents/{workbench.document_id}"
    assert "Suggestion of Criticità rejected." in answer.text
    assert suggestion_codings(app) == []


@pytest.mark.parametrize(
    "unsafe",
    [
        "https://evil.example/transcripts",
        "//evil.example/transcripts",
        "/\\evil.example",
        "/\t/evil.example",
        "/%0a/x\n/evil.example",
        "javascript:alert(1)",
        "transcripts/documents/1",
    ],
)
def test_a_next_that_is_not_a_path_of_this_site_is_ignored(app, client, workbench, unsafe):
    turn = _first_answer(app, workbench)
    login(client, "anna@example.org")
    data = {**target(workbench, turn, "Criticità", workbench.document_id), "next": unsafe}

    answer = post_form(client, study_url(workbench, "reject"), data)

    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/transcripts/studies/{workbench.study_id}/suggestions"


def _first_answer(app, workbench) -> SimpleNamespace:
    """P01's turn of the workbench transcript (the moderator asks, P01 answers)."""
    return spans(app, workbench.document_id)[1]


# ---- scope ---------------------------------------------------------------------------------------------


def test_a_turn_of_another_study_or_out_of_scope_answers_404_and_changes_nothing(
    app, client, workbench, territory
):
    turn = _first_answer(app, workbench)
    with app.app_context():
        other = CodingProject(
            project_id=workbench.project_id,
            org_unit_id=territory.ambito_lecce.id,
            name="Altro studio",
        )
        db.session.add(other)
        db.session.flush()
        elsewhere = CodingDocument(
            coding_project_id=other.id, name="altro.txt", text="P01: Altro testo.", text_sha256=""
        )
        db.session.add(elsewhere)
        db.session.commit()
        elsewhere_id = elsewhere.id
    ours = target(workbench, turn, "Risorse", workbench.document_id)
    foreign = {**ours, "document_id": elsewhere_id, "start": 0, "end": 5}
    bad_span = {**ours, "end": 100000}

    login(client, "anna@example.org")
    answers = [
        post_form(client, study_url(workbench, action), data, headers=headers)
        for action in ("accept", "reject")
        for data in (foreign, bad_span)
        for headers in (JSON, {})
    ]
    login(client, "fuori@example.org")
    answers += [
        post_form(client, study_url(workbench, action), ours, headers=headers)
        for action in ("accept", "reject")
        for headers in (JSON, {})
    ]

    assert [a.status_code for a in answers] == [404] * len(answers)
    assert client.get(page_url(workbench.document_id)).status_code == 404
    assert suggestion_codings(app) == []
    assert not (Path(app.instance_path) / "models").exists()  # no rejection was stored
