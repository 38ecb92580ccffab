"""REFI-QDA exchange of a study: export (.qdpx, .qdc) valid against the schemas, import, round trip."""

import io
import zipfile
from pathlib import Path

import pytest
import xmlschema
from flask import current_app
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import (
    AuditEvent,
    Code,
    Coding,
    CodingDocument,
    CodingMemo,
    CodingNameMapping,
    CodingParticipant,
    CodingProject,
    CodingTurn,
    User,
)
from coding import refi
from forms.identity import encrypt_identity
from tests.app.transcripts_support import IMPORTED
from tests.conftest import login, post_form

SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "refi-qda-schema"
SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "refi-qda-samples"
TEXT = IMPORTED.text
QUOTES = {"aperto": "aperto tre giorni", "tardi": "arrivano tardi 😕", "rete": "una rete con la scuola"}


@pytest.fixture(scope="module")
def project_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMAS / "Project.xsd")


@pytest.fixture(scope="module")
def codebook_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMAS / "Codebook.xsd")


def _span(name: str) -> tuple[int, int]:
    start = TEXT.index(QUOTES[name])
    return start, start + len(QUOTES[name])


@pytest.fixture
def rich_study(app, workbench, territory):
    """The workbench study with a sub-code, codings by two coders, memos, attributes and a name mapping."""
    with app.app_context():
        criticita = db.session.get(Code, workbench.codes["Criticità"])
        criticita.definition = "Ostacoli che gli operatori incontrano."
        orari = Code(
            coding_project_id=workbench.study_id,
            parent_id=criticita.id,
            name="Orari",
            definition="Aperture e chiusure.",
            when_to_use="Quando si parla di giorni e ore.",
            when_not="Per i trasporti.",
            example="«aperto tre giorni»",
            colour="#a66300",
            marks_need=True,
        )
        db.session.add(orari)
        db.session.flush()
        codings = {}
        for key, coder, code_id, quote in (
            ("anna_orari", "anna", orari.id, "aperto"),
            ("anna_tardi", "anna", criticita.id, "tardi"),
            ("bruno_orari", "bruno", orari.id, "aperto"),
            ("bruno_rete", "bruno", workbench.codes["Risorse"], "rete"),
        ):
            start, end = _span(quote)
            coding = Coding(
                document_id=workbench.document_id,
                code_id=code_id,
                start=start,
                end=end,
                coder_id=workbench.users[coder],
            )
            db.session.add(coding)
            codings[key] = coding
        db.session.flush()
        lead = workbench.users["lead"]
        for title, target in (
            ("Impressioni generali", {}),
            ("Sul documento", {"document_id": workbench.document_id}),
            ("Sulla codifica", {"coding_id": codings["anna_tardi"].id}),
            ("Sul codice", {"code_id": workbench.codes["Risorse"]}),
        ):
            db.session.add(
                CodingMemo(
                    coding_project_id=workbench.study_id,
                    author_id=lead,
                    title=title,
                    text=f"{title}: testo",
                    **target,
                )
            )
        p01 = db.session.scalar(select(CodingParticipant).where(CodingParticipant.code == "P01"))
        p01.attributes = {**p01.attributes, "seniority_years": 12.5}
        keys = list(current_app.config["IDENTITY_KEYS"])
        db.session.add(
            CodingNameMapping(
                document_id=workbench.document_id,
                ciphertext=encrypt_identity(keys, {"P01": "Mariangela Quarta"}),
            )
        )
        db.session.commit()
        workbench.codes["Orari"] = orari.id
    return workbench


def _export(client, study_id: int) -> bytes:
    response = client.get(f"/transcripts/studies/{study_id}/export.qdpx")
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Disposition"].startswith("attachment")
    return response.data


def _import(client, data: bytes, workbench, territory, name: str = "Reimportato", filename: str = "p.qdpx"):
    return post_form(
        client,
        "/transcripts/import",
        {
            "project": workbench.project_id,
            "org_unit": territory.ambito_lecce.id,
            "name": name,
            "file": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )


def _newest_study(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(CodingProject.id)))


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_an_exported_study_validates_against_project_xsd(client, rich_study, project_schema):
    login(client, "lead@example.org")

    data = _export(client, rich_study.study_id)

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        project_schema.validate(archive.read("project.qde").decode("utf-8"))
        sources = [name for name in archive.namelist() if name.startswith("sources/")]
        assert len(sources) == 1
        assert archive.read(sources[0]).decode("utf-8") == TEXT


def test_an_export_never_holds_the_names_replaced_by_codes(client, rich_study):
    login(client, "lead@example.org")

    data = _export(client, rich_study.study_id)

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.namelist():
            assert "Mariangela" not in archive.read(member).decode("utf-8")


def test_an_exported_project_carries_codes_codings_coders_memos_cases_and_variables(client, rich_study):
    login(client, "lead@example.org")

    project = refi.read_qdpx(io.BytesIO(_export(client, rich_study.study_id)))

    codes = {code.name: code for code in project.codebook.all_codes()}
    assert [child.name for child in codes["Criticità"].children] == ["Orari"]
    assert codes["Orari"].color == "#a66300"
    assert "Quando usarlo: Quando si parla di giorni e ore." in codes["Orari"].description
    users = {user.guid: user.id for user in project.users}
    source = project.sources[0]
    coded = sorted(
        (users[c.creating_user], codes_by_guid(project)[c.code_guid], source.content[c.start : c.end])
        for c in source.codings
    )
    assert coded == [
        ("anna@example.org", "Criticità", "arrivano tardi 😕"),
        ("anna@example.org", "Orari", "aperto tre giorni"),
        ("bruno@example.org", "Orari", "aperto tre giorni"),
        ("bruno@example.org", "Risorse", "una rete con la scuola"),
    ]
    assert sorted(note.name for note in project.notes) == [
        "Impressioni generali",
        "Sul codice",
        "Sul documento",
        "Sulla codifica",
    ]
    variables = {v.guid: v for v in project.variables}
    case = next(c for c in project.cases if c.name == "P01")
    assert {variables[v.variable_guid].name: v.value for v in case.variable_values} == {
        "gender": "F",
        "role": "educatrice",
        "seniority_years": 12.5,
    }
    assert {variables[v.variable_guid].name for v in source.variable_values} == {
        "date",
        "macro_area",
        "service_type",
        "org_unit",
    }


def codes_by_guid(project: refi.Project) -> dict[str, str]:
    return {code.guid: code.name for code in project.codebook.all_codes()}


def test_exporting_a_blind_study_gives_a_coder_only_their_own_codings(app, client, rich_study):
    with app.app_context():
        db.session.get(CodingProject, rich_study.study_id).blind = True
        db.session.commit()
    login(client, "bruno@example.org")

    project = refi.read_qdpx(io.BytesIO(_export(client, rich_study.study_id)))

    coders = {c.creating_user for c in project.sources[0].codings}
    assert [u.id for u in project.users if u.guid in coders] == ["bruno@example.org"]
    assert "Sulla codifica" not in {note.name for note in project.notes}  # a memo on anna's coding


def test_the_codebook_exports_as_a_qdc_valid_against_codebook_xsd(client, rich_study, codebook_schema):
    login(client, "anna@example.org")

    response = client.get(f"/transcripts/studies/{rich_study.study_id}/export.qdc")

    assert response.status_code == 200
    codebook_schema.validate(response.data.decode("utf-8"))
    names = [c.name for c in refi.read_qdc(io.BytesIO(response.data)).all_codes()]
    assert sorted(names) == ["Bisogni formativi", "Criticità", "Orari", "Risorse"]


def test_export_then_import_preserves_the_study(app, client, rich_study, territory):
    login(client, "lead@example.org")
    data = _export(client, rich_study.study_id)

    response = _import(client, data, rich_study, territory)

    assert response.status_code == 302
    new = _newest_study(app)
    assert new != rich_study.study_id and response.headers["Location"].endswith(f"/studies/{new}")
    assert _snapshot(app, new) == _snapshot(app, rich_study.study_id)


def _snapshot(app, study_id: int) -> dict[str, object]:
    """What must survive a round trip, without ids: documents, turns, codes, codings, memos, cases."""
    with app.app_context():
        study = db.session.get(CodingProject, study_id)
        codes = {c.id: c for c in db.session.scalars(select(Code).where(Code.coding_project_id == study_id))}

        def path(code_id: int | None) -> str:
            names = []
            while code_id is not None:
                names.insert(0, codes[code_id].name)
                code_id = codes[code_id].parent_id
            return "/".join(names)

        documents = list(
            db.session.scalars(select(CodingDocument).where(CodingDocument.coding_project_id == study_id))
        )
        document_ids = [d.id for d in documents]
        people = {
            p.id: p.code
            for p in db.session.scalars(
                select(CodingParticipant).where(CodingParticipant.coding_project_id == study_id)
            )
        }
        emails = {u.id: u.email for u in db.session.scalars(select(User))}
        memos = db.session.scalars(select(CodingMemo).where(CodingMemo.coding_project_id == study_id))
        codings = {
            c.id: c for c in db.session.scalars(select(Coding).where(Coding.document_id.in_(document_ids)))
        }
        return {
            "documents": sorted(
                (d.name, d.text, sorted(d.attributes.items()), d.org_unit_id) for d in documents
            ),
            "turns": sorted(
                (t.position, t.speaker, t.role, t.start, t.end, people.get(t.participant_id))
                for t in db.session.scalars(
                    select(CodingTurn).where(CodingTurn.document_id.in_(document_ids))
                )
            ),
            "codes": sorted(
                (path(c.id), c.colour, c.definition, c.when_to_use, c.when_not, c.example, c.marks_need)
                for c in codes.values()
            ),
            "codings": sorted(
                (path(c.code_id), c.start, c.end, emails[c.coder_id]) for c in codings.values()
            ),
            "memos": sorted(
                (
                    m.title,
                    m.text,
                    emails.get(m.author_id),
                    m.document_id is not None,
                    path(m.code_id) if m.code_id else None,
                    (path(codings[m.coding_id].code_id), codings[m.coding_id].start) if m.coding_id else None,
                )
                for m in memos
            ),
            "participants": sorted(
                (p.code, sorted(p.attributes.items()))
                for p in db.session.scalars(
                    select(CodingParticipant).where(CodingParticipant.coding_project_id == study_id)
                )
            ),
            "description": study.description,
        }


def test_imported_codings_have_origin_import_and_keep_their_coders(app, client, rich_study, territory):
    login(client, "lead@example.org")
    _import(client, _export(client, rich_study.study_id), rich_study, territory)

    with app.app_context():
        new = _newest_study(app)
        rows = db.session.execute(
            select(Coding.origin, Coding.coder_id, Coding.batch)
            .join(CodingDocument)
            .where(CodingDocument.coding_project_id == new)
        ).all()
    assert {origin for origin, _, _ in rows} == {"import"}
    assert sorted(coder for _, coder, _ in rows) == sorted(
        [rich_study.users["anna"]] * 2 + [rich_study.users["bruno"]] * 2
    )
    assert _count(app, AuditEvent) and _audit_count(app, "study.import_refi") == 1
    assert _audit_count(app, "study.export_qdpx") == 1


def _audit_count(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(AuditEvent.action == action))


def _project_with_coder(name: str, email: str | None) -> bytes:
    text = "Le famiglie chiedono più orari.\n"
    code = refi.Code("c0000000-0000-4000-8000-000000000001", "Orari", color="#ABC")
    selection = refi.PlainTextSelection(
        "50000000-0000-4000-8000-000000000001",
        text.index("più orari"),
        text.index("più orari") + len("più orari"),
        codings=(
            refi.Coding(
                "60000000-0000-4000-8000-000000000001",
                code.guid,
                creating_user="a0000000-0000-4000-8000-000000000001",
            ),
        ),
    )
    project = refi.Project(
        "Da MAXQDA",
        origin="MAXQDA 2022",
        users=(refi.User("a0000000-0000-4000-8000-000000000001", name, email),),
        codebook=refi.Codebook((code,)),
        sources=(
            refi.TextSource(
                "40000000-0000-4000-8000-000000000001", "Intervista", text, selections=(selection,)
            ),
        ),
    )
    buffer = io.BytesIO()
    refi.write_qdpx(project, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "email"),
    [("Maria Bianchi", None), ("fuori", "fuori@example.org")],  # unknown; a user outside the study's scope
)
def test_codings_of_a_coder_who_is_not_on_the_study_go_to_the_importer_labelled_by_name(
    app, client, workbench, territory, name, email
):
    login(client, "lead@example.org")

    response = _import(client, _project_with_coder(name, email), workbench, territory)

    assert response.status_code == 302
    with app.app_context():
        coding = db.session.scalars(
            select(Coding).join(CodingDocument).where(CodingDocument.coding_project_id == _newest_study(app))
        ).one()
        assert (coding.coder_id, coding.origin, coding.batch) == (
            workbench.users["lead"],
            "import",
            f"import:{name}",
        )
        assert db.session.get(Code, coding.code_id).colour == "#aabbcc"


def test_a_refi_user_named_like_a_member_of_the_study_keeps_their_codings(app, client, workbench, territory):
    login(client, "lead@example.org")

    _import(client, _project_with_coder("Anna", None), workbench, territory)

    with app.app_context():
        coding = db.session.scalars(
            select(Coding).join(CodingDocument).where(CodingDocument.coding_project_id == _newest_study(app))
        ).one()
        assert (coding.coder_id, coding.batch) == (workbench.users["anna"], "import")


def test_a_project_exported_by_another_program_is_imported_tolerantly(app, client, workbench, territory):
    login(client, "anna@example.org")

    response = _import(
        client, (SAMPLES / "ornio_hand_authored.qdpx").read_bytes(), workbench, territory, name=""
    )

    assert response.status_code == 302
    with app.app_context():
        study = db.session.get(CodingProject, _newest_study(app))
        assert study.name == "Sample Study" and study.created_by_id == workbench.users["anna"]
        person = db.session.scalars(
            select(CodingParticipant).where(CodingParticipant.coding_project_id == study.id)
        ).one()
        assert person.code == "Participant 1" and person.attributes == {"Age": 34, "Consented": True}
        names = set(db.session.scalars(select(Code.name).where(Code.coding_project_id == study.id)))
        assert names == {"Topics", "Health", "Diet", "Wellbeing"}
    page = client.get(response.headers["Location"], follow_redirects=False)
    assert page.status_code in (200, 302)


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", b"<Project " + b" " * (8 * 1024 * 1024) + b"/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_zip_bomb(), "zip bomb"),
        (b"this is not a zip at all", "not a valid .qdpx"),
        (b"", "empty"),
    ],
)
def test_hostile_or_broken_uploads_are_refused_with_a_message_and_nothing_is_stored(
    app, client, workbench, territory, data, message
):
    before = _count(app, CodingProject)
    login(client, "lead@example.org")
    with client.session_transaction() as session:
        session["lang"] = "en"
    with app.app_context():
        db.session.execute(update(User).values(locale="en"))
        db.session.commit()

    response = _import(client, data, workbench, territory)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(app, CodingProject) == before


def test_an_upload_over_the_size_limit_is_refused(app, client, workbench, territory):
    app.config["TRANSCRIPTS_REFI_MAX_BYTES"] = 1_000
    before = _count(app, CodingProject)
    login(client, "lead@example.org")

    response = _import(
        client, _project_with_coder("Maria Bianchi", None) + b" " * 2_000, workbench, territory
    )

    assert response.status_code == 422
    assert _count(app, CodingProject) == before


def test_an_error_halfway_through_an_import_stores_nothing(app, client, workbench, territory, monkeypatch):
    monkeypatch.setattr("app.transcripts.refi_import.MAX_CHARS", 10)  # the study and codes exist by then
    before = [_count(app, model) for model in (CodingProject, Code, CodingDocument)]
    login(client, "lead@example.org")

    response = _import(client, _project_with_coder("Maria Bianchi", None), workbench, territory)

    assert response.status_code == 422
    assert [_count(app, model) for model in (CodingProject, Code, CodingDocument)] == before


def _post_codebook(client, study_id: int, data: bytes, filename: str = "codici.qdc"):
    return post_form(
        client,
        f"/transcripts/studies/{study_id}/import-codebook",
        {"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def _codebook_file() -> bytes:
    codebook = refi.Codebook(
        (
            refi.Code(
                "c1000000-0000-4000-8000-000000000001",
                "criticità ",  # the study's Criticità, whatever the case and spaces
                color="#000000",
                children=(refi.Code("c1000000-0000-4000-8000-000000000002", "Trasporti", color="#00838f"),),
            ),
            refi.Code(
                "c1000000-0000-4000-8000-000000000003",
                "Buone pratiche",
                description="Esperienze da diffondere.\n\nEsempio: il tavolo con la scuola",
            ),
        )
    )
    buffer = io.BytesIO()
    refi.write_qdc(codebook, buffer)
    return buffer.getvalue()


def test_a_codebook_merges_by_name_and_importing_it_twice_adds_nothing(app, client, workbench):
    login(client, "lead@example.org")

    first = _post_codebook(client, workbench.study_id, _codebook_file())
    second = _post_codebook(client, workbench.study_id, _codebook_file())

    assert first.status_code == second.status_code == 302
    with app.app_context():
        codes = {
            c.name: c
            for c in db.session.scalars(select(Code).where(Code.coding_project_id == workbench.study_id))
        }
        assert sorted(codes) == ["Bisogni formativi", "Buone pratiche", "Criticità", "Risorse", "Trasporti"]
        assert codes["Trasporti"].parent_id == workbench.codes["Criticità"]
        assert codes["Criticità"].colour == "#d9364f"  # an existing code is kept as it is
        assert (codes["Buone pratiche"].definition, codes["Buone pratiche"].example) == (
            "Esperienze da diffondere.",
            "il tavolo con la scuola",
        )
    assert _audit_count(app, "codebook.import_refi") == 2


def test_only_leads_import_a_codebook_and_outsiders_see_no_exchange(app, client, workbench):
    study = workbench.study_id
    login(client, "anna@example.org")
    coder = _post_codebook(client, study, _codebook_file()).status_code
    post_form(client, "/logout")
    login(client, "fuori@example.org")
    outsider = [
        client.get(f"/transcripts/studies/{study}/exchange").status_code,
        client.get(f"/transcripts/studies/{study}/export.qdpx").status_code,
        client.get(f"/transcripts/studies/{study}/export.qdc").status_code,
        _post_codebook(client, study, _codebook_file()).status_code,
    ]

    assert coder == 403
    assert outsider == [404, 404, 404, 404]
    assert _count(app, Code) == 3


def test_a_broken_codebook_is_refused_with_a_message(app, client, workbench):
    login(client, "lead@example.org")

    response = _post_codebook(client, workbench.study_id, b"<CodeBook><Codes><Code name='x'>")

    assert response.status_code == 422
    assert _count(app, Code) == 3


def test_a_project_cannot_be_imported_into_a_unit_outside_the_users_scope(app, client, workbench, territory):
    before = _count(app, CodingProject)
    login(client, "anna@example.org")  # anna codes in the Ambito di Lecce

    response = post_form(
        client,
        "/transcripts/import",
        {
            "project": workbench.project_id,
            "org_unit": territory.ambito_bari.id,
            "file": (io.BytesIO(_project_with_coder("X", None)), "p.qdpx"),
        },
        content_type="multipart/form-data",
    )

    assert response.status_code in (404, 422)
    assert _count(app, CodingProject) == before
