"""WebVTT (.vtt) and SubRip (.srt) subtitles read as a transcript: cue numbers and times kept as data.

The text is one line per speaker turn: the cues of one speaker are joined with a space, and a new speaker
(a `<v Nome>` voice tag in WebVTT, `Nome:` at the start of a cue in either format) starts a new line. A cue
without a speaker continues the current turn; before any speaker is known, each cue is a line of its own.
Styling tags (`<i>`, `<c.loud>`, `{\\an8}`) and cue settings are dropped, line breaks inside a cue become
spaces.
"""

import html
import re
import unicodedata
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from coding.errors import DocumentError
from coding.turns import CONVENTIONAL_ROLES, DEFAULT_PATTERNS, Turn, TurnPattern, find_markers, seconds


@dataclass(frozen=True)
class Cue:
    """A subtitle cue: its words are `text[start:end]`; `identifier` is its number or id as written."""

    start: int
    end: int
    start_seconds: float
    end_seconds: float
    identifier: str | None = None


@dataclass(frozen=True)
class Subtitles:
    """The transcript made of a subtitle file: text, speaker turns and cues, offsets in code points."""

    text: str
    turns: tuple[Turn, ...]
    cues: tuple[Cue, ...]


@dataclass
class _Segment:
    """Words of one cue said by one voice (a cue with two `<v>` tags has two segments)."""

    cue: int
    speaker: str | None
    words: str


@dataclass
class _RawCue:
    identifier: str | None
    start_seconds: float
    end_seconds: float
    payload: str


_TIME = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_TIMING = re.compile(rf"[ \t]*(?P<start>{_TIME})[ \t]+-->[ \t]+(?P<end>{_TIME})")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:[ \t]+(?P<name>[^>]*))?>")
_TAG = re.compile(r"<[^>\n]*>|\{\\[^}\n]*\}")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def read_subtitles(
    text: str,
    *,
    webvtt: bool,
    patterns: Sequence[TurnPattern] = DEFAULT_PATTERNS,
    speakers: Collection[str] = (),
) -> Subtitles:
    """The transcript of canonical subtitle text (LF line ends); `webvtt` reads voice tags and entities.

    `patterns` and `speakers` find `Nome:` at the start of cues, as `coding.turns.find_markers` does.
    """
    cues = list(_cues(text))
    if not cues:
        raise DocumentError(
            "Il file di sottotitoli non contiene nessuna battuta con i tempi (00:00:01,000 --> "
            "00:00:04,000). / The subtitle file holds no cue with timings (00:00:01,000 --> 00:00:04,000)."
        )
    segments = [
        segment for index, cue in enumerate(cues) for segment in _segments(index, cue.payload, webvtt)
    ]
    _name_speakers([segment for segment in segments if segment.speaker is None], patterns, speakers)
    return _assemble(cues, [segment for segment in segments if segment.words])


def _cues(text: str) -> Iterator[_RawCue]:
    """Blocks with a timing line; the WEBVTT header, NOTE, STYLE and REGION blocks have none."""
    for block in re.split(r"\n[ \t]*\n", text):
        lines = block.strip("\n").split("\n")
        timings = [(at, timing) for at, line in enumerate(lines) if (timing := _TIMING.match(line))]
        if not timings:
            continue
        at, timing = timings[0]
        identifier = " ".join(line.strip() for line in lines[:at]) or None
        yield _RawCue(
            identifier, seconds(timing["start"]), seconds(timing["end"]), "\n".join(lines[at + 1 :])
        )


def _segments(index: int, payload: str, webvtt: bool) -> Iterator[_Segment]:
    voices = list(_VOICE.finditer(payload)) if webvtt else []
    bounds = [(None, 0)] + [(voice["name"] or None, voice.end()) for voice in voices]
    ends = [voice.start() for voice in voices] + [len(payload)]
    for (speaker, start), end in zip(bounds, ends, strict=True):
        words = _plain(payload[start:end], webvtt)
        if words or speaker:
            yield _Segment(index, _plain(speaker, webvtt) if speaker else None, words)


def _plain(payload: str, webvtt: bool) -> str:
    words = _TAG.sub("", payload)
    if webvtt:
        words = html.unescape(words)
    return " ".join(unicodedata.normalize("NFC", _CONTROL.sub(" ", words)).split())


def _name_speakers(
    segments: list[_Segment], patterns: Sequence[TurnPattern], speakers: Collection[str]
) -> None:
    """`Nome:` at the start of a cue names its speaker; the markers are judged over the whole file."""
    lines = "\n".join(segment.words for segment in segments)
    starts, at = {}, 0
    for number, segment in enumerate(segments):
        starts[at] = number
        at += len(segment.words) + 1
    for marker in find_markers(lines, patterns, speakers=speakers):
        number = starts.get(marker.start)
        if number is None or marker.end > marker.start + len(segments[number].words):
            continue  # a pattern that reaches past the cue's words
        segment = segments[number]
        segment.speaker, segment.words = marker.speaker, segment.words[marker.end - marker.start :].strip()


def _assemble(cues: list[_RawCue], segments: list[_Segment]) -> Subtitles:
    text: list[str] = []
    length = 0
    turns: list[Turn] = []
    spans: dict[int, tuple[int, int]] = {}
    current: str | None = None
    for segment in segments:
        cue = cues[segment.cue]
        new_turn = segment.speaker is not None and segment.speaker != current
        joiner = " " if not new_turn and current is not None else "\n"
        if length:
            text.append(joiner)
            length += len(joiner)
        start, length = length, length + len(segment.words)
        text.append(segment.words)
        first, _ = spans.get(segment.cue, (start, length))
        spans[segment.cue] = (first, length)
        if new_turn:
            current = segment.speaker
            role = CONVENTIONAL_ROLES.get(" ".join(current.split()).casefold())
            turns.append(Turn(start, length, current, role, cue.start_seconds, cue.end_seconds))
        elif current is not None:
            last = turns[-1]
            turns[-1] = Turn(
                last.start, length, last.speaker, last.role, last.timestamp_seconds, cue.end_seconds
            )
    found = tuple(
        Cue(start, end, cues[index].start_seconds, cues[index].end_seconds, cues[index].identifier)
        for index, (start, end) in spans.items()
    )
    return Subtitles("".join(text), tuple(turns), found)
