"""Documents imported as canonical text with turns: each format, encodings, normalisation, hostile files."""

import io
import zipfile

import docx
import pytest
from docx.oxml import parse_xml
from odf.office import Annotation
from odf.opendocument import OpenDocumentText
from odf.table import Table, TableCell, TableRow
from odf.text import H, LineBreak, List, ListItem, P, S, Span, Tab
from pypdf import PdfReader, PdfWriter

from coding.document_formats import DocumentLimits
from coding.documents import (
    DOCUMENT_VARIABLES,
    DocumentAttributes,
    canonical_text,
    pseudonymise,
    read_document,
)
from coding.errors import DocumentError, UnsafeDocumentError
from coding.participants import Participant
from coding.refi.archive import ArchiveLimits
from tests.coding.transcript_files import (
    docx_bytes,
    odt_bytes,
    pdf_bytes,
    save_docx,
    save_odt,
    transcript,
    transcript_lines,
)
from tests.unsafe_zips import UNSAFE_NAMES, with_member_named

FOCUS_GROUP = "focus_group_genitori.txt"
MARIA_SAYS = "Io sono mamma di due bambini, uno va al centro diurno. Vengo qui perché mi trovo bene 😊"


def said(imported) -> list[tuple[str, str | None, float | None, str]]:
    """(speaker, role, time, words) of each turn."""
    return [
        (turn.speaker, turn.role, turn.timestamp_seconds, imported.text[turn.start : turn.end])
        for turn in imported.turns
    ]


@pytest.fixture(scope="module")
def focus_group():
    return read_document(transcript(FOCUS_GROUP), FOCUS_GROUP)


def test_a_utf8_transcript_becomes_text_without_markers_and_its_turns(focus_group):
    assert focus_group.format == "txt"
    assert focus_group.encoding == "utf-8"
    assert focus_group.notes == ()
    assert len(focus_group.turns) == 19
    assert said(focus_group)[4] == ("MARIA GRAZIA ESPOSITO", None, None, MARIA_SAYS)
    assert "MODERATRICE:" not in focus_group.text
    assert "[00:01:12]" not in focus_group.text
    assert focus_group.text.startswith("Focus group «Genitori e servizi»")


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.replace("\n", "\r\n").encode("utf-8"),
        lambda text: text.replace("\n", "\r").encode("utf-8"),
        lambda text: "\ufeff".encode() + text.encode("utf-8"),
        lambda text: text.encode("utf-16"),
        lambda text: text.encode("utf-16-le"),
        lambda text: text.encode("utf-32"),
    ],
    ids=["crlf", "cr", "utf-8 bom", "utf-16 bom", "utf-16 without bom", "utf-32"],
)
def test_line_ends_bom_and_unicode_encodings_give_the_same_text(focus_group, encode):
    data = encode(transcript(FOCUS_GROUP).decode("utf-8"))

    imported = read_document(data, "trascrizione.TXT")

    assert imported.text == focus_group.text
    assert imported.turns == focus_group.turns


def test_a_windows_1252_file_is_read_with_a_note():
    text = transcript("intervista_operatrice.txt").decode("utf-8").replace("'", "’")

    imported = read_document(text.encode("cp1252"), "intervista.txt")

    assert imported.encoding == "cp1252"
    assert "è già difficile" in imported.text and "c’è" in imported.text
    assert "letto come Windows-1252" in imported.notes[0]
    assert "read as Windows-1252" in imported.notes[0]


def test_bytes_that_windows_1252_lacks_fall_back_to_latin_1():
    imported = read_document("città\x81".encode("latin-1"), "a.txt")

    assert imported.encoding == "latin-1"
    assert imported.text == "città"  # U+0081 is a control character, removed
    assert "Latin-1" in imported.notes[0]


def test_a_binary_file_named_txt_is_refused():
    with pytest.raises(DocumentError, match="null bytes"):
        read_document(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01", "foto.txt")


def test_decomposed_accents_are_recomposed_so_offsets_count_one_code_point_each():
    imported = read_document("ANNA: Perche\u0301 no? Citta\u0300.\nMARCO: Sì.".encode(), "a.txt")

    assert imported.text == "Perché no? Città.\nSì."
    assert said(imported)[0][3] == "Perché no? Città."
    assert imported.turns[1].start == len("Perché no? Città.\n")
    assert any("NFC" in note for note in imported.notes)


def test_control_characters_go_but_tabs_and_line_ends_stay():
    text, notes = canonical_text("\ufeffuno\x00\tdue\x0cdue\u2028tre\x1b[0m\r\nquattro\x7f\ufeff")

    assert text == "uno\tdue\ndue\ntre[0m\nquattro"
    assert "Removed 4 invisible control characters" in notes[0]  # NUL, ESC, DEL, a stray BOM


def test_a_docx_gives_the_text_and_turns_of_the_same_transcript_as_plain_text(focus_group):
    data = docx_bytes(transcript_lines(FOCUS_GROUP))

    imported = read_document(data, "focus group.docx")

    assert imported.text == focus_group.text.rstrip("\n")  # the .txt ends with a line end
    assert imported.turns == focus_group.turns


def test_a_docx_keeps_tables_line_breaks_and_insertions_but_not_deletions_or_tab_stops():
    document = docx.Document()
    paragraph = document.add_paragraph("ANNA: Prima riga")
    paragraph.paragraph_format.tab_stops.add_tab_stop(914400)
    paragraph.add_run().add_break()
    paragraph.add_run("seconda riga\tcon tab.")
    tracked = document.add_paragraph("MARCO: Il servizio è ")
    tracked._p.append(parse_xml(_W_CHANGE.format(tag="del", text="chiuso")))
    tracked._p.append(parse_xml(_W_CHANGE.format(tag="ins", text="aperto")))
    document.add_paragraph("")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Sede", "Bari"
    document.add_paragraph("ANNA: Fine.")

    imported = read_document(save_docx(document), "a.docx")

    assert imported.text == "Prima riga\nseconda riga\tcon tab.\nIl servizio è aperto\n\nSede\tBari\nFine."
    assert [speaker for speaker, *_ in said(imported)] == ["ANNA", "MARCO", "ANNA"]


_W_CHANGE = (
    '<w:{tag} xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:id="1" '
    'w:author="Revisore" w:date="2025-03-12T10:00:00Z"><w:r><w:{text_tag}>{text}</w:{text_tag}></w:r></w:{tag}>'
).replace("{text_tag}", "t")


def test_an_odt_gives_the_text_and_turns_of_the_same_transcript_as_plain_text(focus_group):
    data = odt_bytes(transcript_lines(FOCUS_GROUP))

    imported = read_document(data, "focus_group.odt")

    assert imported.text == focus_group.text.rstrip("\n")
    assert imported.turns == focus_group.turns


def test_an_odt_keeps_headings_lists_spaces_and_tables_but_not_comments():
    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Focus group"))
    paragraph = P(text="ANNA: Uno")
    paragraph.addElement(S(c=3))
    paragraph.addElement(Span(text="due"))
    paragraph.addElement(Tab())
    paragraph.addElement(LineBreak())
    comment = Annotation()
    comment.addElement(P(text="commento del revisore"))
    paragraph.addElement(comment)
    paragraph.addText("tre")
    document.text.addElement(paragraph)
    items = List()
    item = ListItem()
    item.addElement(P(text="MARCO: voce di elenco"))
    items.addElement(item)
    document.text.addElement(items)
    table = Table()
    row = TableRow()
    for value in ("Sede", "Bari"):
        cell = TableCell()
        cell.addElement(P(text=value))
        row.addElement(cell)
    table.addElement(row)
    document.text.addElement(table)

    imported = read_document(save_odt(document), "a.odt")

    assert imported.text == "Focus group\nUno   due\t\ntre\nvoce di elenco\nSede\tBari"
    assert [speaker for speaker, *_ in said(imported)] == ["ANNA", "MARCO"]


def test_a_pdf_text_layer_gives_the_same_turns_with_accents_and_emoji(focus_group):
    lines = transcript_lines(FOCUS_GROUP)

    imported = read_document(pdf_bytes([lines[:15], lines[15:]]), "focus_group.pdf")

    assert said(imported) == said(focus_group)  # blank lines are not in a PDF's text layer
    assert imported.notes == ()


def test_a_pdf_page_without_text_is_noted():
    imported = read_document(pdf_bytes([["ANNA: Sì."], []]), "a.pdf")

    assert imported.text == "Sì."
    assert imported.notes == ("Pagine senza testo: 1. / Pages without text: 1.",)


def test_a_pdf_without_a_text_layer_is_refused_saying_no_ocr_is_done():
    with pytest.raises(DocumentError) as raised:
        read_document(pdf_bytes([[], []]), "scansione.pdf")

    assert "non esegue l'OCR" in str(raised.value)
    assert "does not do OCR" in str(raised.value)


def test_a_password_protected_pdf_is_refused():
    with pytest.raises(DocumentError, match="protetto da password.*password-protected"):
        read_document(_encrypted_pdf(user_password="segreta"), "a.pdf")


def test_a_pdf_locked_only_against_changes_is_read():
    imported = read_document(_encrypted_pdf(user_password=""), "a.pdf")

    assert imported.text == "Sì."


def _encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes([["ANNA: Sì."]]))))
    writer.encrypt(user_password, owner_password="proprietario", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_with_more_pages_than_allowed_is_refused():
    with pytest.raises(UnsafeDocumentError, match="3 pagine, il limite è 2"):
        read_document(pdf_bytes([["a"], ["b"], ["c"]]), "a.pdf", limits=DocumentLimits(max_pages=2))


def test_a_pdf_that_takes_too_long_is_stopped():
    with pytest.raises(UnsafeDocumentError, match="Reading the PDF took more than"):
        read_document(pdf_bytes([["a"], ["b"]]), "a.pdf", limits=DocumentLimits(pdf_seconds=-1))


def test_a_damaged_pdf_is_refused():
    with pytest.raises(DocumentError, match="danneggiato"):
        read_document(b"%PDF-1.4\n1 0 obj << /Type /Catalog", "a.pdf")


def test_webvtt_voices_become_turns_and_cues_keep_their_ids_and_times():
    imported = read_document(transcript("focus_group_genitori.vtt"), "focus_group.vtt")

    assert said(imported) == [
        (
            "Moderatrice",
            "moderatore",
            1.0,
            "Buongiorno a tutti e grazie di essere qui. Vi chiedo di presentarvi brevemente.",
        ),
        (
            "Anna Rossi",
            None,
            72.0,
            "Allora, sono Anna, educatrice al centro diurno da sei anni. lavoro soprattutto con ragazzi dagli 11 ai 14 anni.",
        ),
        ("Giuseppe D'Amico", None, 100.0, "Io sono Giuseppe, assistente sociale dell'ATS."),
        ("Maria Grazia Esposito", None, 106.0, "Vengo qui perché mi trovo bene 😊"),
        ("Fatima", None, 110.0, "Sono Fatima, mediatrice culturale: lavoro con le famiglie."),
        ("Lucia", None, 110.0, "Lucia, anch'io mamma."),
    ]
    assert imported.turns[1].end_seconds == 79.25
    first, second = imported.cues[:2]
    assert (first.identifier, first.start_seconds, first.end_seconds) == ("intro", 1.0, 6.5)
    assert (
        imported.text[second.start : second.end]
        == "Allora, sono Anna, educatrice al centro diurno da sei anni."
    )
    assert "-->" not in imported.text and "Registrazione del" not in imported.text


def test_subrip_cues_find_the_speaker_at_their_start_and_keep_their_numbers():
    imported = read_document(transcript("focus_group_genitori.srt"), "focus_group.srt")

    assert [speaker for speaker, *_ in said(imported)] == [
        "MODERATRICE",
        "Anna Rossi",
        "Giuseppe D'Amico",
        "Maria Grazia Esposito",
    ]
    assert (
        said(imported)[3][3]
        == "Vengo qui perché mi trovo bene 😊 Nota bene: la registrazione riprende dopo una pausa."
    )
    assert [cue.identifier for cue in imported.cues] == ["1", "2", "3", "4", "5", "6"]
    assert imported.text.splitlines()[1] == (
        "Allora, sono Anna, educatrice al centro diurno da sei anni. Lavoro soprattutto con ragazzi dagli 11 ai 14 anni."
    )


def test_a_subtitle_file_without_timings_is_refused():
    with pytest.raises(DocumentError, match="no cue with timings"):
        read_document(b"WEBVTT\n\nsolo testo\n", "a.vtt")


def test_names_are_replaced_in_an_imported_document_and_its_cues_move_with_them():
    imported = read_document(transcript("focus_group_genitori.vtt"), "a.vtt")
    participants = [Participant("P01", "Anna Rossi", aliases=("Anna",)), Participant("P05", "Fatima")]

    renamed, mapping = pseudonymise(imported, participants)

    assert mapping == {"P01": "Anna Rossi", "P05": "Fatima"}
    assert said(renamed)[1][0] == "P01"
    assert said(renamed)[4][3] == "Sono P05, mediatrice culturale: lavoro con le famiglie."
    cue = renamed.cues[1]
    assert renamed.text[cue.start : cue.end] == "Allora, sono P01, educatrice al centro diurno da sei anni."
    assert "Anna" not in renamed.text and "Fatima" not in renamed.text


@pytest.mark.parametrize(
    ("filename", "message"),
    [
        ("verbale.doc", "Salvarlo come .docx"),
        ("verbale.rtf", "Unsupported format (.rtf)"),
        ("verbale", "senza estensione"),
    ],
)
def test_an_unsupported_format_is_named_in_the_error(filename, message):
    with pytest.raises(DocumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_document(b"testo", filename)


def test_a_file_larger_than_the_limit_is_refused_before_reading():
    with pytest.raises(UnsafeDocumentError, match="exceeds the 0 MB limit"):
        read_document(b"x" * 101, "a.txt", limits=DocumentLimits(max_bytes=100))


def test_a_text_longer_than_the_limit_is_refused():
    with pytest.raises(UnsafeDocumentError, match="the limit is 10"):
        read_document(b"x" * 11, "a.txt", limits=DocumentLimits(max_chars=10))


@pytest.mark.parametrize("extension", ["docx", "odt"])
def test_a_zip_bomb_is_refused_before_it_is_inflated(extension):
    bomb = _zip({"content.xml": b"\0" * (8 * 1024 * 1024), "word/document.xml": b"<w:document/>"})

    with pytest.raises(UnsafeDocumentError, match="zip bomb"):
        read_document(bomb, f"a.{extension}")


def test_a_zip_with_too_many_members_is_refused():
    limits = DocumentLimits(archive=ArchiveLimits(members=5))

    with pytest.raises(UnsafeDocumentError, match="holds 6 files, the limit is 5"):
        read_document(_zip({f"f{n}.xml": b"<a/>" for n in range(6)}), "a.docx", limits=limits)


def test_a_zip_with_an_encrypted_member_is_refused():
    data = bytearray(_zip({"word/document.xml": b"<w:document/>"}))
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local header, central directory
        data[data.index(signature) + flags_at] |= 0x1  # zipfile cannot write encrypted members

    with pytest.raises(DocumentError, match="The .docx file is encrypted"):
        read_document(bytes(data), "a.docx")


def test_a_password_protected_word_file_is_named_as_such():
    with pytest.raises(DocumentError, match="password-protected or a Word 97-2003 .doc"):
        read_document(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "a.docx")


def test_a_password_protected_odt_is_refused():
    manifest = (
        b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        b'<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AA=="/>'
        b"</manifest:file-entry></manifest:manifest>"
    )
    data = _zip({"META-INF/manifest.xml": manifest, "content.xml": b"\x8f\x01 encrypted bytes"})

    with pytest.raises(DocumentError, match="The .odt file is password-protected"):
        read_document(data, "a.odt")


@pytest.mark.parametrize("extension", ["docx", "odt"])
@pytest.mark.parametrize("name", UNSAFE_NAMES, ids=ascii)
def test_a_member_with_an_unsafe_name_refuses_the_whole_document(extension, name):
    valid = {"docx": docx_bytes, "odt": odt_bytes}[extension](["ANNA: Sì."])

    with pytest.raises(UnsafeDocumentError) as error:
        read_document(with_member_named(valid, name), f"a.{extension}")

    shown = name.replace("\x00", "\\x00")
    assert f"Il file contiene un file interno con un nome non sicuro ('{shown}')" in str(error.value)
    assert f"The file holds an internal file with an unsafe name ('{shown}')" in str(error.value)


@pytest.mark.parametrize("extension", ["docx", "odt"])
def test_a_file_that_is_not_a_zip_is_damaged(extension):
    with pytest.raises(DocumentError, match=f"The .{extension} file is damaged"):
        read_document(b"PK not really a zip", f"a.{extension}")


def test_a_malformed_odt_is_refused_without_printing_the_transcript(capsys):
    data = odt_bytes(["ANNA: dati personali"])
    broken = _rezip(data, "content.xml", lambda xml: xml.replace(b"</office:text>", b"<rotto></office:text>"))

    with pytest.raises(DocumentError, match="The .odt file is damaged"):
        read_document(broken, "a.odt")

    assert "dati personali" not in capsys.readouterr().out


def test_an_odt_declaring_xml_entities_is_refused():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0">&b;'
        b"</office:document-content>"
    )
    data = _zip({"content.xml": laughs})

    with pytest.raises(DocumentError, match="entities"):
        read_document(data, "a.odt")


def test_document_attributes_are_refi_variables():
    attributes = DocumentAttributes(
        macro_area="Sud", service_type="Centro per le famiglie", org_unit="ATS Bari"
    )

    assert set(DOCUMENT_VARIABLES) == set(vars(attributes))
    assert DOCUMENT_VARIABLES["date"] == "Date"


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _rezip(data: bytes, name: str, change) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    members[name] = change(members[name])
    return _zip(members)


@pytest.mark.parametrize("part", ["word/document.xml", "_rels/.rels", "[Content_Types].xml"])
def test_a_docx_part_declaring_a_dtd_or_entities_is_refused_as_an_odt_one_is(part):
    source = zipfile.ZipFile(io.BytesIO(docx_bytes(["ANNA: Sì."])))
    members = {name: source.read(name) for name in source.namelist()}
    declaration = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    members[part] = declaration + members[part].split(b"?>", 1)[1]

    with pytest.raises(DocumentError, match="declares a DTD or XML entities"):
        read_document(_zip(members), "a.docx")
