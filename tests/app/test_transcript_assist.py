"""Machine-assisted coding pages: search and auto-coding with undo, suggestions trained in the background and
applied only by a person, themes that become codes, pseudonymisation that keeps every coding on its words."""

import re
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.jobs import queues
from app.models import (
    AuditEvent,
    Code,
    Coding,
    CodingDocument,
    CodingNameMapping,
    CodingOrigin,
    CodingParticipant,
    CodingProject,
    CodingTurn,
    Job,
    JobStatus,
    User,
)
from coding import pseudonym_mapping
from coding.documents import read_document
from coding.pseudonyms import restore
from forms.identity import decrypt_identity, encrypt_identity
from tests.app.test_jobs import wait_for
from tests.app.transcripts_support import IMPORTED, add_coding
from tests.conftest import login, post_form

NEEDS = [
    "Mancano operatori e le liste di attesa per la presa in carico sono lunghe.",
    "Il personale è poco e le attese per i colloqui durano mesi.",
    "Siamo in pochi operatori, la lista di attesa cresce ogni mese.",
    "Le attese sono lunghe perché manca personale nei servizi.",
    "Con così pochi operatori le famiglie aspettano mesi per un colloquio.",
    "Il turnover del personale allunga la lista di attesa.",
    "Mancano educatori e la presa in carico arriva tardi.",
    "Ogni operatore segue troppi casi e le attese si allungano.",
]
NETWORK = [
    "La rete con la scuola e le associazioni del quartiere funziona bene.",
    "Con la parrocchia e la scuola abbiamo una rete che sostiene le famiglie.",
    "Le associazioni di volontariato sono una risorsa preziosa della rete.",
    "La collaborazione con la scuola ci aiuta a seguire i ragazzi.",
    "Il volontariato e le associazioni portano risorse alla comunità.",
    "Lavorare in rete con la scuola rende possibile il doposcuola.",
    "Le associazioni del territorio offrono spazi e volontari.",
    "La scuola e il quartiere sono una rete di sostegno.",
]


@pytest.fixture(autouse=True)
def _own_instance_folder(app, tmp_path):
    """Models and job results go to this test's folder; in-process jobs end before the database goes."""
    app.instance_path = str(tmp_path / "instance")
    yield
    queues.shutdown_local_runner(wait=True)


def add_transcript(
    workbench, lines: list[str], name: str = "fg_rete.txt", uploader: str | None = None
) -> int:
    """A transcript of `lines` ("P01: ...") in the workbench study, with its turns linked to participants."""
    imported = read_document("\n".join(lines).encode(), name)
    people = {
        p.code: p
        for p in db.session.scalars(
            select(CodingParticipant).where(CodingParticipant.coding_project_id == workbench.study_id)
        )
    }
    document = CodingDocument(
        coding_project_id=workbench.study_id,
        name=name,
        text=imported.text,
        text_sha256="",
        created_by_id=workbench.users[uploader] if uploader else None,
    )
    db.session.add(document)
    db.session.flush()
    for position, turn in enumerate(imported.turns):
        person = people.get(turn.speaker)
        db.session.add(
            CodingTurn(
                document_id=document.id,
                position=position,
                speaker=turn.speaker,
                start=turn.start,
                end=turn.end,
                participant_id=person.id if person else None,
            )
        )
    db.session.commit()
    return document.id


def add_coding_to(
    workbench, document_id: int, start: int, end: int, code: str = "Risorse", coder: str = "bruno"
) -> int:
    coding = Coding(
        document_id=document_id,
        code_id=workbench.codes[code],
        start=start,
        end=end,
        coder_id=workbench.users[coder],
    )
    db.session.add(coding)
    db.session.commit()
    return coding.id


def coded_focus_group(workbench, coder: str = "anna") -> tuple[int, list[CodingTurn]]:
    """Sixteen turns, the first six of each kind coded by `coder` (Criticità or Risorse); four left uncoded."""
    texts = [text for pair in zip(NEEDS, NETWORK, strict=True) for text in pair]
    document_id = add_transcript(workbench, [f"P0{1 + n % 2}: {text}" for n, text in enumerate(texts)])
    query = select(CodingTurn).where(CodingTurn.document_id == document_id).order_by(CodingTurn.position)
    turns = list(db.session.scalars(query))
    for index, turn in enumerate(turns[:12]):
        code = "Criticità" if index % 2 == 0 else "Risorse"
        add_coding_to(workbench, document_id, turn.start, turn.end, code, coder)
    return document_id, turns


def in_english(app, email: str) -> None:
    """The user reads the site in English: assertions on our own messages hold before and after the
    Italian translations are added."""
    with app.app_context():
        db.session.scalar(select(User).where(User.email == email)).locale = "en"
        db.session.commit()


def autocode_url(workbench, **args) -> str:
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return f"/transcripts/studies/{workbench.study_id}/autocode?{query}"


def passages(page: str) -> list[str]:
    return re.findall(r'name="passage" value="([0-9:]+)"', page)


def span_of(piece: str) -> str:
    start = IMPORTED.text.index(piece)
    return f"{start}:{start + len(piece)}"


# Search and auto-coding


def test_a_lemma_search_finds_every_form_and_previews_sentences(client, workbench):
    login(client, "anna@example.org")

    page = client.get(autocode_url(workbench, q="famiglia", unit="sentence"))

    assert page.status_code == 200
    found = passages(page.text)
    doc = workbench.document_id
    assert found == [
        f"{doc}:{span_of('Come lavorate con le famiglie?')}",
        f"{doc}:{span_of('Il servizio è aperto tre giorni; le famiglie arrivano tardi 😕.')}",
    ]
    assert "<mark>famiglie</mark>" in page.text
    with client.application.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "transcript.search"))
        assert event is not None and event.org_unit_id is not None


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        ({"speaker": "P01"}, ["Il servizio"]),
        ({"attribute": "role=assistente"}, []),
        ({"attribute": "role=educatrice"}, ["Il servizio"]),
        ({}, ["Come lavorate", "Il servizio"]),
    ],
)
def test_hits_are_limited_to_a_speaker_or_an_attribute(client, workbench, limit, expected):
    login(client, "anna@example.org")

    page = client.get(autocode_url(workbench, q="famiglie", mode="word", unit="turn", **limit))

    starts = [int(key.split(":")[1]) for key in passages(page.text)]
    assert [IMPORTED.text[s:].split(" ")[0] for s in starts] == [e.split(" ")[0] for e in expected]


def test_hits_can_be_limited_to_the_inside_of_another_codes_codings(client, workbench, app):
    with app.app_context():
        start = IMPORTED.text.index("Il servizio")
        add_coding(workbench, "anna", "Criticità", start, start + 40)
        add_coding(workbench, "bruno", "Risorse", 0, 20)
    login(client, "anna@example.org")

    page = client.get(
        autocode_url(
            workbench, q="servizio|lavorate", mode="regex", unit="match", inside=workbench.codes["Criticità"]
        )
    )

    assert passages(page.text) == [f"{workbench.document_id}:{span_of('servizio')}"]


@pytest.mark.parametrize(
    ("query", "mode", "message"),
    [
        ("(", "regex", "Espressione regolare non valida"),
        ("", "lemma", "La ricerca è vuota"),
        ("  ", "word", "vuota"),
    ],
)
def test_a_bad_or_empty_query_is_explained_in_the_users_language(client, workbench, query, mode, message):
    login(client, "anna@example.org")

    page = client.get(autocode_url(workbench, q=query, mode=mode))

    assert page.status_code == 422
    assert message in page.text and "Invalid" not in page.text and "empty" not in page.text


def test_ticked_passages_are_coded_as_one_auto_batch_that_undo_removes(client, workbench, app):
    in_english(app, "anna@example.org")
    login(client, "anna@example.org")
    page = client.get(autocode_url(workbench, q="famiglia", unit="sentence"))
    keys = passages(page.text)
    url = f"/transcripts/studies/{workbench.study_id}/autocode"

    response = post_form(
        client,
        url,
        {"code_id": workbench.codes["Bisogni formativi"], "passage": keys, "search-q": "famiglia"},
    )

    assert response.status_code == 302 and "q=famiglia" in response.headers["Location"]
    with app.app_context():
        made = list(db.session.scalars(select(Coding)))
        assert len(made) == 2 and {c.origin for c in made} == {CodingOrigin.AUTO}
        assert len({c.batch for c in made}) == 1 and made[0].batch
        assert {c.coder_id for c in made} == {workbench.users["anna"]}
        batch = made[0].batch
    listed = client.get(url)
    assert "Bisogni formativi" in listed.text and batch in listed.text

    undone = post_form(client, f"{url}/undo", {"batch": batch})

    assert undone.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Coding)).all() == []
    assert "No auto-coding to undo" in client.get(url).text
    again = post_form(client, f"{url}/undo", {"batch": batch}, follow_redirects=True)
    assert "Nothing is left to undo in that batch." in again.text


def test_auto_coding_refuses_without_a_code_or_passages_and_changes_nothing(client, workbench, app):
    in_english(app, "anna@example.org")
    login(client, "anna@example.org")
    url = f"/transcripts/studies/{workbench.study_id}/autocode"

    no_code = post_form(client, url, {"passage": [f"{workbench.document_id}:0:5"]}, follow_redirects=True)
    no_passage = post_form(client, url, {"code_id": workbench.codes["Risorse"]}, follow_redirects=True)
    bad_span = post_form(
        client, url, {"code_id": workbench.codes["Risorse"], "passage": [f"{workbench.document_id}:5:99999"]}
    )
    other_document = post_form(client, url, {"code_id": workbench.codes["Risorse"], "passage": ["99999:0:5"]})

    assert "Choose the code to apply." in no_code.text
    assert "Tick at least one passage to code." in no_passage.text
    assert bad_span.status_code == 302 and other_document.status_code == 404
    with app.app_context():
        assert db.session.scalars(select(Coding)).all() == []


def test_an_outsider_gets_404_on_every_page_and_action(client, workbench, app):
    with app.app_context():
        add_transcript(workbench, ["P01: Sono Giulia."], name="altro.txt", uploader="lead")
    login(client, "fuori@example.org")
    study = f"/transcripts/studies/{workbench.study_id}"
    data = {"document_id": workbench.document_id, "code_id": workbench.codes["Risorse"], "start": 0, "end": 5}

    gets = [f"{study}/autocode?q=famiglia", f"{study}/suggestions", f"{study}/themes?run=1"]
    gets.append(f"/transcripts/documents/{workbench.document_id}/pseudonymise")
    posts = [
        (f"{study}/autocode", {"code_id": workbench.codes["Risorse"], "passage": "1:0:5"}),
        (f"{study}/autocode/undo", {"batch": "x"}),
        (f"{study}/suggestions/train", {}),
        (f"{study}/suggestions/accept", data),
        (f"{study}/suggestions/reject", data),
        (f"{study}/themes/code", {"name": "Rete", "words": "rete"}),
        (f"/transcripts/documents/{workbench.document_id}/pseudonymise", {"action": "apply"}),
    ]

    assert [client.get(url).status_code for url in gets] == [404] * len(gets)
    login(client, "anna@example.org")  # in scope, but naming a transcript of no study of hers
    assert client.get(f"{study}/autocode?q=famiglia&doc=99999").status_code == 404
    assert client.get(f"{study}/suggestions?document_id=99999").status_code == 404
    login(client, "fuori@example.org")
    assert [post_form(client, url, body).status_code for url, body in posts] == [404] * len(posts)
    with app.app_context():
        assert db.session.scalars(select(Job)).all() == []
        assert db.session.scalars(select(Code).where(Code.name == "Rete")).all() == []


# Suggestions


def train(client, app, workbench) -> Job:
    response = post_form(client, f"/transcripts/studies/{workbench.study_id}/suggestions/train")
    assert response.status_code == 302
    with app.app_context():
        job_id = db.session.scalars(select(Job.id).order_by(Job.id.desc())).first()
    return wait_for(app, job_id, timeout=60)


def test_training_runs_as_a_job_and_the_page_shows_each_codes_cross_validated_quality(client, workbench, app):
    with app.app_context():
        coded_focus_group(workbench)
    login(client, "anna@example.org")

    job = train(client, app, workbench)

    assert job.status == JobStatus.DONE, job.message
    assert job.done == job.total == 4
    page = client.get(f"/transcripts/studies/{workbench.study_id}/suggestions")
    assert page.status_code == 200
    assert re.search(r"<td>Criticità</td><td>\d+%</td><td>\d+%</td><td>6</td>", page.text)
    assert re.search(r"<td>Risorse</td><td>\d+%</td><td>\d+%</td><td>6</td>", page.text)
    models = list((Path(app.instance_path) / "models").glob("*"))
    assert sorted(p.name for p in models) == [
        f"suggest-study-{workbench.study_id}.json",
        f"suggest-study-{workbench.study_id}.pickle",
    ]
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "transcript.suggestions.train")
        )


def test_suggestions_are_shown_with_their_words_and_nothing_is_coded_until_a_person_accepts(
    client, workbench, app
):
    with app.app_context():
        document_id, turns = coded_focus_group(workbench)
        uncoded_need = turns[12]  # NEEDS[6]: "Mancano educatori e la presa in carico arriva tardi."
        span = (uncoded_need.start, uncoded_need.end)
    in_english(app, "anna@example.org")
    login(client, "anna@example.org")
    train(client, app, workbench)
    url = f"/transcripts/studies/{workbench.study_id}/suggestions"

    page = client.get(f"{url}?all=1&document_id={document_id}")

    assert "Mancano educatori e la presa in carico arriva tardi." in page.text
    article = page.text[page.text.index("Mancano educatori") :].split("</article>")[0]
    assert re.search(r"<strong>Criticità</strong> · score \d+%", article)
    assert re.search(r"Because of: [^<]*(presa|carico|mancare|educatore)", article)
    with app.app_context():
        assert db.session.scalars(select(Coding).where(Coding.origin != CodingOrigin.MANUAL)).all() == []
    code_id = workbench.codes["Criticità"]
    data = {"document_id": document_id, "start": span[0], "end": span[1], "code_id": code_id}

    accepted = post_form(client, f"{url}/accept", data)

    assert accepted.status_code == 302
    with app.app_context():
        made = db.session.scalars(select(Coding).where(Coding.origin == CodingOrigin.SUGGESTION)).all()
        assert [(c.start, c.end, c.code_id, c.coder_id) for c in made] == [
            (*span, code_id, workbench.users["anna"])
        ]
    after = client.get(f"{url}?all=1&document_id={document_id}")
    assert "Mancano educatori e la presa in carico arriva tardi." not in after.text  # now coded


def test_a_rejected_suggestion_does_not_come_back_for_that_user(client, workbench, app):
    with app.app_context():
        document_id, turns = coded_focus_group(workbench)
        turn = turns[13]  # NETWORK[6], uncoded
        span = (turn.start, turn.end)
    login(client, "anna@example.org")
    train(client, app, workbench)
    url = f"/transcripts/studies/{workbench.study_id}/suggestions"
    codes = [workbench.codes["Criticità"], workbench.codes["Risorse"]]

    for code_id in codes:
        data = {"document_id": document_id, "start": span[0], "end": span[1], "code_id": code_id}
        assert post_form(client, f"{url}/reject", data).status_code == 302

    page = client.get(f"{url}?all=1&document_id={document_id}")
    assert "Le associazioni del territorio offrono spazi e volontari." not in page.text
    assert "La scuola e il quartiere sono una rete di sostegno." in page.text  # its neighbour still shows
    with app.app_context():
        assert db.session.scalars(select(Coding).where(Coding.origin != CodingOrigin.MANUAL)).all() == []
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "transcript.suggestion.reject")
        )
    login(client, "bruno@example.org")
    assert "Le associazioni del territorio" in client.get(f"{url}?all=1&document_id={document_id}").text


def test_training_with_too_few_codings_fails_with_a_message(client, workbench, app):
    with app.app_context():
        add_coding(workbench, "anna", "Risorse", IMPORTED.turns[2].start, IMPORTED.turns[2].end)
    in_english(app, "anna@example.org")
    login(client, "anna@example.org")

    job = train(client, app, workbench)

    assert job.status == JobStatus.FAILED
    assert job.message == "Code at least 10 turns before training suggestions: 1 are coded so far."
    page = client.get(f"/transcripts/studies/{workbench.study_id}/suggestions")
    assert job.message in page.text and "Precision" not in page.text


def test_in_a_blind_study_a_coder_trains_only_on_her_own_codings(client, workbench, app):
    with app.app_context():
        db.session.get(CodingProject, workbench.study_id).blind = True
        db.session.commit()
        coded_focus_group(workbench, coder="bruno")
    login(client, "anna@example.org")

    refused = train(client, app, workbench)

    assert refused.status == JobStatus.FAILED  # bruno's codings are not hers
    login(client, "bruno@example.org")
    assert train(client, app, workbench).status == JobStatus.DONE
    url = f"/transcripts/studies/{workbench.study_id}/suggestions?all=1"
    assert "Criticità</td>" in client.get(url).text
    login(client, "anna@example.org")
    assert "Criticità</td>" not in client.get(url).text  # bruno's model is his alone


def test_a_model_file_not_signed_by_this_server_is_not_loaded(client, workbench, app):
    with app.app_context():
        coded_focus_group(workbench)
    login(client, "anna@example.org")
    train(client, app, workbench)
    pickled = next((Path(app.instance_path) / "models").glob("*.pickle"))
    pickled.write_bytes(pickled.read_bytes() + b"tampered")

    page = client.get(f"/transcripts/studies/{workbench.study_id}/suggestions")

    assert "Criticità</td>" not in page.text


# Themes


def test_themes_are_proposed_and_one_becomes_a_code(client, workbench, app):
    with app.app_context():
        document_id, _turns = coded_focus_group(workbench)
    login(client, "anna@example.org")
    url = f"/transcripts/studies/{workbench.study_id}/themes"

    page = client.get(f"{url}?run=1&n=2&doc={document_id}")

    assert page.status_code == 200
    names = re.findall(r'name="name" class="form-control" value="([^"]+)"', page.text)
    words = re.findall(r'name="words" value="([^"]+)"', page.text)
    assert len(names) == 2 and all(" / " in name for name in names)
    response = post_form(
        client, f"{url}/code", {"name": names[0], "words": words[0], "search-doc": document_id}
    )
    assert response.status_code == 302 and f"doc={document_id}" in response.headers["Location"]
    with app.app_context():
        code = db.session.scalar(select(Code).where(Code.name == names[0]))
        assert code is not None and code.definition == words[0].replace("&#39;", "'")
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "code.create"))
    duplicate = post_form(client, f"{url}/code", {"name": names[0], "words": words[0]}, follow_redirects=True)
    assert duplicate.status_code == 200
    with app.app_context():
        assert len(db.session.scalars(select(Code).where(Code.name == names[0])).all()) == 1


def test_too_many_themes_for_the_passages_is_explained(client, workbench):
    login(client, "anna@example.org")

    page = client.get(f"/transcripts/studies/{workbench.study_id}/themes?run=1&n=5")

    assert page.status_code == 422 and "Servono almeno 5 testi" in page.text


# Pseudonymisation

PRIVATE = [
    "P01: Ieri Giulia Rossi 😕 ha scritto a giulia.rossi@example.org dal 333 1234567.",
    "P02: Giulia è brava; abita in via Roma 12, a Lecce, è così.",
]


def private_transcript(workbench, app) -> tuple[int, dict[str, int]]:
    """A transcript naming a participant, with codings on, across and after her name; its mapping known."""
    with app.app_context():
        document_id = add_transcript(workbench, PRIVATE, name="privato.txt", uploader="anna")
        text = db.session.get(CodingDocument, document_id).text
        keys = list(current_app.config["IDENTITY_KEYS"])
        mapping = {"P03": "Giulia Rossi"}
        db.session.add(CodingNameMapping(document_id=document_id, ciphertext=encrypt_identity(keys, mapping)))
        db.session.commit()
        ids = {}
        for piece in ("Giulia Rossi 😕 ha scritto", "ulia Ro", "brava; abita", "è così."):
            start = text.index(piece)
            ids[piece] = add_coding_to(workbench, document_id, start, start + len(piece))
        return document_id, ids


def review_form(page: str) -> dict:
    return {
        "action": "apply",
        "fingerprint": re.search(r'name="fingerprint" value="([0-9a-f]+)"', page).group(1),
        "proposal": re.findall(r'name="proposal" value="(\d+)"', page),
    }


def test_pseudonymising_replaces_what_was_ticked_and_every_coding_keeps_its_words(client, workbench, app):
    document_id, ids = private_transcript(workbench, app)
    login(client, "anna@example.org")
    url = f"/transcripts/documents/{document_id}/pseudonymise"
    page = client.get(url)
    assert page.status_code == 200
    for original in ("Giulia Rossi", "giulia.rossi@example.org", "333 1234567", "via Roma 12", "Lecce"):
        assert f"<mark>{original}</mark>" in page.text
    form = review_form(page.text)

    response = post_form(client, url, form)

    assert response.status_code == 302
    with app.app_context():
        document = db.session.get(CodingDocument, document_id)
        text = document.text
        assert "Giulia" not in text and "giulia" not in text and "1234567" not in text and "Roma" not in text
        assert text.startswith(
            "Ieri P03 😕 ha scritto a [EMAIL 1] dal [TELEFONO 1].\nP03 è brava; abita in [INDIRIZZO 1], a [LUOGO 1], è così."
        )
        coded = {piece: db.session.get(Coding, coding_id) for piece, coding_id in ids.items()}
        shown = {piece: text[c.start : c.end] for piece, c in coded.items()}
        assert shown == {
            "Giulia Rossi 😕 ha scritto": "P03 😕 ha scritto",
            "ulia Ro": "P03",  # inside the name: it now codes the whole pseudonym
            "brava; abita": "brava; abita",
            "è così.": "è così.",
        }
        turns = document.turns
        assert [text[t.start : t.end][:8] for t in turns] == ["Ieri P03", "P03 è br"]
        assert turns[-1].end == len(text)
        mapping = decrypt_identity(
            list(current_app.config["IDENTITY_KEYS"]),
            db.session.get(CodingNameMapping, document_id).ciphertext,
        )
        assert mapping["P03"] == "Giulia Rossi" and mapping["[EMAIL 1]"] == "giulia.rossi@example.org"
        assert (
            restore(text, pseudonym_mapping.records(mapping))
            == read_document("\n".join(PRIVATE).encode(), "x.txt").text
        )
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "transcript.pseudonymise"))
        assert event is not None and "Giulia" not in str(event.details)


def test_only_ticked_proposals_are_replaced_and_a_stale_review_changes_nothing(client, workbench, app):
    document_id, _ids = private_transcript(workbench, app)
    in_english(app, "anna@example.org")
    login(client, "anna@example.org")
    url = f"/transcripts/documents/{document_id}/pseudonymise"
    form = review_form(client.get(url).text)
    with app.app_context():
        before = db.session.get(CodingDocument, document_id).text

    stale = post_form(client, url, {**form, "fingerprint": "0" * 64})
    nothing = post_form(client, url, {**form, "proposal": []})

    assert stale.status_code == 422 and "review it again" in stale.text
    assert nothing.status_code == 422
    with app.app_context():
        assert db.session.get(CodingDocument, document_id).text == before
    emails = [n for n in form["proposal"] if n == "1"]  # the e-mail is the second proposal
    assert post_form(client, url, {**form, "proposal": emails}).status_code == 302
    with app.app_context():
        text = db.session.get(CodingDocument, document_id).text
        assert "[EMAIL 1]" in text and "Giulia Rossi" in text


def test_an_unreadable_name_list_is_reported_and_nothing_is_replaced(client, workbench, app):
    document_id, _ids = private_transcript(workbench, app)
    with app.app_context():
        db.session.get(CodingNameMapping, document_id).ciphertext = b"not encrypted with our keys"
        db.session.commit()
        before = db.session.get(CodingDocument, document_id).text
    in_english(app, "anna@example.org")
    login(client, "anna@example.org")
    url = f"/transcripts/documents/{document_id}/pseudonymise"
    page = client.get(url)
    assert "1 list of names of this study cannot be read" in page.text

    refused = post_form(client, url, review_form(page.text))

    assert refused.status_code == 422 and "cannot be read with this server's keys" in refused.text.replace(
        "&#39;", "'"
    )
    with app.app_context():
        assert db.session.get(CodingDocument, document_id).text == before
        assert db.session.get(CodingNameMapping, document_id).ciphertext == b"not encrypted with our keys"


def test_a_coder_who_neither_leads_nor_uploaded_cannot_pseudonymise(client, workbench, app):
    document_id, _ids = private_transcript(workbench, app)
    login(client, "bruno@example.org")
    url = f"/transcripts/documents/{document_id}/pseudonymise"

    assert client.get(url).status_code == 403
    assert post_form(client, url, {"action": "apply"}).status_code == 403
    login(client, "lead@example.org")
    assert client.get(url).status_code == 200


def test_extra_names_typed_by_the_person_are_looked_for(client, workbench, app):
    document_id, _ids = private_transcript(workbench, app)
    login(client, "anna@example.org")

    page = post_form(
        client,
        f"/transcripts/documents/{document_id}/pseudonymise",
        {"action": "review", "extra_names": "brava"},
    )

    assert "<mark>brava</mark>" in page.text
