"""The coding page of a transcript: reading with highlights, applying and removing codes, turns, memos."""

import json
import re

import pytest
from sqlalchemy import select

from app import accounts
from app.extensions import db
from app.models import AuditEvent, Code, Coding, CodingMemo, CodingProject, CodingTurn, RoleAssignment, User
from tests.app.transcripts_support import IMPORTED, add_coding
from tests.conftest import csrf_token, login, post_form

TEXT = IMPORTED.text
EMOJI = "😕"


def page_url(workbench) -> str:
    return f"/transcripts/documents/{workbench.document_id}"


def post_json(client, url: str, body: dict | None = None, token: bool = True):
    headers = {"Accept": "application/json"}
    if token:
        headers["X-CSRFToken"] = csrf_token(client)
    return client.post(url, json=body or {}, headers=headers)


def apply(client, workbench, start: int, end: int, *codes: str, **extra):
    body = {"start": start, "end": end, "code_id": [workbench.codes[c] for c in codes], **extra}
    return post_json(client, f"{page_url(workbench)}/codings", body)


def codings_of(app, workbench) -> list[tuple[str, int, int, int]]:
    with app.app_context():
        rows = db.session.execute(
            select(Code.name, Coding.start, Coding.end, Coding.coder_id)
            .join(Code, Code.id == Coding.code_id)
            .where(Coding.document_id == workbench.document_id)
            .order_by(Coding.start, Code.name)
        )
        return [tuple(row) for row in rows]


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def set_locale(app, email: str, locale: str) -> None:
    with app.app_context():
        db.session.scalar(select(User).where(User.email == email)).locale = locale
        db.session.commit()


def coded(app, workbench, coder: str, code: str, start: int, end: int) -> int:
    with app.app_context():
        return add_coding(workbench, coder, code, start, end)


def page_data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="cw-data">(.*?)</script>', page, re.S)
    assert found, "the page carries no data for coding.js"
    return json.loads(found.group(1))


def span_of(words: str) -> tuple[int, int]:
    start = TEXT.index(words)
    return start, start + len(words)


# ---- reading ---------------------------------------------------------------------------------------------


def test_page_shows_each_turn_with_its_speaker_and_time_beside_the_text(app, client, workbench):
    with app.app_context():
        db.session.get(CodingTurn, workbench.turns[1]).time_start = 751.0
        db.session.commit()
    login(client, "anna@example.org")

    page = client.get(page_url(workbench)).get_data(as_text=True)

    assert "fg_lecce_2025.txt" in page
    for speaker in ("MODERATORE", "P01", "P02"):
        assert f'<span class="cw-speaker">{speaker}</span>' in page
    assert '<time class="cw-time" datetime="PT751S">12:31</time>' in page
    assert f'<span class="cw-run" data-start="{TEXT.index("Il servizio")}">Il servizio è aperto' in page
    assert "P01:" not in page  # markers are data, not text
    assert f'href="/transcripts/studies/{workbench.study_id}"' in page


def test_page_highlights_codings_and_names_their_coder(app, client, workbench):
    start, end = span_of("le famiglie arrivano tardi")
    coding_id = coded(app, workbench, "bruno", "Criticità", start, end)
    login(client, "anna@example.org")

    page = client.get(page_url(workbench)).get_data(as_text=True)

    criticism = workbench.codes["Criticità"]
    assert (
        f'<mark class="cw-hl code-{criticism} cw-layer-0" data-coding="{coding_id}">'
        f'<span class="cw-run" data-start="{start}">le famiglie arrivano tardi</span></mark>'
    ) in page
    assert f'<li class="cw-chip code-{criticism}">Criticità</li>' in page
    data = page_data(page)
    assert data["codings"] == [
        {
            "id": coding_id,
            "code_id": criticism,
            "start": start,
            "end": end,
            "coder_id": workbench.users["bruno"],
            "coder": "bruno",
            "origin": "manual",
            "removable": False,
        }
    ]
    assert data["codes"][str(criticism)]["shortcut"] == "2"  # Bisogni formativi, Criticità, Risorse


def test_overlapping_codings_nest_on_different_layers(app, client, workbench):
    outer = coded(app, workbench, "anna", "Criticità", *span_of("le famiglie arrivano tardi"))
    inner_start = TEXT.index("famiglie arrivano")
    inner = coded(app, workbench, "bruno", "Risorse", inner_start, inner_start + len("famiglie"))
    login(client, "anna@example.org")

    page = client.get(page_url(workbench)).get_data(as_text=True)

    nested = (
        f'<mark class="cw-hl code-{workbench.codes["Risorse"]} cw-layer-1" data-coding="{inner}">'
        f'<mark class="cw-hl code-{workbench.codes["Criticità"]} cw-layer-0" data-coding="{outer}">'
        f'<span class="cw-run" data-start="{inner_start}">famiglie</span></mark></mark>'
    )
    assert nested in page
    assert '<p class="cw-text cw-depth-2"' in page


def test_blind_study_shows_each_coder_only_their_own_codings(app, client, workbench):
    with app.app_context():
        db.session.get(CodingProject, workbench.study_id).blind = True
        db.session.commit()
    mine = coded(app, workbench, "anna", "Risorse", *span_of("Servono più operatori"))
    theirs = coded(app, workbench, "bruno", "Criticità", *span_of("arrivano tardi"))
    login(client, "anna@example.org")

    page = client.get(page_url(workbench)).get_data(as_text=True)

    assert f'data-coding="{mine}"' in page
    assert f'data-coding="{theirs}"' not in page
    assert "bruno" not in page


def test_colours_of_the_codes_come_as_a_stylesheet(client, workbench):
    login(client, "anna@example.org")

    css = client.get(f"/transcripts/studies/{workbench.study_id}/codes.css")

    assert css.mimetype == "text/css"
    assert f".code-{workbench.codes['Criticità']} {{ --c: #d9364f; }}" in css.get_data(as_text=True)


def test_reading_a_transcript_is_audited(app, client, workbench):
    login(client, "anna@example.org")

    client.get(page_url(workbench))

    assert "transcript.read" in actions(app)


@pytest.mark.parametrize(
    "path",
    ["", "/memos", "/codings"],
)
def test_someone_outside_the_studys_area_gets_404(client, workbench, path):
    login(client, "fuori@example.org")

    response = (
        client.get(page_url(workbench) + path) if path != "/codings" else apply(client, workbench, 0, 5)
    )

    assert response.status_code == 404


def test_a_viewer_may_not_open_the_coding_page(client, workbench, make_user, territory):
    make_user("vista@example.org", "viewer", territory.ambito_lecce)
    login(client, "vista@example.org")

    assert client.get(page_url(workbench)).status_code == 403
    assert apply(client, workbench, 0, 5, "Risorse").status_code == 403


# ---- applying codes -----------------------------------------------------------------------------------------


def test_applying_codes_trims_spaces_and_records_the_coder(app, client, workbench):
    start, end = span_of(" tre giorni; ")
    login(client, "anna@example.org")

    response = apply(client, workbench, start, end, "Criticità", "Risorse")

    assert response.status_code == 200
    body = response.get_json()
    trimmed = span_of("tre giorni;")
    anna = workbench.users["anna"]
    assert codings_of(app, workbench) == [("Criticità", *trimmed, anna), ("Risorse", *trimmed, anna)]
    assert {(c["code_id"], c["start"], c["end"], c["coder"]) for c in body["codings"]} == {
        (workbench.codes["Criticità"], *trimmed, "anna"),
        (workbench.codes["Risorse"], *trimmed, "anna"),
    }
    assert [b["key"] for b in body["blocks"]] == [f"turn-{workbench.turns[1]}"]
    assert f'data-coding="{body["codings"][0]["id"]}"' in body["blocks"][0]["html"]
    assert "coding.add" in actions(app)


def test_applying_the_same_code_twice_makes_no_duplicate(app, client, workbench):
    start, end = span_of("aperto")
    login(client, "anna@example.org")
    first = apply(client, workbench, start, end, "Criticità").get_json()

    again = apply(client, workbench, start - 1, end + 1, "Criticità").get_json()

    assert again["codings"] == []
    assert again["reused"] == [first["codings"][0]["id"]]
    assert len(codings_of(app, workbench)) == 1


def test_a_form_post_codes_too(app, client, workbench):
    start, end = span_of("tre giorni")
    login(client, "anna@example.org")

    response = post_form(
        client,
        f"{page_url(workbench)}/codings",
        {"start": str(start), "end": str(end), "code_id": [str(workbench.codes["Risorse"])]},
    )

    assert response.status_code == 200
    assert codings_of(app, workbench) == [("Risorse", start, end, workbench.users["anna"])]


def test_offsets_after_an_emoji_count_code_points(app, client, workbench):
    # "tardi 😕." then a new turn: in code points the emoji is one character, in UTF-16 two.
    start, end = span_of(f"{EMOJI}.")
    login(client, "anna@example.org")

    body = apply(client, workbench, start, end, "Criticità").get_json()

    assert TEXT[body["codings"][0]["start"] : body["codings"][0]["end"]] == f"{EMOJI}."
    html = body["blocks"][0]["html"]
    assert f'<span class="cw-run" data-start="{start}">{EMOJI}.</span>' in html
    assert len(TEXT[:end].encode("utf-16-le")) // 2 == end + 1  # the page must not count as JavaScript does


def test_a_new_code_is_created_and_applied_in_one_step(app, client, workbench):
    start, end = span_of("una rete con la scuola")
    login(client, "anna@example.org")

    body = apply(client, workbench, start, end, new_code_name="  Reti territoriali ").get_json()

    assert body["code"]["name"] == "Reti territoriali"
    assert codings_of(app, workbench) == [("Reti territoriali", start, end, workbench.users["anna"])]


def test_a_new_code_named_with_nothing_selected_is_only_created(app, client, workbench):
    login(client, "anna@example.org")

    body = post_json(client, f"{page_url(workbench)}/codings", {"new_code_name": "Reti"}).get_json()

    assert body["code"]["name"] == "Reti"
    assert body["codings"] == []
    with app.app_context():
        assert (
            db.session.scalar(select(Code.coding_project_id).where(Code.name == "Reti")) == workbench.study_id
        )
    assert codings_of(app, workbench) == []


def test_a_span_over_two_turns_redraws_both(app, client, workbench):
    start, end = TEXT.index("tardi"), TEXT.index("operatori")
    login(client, "anna@example.org")

    body = apply(client, workbench, start, end, "Criticità").get_json()

    assert [b["key"] for b in body["blocks"]] == [f"turn-{workbench.turns[1]}", f"turn-{workbench.turns[2]}"]
    assert all(f'data-coding="{body["codings"][0]["id"]}"' in b["html"] for b in body["blocks"])
    assert body["shown"][0]["start"] == start


def test_a_new_code_whose_name_is_taken_changes_nothing(app, client, workbench):
    login(client, "anna@example.org")
    set_locale(app, "anna@example.org", "en")

    response = apply(client, workbench, *span_of("una rete"), "Risorse", new_code_name="risorse")

    assert response.status_code == 422
    assert response.get_json() == {"error": "There is already a code named Risorse at that place."}
    assert codings_of(app, workbench) == []


def test_codes_of_another_study_are_refused(app, client, workbench):
    with app.app_context():
        other = CodingProject(project_id=workbench.project_id, name="Altro", org_unit_id=None)
        db.session.add(other)
        db.session.flush()
        foreign = Code(coding_project_id=other.id, name="Estraneo")
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
    login(client, "anna@example.org")

    response = post_json(
        client, f"{page_url(workbench)}/codings", {"start": 0, "end": 4, "code_id": [foreign_id]}
    )

    assert response.status_code == 404
    assert codings_of(app, workbench) == []


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        ("en", "The selection holds only spaces: select some words to code."),
        ("it", "La selezione contiene solo spazi: selezionare delle parole da codificare."),
    ],
)
def test_a_blank_selection_is_refused_in_the_users_language(app, client, workbench, locale, message):
    set_locale(app, "anna@example.org", locale)
    login(client, "anna@example.org")
    blank = TEXT.index("\n")

    response = apply(client, workbench, blank, blank + 1, "Risorse")

    assert response.status_code == 422
    assert response.get_json() == {"error": message}
    assert codings_of(app, workbench) == []


@pytest.mark.parametrize(
    ("locale", "message"),
    [("en", "Select some text to code."), ("it", "Selezionare del testo da codificare.")],
)
def test_a_missing_selection_is_refused_in_the_users_language(app, client, workbench, locale, message):
    set_locale(app, "anna@example.org", locale)
    login(client, "anna@example.org")

    response = post_json(client, f"{page_url(workbench)}/codings", {"code_id": [workbench.codes["Risorse"]]})

    assert response.status_code == 422
    assert response.get_json() == {"error": message}


def test_a_post_without_the_csrf_token_is_refused(app, client, workbench):
    login(client, "anna@example.org")

    response = post_json(
        client, f"{page_url(workbench)}/codings", {"start": 0, "end": 4, "code_id": [1]}, token=False
    )

    assert response.status_code == 400
    assert codings_of(app, workbench) == []


# ---- turns and removal --------------------------------------------------------------------------------------


def test_a_whole_turn_is_coded_from_its_button(app, client, workbench):
    login(client, "anna@example.org")
    turn = IMPORTED.turns[2]

    response = post_json(
        client, f"/transcripts/turns/{workbench.turns[2]}/codings", {"code_id": [workbench.codes["Risorse"]]}
    )

    assert response.status_code == 200
    assert codings_of(app, workbench) == [("Risorse", turn.start, turn.end, workbench.users["anna"])]


def test_a_coder_removes_their_own_coding(app, client, workbench):
    start, end = span_of("tre giorni")
    coding_id = coded(app, workbench, "anna", "Criticità", start, end)
    login(client, "anna@example.org")

    response = post_json(client, f"/transcripts/codings/{coding_id}/delete")

    assert response.status_code == 200
    assert response.get_json()["removed"] == {
        "id": coding_id,
        "code_id": workbench.codes["Criticità"],
        "start": start,
        "end": end,
    }
    assert f'data-coding="{coding_id}"' not in response.get_json()["blocks"][0]["html"]
    assert codings_of(app, workbench) == []
    assert "coding.remove" in actions(app)


def test_a_coder_may_not_remove_someone_elses_coding(app, client, workbench):
    coding_id = coded(app, workbench, "bruno", "Criticità", *span_of("tre giorni"))
    set_locale(app, "anna@example.org", "en")
    login(client, "anna@example.org")

    response = post_json(client, f"/transcripts/codings/{coding_id}/delete")

    assert response.status_code == 422
    assert response.get_json() == {"error": "Only its coder or a lead of the study can remove this coding."}
    assert len(codings_of(app, workbench)) == 1


def test_a_lead_removes_anyones_coding(app, client, workbench):
    coding_id = coded(app, workbench, "bruno", "Criticità", *span_of("tre giorni"))
    login(client, "lead@example.org")

    assert post_json(client, f"/transcripts/codings/{coding_id}/delete").status_code == 200
    assert codings_of(app, workbench) == []


def restore_url(workbench, coding_id: int) -> str:
    return f"{page_url(workbench)}/codings/{coding_id}/restore"


def test_a_leads_undo_puts_a_coders_coding_back_under_that_coder(app, client, workbench):
    start, end = span_of("tre giorni")
    coding_id = coded(app, workbench, "bruno", "Criticità", start, end)
    login(client, "lead@example.org")
    assert post_json(client, f"/transcripts/codings/{coding_id}/delete").status_code == 200

    response = post_json(client, restore_url(workbench, coding_id))

    assert response.status_code == 200
    assert codings_of(app, workbench) == [("Criticità", start, end, workbench.users["bruno"])]
    [back] = response.get_json()["codings"]
    assert (back["coder_id"], back["start"], back["end"]) == (workbench.users["bruno"], start, end)
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "coding.add")).all()[-1]
        assert event.actor_id == workbench.users["lead"]
        assert event.details["coder"] == workbench.users["bruno"]


def test_undoing_ones_own_removal_twice_makes_one_coding(app, client, workbench):
    start, end = span_of("tre giorni")
    coding_id = coded(app, workbench, "anna", "Criticità", start, end)
    login(client, "anna@example.org")
    post_json(client, f"/transcripts/codings/{coding_id}/delete")

    first = post_json(client, restore_url(workbench, coding_id))
    again = post_json(client, restore_url(workbench, coding_id))

    assert (first.status_code, again.status_code) == (200, 200)
    assert len(first.get_json()["codings"]) == 1 and again.get_json()["reused"]
    assert codings_of(app, workbench) == [("Criticità", start, end, workbench.users["anna"])]


def test_nobody_restores_a_removal_that_is_not_theirs(app, client, workbench):
    """Else a coder could put codings in another coder's name, or bring back what a lead took away."""
    coding_id = coded(app, workbench, "bruno", "Criticità", *span_of("tre giorni"))
    login(client, "lead@example.org")
    post_json(client, f"/transcripts/codings/{coding_id}/delete")
    set_locale(app, "anna@example.org", "en")
    login(client, "anna@example.org")

    response = post_json(client, restore_url(workbench, coding_id))
    never_removed = post_json(client, restore_url(workbench, coding_id + 1000))

    assert response.status_code == never_removed.status_code == 422
    assert response.get_json() == {"error": "There is no removal of yours to undo here."}
    assert codings_of(app, workbench) == []


def test_a_former_lead_cannot_put_back_a_coders_coding(app, client, workbench):
    coding_id = coded(app, workbench, "bruno", "Criticità", *span_of("tre giorni"))
    with app.app_context():
        anna = db.session.get(User, workbench.users["anna"])
        grant = accounts.grant_role(anna, "researcher", None)  # a lead of the study for a while
        db.session.commit()
        grant_id = grant.id
    set_locale(app, "anna@example.org", "en")
    login(client, "anna@example.org")
    assert post_json(client, f"/transcripts/codings/{coding_id}/delete").status_code == 200
    with app.app_context():
        db.session.delete(db.session.get(RoleAssignment, grant_id))
        db.session.commit()

    response = post_json(client, restore_url(workbench, coding_id))

    assert response.status_code == 422
    assert response.get_json() == {"error": "Only a lead of the study can put back someone else's coding."}
    assert codings_of(app, workbench) == []


def test_a_hidden_coding_of_a_blind_study_cannot_be_reached(app, client, workbench):
    with app.app_context():
        db.session.get(CodingProject, workbench.study_id).blind = True
        db.session.commit()
    coding_id = coded(app, workbench, "bruno", "Criticità", *span_of("tre giorni"))
    login(client, "anna@example.org")

    assert post_json(client, f"/transcripts/codings/{coding_id}/delete").status_code == 404


# ---- memos ----------------------------------------------------------------------------------------------------


def memos(app) -> list[tuple[str, str, int | None, int | None, int | None]]:
    with app.app_context():
        rows = db.session.scalars(select(CodingMemo).order_by(CodingMemo.id))
        return [(m.title, m.text, m.document_id, m.coding_id, m.code_id) for m in rows]


def add_memo(client, workbench, about: str, text: str, title: str = ""):
    return post_form(
        client,
        f"{page_url(workbench)}/memos",
        {"about": about, "title": title, "text": text},
        headers={"Accept": "application/json"},
    )


def test_memos_on_the_transcript_a_segment_and_a_code_are_listed(app, client, workbench):
    coding_id = coded(app, workbench, "anna", "Criticità", *span_of("arrivano tardi"))
    set_locale(app, "anna@example.org", "en")
    login(client, "anna@example.org")

    add_memo(client, workbench, "document", "Clima teso all'inizio <b>.", "Clima")
    add_memo(client, workbench, f"coding:{coding_id}", "Ritardi cronici.")
    last = add_memo(client, workbench, f"code:{workbench.codes['Risorse']}", "Include le reti informali.")

    assert last.status_code == 200
    assert memos(app) == [
        ("Clima", "Clima teso all'inizio <b>.", workbench.document_id, None, None),
        ("", "Ritardi cronici.", None, coding_id, None),
        ("", "Include le reti informali.", None, None, workbench.codes["Risorse"]),
    ]
    listed = client.get(f"{page_url(workbench)}/memos").get_data(as_text=True)
    assert "Clima teso all&#39;inizio &lt;b&gt;." in listed
    assert "Criticità on “arrivano tardi”" in listed
    assert "Include le reti informali." in listed
    assert "Ritardi cronici." in client.get(page_url(workbench)).get_data(as_text=True)


def test_a_memo_without_text_is_refused(app, client, workbench):
    set_locale(app, "anna@example.org", "en")
    login(client, "anna@example.org")

    response = add_memo(client, workbench, "document", "   ")

    assert response.status_code == 422
    assert response.get_json() == {"error": "Write the memo's text."}
    assert memos(app) == []


def test_a_memo_form_without_script_redirects_back_to_the_page(app, client, workbench):
    login(client, "anna@example.org")

    response = post_form(client, f"{page_url(workbench)}/memos", {"about": "document", "text": "Nota."})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{page_url(workbench)}#memos")


def test_the_author_edits_and_deletes_a_memo(app, client, workbench):
    login(client, "anna@example.org")
    add_memo(client, workbench, "document", "Prima stesura.")
    with app.app_context():
        memo_id = db.session.scalar(select(CodingMemo.id))
    form = {"document_id": str(workbench.document_id), "title": "Rivista", "text": "Seconda stesura."}

    edited = post_form(client, f"/transcripts/memos/{memo_id}", form, headers={"Accept": "application/json"})

    assert edited.status_code == 200
    assert memos(app) == [("Rivista", "Seconda stesura.", workbench.document_id, None, None)]
    deleted = post_form(
        client,
        f"/transcripts/memos/{memo_id}/delete",
        {"document_id": str(workbench.document_id)},
        headers={"Accept": "application/json"},
    )
    assert deleted.status_code == 200
    assert memos(app) == []
    assert {"memo.create", "memo.update", "memo.delete"} <= set(actions(app))


def test_someone_elses_memo_cannot_be_changed(app, client, workbench):
    login(client, "bruno@example.org")
    add_memo(client, workbench, "document", "Di Bruno.")
    with app.app_context():
        memo_id = db.session.scalar(select(CodingMemo.id))
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "anna@example.org")

    response = post_form(
        client,
        f"/transcripts/memos/{memo_id}/delete",
        {"document_id": str(workbench.document_id)},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 403
    assert memos(app) == [("", "Di Bruno.", workbench.document_id, None, None)]


def test_a_memo_on_a_coding_of_another_transcript_is_refused(app, client, workbench):
    login(client, "anna@example.org")

    response = add_memo(client, workbench, "coding:999999", "Nota.")

    assert response.status_code == 404
    assert memos(app) == []
