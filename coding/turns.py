"""Speaker turns in a transcript: markers such as `Nome:` found at line starts, taken out of the text as data.

A marker is a speaker name at the start of a line, maybe with a role in brackets and a timestamp, followed by
a colon: `Anna:`, `MODERATORE:`, `[00:12:31] Anna (educatrice):`, `(00:12:31) Anna:`, `Anna [educatrice]:`,
`I:` and `R:`. Lines that merely hold a colon ("Nota bene: ...", "Ore 10: inizio") must stay text, so a
candidate name is accepted only when it looks like a speaker (see `find_markers`).
"""

import re
import time
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

import regex

from coding.errors import TurnPatternError

# A study's own pattern is a regular expression typed by a person: it runs under the `regex` module with a
# time limit over the whole transcript, so one that backtracks catastrophically cannot hold a worker.
USER_PATTERN_SECONDS = 2.0
MAX_USER_PATTERN = 500


@dataclass(frozen=True)
class Turn:
    """What one speaker says: `text[start:end]`, in code points, end exclusive, without the marker.

    `timestamp_seconds` is when the turn starts, as written in the marker or the subtitle cue;
    `end_seconds` is when it ends, known for subtitles only.
    """

    start: int
    end: int
    speaker: str
    role: str | None = None
    timestamp_seconds: float | None = None
    end_seconds: float | None = None


@dataclass(frozen=True)
class ParsedTranscript:
    """The text with the speaker markers taken out, and the turns whose offsets refer to that text."""

    text_without_markers: str
    turns: tuple[Turn, ...]


@dataclass(frozen=True)
class Marker:
    """A speaker marker at a line start: `text[start:end]` goes; the speaker's words follow it."""

    start: int
    end: int
    speaker: str
    role: str | None = None
    timestamp_seconds: float | None = None


@dataclass(frozen=True)
class TurnPattern:
    """A regular expression tried at each line start, with named groups `speaker` and, maybe, `role`, `time`.

    With `checked`, a match makes a turn only when its speaker looks like a name; otherwise every match does.
    """

    regex: re.Pattern[str] | regex.Pattern[str]
    checked: bool = True


def turn_pattern(expression: str, *, checked: bool = True) -> TurnPattern:
    """A TurnPattern from a user's regular expression; `^` matches at every line start."""
    if len(expression) > MAX_USER_PATTERN:
        raise TurnPatternError(
            f"Il modello dei turni è troppo lungo (massimo {MAX_USER_PATTERN} caratteri). / "
            f"The turn pattern is too long (at most {MAX_USER_PATTERN} characters)."
        )
    try:
        compiled = regex.compile(expression, regex.MULTILINE | regex.V0)
    except regex.error as err:
        raise TurnPatternError(
            f"Il modello dei turni non è un'espressione regolare valida ({err}). / "
            f"The turn pattern is not a valid regular expression ({err})."
        ) from err
    if "speaker" not in compiled.groupindex:
        raise TurnPatternError(
            "Il modello dei turni deve avere un gruppo (?P<speaker>...). / "
            "The turn pattern must have a (?P<speaker>...) group."
        )
    return TurnPattern(compiled, checked)


_TIME = r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)"
_LONG_TIME = r"(?P<time>\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?)"  # bare, so "10:30 Inizio lavori:" is no turn
_SPEAKER = r"(?P<speaker>[^\W\d_][\w'’.\-]*(?:[ \t]+(?:[^\W\d_][\w'’.\-]*|\d{1,3})){0,3})"
_ROLE = r"(?:[ \t]*[(\[](?P<role>[^()\[\]:\n]{1,60})[)\]])?"
_COLON = r"[ \t]*:(?![\d/])[ \t]*"  # not "10:30" nor "https://"

DEFAULT_PATTERNS: tuple[TurnPattern, ...] = (
    # [00:12:31] Anna (educatrice):   (00:12:31) Anna:
    TurnPattern(re.compile(rf"[ \t]*[\[(]{_TIME}[\])][ \t]*{_SPEAKER}{_ROLE}{_COLON}")),
    # 00:12:31 Anna:
    TurnPattern(re.compile(rf"[ \t]*{_LONG_TIME}[ \t]+{_SPEAKER}{_ROLE}{_COLON}")),
    # Anna (educatrice) [00:12:31]:
    TurnPattern(re.compile(rf"[ \t]*{_SPEAKER}{_ROLE}[ \t]*[\[(]{_TIME}[\])]{_COLON}")),
    # Anna:   MARIA ROSSI:   Anna [educatrice]:   I:   R:
    TurnPattern(re.compile(rf"[ \t]*{_SPEAKER}{_ROLE}{_COLON}")),
)

# Conventional labels name a role, not a person (casefolded).
CONVENTIONAL_ROLES: dict[str, str | None] = {
    **dict.fromkeys(
        ("i", "d", "int", "int.", "intervistatore", "intervistatrice", "domanda"), "intervistatore"
    ),
    **dict.fromkeys(("r", "intervistato", "intervistata", "rispondente", "risposta"), "intervistato"),
    **dict.fromkeys(
        ("m", "mod", "mod.", "moderatore", "moderatrice", "facilitatore", "facilitatrice"), "moderatore"
    ),
    **dict.fromkeys(("conduttore", "conduttrice", "moderator", "interviewer"), "moderatore"),
    **dict.fromkeys(("osservatore", "osservatrice"), "osservatore"),
    **dict.fromkeys(("tutti", "più voci", "voci", "voci sovrapposte", "coro"), None),
}
# First words of headings and remarks that end in a colon but are no speaker (casefolded).
_NOT_SPEAKERS = frozenset(
    [
        *("nota", "note", "nb", "n.b.", "ps", "p.s.", "ore", "orario", "data", "luogo", "sede", "oggetto"),
        *("presenti", "assenti", "partecipanti", "durata", "titolo", "tema", "argomento", "attenzione"),
        *("esempio", "es.", "totale", "inizio", "fine", "trascrizione", "legenda", "ordine", "punto"),
        *("allegato", "fonte", "http", "https", "osservazioni", "sintesi", "conclusioni", "premessa", "ok"),
        *("allora", "comunque", "quindi", "però", "insomma", "cioè", "dunque", "ecco", "infatti"),
        *("time", "date", "subject", "example", "total"),
        # prepositions, articles and conjunctions never start a name ("Alle 10:", "Per esempio:")
        *("al", "allo", "alla", "ai", "agli", "alle", "dal", "dalle", "dalla", "in", "nel", "nella", "per"),
        *("con", "su", "sul", "tra", "fra", "il", "lo", "la", "gli", "le", "un", "uno", "una", "ma"),
        *("se", "che", "non", "dopo", "prima", "verso", "entro", "circa", "fino"),
    ]
)
_PARTICLES = frozenset(
    [
        *("de", "di", "da", "del", "della", "dello", "dei", "degli", "delle", "dal", "dalla", "dallo"),
        *("van", "von", "der", "den", "du", "des"),
    ]
)


def parse_turns(
    text: str, patterns: Sequence[TurnPattern] = DEFAULT_PATTERNS, *, speakers: Collection[str] = ()
) -> ParsedTranscript:
    """Take the speaker markers out of `text` and return the turns, with offsets in the cleaned text.

    A turn runs from its marker to the next one, so continuation lines belong to it; blank space at
    either end is left out of it. Text before the first marker belongs to no turn. `speakers` (the
    participants' names) are accepted as speakers whatever they look like.
    """
    return remove_markers(text, find_markers(text, patterns, speakers=speakers))


def find_markers(
    text: str, patterns: Sequence[TurnPattern] = DEFAULT_PATTERNS, *, speakers: Collection[str] = ()
) -> list[Marker]:
    """The speaker markers at line starts, in order.

    A checked match is a marker when its speaker is in `speakers` or is a conventional label (I, R,
    MODERATORE, Tutti). Any other speaker must be at most four words, the first capitalised and not a
    heading word or a preposition ("Nota", "Ore", "Alle", ...), the others capitalised, particles (de,
    della, ...) or a number; and it must moreover have a role or a timestamp, be in capitals, have two
    capitalised words, or occur as a marker at least twice in the text. So a one-off "Comunque:" stays
    text, and so does an unlisted participant who speaks once under a bare first name: list the
    participants to catch them.
    """
    known = {_fold(name) for name in speakers}
    candidates = list(_candidates(text, patterns))
    weak = Counter(_fold(match["speaker"]) for match, pattern in candidates if pattern.checked)
    markers: list[Marker] = []
    for match, pattern in candidates:
        if markers and match.start() < markers[-1].end:
            continue
        if pattern.checked and not _looks_like_speaker(match, known, weak):
            continue
        markers.append(_marker(match))
    return markers


def remove_markers(text: str, markers: Sequence[Marker]) -> ParsedTranscript:
    """Cut `markers` (in order, not overlapping) out of `text`; each turn runs to the next marker."""
    pieces: list[str] = []
    starts: list[int] = []
    cursor = removed = 0
    for marker in markers:
        pieces.append(text[cursor : marker.start])
        removed += marker.end - marker.start
        cursor = marker.end
        starts.append(marker.end - removed)
    pieces.append(text[cursor:])
    cleaned = "".join(pieces)
    turns = []
    for marker, start, end in zip(markers, starts, [*starts[1:], len(cleaned)], strict=False):
        start, end = _trimmed(cleaned, start, end)
        turns.append(Turn(start, end, marker.speaker, marker.role, marker.timestamp_seconds))
    return ParsedTranscript(cleaned, tuple(turns))


def seconds(time: str) -> float:
    """Seconds in "12:31" (minutes and seconds), "1:02:03" or "00:12:31.500" (or with a decimal comma)."""
    parts = time.replace(",", ".").split(":")
    total = 0.0
    for part in parts:
        total = total * 60 + float(part)
    return total


def _candidates(text: str, patterns: Sequence[TurnPattern]) -> Iterator[tuple[re.Match[str], TurnPattern]]:
    deadline = time.monotonic() + USER_PATTERN_SECONDS
    line_start = 0
    while line_start < len(text):
        for pattern in patterns:
            match = _match(pattern, text, line_start, deadline)
            if match and match.end() > line_start and match["speaker"]:
                yield match, pattern
                break
        newline = text.find("\n", line_start)
        if newline < 0:
            return
        line_start = newline + 1


def _match(pattern: TurnPattern, text: str, position: int, deadline: float) -> re.Match[str] | None:
    if not isinstance(pattern.regex, regex.Pattern):
        return pattern.regex.match(text, position)  # ours: written not to backtrack
    try:
        return pattern.regex.match(text, position, timeout=max(deadline - time.monotonic(), 0.001))
    except TimeoutError:
        raise TurnPatternError(
            f"Il modello dei turni richiede troppo tempo (oltre {USER_PATTERN_SECONDS:g} s): "
            "semplificarlo. / "
            f"The turn pattern takes too long (over {USER_PATTERN_SECONDS:g} s): simplify it."
        ) from None


def _looks_like_speaker(match: re.Match[str], known: set[str], weak: Counter[str]) -> bool:
    speaker = _fold(match["speaker"])
    if speaker in known or speaker in CONVENTIONAL_ROLES:
        return True
    words = match["speaker"].split()
    if _fold(words[0]) in _NOT_SPEAKERS or not words[0][0].isupper():
        return False
    if not all(_name_word(word) for word in words[1:]):
        return False
    groups = match.groupdict()
    capitalised = sum(word[0].isupper() for word in words)
    return bool(
        groups.get("role") or groups.get("time") or capitalised >= 2 or _in_capitals(match["speaker"])
    ) or (weak[speaker] >= 2)


def _name_word(word: str) -> bool:
    """A word that may follow the first one in a name: Rossi, R., della, dell'Orto, d'Amico, 3."""
    if word[0].isupper() or word.isdigit():
        return True
    head, _, tail = word.replace("’", "'").partition("'")
    return _fold(head) in _PARTICLES or (head in ("d", "dell", "dall") and tail[:1].isupper())


def _in_capitals(name: str) -> bool:
    letters = [char for char in name if char.isalpha()]
    return bool(letters) and all(char.isupper() for char in letters)


def _marker(match: re.Match[str]) -> Marker:
    groups = match.groupdict()
    speaker = " ".join(match["speaker"].split())
    role = " ".join((groups.get("role") or "").split()) or CONVENTIONAL_ROLES.get(_fold(speaker))
    try:
        timestamp = seconds(groups["time"]) if groups.get("time") else None
    except ValueError:  # a user's pattern may capture something else as the time
        timestamp = None
    return Marker(match.start(), match.end(), speaker, role, timestamp)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Without white space at either end; a turn of white space only is left empty at its start."""
    while end > start and text[end - 1] in " \t\n":
        end -= 1
    while start < end and text[start] in " \t\n":
        start += 1
    return start, end


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", " ".join(name.split())).casefold()
