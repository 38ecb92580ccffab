"""Import a transcript (.txt, .docx, .odt, .pdf, .vtt, .srt) as canonical text with its speaker turns.

Canonical text is what every offset in Humus counts, in Unicode code points, end exclusive (as REFI-QDA):

- a leading byte order mark is dropped; CRLF, CR and the other line separators (VT, FF, NEL, U+2028,
  U+2029) become LF;
- control characters other than LF and TAB are removed, and so is U+FEFF anywhere;
- the text is normalised to NFC. A letter typed as a base and a combining accent ("e" + U+0301, as macOS
  and some PDFs write it) becomes the one code point "é" that Windows and Linux write, so the same words
  have the same length, and the same offsets, whichever machine produced the file, and a name is found
  however its accents were typed. Offsets are counted only after this, so nothing needs remapping; but a
  selection made by another program on the original, decomposed file would be shifted, which is why
  codings from other programs come in through REFI-QDA (coding.refi), whose text is kept as it is.

Speaker markers and timestamps are then taken out of the text and kept as turns (coding.turns, and
coding.subtitles for cues).
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from coding.document_formats import DocumentLimits, RawText, read_docx, read_odt, read_pdf, read_txt
from coding.errors import DocumentError, UnsafeDocumentError
from coding.participants import Participant, code_mapping, rename, renamed_turns
from coding.refi.files import MiB
from coding.refi.model import VariableType
from coding.subtitles import Cue, read_subtitles
from coding.turns import DEFAULT_PATTERNS, Turn, TurnPattern, parse_turns

DEFAULT_LIMITS = DocumentLimits()
_READERS: dict[str, Callable[[bytes, DocumentLimits], RawText]] = {
    "txt": read_txt,
    "docx": read_docx,
    "odt": read_odt,
    "pdf": read_pdf,
    "vtt": read_txt,
    "srt": read_txt,
}
FORMATS = tuple(_READERS)
_NEWLINES = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_REMOVED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\ud800-\udfff]")


@dataclass(frozen=True)
class ImportedText:
    """A document as Humus keeps it: canonical text, speaker turns and, for subtitles, cues.

    `format` is the file's extension without the dot; `encoding` is the one a .txt, .vtt or .srt was
    read in; `notes` are remarks for the user in Italian then English (an encoding guessed, pages
    without text, characters removed).
    """

    text: str
    turns: tuple[Turn, ...] = ()
    cues: tuple[Cue, ...] = ()
    format: str = "txt"
    encoding: str = "utf-8"
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentAttributes:
    """What a researcher records about a document: REFI-QDA variables of the source."""

    date: dt.date | None = None
    macro_area: str | None = None
    service_type: str | None = None
    org_unit: str | None = None


DOCUMENT_VARIABLES: dict[str, VariableType] = {
    "date": "Date",
    "macro_area": "Text",
    "service_type": "Text",
    "org_unit": "Text",
}  # attribute -> REFI-QDA variable type


def read_document(
    data: bytes,
    filename: str,
    *,
    limits: DocumentLimits = DEFAULT_LIMITS,
    patterns: Sequence[TurnPattern] = DEFAULT_PATTERNS,
    speakers: Collection[str] = (),
) -> ImportedText:
    """Read an uploaded document, chosen by the extension of `filename`, into canonical text and turns.

    `patterns` find the speaker markers (pass () to keep the text as it is, without turns); `speakers`,
    the participants' names, are accepted as speakers whatever they look like. Raises DocumentError
    (UnsafeDocumentError past `limits`) with a message for the user.
    """
    kind = PurePosixPath(filename.replace("\\", "/")).suffix.lower().lstrip(".")
    if kind not in _READERS:
        raise DocumentError(_unsupported(kind))
    if len(data) > limits.max_bytes:
        raise UnsafeDocumentError(
            f"Il file supera il limite di {limits.max_bytes / MiB:.0f} MB. / "
            f"The file exceeds the {limits.max_bytes / MiB:.0f} MB limit."
        )
    raw = _READERS[kind](data, limits)
    if len(raw.text) > limits.max_chars:
        raise UnsafeDocumentError(
            f"Il testo ha {len(raw.text)} caratteri, il limite è {limits.max_chars}. / "
            f"The text has {len(raw.text)} characters, the limit is {limits.max_chars}."
        )
    text, notes = canonical_text(raw.text)
    notes = raw.notes + notes
    if kind in ("vtt", "srt"):
        subtitles = read_subtitles(text, webvtt=kind == "vtt", patterns=patterns, speakers=speakers)
        return ImportedText(subtitles.text, subtitles.turns, subtitles.cues, kind, raw.encoding, notes)
    parsed = parse_turns(text, patterns, speakers=speakers)
    return ImportedText(parsed.text_without_markers, parsed.turns, (), kind, raw.encoding, notes)


def pseudonymise(
    imported: ImportedText, participants: Sequence[Participant]
) -> tuple[ImportedText, dict[str, str]]:
    """The document with the participants' names replaced by their codes, and the mapping code -> name.

    Names go as speakers and in the text (see `coding.participants.replace_names`); turn and cue offsets
    are moved to the new text. Keep the mapping apart from the document.
    """
    renaming = rename(imported.text, participants)
    turns = renamed_turns(imported.turns, renaming, participants)
    cues = tuple(
        replace(cue, start=renaming.new_offset(cue.start), end=renaming.new_offset(cue.end, is_end=True))
        for cue in imported.cues
    )
    mapping = code_mapping(participants, (*renaming.codes, *(turn.speaker for turn in turns)))
    return replace(imported, text=renaming.text, turns=turns, cues=cues), mapping


def canonical_text(text: str) -> tuple[str, tuple[str, ...]]:
    """The canonical form of `text` (see the module's docstring), with notes on what changed but line ends."""
    text = _NEWLINES.sub("\n", text.removeprefix("\ufeff"))
    text, removed = _REMOVED.subn("", text)
    notes = []
    if removed:
        notes.append(
            f"Rimossi {removed} caratteri di controllo invisibili. / "
            f"Removed {removed} invisible control characters."
        )
    if not unicodedata.is_normalized("NFC", text):
        before = len(text)
        text = unicodedata.normalize("NFC", text)
        notes.append(
            f"Lettere accentate ricomposte in forma NFC ({before - len(text)} caratteri in meno). / "
            f"Accented letters recomposed to NFC ({before - len(text)} fewer characters)."
        )
    return text, tuple(notes)


def _unsupported(kind: str) -> str:
    save_as = {"doc": ".docx", "rtf": ".docx / .odt", "pages": ".docx"}.get(kind)
    hint_it, hint_en = (f" Salvarlo come {save_as}.", f" Save it as {save_as}.") if save_as else ("", "")
    listed = ", ".join(f".{name}" for name in FORMATS)
    found_it, found_en = (f".{kind}", f".{kind}") if kind else ("senza estensione", "no extension")
    return (
        f"Formato non supportato ({found_it}): si accettano {listed}.{hint_it} / "
        f"Unsupported format ({found_en}): {listed} are accepted.{hint_en}"
    )
