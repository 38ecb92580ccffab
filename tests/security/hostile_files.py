"""Hostile files for the upload attacks: external entities, entity expansion, zip bombs, archive path tricks,
disguised and polyglot files, broken text. Built from valid files of each kind, so only the attack is wrong.

The zip bombs, slow to make (a second each), are made once per valid file, however many routes get them.
"""

import functools
import io
import stat
import uuid
import zipfile
from dataclasses import dataclass

import openpyxl

from tests.coding.transcript_files import docx_bytes, odt_bytes

SECRET_FILE = "/etc/passwd"
SECRET_MARK = "root:x:0:0"  # how the secret file begins; it must never come back
EVIL = f"humus-evil-{uuid.uuid4().hex[:8]}"  # the name archive path tricks try to write outside
BOMB_BYTES = 300 * 1024 * 1024  # inflated size of the bomb: past every member and total limit of the app

XXE_DOCTYPE = f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{SECRET_FILE}">]>'
LAUGHS_DOCTYPE = (
    '<!DOCTYPE r [<!ENTITY l0 "lol">'
    + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    + "]>"
)


@dataclass(frozen=True)
class Hostile:
    """One hostile file: its name as uploaded, its bytes, and what it tries."""

    attack: str
    filename: str
    content: bytes


def _zip(members: dict[str, bytes], first_stored: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data, zipfile.ZIP_STORED if name == first_stored else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _with_doctype(xml: bytes, doctype: str, reference: bytes) -> bytes:
    """The XML with a DOCTYPE after its declaration and `reference` (an entity use) in place of a text."""
    declaration, _sep, rest = xml.partition(b"?>")
    if not rest:
        declaration, rest = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"', xml
    return declaration + b"?>" + doctype.encode() + rest.replace(b"ENTITYHERE", reference, 1)


# ---- valid files of each kind ------------------------------------------------------------------------------


def xlsx_of(rows: list[list[object]], title: str = "survey") -> bytes:
    book = openpyxl.Workbook()
    book.active.title = title
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_with_entity(rows: list[list[object]], doctype: str, entity: str, title: str) -> bytes:
    """A workbook whose first sheet has an inline-string cell holding &entity; under `doctype`."""
    members = _members(xlsx_of(rows, title))
    cell = f'<c r="A{len(rows) + 1}" t="inlineStr"><is><t>ENTITYHERE</t></is></c>'
    sheet = members["xl/worksheets/sheet1.xml"].replace(
        b"</sheetData>", f'<row r="{len(rows) + 1}">{cell}</row></sheetData>'.encode()
    )
    members["xl/worksheets/sheet1.xml"] = _with_doctype(sheet, doctype, f"&{entity};".encode())
    return _zip(members)


def _docx_with_entity(doctype: str, entity: str) -> bytes:
    members = _members(docx_bytes(["P01: ENTITYHERE", "P02: Buongiorno."]))
    members["word/document.xml"] = _with_doctype(
        members["word/document.xml"], doctype, f"&{entity};".encode()
    )
    return _zip(members)


def _odt_with_entity(doctype: str, entity: str) -> bytes:
    members = _members(odt_bytes(["P01: ENTITYHERE", "P02: Buongiorno."]))
    members["content.xml"] = _with_doctype(members["content.xml"], doctype, f"&{entity};".encode())
    return _zip(members, first_stored="mimetype")


QDE = (
    '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="ENTITYHERE">'
    '<Sources><TextSource guid="00000004-0000-4000-8000-000000000001" name="fg" '
    'plainTextPath="internal://00000004-0000-4000-8000-000000000001.txt"/></Sources></Project>'
)
QDC = (
    '<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
    '<Code guid="00000001-0000-4000-8000-000000000001" name="ENTITYHERE" isCodable="true"/>'
    "</Codes></CodeBook>"
)
SOURCE = "sources/00000004-0000-4000-8000-000000000001.txt"


def _qdpx(project: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    return _zip({"project.qde": project, SOURCE: b"P01: testo", **(extra or {})})


# ---- the attacks ------------------------------------------------------------------------------------------


@functools.cache
def _with_bomb(data: bytes, member: str) -> bytes:
    """The archive with `member` replaced by BOMB_BYTES of zeros (about 300 KB once deflated)."""
    buffer, megabyte = io.BytesIO(), bytes(1024 * 1024)
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename != member:
                target.writestr(info, source.read(info))
        with target.open(member, "w", force_zip64=True) as out:
            for _ in range(BOMB_BYTES // len(megabyte)):
                out.write(megabyte)
    return buffer.getvalue()


def _with_paths(data: bytes) -> bytes:
    """The archive plus members that try to land outside any folder it might be unpacked into: a relative
    path climbing out, an absolute path, and a symbolic link to the secret file."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr(f"../../../{EVIL}", b"climbed out")
        target.writestr(f"/tmp/{EVIL}-absolute", b"absolute")  # noqa: S108 - the attack
        link = zipfile.ZipInfo(f"{EVIL}-link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        target.writestr(link, SECRET_FILE)
    return buffer.getvalue()


EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run in DOS mode.\r\n"
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script>codice,nome\nA,B</body></html>\n"


def disguises(extension: str, valid: bytes) -> list[Hostile]:
    """Files that are not what their name says: a program, a PDF, an HTML page, and a polyglot (a PDF that
    is also a valid archive or text of the expected kind, read from its end)."""
    return [
        Hostile("a program renamed", f"programma{extension}", EXE),
        Hostile("a PDF renamed", f"documento{extension}", PDF),
        Hostile("an HTML page renamed", f"pagina{extension}", HTML),
        Hostile("a PDF and valid file in one (polyglot)", f"poliglotta{extension}", PDF + valid),
    ]


def common(extension: str, valid: bytes) -> list[Hostile]:
    return [Hostile("an empty file", f"vuoto{extension}", b""), *disguises(extension, valid)]


def xlsx_attacks(rows: list[list[object]], title: str = "survey") -> list[Hostile]:
    return list(_xlsx_attacks(tuple(tuple(row) for row in rows), title))


@functools.cache
def _xlsx_attacks(rows: tuple[tuple[object, ...], ...], title: str) -> tuple[Hostile, ...]:
    listed = [list(row) for row in rows]
    valid = xlsx_of(listed, title)
    return (
        Hostile(
            "an external entity (XXE)", "xxe.xlsx", _sheet_with_entity(listed, XXE_DOCTYPE, "xxe", title)
        ),
        Hostile(
            "entity expansion (billion laughs)",
            "risate.xlsx",
            _sheet_with_entity(listed, LAUGHS_DOCTYPE, "l9", title),
        ),
        Hostile("a zip bomb", "bomba.xlsx", _with_bomb(valid, "xl/worksheets/sheet1.xml")),
        Hostile("archive path tricks", "percorsi.xlsx", _with_paths(valid)),
        *common(".xlsx", valid),
    )


def csv_attacks(valid: bytes) -> list[Hostile]:
    return [
        Hostile("invalid UTF-8", "latin.csv", valid + "àèìòù;\xff\n".encode("latin-1") + b"\xff\xfe\xfa\n"),
        Hostile("UTF-16 with its BOM", "utf16.csv", valid.decode().encode("utf-16")),
        Hostile("a binary file", "binario.csv", EXE),
        Hostile("an HTML page behind a UTF-8 BOM", "bom.csv", b"\xef\xbb\xbf" + HTML),
        *common(".csv", valid),
    ]


@functools.cache
def docx_attacks() -> list[Hostile]:
    valid = docx_bytes(["P01: Buongiorno.", "P02: Buonasera."])
    return [
        Hostile("an external entity (XXE)", "xxe.docx", _docx_with_entity(XXE_DOCTYPE, "xxe")),
        Hostile("entity expansion (billion laughs)", "risate.docx", _docx_with_entity(LAUGHS_DOCTYPE, "l9")),
        Hostile("a zip bomb", "bomba.docx", _with_bomb(valid, "word/document.xml")),
        Hostile("archive path tricks", "percorsi.docx", _with_paths(valid)),
        *common(".docx", valid),
    ]


@functools.cache
def odt_attacks() -> list[Hostile]:
    return [
        Hostile("an external entity (XXE)", "xxe.odt", _odt_with_entity(XXE_DOCTYPE, "xxe")),
        Hostile("entity expansion (billion laughs)", "risate.odt", _odt_with_entity(LAUGHS_DOCTYPE, "l9")),
    ]


@functools.cache
def qdpx_attacks() -> list[Hostile]:
    valid = _qdpx(QDE.replace("ENTITYHERE", "Prova").encode())
    xxe = _with_doctype(QDE.encode(), XXE_DOCTYPE.replace("r [", "Project ["), b"&xxe;")
    laughs = _with_doctype(QDE.encode(), LAUGHS_DOCTYPE.replace("r [", "Project ["), b"&l9;")
    return [
        Hostile("an external entity (XXE)", "xxe.qdpx", _qdpx(xxe)),
        Hostile("entity expansion (billion laughs)", "risate.qdpx", _qdpx(laughs)),
        Hostile("a zip bomb", "bomba.qdpx", _with_bomb(valid, SOURCE)),
        Hostile("archive path tricks", "percorsi.qdpx", _with_paths(valid)),
        *common(".qdpx", valid),
    ]


@functools.cache
def qdc_attacks() -> list[Hostile]:
    valid = QDC.replace("ENTITYHERE", "Codice").encode()
    xxe = _with_doctype(QDC.encode(), XXE_DOCTYPE.replace("r [", "CodeBook ["), b"&xxe;")
    laughs = _with_doctype(QDC.encode(), LAUGHS_DOCTYPE.replace("r [", "CodeBook ["), b"&l9;")
    return [
        Hostile("an external entity (XXE)", "xxe.qdc", xxe),
        Hostile("entity expansion (billion laughs)", "risate.qdc", laughs),
        *common(".qdc", valid),
    ]


def submission_xml(form_id: str, version: str, doctype: str, entity: str) -> bytes:
    """An OpenRosa instance of the form whose first answer is the entity."""
    return (
        f'<?xml version="1.0"?>{doctype}<data id="{form_id}" version="{version}">'
        f"<nome>&{entity};</nome><meta><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>"
    ).encode()
