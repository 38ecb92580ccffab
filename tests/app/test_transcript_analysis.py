"""The analysis pages of a study: frequencies, cross-tab, co-occurrence, words, charts, retrieval and the
downloads of codings and of the report, in scope and blind as the study says.

The workbench transcript (offsets in code points; the emoji is one):
    MODERATORE  0-30    "Come lavorate con le famiglie?"
    P01         31-93   "Il servizio è aperto tre giorni; le famiglie arrivano tardi 😕."
    P02         94-141  "Servono più operatori e una rete con la scuola."
"""

import csv
import io
from datetime import UTC, datetime

import lxml.html
import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Code, Coding, CodingDocument, CodingParticipant, CodingProject
from tests.app.transcripts_support import add_coding
from tests.conftest import login, post_form


@pytest.fixture
def coded(app, workbench):
    """Five codings: anna's Criticità (P01), Risorse (P01) and Risorse (P02); bruno's Bisogni formativi
    (P02, overlapping anna's second Risorse) and Criticità (P01, overlapping anna's)."""
    with app.app_context():
        add_coding(workbench, "anna", "Criticità", 64, 92)
        add_coding(workbench, "anna", "Risorse", 31, 62)
        add_coding(workbench, "anna", "Risorse", 118, 140)
        add_coding(workbench, "bruno", "Bisogni formativi", 94, 126)
        add_coding(workbench, "bruno", "Criticità", 76, 93)
    return workbench


def sign_in(client, email: str) -> None:
    """Sign in and read the pages in English, the language the assertions are written in."""
    login(client, email)
    post_form(client, "/language", {"lang": "en"})


def url(workbench, path: str = "analysis", **args) -> str:
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return f"/transcripts/studies/{workbench.study_id}/{path}" + (f"?{query}" if query else "")


def table(html: str, table_id: str) -> list[list[str]]:
    """The rows of a table of the page, each a list of its cells' text (header cells included)."""
    found = lxml.html.fromstring(html).get_element_by_id(table_id)
    return [[" ".join(cell.text_content().split()) for cell in row] for row in found.iter("tr")]


def test_the_hub_counts_segments_documents_and_speakers_of_each_code(client, coded):
    sign_in(client, "anna@example.org")

    page = client.get(url(coded))

    assert page.status_code == 200
    assert table(page.text, "frequencies-table")[1:] == [  # siblings in the codebook's order: by name
        ["Bisogni formativi", "1", "1", "1"],
        ["Criticità", "2", "1", "1"],
        ["Risorse", "2", "1", "2"],
    ]


def test_the_crosstab_by_participant_role_gives_counts_and_row_percentages(client, coded):
    sign_in(client, "anna@example.org")

    page = client.get(url(coded, by="participant:role"))

    rows = table(page.text, "crosstab-table")
    assert rows[0] == ["Code", "assistente", "educatrice", "Total"]
    assert rows[1:] == [
        ["Bisogni formativi", "1 (100.0%)", "0 (0.0%)", "1"],
        ["Criticità", "0 (0.0%)", "2 (100.0%)", "2"],
        ["Risorse", "1 (50.0%)", "1 (50.0%)", "2"],
        ["Total", "2", "3", "5"],
    ]


def test_the_crosstab_by_document_can_count_distinct_speakers(client, coded):
    sign_in(client, "anna@example.org")

    page = client.get(url(coded, by="document", measure="speakers"))

    rows = table(page.text, "crosstab-table")
    assert rows[0] == ["Code", "fg_lecce_2025.txt", "Total"]
    assert rows[3] == ["Risorse", "2 (100.0%)", "2"]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "overlap",  # bruno's Bisogni overlaps anna's second Risorse; Criticità and Risorse never touch
            [["Bisogni formativi", "1", "0", "1"], ["Criticità", "0", "2", "0"], ["Risorse", "1", "0", "2"]],
        ),
        (
            "turn",  # P01's turn has Criticità and Risorse; P02's has Risorse and Bisogni
            [["Bisogni formativi", "1", "0", "1"], ["Criticità", "0", "1", "1"], ["Risorse", "1", "1", "2"]],
        ),
    ],
)
def test_co_occurrence_by_overlap_and_by_speaker_turn(client, coded, kind, expected):
    sign_in(client, "anna@example.org")

    page = client.get(url(coded, cooc=kind))

    assert table(page.text, "cooccurrence-table")[1:] == expected


def test_each_chart_is_a_png_with_alt_text_and_its_table_beside_it(client, coded):
    sign_in(client, "anna@example.org")
    page = lxml.html.fromstring(client.get(url(coded)).text)

    images = page.xpath("//section//img")

    assert len(images) == 2 and all(image.get("alt") for image in images)
    for image in images:
        chart = client.get(image.get("src"))
        assert chart.status_code == 200
        assert chart.mimetype == "image/png" and chart.data.startswith(b"\x89PNG")
    assert client.get(url(coded, "analysis/pie.png")).status_code == 404


def test_word_frequencies_of_a_codes_segments_and_of_whole_transcripts(client, coded):
    sign_in(client, "anna@example.org")

    of_code = table(client.get(url(coded, words=coded.codes["Risorse"])).text, "words-table")
    whole = table(client.get(url(coded, words="documents")).text, "words-table")

    words = {row[0]: row[1:] for row in of_code[1:]}
    assert words["servizio"] == ["1", "1"] and words["rete"] == ["1", "1"]
    assert not {"il", "con", "la", "una"} & set(words)
    assert {row[0]: row[1] for row in whole[1:]}["famiglia"] == "2"


def test_an_unknown_choice_is_explained_and_the_defaults_are_shown(client, coded):
    sign_in(client, "anna@example.org")

    page = client.get(url(coded, by="shoe_size", measure="kg", words="999999"))

    assert page.status_code == 400
    assert "Unknown dimension for the cross-tab" in page.text
    assert "Unknown measure" in page.text
    assert "Choose a code of this study" in page.text
    assert table(page.text, "crosstab-table")[0] == ["Code", "assistente", "educatrice", "Total"]


def test_retrieval_shows_each_segment_in_its_sentence_with_speaker_and_a_link_to_its_place(client, coded):
    sign_in(client, "anna@example.org")

    page = client.get(url(coded, "retrieve", code_id=coded.codes["Criticità"]))

    assert page.status_code == 200
    html = lxml.html.fromstring(page.text)
    items = html.xpath("//ol[@id='segments']/li")
    assert [item.xpath("string(.//mark)") for item in items] == [
        "le famiglie arrivano tardi 😕",
        "arrivano tardi 😕.",
    ]
    assert (
        items[0].xpath("string(.//blockquote)")
        == "Il servizio è aperto tre giorni; le famiglie arrivano tardi 😕."
    )
    meta = " ".join(items[0].xpath("string(.//p)").split())
    assert "P01" in meta and "Role: educatrice" in meta and "Gender: F" in meta and "coded by anna" in meta
    links = [a.get("href") for a in items[0].xpath(".//a")]
    assert f"/transcripts/documents/{coded.document_id}#o64" in links


@pytest.mark.parametrize(
    ("code", "args", "expected"),
    [
        ("Risorse", {"role": "assistente"}, ["una rete con la scuola"]),
        ("Risorse", {"speaker": "P01"}, ["Il servizio è aperto tre giorni"]),
        ("Criticità", {"coder": "bruno"}, ["arrivano tardi 😕."]),
        ("Risorse", {"gender": "M"}, []),
    ],
)
def test_retrieval_filters_by_attribute_speaker_and_coder(client, coded, code, args, expected):
    sign_in(client, "anna@example.org")
    args = {k: coded.users[v] if k == "coder" else v for k, v in args.items()}

    page = client.get(url(coded, "retrieve", code_id=coded.codes[code], **args))

    marks = lxml.html.fromstring(page.text).xpath("//ol[@id='segments']//mark/text()")
    assert marks == expected


def test_retrieval_with_sub_codes_brings_their_segments_too(client, app, coded):
    with app.app_context():
        child = Code(coding_project_id=coded.study_id, parent_id=coded.codes["Criticità"], name="Personale")
        db.session.add(child)
        db.session.commit()
        coded.codes["Personale"] = child.id
        add_coding(coded, "anna", "Personale", 94, 115)
    sign_in(client, "anna@example.org")

    alone = client.get(url(coded, "retrieve", code_id=coded.codes["Criticità"]))
    with_children = client.get(url(coded, "retrieve", code_id=coded.codes["Criticità"], subcodes=1))

    assert "Servono più operatori" not in alone.text
    assert "<mark>Servono più operatori</mark>" in with_children.text
    assert "Criticità / Personale" in with_children.text


def test_retrieval_is_audited_as_a_read_of_transcripts(client, app, coded):
    sign_in(client, "anna@example.org")

    client.get(url(coded, "retrieve", code_id=coded.codes["Risorse"]))

    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "coding.retrieve")).one()
        assert event.details["segments"] == 2


def test_retrieval_without_a_code_lists_the_codes_with_their_counts(client, coded):
    sign_in(client, "anna@example.org")

    page = client.get(url(coded, "retrieve"))

    chooser = " ".join(
        lxml.html.fromstring(page.text).get_element_by_id("code-chooser").text_content().split()
    )
    assert "Criticità (2 segments)" in chooser and "Bisogni formativi (1 segment)" in chooser


def document_of_another_study(app, workbench) -> int:
    with app.app_context():
        other = CodingProject(project_id=workbench.project_id, org_unit_id=None, name="Altro")
        db.session.add(other)
        db.session.flush()
        document = CodingDocument(coding_project_id=other.id, name="x.txt", text="x", text_sha256="")
        db.session.add(document)
        db.session.commit()
        return document.id


def test_a_document_or_code_of_another_study_answers_404_in_retrieval(client, app, coded):
    foreign = document_of_another_study(app, coded)
    sign_in(client, "anna@example.org")

    by_document = client.get(url(coded, "retrieve", code_id=coded.codes["Risorse"], document=foreign))
    by_code = client.get(url(coded, "retrieve", code_id=999999))
    bad_page = client.get(url(coded, "retrieve", code_id=coded.codes["Risorse"], page="x"))

    assert by_document.status_code == 404 and by_code.status_code == 404
    assert bad_page.status_code == 400 and "That page number does not exist" in bad_page.text


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_csv_has_one_row_per_coding_with_participant_codes_and_attributes(client, app, coded):
    sign_in(client, "anna@example.org")

    response = client.get(url(coded, "codings.csv"))

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert [(r["Code"], r["Start"], r["End"], r["Participant code"], r["Coder"]) for r in rows] == [
        ("Risorse", "31", "62", "P01", "anna"),
        ("Criticità", "64", "92", "P01", "anna"),
        ("Criticità", "76", "93", "P01", "bruno"),
        ("Bisogni formativi", "94", "126", "P02", "bruno"),
        ("Risorse", "118", "140", "P02", "anna"),
    ]
    assert rows[1]["Text"] == "le famiglie arrivano tardi 😕"
    assert rows[1]["Participant: Role"] == "educatrice" and rows[1]["Document: Service type"] == "CSF"
    assert rows[1]["Document"] == "fg_lecce_2025.txt" and rows[1]["Origin"] == "manual"
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "coding.export")).one()
        assert event.details == {"format": "csv", "codings": 5}


def test_exports_neutralise_text_a_spreadsheet_would_run_as_a_formula(client, app, coded):
    with app.app_context():
        document = db.session.get(CodingDocument, coded.document_id)
        document.name = '=HYPERLINK("http://x","clic")'
        participant = db.session.scalars(
            select(CodingParticipant).where(CodingParticipant.code == "P01")
        ).one()
        participant.attributes = {"role": "@SUM(1+1)", "gender": "F"}
        db.session.commit()
    sign_in(client, "anna@example.org")

    rows = csv_rows(client.get(url(coded, "codings.csv")))
    book = load_workbook(io.BytesIO(client.get(url(coded, "codings.xlsx")).data))

    assert rows[0]["Document"] == '\'=HYPERLINK("http://x","clic")'
    assert rows[0]["Participant: Role"] == "'@SUM(1+1)"
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    first = sheet[2]
    assert first[header.index("Document")].value == '=HYPERLINK("http://x","clic")'
    assert first[header.index("Document")].data_type == "s"
    assert first[header.index("Participant: Role")].data_type == "s"


def test_the_xlsx_holds_the_same_rows_with_numbers_as_numbers(client, coded):
    sign_in(client, "anna@example.org")

    response = client.get(url(coded, "codings.xlsx"))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 6
    assert rows[2][:4] == ("fg_lecce_2025.txt", "Criticità", 64, 92)
    assert isinstance(rows[2][9], datetime)
    assert client.get(url(coded, "codings.pdf")).status_code == 404


def test_the_word_report_lists_each_code_with_its_quotes_by_participant_code(client, app, coded):
    with app.app_context():
        code = db.session.get(Code, coded.codes["Criticità"])
        code.definition = "Ciò che ostacola il servizio."
        db.session.commit()
    sign_in(client, "anna@example.org")

    response = client.get(url(coded, "report.docx"))

    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    paragraphs = [p.text for p in Document(io.BytesIO(response.data)).paragraphs]
    assert "Definition: Ciò che ostacola il servizio." in paragraphs
    assert "“le famiglie arrivano tardi 😕”" in paragraphs
    assert "— P01 · fg_lecce_2025.txt, 64–92" in paragraphs
    assert sum(p.startswith("“") for p in paragraphs) == 5
    with app.app_context():
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "coding.report")).one()


def make_blind(app, workbench, released: bool = False) -> None:
    with app.app_context():
        study = db.session.get(CodingProject, workbench.study_id)
        study.blind = True
        study.released_at = datetime.now(UTC).replace(tzinfo=None) if released else None
        db.session.commit()


def test_in_an_unreleased_blind_study_a_coder_analyses_only_their_own_codings(client, app, coded):
    make_blind(app, coded)
    sign_in(client, "anna@example.org")

    hub = client.get(url(coded))
    retrieval = client.get(url(coded, "retrieve", code_id=coded.codes["Criticità"]))
    rows = csv_rows(client.get(url(coded, "codings.csv")))
    report = Document(io.BytesIO(client.get(url(coded, "report.docx")).data))
    brunos = client.get(url(coded, "analysis", coder=coded.users["bruno"]))

    assert table(hub.text, "frequencies-table")[1:] == [
        ["Bisogni formativi", "0", "0", "0"],
        ["Criticità", "1", "1", "1"],
        ["Risorse", "2", "1", "2"],
    ]
    assert "arrivano tardi 😕.</mark>" not in retrieval.text and "bruno" not in retrieval.text
    assert {r["Coder"] for r in rows} == {"anna"} and len(rows) == 3
    assert sum(p.text.startswith("“") for p in report.paragraphs) == 3
    assert brunos.status_code == 400 and "There are no codings you can see by that coder" in brunos.text


def test_once_released_the_blind_study_is_analysed_whole(client, app, coded):
    make_blind(app, coded, released=True)
    sign_in(client, "anna@example.org")

    rows = csv_rows(client.get(url(coded, "codings.csv")))

    assert {r["Coder"] for r in rows} == {"anna", "bruno"}


def test_an_outsider_gets_404_on_every_analysis_page(client, coded):
    sign_in(client, "fuori@example.org")
    pages = ["analysis", "analysis/frequencies.png", "retrieve", "codings.csv", "codings.xlsx", "report.docx"]

    answers = {page: client.get(url(coded, page)).status_code for page in pages}

    assert answers == dict.fromkeys(pages, 404)


def test_a_coding_count_never_comes_from_another_study(client, app, coded):
    with app.app_context():
        other = CodingProject(project_id=coded.project_id, org_unit_id=None, name="Altro")
        db.session.add(other)
        db.session.flush()
        document = CodingDocument(coding_project_id=other.id, name="y.txt", text="criticità", text_sha256="")
        code = Code(coding_project_id=other.id, name="Altro codice")
        db.session.add_all([document, code])
        db.session.flush()
        db.session.add(
            Coding(document_id=document.id, code_id=code.id, start=0, end=5, coder_id=coded.users["anna"])
        )
        db.session.commit()
    sign_in(client, "anna@example.org")

    rows = csv_rows(client.get(url(coded, "codings.csv")))

    assert len(rows) == 5 and "y.txt" not in {r["Document"] for r in rows}
