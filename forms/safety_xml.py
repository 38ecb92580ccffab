"""Screen the XML parts of an .xlsx as they stream out of the zip, before anything parses them in full."""

import codecs
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from forms.safety_limits import Limits, refuse
from forms.zip_names import shown_member_name

BLANK = codecs.BOM_UTF8 + b" \t\r\n"
_STREAM_READ = 1024  # bytes a _ChunkStream hands over per read
# Start tags of rows, and of cells and shared strings, with or without a namespace prefix ("<x:c ").
_ROW_TAGS = tuple(start + b"row" + end for start in (b"<", b":") for end in (b" ", b">", b"/>"))
_CELL_TAGS = tuple(
    start + name + end for start in (b"<", b":") for name in (b"c", b"si") for end in (b" ", b">", b"/>")
)
# Text past this many bytes, in one run, might be a cell longer than MAX_CELL_CHARS (a character takes 1 to 4
# bytes); rich text runs and CDATA can assemble a long cell from short pieces.
_TEXT_BLOCK = 16 * 1024
_SPLIT_TEXT = (b"<r>", b":r>", b"<![CDATA[")


@dataclass
class Tally:
    """Rows and cells counted in the XML members as they stream past, bounding the work of parsing them, and
    whether some text could be longer than a cell may hold (then every row is read to find it)."""

    limits: Limits
    cells: int = 0
    long_text: bool = False

    def count(self, name: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
        rows, tail, run = 0, b"", 0
        for chunk in chunks:
            if b"\x00" in chunk:  # not UTF-8 (XML forbids NUL): UTF-16 would slip past the byte patterns
                raise refuse("xml_encoding", name=shown_member_name(name))
            window = tail + chunk  # matches wholly inside the tail were counted with the previous chunk
            rows += _count(_ROW_TAGS, window) - _count(_ROW_TAGS, tail)
            self.cells += _count(_CELL_TAGS, window) - _count(_CELL_TAGS, tail)
            if rows > self.limits.rows:
                raise refuse("zip_member_too_many_rows", name=shown_member_name(name), limit=self.limits.rows)
            if self.cells > self.limits.cells:
                raise refuse("too_many_cells", limit=self.limits.cells)
            run = self._note_text(window, chunk, run)
            tail = window[-32:]
            yield chunk

    def _note_text(self, window: bytes, chunk: bytes, run: int) -> int:
        """Flag a run of text longer than a block, or text in pieces; return the run the chunk ends in."""
        first = _first_markup(chunk)
        crossing = first >= 0 and run + first >= _TEXT_BLOCK  # a run from earlier chunks ends here
        run = run + len(chunk) if first < 0 else len(chunk) - 1 - _last_markup(chunk)
        # A run of 2 * block bytes or more always covers a whole aligned block of the chunk it lies in.
        blocks = range(0, len(chunk) - _TEXT_BLOCK + 1, _TEXT_BLOCK)
        whole = any(_first_markup(chunk, start, start + _TEXT_BLOCK) < 0 for start in blocks)
        pieces = any(tag in window for tag in _SPLIT_TEXT)
        self.long_text = self.long_text or crossing or whole or pieces or run >= _TEXT_BLOCK
        return run


def screen_part(name: str, chunks: Iterator[bytes], tally: Tally) -> Iterator[bytes]:
    """Tally a member that is XML and refuse its DTD; return the chunks still to be read (and tallied)."""
    first = _first_significant(chunks)
    if not _looks_like_xml(first):
        return chunks
    counted = tally.count(name, chain([first], chunks))
    _refuse_dtd(name, _ChunkStream(counted))
    return counted


class _ChunkStream(io.RawIOBase):
    """A read-only stream over byte chunks, so a parser can pull a member a little at a time."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._buffer = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: "memoryview | bytearray") -> int:  # type: ignore[override]
        if not self._buffer:
            self._buffer = next(self._chunks, b"")
        # Small reads: a parser looking for the root element then stops parsing soon after it begins.
        size = min(len(target), len(self._buffer), _STREAM_READ)
        target[:size], self._buffer = self._buffer[:size], self._buffer[size:]
        return size


def _first_significant(chunks: Iterator[bytes]) -> bytes:
    # XML may begin with any amount of whitespace, so look past it before deciding a member is not XML.
    for chunk in chunks:
        if chunk.strip(BLANK):
            return chunk
    return b""


def _looks_like_xml(first: bytes) -> bool:
    return first.lstrip(BLANK).startswith(b"<") or first.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    )


def _first_markup(chunk: bytes, start: int = 0, end: int | None = None) -> int:
    found = [at for at in (chunk.find(b"<", start, end), chunk.find(b">", start, end)) if at >= 0]
    return min(found, default=-1)


def _last_markup(chunk: bytes) -> int:
    return max(chunk.rfind(b"<"), chunk.rfind(b">"))


def _count(needles: tuple[bytes, ...], data: bytes) -> int:
    return sum(data.count(needle) for needle in needles)


def _refuse_dtd(name: str, stream: io.RawIOBase) -> None:
    # A DTD (and so any entity) can only come before the root element, so parsing stops as that starts.
    try:
        for _event in iterparse(stream, events=("start",), forbid_dtd=True):
            return
    except DefusedXmlException as err:
        raise refuse("xml_dtd", name=shown_member_name(name)) from err
    except ParseError as err:
        raise refuse("xml_invalid", name=shown_member_name(name)) from err
