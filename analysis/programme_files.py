"""What an event's attachment really is, from its bytes: the few kinds accepted, and a safe name for it.

Uploads are hostile. The type comes from the content, never from the name or the browser's claim, and the
stored name gets the extension of that type. Accepted: PDF (without scripts, launch actions or embedded
files in its dictionaries), PNG, JPEG, Word .docx, Excel .xlsx and OpenDocument text (without macros), and
UTF-8 plain text that is not HTML, SVG or XML. Office files are read only as far as their zip directory:
nothing is inflated here, and they are stored verbatim.
"""

import io
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass

from analysis.programme import ProgrammeError
from forms.zip_names import is_unsafe_member_name

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
TYPES = {
    "pdf": ("application/pdf", ".pdf"),
    "png": ("image/png", ".png"),
    "jpeg": ("image/jpeg", ".jpg"),
    "docx": (DOCX, ".docx"),
    "xlsx": (XLSX, ".xlsx"),
    "odt": (ODT, ".odt"),
    "text": ("text/plain; charset=utf-8", ".txt"),
}
_PDF_ACTIVE = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA")
_MARKUP = re.compile(rb"^\s*(<\?xml|<!doctype|<html|<svg|<script|<head|<body|<iframe|<object)", re.IGNORECASE)


@dataclass(frozen=True)
class Identified:
    kind: str
    content_type: str
    name: str


def identify(data: bytes, filename: str) -> Identified:
    """The attachment's kind, content type and a safe file name; ProgrammeError when it is refused."""
    if not data:
        raise ProgrammeError("Il file è vuoto.", "The file is empty.")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ProgrammeError(
            f"Il file supera il limite di {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.",
            f"The file is over the {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB limit.",
        )
    kind = _kind(data)
    content_type, extension = TYPES[kind]
    return Identified(kind, content_type, safe_name(filename, extension))


def _kind(data: bytes) -> str:
    if data.startswith(b"%PDF-"):
        return _pdf(data)
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _office(data)
    if _is_text(data):
        return "text"
    raise _not_accepted()


def _not_accepted() -> ProgrammeError:
    return ProgrammeError(
        "Tipo di file non accettato: PDF, PNG, JPEG, Word (.docx), Excel (.xlsx), OpenDocument (.odt) "
        "o testo.",
        "File type not accepted: PDF, PNG, JPEG, Word (.docx), Excel (.xlsx), OpenDocument (.odt) or text.",
    )


def _pdf(data: bytes) -> str:
    for token in _PDF_ACTIVE:
        # A name token ends at a delimiter: "/JS" must not match "/JSON" or a font called "/JSans".
        if re.search(re.escape(token) + rb"(?![A-Za-z0-9])", data):
            raise ProgrammeError(
                "Il PDF contiene script, azioni automatiche o file incorporati: non è accettato.",
                "The PDF holds scripts, automatic actions or embedded files: it is not accepted.",
            )
    return "pdf"


def _office(data: bytes) -> str:
    names = _zip_names(data)
    lowered = {n.lower() for n in names}
    if any(n.endswith("vbaproject.bin") or "/macros/" in f"/{n}" for n in lowered):
        raise ProgrammeError(
            "Il documento contiene macro: salvarlo senza macro (.docx, .xlsx, .odt).",
            "The document holds macros: save it without them (.docx, .xlsx, .odt).",
        )
    if "[content_types].xml" in lowered and "word/document.xml" in lowered:
        return "docx"
    if "[content_types].xml" in lowered and "xl/workbook.xml" in lowered:
        return "xlsx"
    if "mimetype" in lowered and _odt_mimetype(data):
        return "odt"
    raise _not_accepted()


def _zip_names(data: bytes) -> list[str]:
    """Member names from the zip directory, bounded before zipfile reads it entry by entry."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    if end < 0 or end + 22 > len(data):
        raise _corrupt()
    count = struct.unpack_from("<H", data, end + 10)[0]
    if count > MAX_ZIP_MEMBERS:
        raise _corrupt()
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, struct.error, NotImplementedError):
        raise _corrupt() from None
    if any(is_unsafe_member_name(info.orig_filename) for info in infos):
        raise _corrupt()
    return [info.filename for info in infos]


def _odt_mimetype(data: bytes) -> bool:
    # The OpenDocument rule: "mimetype" is the first member, stored uncompressed, so its bytes sit at
    # a fixed place after the local header; reading them needs no decompression.
    if data[8:10] != b"\x00\x00" or data[30:38] != b"mimetype":
        return False
    start = 30 + 8 + struct.unpack_from("<H", data, 28)[0]
    return data[start : start + len(ODT)] == ODT.encode()


def _corrupt() -> ProgrammeError:
    return ProgrammeError("Il file è danneggiato o non leggibile.", "The file is damaged or unreadable.")


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if _MARKUP.match(data.removeprefix(b"\xef\xbb\xbf")):
        return False
    controls = sum(1 for c in text[:4096] if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f")
    return controls == 0


def safe_name(filename: str, extension: str) -> str:
    """The name without folders or control characters, at most 120 characters, with the type's extension."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r"\s+", " ", stem).strip(" .") or "allegato"
    return stem[: 120 - len(extension)] + extension
