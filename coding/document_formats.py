"""Readers of uploaded documents, one per format, giving the raw text that coding.documents canonicalises.

Paragraphs: a .docx or .odt paragraph (or heading, list item) becomes one line, so paragraphs are joined by
one "\\n" and an empty paragraph is a blank line: the text and its offsets are those of the same document
saved as plain text, one line per paragraph. A line break inside a paragraph is "\\n" too, a tab "\\t". A
table row is one line with its cells joined by "\\t". Deleted tracked changes, comments, footnotes,
headers, footers and text boxes are left out; inserted tracked changes are kept. PDF pages are joined by
"\\n", in the reading order pypdf finds; pages without text are left out (and counted in a note), page
headers and numbers stay in the text. Blank lines are not in a PDF's text layer.
"""

import codecs
import io
import time
import zlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element
from zipfile import BadZipFile

import docx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree
from pypdf import PageObject, PasswordType, PdfReader
from pypdf.errors import DependencyError, PyPdfError

from coding.document_xml import docx_lines, odt_is_encrypted, odt_lines
from coding.errors import DocumentError, RefiError, UnsafeArchiveError, UnsafeDocumentError
from coding.refi.archive import ArchiveLimits, _check_member, _open_zip  # the .qdpx zip-bomb checks
from coding.refi.files import MiB

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a Word 97-2003 .doc, or an Office file locked by a password
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# zipfile raises these on damaged members (bad deflate data, offsets past the file, unknown encryption).
_ZIP_FAILURES = (BadZipFile, zlib.error, ValueError, OSError, EOFError, NotImplementedError)
# pypdf raises these, besides its own errors, on damaged files.
_PDF_FAILURES = (PyPdfError, ValueError, KeyError, IndexError, TypeError, AttributeError, RecursionError)


@dataclass(frozen=True)
class DocumentLimits:
    """How large an upload and what it unpacks to may be; PDF time is checked between pages."""

    max_bytes: int = 64 * MiB
    max_chars: int = 20_000_000  # code points of text, about 3 million words
    max_pages: int = 3_000
    pdf_seconds: float = 60.0
    archive: ArchiveLimits = field(
        default_factory=lambda: ArchiveLimits(
            archive_bytes=64 * MiB, members=2_000, member_bytes=256 * MiB, total_bytes=512 * MiB
        )
    )


@dataclass(frozen=True)
class RawText:
    """Text as a reader found it, the encoding it was read in, and remarks for the user."""

    text: str
    encoding: str = "utf-8"
    notes: tuple[str, ...] = ()


def read_txt(data: bytes, limits: DocumentLimits) -> RawText:
    """Plain text by its BOM (UTF-8, UTF-16, UTF-32), else UTF-8, else Windows-1252 or Latin-1 with a note."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return RawText(_decode(data, encoding), encoding.removesuffix("-sig"))
    if b"\x00" in data:
        return _utf16_without_bom(data)
    try:
        return RawText(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        first_bad = err.start
    for encoding, name in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1 (ISO-8859-1)")):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return RawText(text, encoding, (_not_utf8(name, first_bad),))
    raise AssertionError("latin-1 decodes any bytes")


def read_docx(data: bytes, limits: DocumentLimits) -> RawText:
    """A Word .docx: the body's paragraphs and tables, in order (see the module's docstring)."""
    if data.startswith(_OLE):
        raise DocumentError(
            "Il file è protetto da password oppure è un .doc di Word 97-2003: salvarlo come .docx senza "
            "password. / The file is password-protected or a Word 97-2003 .doc: save it as a .docx without "
            "a password."
        )
    # python-docx parses with entities off, but a part declaring a DTD has no business in a .docx: refused,
    # as in an .odt, before anything reads it.
    for part in check_zip(data, limits.archive, ".docx", read=_is_xml_part).values():
        _parse(part, ".docx")
    try:
        document = docx.Document(io.BytesIO(data))
    except (*_ZIP_FAILURES, PackageNotFoundError, KeyError, etree.XMLSyntaxError) as err:
        raise DocumentError(_damaged(".docx", err)) from err
    return RawText("\n".join(docx_lines(document.element.body)))


def read_odt(data: bytes, limits: DocumentLimits) -> RawText:
    """An OpenDocument .odt: paragraphs, headings, lists and tables of content.xml, in order."""
    members = check_zip(data, limits.archive, ".odt", read=("META-INF/manifest.xml", "content.xml"))
    manifest = members.get("META-INF/manifest.xml")
    if manifest is not None and odt_is_encrypted(_parse(manifest, ".odt")):
        raise DocumentError(
            "Il file .odt è protetto da password: salvarlo senza password. / "
            "The .odt file is password-protected: save it without a password."
        )
    if "content.xml" not in members:
        raise DocumentError(_damaged(".odt", "content.xml is missing"))
    try:
        return RawText("\n".join(odt_lines(_parse(members["content.xml"], ".odt"))))
    except (ValueError, RecursionError) as err:  # no office:text, or nested deeper than Python recurses
        raise DocumentError(_damaged(".odt", err)) from err


def read_pdf(data: bytes, limits: DocumentLimits) -> RawText:
    """A PDF's text layer, pages joined by a line break; a PDF without one is refused (no OCR is done)."""
    deadline = time.monotonic() + limits.pdf_seconds
    try:
        reader = PdfReader(io.BytesIO(data))
        _decrypt(reader)
        pages = reader.pages
        count = len(pages)
        if count > limits.max_pages:
            raise UnsafeDocumentError(
                f"Il PDF ha {count} pagine, il limite è {limits.max_pages}. / "
                f"The PDF has {count} pages, the limit is {limits.max_pages}."
            )
        texts = [_page_text(page, deadline, limits) for page in pages]
    except _PDF_FAILURES as err:
        raise DocumentError(_damaged(".pdf", err)) from err
    blank = sum(not text.strip() for text in texts)
    if blank == len(texts):
        raise DocumentError(
            "Il PDF non ha uno strato di testo (forse è una scansione): Humus non esegue l'OCR. Caricare il "
            "documento originale o un PDF con testo selezionabile. / The PDF has no text layer (it may be a "
            "scan): Humus does not do OCR. Upload the original document or a PDF with selectable text."
        )
    notes = (f"Pagine senza testo: {blank}. / Pages without text: {blank}.",) if blank else ()
    return RawText("\n".join(text.strip("\n") for text in texts if text.strip()), notes=notes)


def _is_xml_part(name: str) -> bool:
    return name.endswith((".xml", ".rels"))


def check_zip(
    data: bytes, limits: ArchiveLimits, kind: str, *, read: Collection[str] | Callable[[str], bool]
) -> dict[str, bytes]:
    """The members named in `read` (or chosen by it) of a .docx or .odt zip, once every member passed the
    .qdpx checks.

    Nothing is inflated before the whole directory passed, as declared: size of the archive, number of
    members, size of each and in all, compression ratio, and no encrypted member.
    """
    try:
        with _open_zip(io.BytesIO(data), limits) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            for info in infos:
                if info.flag_bits & 0x1:
                    raise DocumentError(
                        f"Il file {kind} è cifrato: salvarlo senza password. / "
                        f"The {kind} file is encrypted: save it without a password."
                    )
                _check_member(info, limits)
            total = sum(info.file_size for info in infos)
            if total > limits.total_bytes:
                raise UnsafeDocumentError(
                    f"Il file {kind} si espande a {total / MiB:.0f} MB, il limite è "
                    f"{limits.total_bytes / MiB:.0f} MB. / The {kind} file expands to {total / MiB:.0f} MB, "
                    f"the limit is {limits.total_bytes / MiB:.0f} MB."
                )
            wanted = read if callable(read) else read.__contains__
            return {info.filename: archive.read(info) for info in infos if wanted(info.filename)}
    except UnsafeArchiveError as err:
        raise UnsafeDocumentError(str(err)) from err
    except RefiError as err:  # not a zip, or a member packed in a way zipfile cannot read
        raise DocumentError(_damaged(kind, "not a valid zip")) from err
    except _ZIP_FAILURES as err:
        raise DocumentError(_damaged(kind, err)) from err


def _parse(data: bytes, kind: str) -> Element:
    try:
        return fromstring(data, forbid_dtd=True)
    except DefusedXmlException as err:
        raise DocumentError(
            f"Il file {kind} dichiara un DTD o entità XML, rifiutati per sicurezza. / "
            f"The {kind} file declares a DTD or XML entities, refused for safety."
        ) from err
    except SyntaxError as err:  # ElementTree's ParseError
        raise DocumentError(_damaged(kind, err)) from err


def _decrypt(reader: PdfReader) -> None:
    """Open a PDF locked only against changes (anyone may read it); refuse one that needs a password."""
    if not reader.is_encrypted:
        return
    try:
        opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except (DependencyError, PyPdfError, NotImplementedError):
        opened = False
    if not opened:
        raise DocumentError(
            "Il PDF è protetto da password: caricarne una copia senza protezione. / "
            "The PDF is password-protected: upload a copy without protection."
        )


def _page_text(page: PageObject, deadline: float, limits: DocumentLimits) -> str:
    text = page.extract_text()
    if time.monotonic() > deadline:
        raise UnsafeDocumentError(
            f"La lettura del PDF ha superato {limits.pdf_seconds:.0f} secondi. / "
            f"Reading the PDF took more than {limits.pdf_seconds:.0f} seconds."
        )
    return text


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise DocumentError(
            f"Il file dichiara la codifica {encoding.upper()} ma contiene byte non validi (posizione "
            f"{err.start}). / The file declares the {encoding.upper()} encoding but holds invalid bytes "
            f"(position {err.start})."
        ) from err


def _utf16_without_bom(data: bytes) -> RawText:
    """Zero bytes in every other place are UTF-16 without a BOM; elsewhere they mean a binary file."""
    half = max(len(data) // 2, 1)
    for encoding, zeros in (("utf-16-le", data[1::2]), ("utf-16-be", data[0::2])):
        if zeros.count(0) > 0.4 * half:
            return RawText(_decode(data, encoding), encoding)
    raise DocumentError(
        "Il file non sembra un testo (contiene byte nulli): caricare un .txt, .docx, .odt, .pdf, .vtt o "
        ".srt. / The file does not look like text (it holds null bytes): upload a .txt, .docx, .odt, .pdf, "
        ".vtt or .srt."
    )


def _not_utf8(name: str, first_bad: int) -> str:
    return (
        f"Il file non è in UTF-8 (byte non valido alla posizione {first_bad}): è stato letto come {name}; "
        f"controllare le lettere accentate. / The file is not UTF-8 (invalid byte at position {first_bad}): "
        f"it was read as {name}; check the accented letters."
    )


def _damaged(kind: str, detail: object) -> str:
    return f"Il file {kind} è danneggiato ({detail}). / The {kind} file is damaged ({detail})."
