"""Transcript fixtures: the files in data/transcripts, and .docx, .odt and .pdf files made from lines of text."""

import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from odf.opendocument import OpenDocument, OpenDocumentText
from odf.text import P

TRANSCRIPTS = Path(__file__).resolve().parent / "data" / "transcripts"


def transcript(name: str) -> bytes:
    """The bytes of a file in tests/coding/data/transcripts."""
    return (TRANSCRIPTS / name).read_bytes()


def transcript_lines(name: str) -> list[str]:
    """The lines of a UTF-8 transcript, without their line ends."""
    return transcript(name).decode("utf-8").splitlines()


def docx_bytes(lines: Iterable[str]) -> bytes:
    """A .docx with one paragraph per line, made with python-docx."""
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    return save_docx(document)


def save_docx(document: DocxDocument) -> bytes:
    """The bytes of a python-docx document."""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt_bytes(lines: Iterable[str]) -> bytes:
    """An .odt with one paragraph per line, made with odfpy."""
    document = OpenDocumentText()
    for line in lines:
        document.text.addElement(P(text=line))
    return save_odt(document)


def save_odt(document: OpenDocument) -> bytes:
    """The bytes of an odfpy document."""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


EMOJI_CODE = 0x81  # undefined in Windows-1252, so free for 😊 in the font's ToUnicode map


def pdf_bytes(pages: Sequence[Sequence[str]]) -> bytes:
    """A minimal PDF written by hand: each page shows its lines in Helvetica, with a text layer.

    The text is encoded in Windows-1252, and 😊 as byte 0x81; a ToUnicode map tells readers the characters.
    A page with no lines has an empty content stream, like a scan without OCR.
    """
    objects: list[bytes] = []
    font, cmap = 3, 4
    page_numbers = [5 + 2 * index for index in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{number} 0 R" for number in page_numbers)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(
        f"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding "
        f"/ToUnicode {cmap} 0 R >>".encode()
    )
    objects.append(_stream(_to_unicode_cmap()))
    for number, lines in zip(page_numbers, pages, strict=True):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 {font} 0 R >> >> "
            f"/Contents {number + 1} 0 R >>".encode()
        )
        objects.append(_stream(_page_content(lines)))
    return _pdf_file(objects)


def _page_content(lines: Sequence[str]) -> bytes:
    if not lines:
        return b""
    shown = b" T* ".join(b"(" + _pdf_string(line) + b") Tj" for line in lines)
    return b"BT /F1 11 Tf 14 TL 50 800 Td " + shown + b" ET"


def _pdf_string(line: str) -> bytes:
    encoded = b"".join(bytes([EMOJI_CODE]) if char == "😊" else char.encode("cp1252") for char in line)
    return encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _to_unicode_cmap() -> bytes:
    pairs = [f"<{code:02X}> <{ord(bytes([code]).decode('cp1252')):04X}>" for code in _cp1252_high_codes()]
    pairs.append(f"<{EMOJI_CODE:02X}> <{'😊'.encode('utf-16-be').hex().upper()}>")
    chunks = [pairs[start : start + 100] for start in range(0, len(pairs), 100)]
    bfchar = "\n".join(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar" for chunk in chunks)
    return (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Humus-Test def /CMapType 2 def\n"
        "1 begincodespacerange <00> <FF> endcodespacerange\n"
        "1 beginbfrange <20> <7E> <0020> endbfrange\n"
        f"{bfchar}\nendcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()


def _cp1252_high_codes() -> list[int]:
    codes = []
    for code in range(0x80, 0x100):
        try:
            bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            continue
        codes.append(code)
    return codes


def _stream(data: bytes) -> bytes:
    return f"<< /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def _pdf_file(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
