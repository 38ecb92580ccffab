"""The coding workbench's study, upload, participant and codebook pages: scope, roles, errors, and that
restructuring the codebook keeps every coding."""

import io

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEvent,
    Code,
    Coding,
    CodingDocument,
    CodingNameMapping,
    CodingParticipant,
    CodingProject,
    CodingTurn,
)
from tests.app.transcripts_support import add_coding
from tests.conftest import login, post_form

FOCUS_GROUP = (
    "[00:00:05] MODERATORE: Benvenuti. Presentatevi pure.\n"
    "[00:00:12] Giulia Rossi (assistente sociale): Sono Giulia, lavoro al CSF di Lecce da due anni.\n"
    "[00:01:40] Marco: Io sono Marco, educatore. Con Giulia seguiamo venti famiglie.\n"
    "[00:02:15] Giulia Rossi (assistente sociale): Le famiglie chiedono più ore di apertura.\n"
)


def upload(client, study_id, content: bytes, filename: str, **fields):
    data = {"file": (io.BytesIO(content), filename), "org_unit": "0", **fields}
    return post_form(
        client, f"/transcripts/studies/{study_id}/upload", data, content_type="multipart/form-data"
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_coder_starts_a_study_in_scope_and_an_outsider_sees_nothing(client, workbench, territory):
    login(client, "anna@example.org")
    page = client.get("/transcripts/")
    assert page.status_code == 200 and "Focus group CSF Lecce" in page.text
    response = post_form(
        client,
        "/transcripts/",
        {
            "project": workbench.project_id,
            "name": "Interviste CAP",
            "org_unit": territory.comune_lecce.id,
            "language": "it",
        },
    )
    assert response.status_code == 302
    # a unit outside her scope answers 404 and creates nothing
    refused = post_form(
        client,
        "/transcripts/",
        {
            "project": workbench.project_id,
            "name": "Altrove",
            "org_unit": territory.ambito_bari.id,
            "language": "it",
        },
    )
    assert refused.status_code == 422
    with client.application.app_context():
        assert {s.name for s in db.session.scalars(select(CodingProject))} == {
            "Focus group CSF Lecce",
            "Interviste CAP",
        }
    client.post("/logout", data={})
    login(client, "fuori@example.org")
    assert "Focus group CSF Lecce" not in client.get("/transcripts/").text
    assert client.get(f"/transcripts/studies/{workbench.study_id}").status_code == 404
    assert client.get(f"/transcripts/studies/{workbench.study_id}/codebook").status_code == 404
    assert client.get(f"/transcripts/codes/{workbench.codes['Risorse']}").status_code == 404


def test_a_viewer_may_not_code(client, workbench, make_user, territory):
    make_user("vede@example.org", "viewer", territory.ambito_lecce)
    login(client, "vede@example.org")
    assert client.get("/transcripts/").status_code == 403


def test_upload_finds_turns_replaces_names_and_keeps_the_mapping_apart_encrypted(client, workbench):
    login(client, "anna@example.org")
    response = upload(
        client,
        workbench.study_id,
        FOCUS_GROUP.encode("utf-8"),
        "fg2.txt",
        service_type="CSF",
        replace_names="y",
    )
    assert response.status_code == 302
    with client.application.app_context():
        document = db.session.scalar(select(CodingDocument).where(CodingDocument.name == "fg2.txt"))
        assert document.attributes == {"service_type": "CSF"}
        assert "Giulia" not in document.text and "Marco" not in document.text
        assert "[00:" not in document.text and "MODERATORE" not in document.text
        turns = document.turns
        assert [t.speaker for t in turns] == ["MODERATORE", "P03", "P04", "P03"]
        assert [t.time_start for t in turns] == [5, 12, 100, 135]
        assert turns[1].role == "assistente sociale"
        assert document.text[turns[3].start : turns[3].end] == "Le famiglie chiedono più ore di apertura."
        codes = set(db.session.scalars(select(CodingParticipant.code)))
        assert codes == {"P01", "P02", "P03", "P04"}  # numbering continues after the study's P01, P02
        mapping = db.session.get(CodingNameMapping, document.id)
        assert b"Giulia" not in mapping.ciphertext
        from flask import current_app

        from forms.identity import decrypt_identity

        names = decrypt_identity(list(current_app.config["IDENTITY_KEYS"]), mapping.ciphertext)
        assert names == {"P03": "Giulia Rossi", "P04": "Marco"}
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "transcript.import"))


def test_a_bad_upload_is_refused_in_the_users_language_and_stores_nothing(client, workbench):
    login(client, "anna@example.org")
    response = upload(client, workbench.study_id, b"PK\x03\x04 not really a document", "verbale.doc")
    assert response.status_code == 422
    assert "Formato non supportato (.doc)" in response.text and "Unsupported" not in response.text
    broken = upload(client, workbench.study_id, b"PK\x03\x04garbage", "verbale.docx")
    assert broken.status_code == 422
    with client.application.app_context():
        assert count(CodingDocument) == 1 and count(CodingTurn) == 3
    post_form(client, "/language", {"lang": "en"})
    english = upload(client, workbench.study_id, b"x", "verbale.doc")
    assert "Unsupported format (.doc)" in english.text


def test_participant_attributes_are_saved_and_checked(client, workbench):
    login(client, "anna@example.org")
    with client.application.app_context():
        p01 = db.session.scalar(select(CodingParticipant).where(CodingParticipant.code == "P01"))
    url = f"/transcripts/studies/{workbench.study_id}/participants"
    ok = post_form(
        client, url, {"participant": p01.id, "role": "educatrice", "gender": "F", "seniority_years": "4"}
    )
    assert ok.status_code == 302
    bad = post_form(client, url, {"participant": p01.id, "seniority_years": "-3"})
    assert bad.status_code == 422
    with client.application.app_context():
        saved = db.session.get(CodingParticipant, p01.id)
        assert saved.attributes == {"role": "educatrice", "gender": "F", "seniority_years": 4.0}
    assert post_form(client, url, {"participant": 999999}).status_code == 404


def test_codebook_tree_names_moves_and_cycles(client, workbench):
    login(client, "anna@example.org")
    url = f"/transcripts/studies/{workbench.study_id}/codebook"
    criticita = workbench.codes["Criticità"]
    assert (
        post_form(client, url, {"name": "Orari", "parent": criticita, "colour": "#AA0000"}).status_code == 302
    )
    twice = post_form(client, url, {"name": " orari ", "parent": criticita})
    assert twice.status_code == 422 and "Esiste già un codice" in twice.text
    assert post_form(client, url, {"name": "Orari", "parent": 0}).status_code == 302  # another place: allowed
    bad_colour = post_form(client, url, {"name": "Rete", "parent": 0, "colour": "red"})
    assert bad_colour.status_code == 422
    with client.application.app_context():
        orari = db.session.scalar(select(Code).where(Code.parent_id == criticita))
        assert orari.colour == "#aa0000"
    # a code cannot go under its own sub-code
    post_form(client, f"/transcripts/codes/{criticita}/move", {"parent": orari.id})
    with client.application.app_context():
        assert db.session.get(Code, criticita).parent_id is None
    page = client.get(url + "?q=orar")
    assert page.text.count("/transcripts/codes/") == 2


def test_merge_keeps_codings_without_duplicates_and_only_leads_restructure(client, workbench):
    with client.application.app_context():
        add_coding(workbench, "anna", "Criticità", 31, 60)
        add_coding(workbench, "anna", "Risorse", 31, 60)  # the same span: one survives the merge
        add_coding(workbench, "bruno", "Risorse", 94, 120)
    risorse, criticita = workbench.codes["Risorse"], workbench.codes["Criticità"]
    login(client, "anna@example.org")
    assert post_form(client, f"/transcripts/codes/{risorse}/merge", {"target": criticita}).status_code == 403
    client.post("/logout")
    login(client, "lead@example.org")
    assert post_form(client, f"/transcripts/codes/{risorse}/merge", {"target": criticita}).status_code == 302
    with client.application.app_context():
        assert db.session.get(Code, risorse) is None
        spans = sorted(
            (c.coder_id, c.start, c.end)
            for c in db.session.scalars(select(Coding).where(Coding.code_id == criticita))
        )
        assert spans == [(workbench.users["anna"], 31, 60), (workbench.users["bruno"], 94, 120)]


def test_split_moves_the_ticked_segments_to_a_new_sub_code(client, workbench):
    with client.application.app_context():
        first = add_coding(workbench, "anna", "Criticità", 31, 60)
        second = add_coding(workbench, "bruno", "Criticità", 94, 120)
    login(client, "lead@example.org")
    criticita = workbench.codes["Criticità"]
    response = post_form(
        client, f"/transcripts/codes/{criticita}/split", {"name": "Orari", "coding": [second]}
    )
    assert response.status_code == 302
    with client.application.app_context():
        orari = db.session.scalar(select(Code).where(Code.name == "Orari"))
        assert orari.parent_id == criticita
        assert db.session.get(Coding, second).code_id == orari.id
        assert db.session.get(Coding, first).code_id == criticita


def test_blind_study_shows_each_coder_only_their_own_segments(client, workbench):
    with client.application.app_context():
        db.session.get(CodingProject, workbench.study_id).blind = True
        db.session.commit()
        add_coding(workbench, "anna", "Criticità", 31, 60)
        add_coding(workbench, "bruno", "Criticità", 94, 120)
    login(client, "anna@example.org")
    page = client.get(f"/transcripts/codes/{workbench.codes['Criticità']}")
    assert "1 segmento codificato" in page.text
    assert "Servono" not in page.text


def test_deleting_a_code_or_a_transcript_is_for_leads(client, workbench):
    login(client, "anna@example.org")
    code = workbench.codes["Risorse"]
    assert post_form(client, f"/transcripts/codes/{code}/delete").status_code == 403
    assert post_form(client, f"/transcripts/documents/{workbench.document_id}/delete").status_code == 403
    client.post("/logout")
    login(client, "lead@example.org")
    assert post_form(client, f"/transcripts/codes/{code}/delete").status_code == 302
    assert post_form(client, f"/transcripts/documents/{workbench.document_id}/delete").status_code == 302
    with client.application.app_context():
        assert db.session.get(Code, code) is None
        assert count(CodingDocument) == 0 and count(CodingTurn) == 0


def test_the_demo_study_has_three_coded_focus_groups_and_a_second_coder(app, client):
    from app.demo import DEFAULT_TERRITORY, DEMO_PASSWORD

    result = app.test_cli_runner().invoke(args=["humus", "demo", "--territory", str(DEFAULT_TERRITORY)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        study = db.session.scalars(select(CodingProject)).one()
        docs = list(
            db.session.scalars(select(CodingDocument).where(CodingDocument.coding_project_id == study.id))
        )
        assert len(docs) == 3 and all(d.turns for d in docs)
        coders = set(db.session.scalars(select(Coding.coder_id).distinct()))
        assert len(coders) == 2
        needs = db.session.scalars(select(Code).where(Code.marks_need)).one()
        assert needs.name == "Bisogni formativi"
        speakers = {t.speaker for d in docs for t in d.turns}
        assert {"MOD", "AS1-G1", "ED1-G2", "ED3-G3"} <= speakers
    login(client, "valutazione@humus.demo", DEMO_PASSWORD)
    page = client.get(f"/transcripts/studies/{study.id}")
    assert page.status_code == 200 and "Focus group 1" in page.text
