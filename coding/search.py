"""Search in a transcript for auto-coding: lemma-aware words and phrases or regular expressions, found as
code-point offsets, then widened to the enclosing sentence, paragraph or turn and filtered before preview.

Offsets are Unicode code points from 0, end-exclusive (Python string indices), as in REFI-QDA. Applying the
auto-codings, marking them as automatic and undoing them is the app's business; this module only proposes.
"""

import bisect
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeVar

import regex
from spacy.language import Language
from spacy.tokens import Doc, Token

from coding.errors import SearchError

Mode = Literal["lemma", "word", "regex"]
PIECE = 100_000  # code points of text given to spaCy at once
MAX_PATTERN = 500  # a user's regular expression; longer ones are refused rather than risk a runaway search
REGEX_SECONDS = 2.0  # and one that backtracks catastrophically ("(a|aa)+$") is stopped after this long
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")


class Spanned(Protocol):
    """Anything with code-point offsets: a `Unit`, or a `coding.turns.Turn`."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


S = TypeVar("S", bound=Spanned)


@dataclass(frozen=True, order=True)
class Hit:
    """One match of a query: `text[start:end]`."""

    start: int
    end: int


@dataclass(frozen=True)
class Unit:
    """A stretch of text a hit can be widened to: a sentence, a paragraph or a speaker turn.

    Turns come from the transcript (the app's `Turn` rows) with the speaker and the speaker's attributes,
    so that hits can be limited to a speaker or an attribute; sentences and paragraphs have neither.
    """

    start: int
    end: int
    speaker: str | None = None
    attributes: Mapping[str, object] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Snippet:
    """A proposed coding shown in context before it is applied: `before + match + after`."""

    start: int
    end: int
    before: str
    match: str
    after: str


@dataclass(frozen=True)
class _Term:
    form: str
    lemma: str
    prefix: bool


def find(nlp: Language, text: str, query: str, mode: Mode = "lemma", ignore_case: bool = True) -> list[Hit]:
    """Where `query` occurs in `text`, in order.

    - "lemma": words or a phrase matched by lemma or word form, so "servizio" finds "servizi" and
      "servizi sociali" finds "servizio sociale"; a trailing `*` matches by prefix ("affid*").
    - "word": the same, by word form only (case ignored).
    - "regex": a Python regular expression, case ignored unless `ignore_case` is False.
    """
    if not query.strip():
        raise SearchError("La ricerca è vuota. / The search query is empty.")
    if mode == "regex":
        return _find_regex(text, query, ignore_case)
    if mode not in ("lemma", "word"):
        raise SearchError(f"Modo di ricerca sconosciuto: {mode!r}. / Unknown search mode: {mode!r}.")
    terms = _terms(nlp, query)
    words = [
        (offset + token.idx, token) for offset, doc in _docs(nlp, text) for token in doc if not token.is_space
    ]
    hits = []
    for first in range(len(words) - len(terms) + 1):
        if all(_matches(term, words[first + k][1], mode) for k, term in enumerate(terms)):
            last_start, last = words[first + len(terms) - 1]
            hits.append(Hit(words[first][0], last_start + len(last.text)))
    return hits


def _docs(nlp: Language, text: str) -> Iterator[tuple[int, Doc]]:
    """`text` through `nlp` in pieces cut at line ends (spaCy refuses very long texts), with their offsets."""
    offsets, start = [], 0
    while start < len(text):
        end = min(len(text), start + PIECE)
        cut = text.rfind("\n", start, end) if end < len(text) else -1
        end = cut + 1 if cut > start else end
        offsets.append((start, end))
        start = end
    docs = nlp.pipe(text[start:end] for start, end in offsets)
    return ((start, doc) for (start, _), doc in zip(offsets, docs, strict=True))


def _find_regex(text: str, pattern: str, ignore_case: bool) -> list[Hit]:
    if len(pattern) > MAX_PATTERN:
        raise SearchError(
            f"Espressione regolare troppo lunga (massimo {MAX_PATTERN} caratteri). / "
            f"Regular expression too long (at most {MAX_PATTERN} characters)."
        )
    try:
        compiled = regex.compile(pattern, (regex.IGNORECASE if ignore_case else 0) | regex.V0)
    except regex.error as error:
        raise SearchError(
            f"Espressione regolare non valida: {error}. / Invalid regular expression: {error}."
        ) from error
    try:
        return [
            Hit(m.start(), m.end())
            for m in compiled.finditer(text, timeout=REGEX_SECONDS)
            if m.end() > m.start()
        ]
    except TimeoutError:
        raise SearchError(
            f"L'espressione regolare richiede troppo tempo (oltre {REGEX_SECONDS:g} s): semplificarla. / "
            f"The regular expression takes too long (over {REGEX_SECONDS:g} s): simplify it."
        ) from None


def _terms(nlp: Language, query: str) -> list[_Term]:
    terms: list[_Term] = []
    for token in nlp(query.strip()):
        if token.is_space:
            continue
        if token.text == "*" and terms and token.i > 0 and not token.nbor(-1).whitespace_:
            terms[-1] = _Term(terms[-1].form, terms[-1].lemma, prefix=True)
        else:
            terms.append(_Term(token.lower_, (token.lemma_ or token.text).lower(), prefix=False))
    if not terms:
        raise SearchError("La ricerca non contiene parole. / The search query has no words.")
    return terms


def _matches(term: _Term, token: Token, mode: Mode) -> bool:
    form = token.lower_
    if term.prefix:
        return form.startswith(term.form)
    if form == term.form:
        return True
    return mode == "lemma" and (token.lemma_ or token.text).lower() == term.lemma


def sentences(nlp: Language, text: str) -> list[Unit]:
    """The sentences of `text` as units, without their surrounding white space."""
    units = []
    for offset, doc in _docs(nlp, text):
        for sent in doc.sents:
            unit = _trimmed(text, offset + sent.start_char, offset + sent.end_char)
            if unit is not None:
                units.append(unit)
    return units


def paragraphs(text: str) -> list[Unit]:
    """The paragraphs of `text` (separated by blank lines) as units, without surrounding white space."""
    units, start = [], 0
    for gap in _PARAGRAPH_BREAK.finditer(text):
        units.append(_trimmed(text, start, gap.start()))
        start = gap.end()
    units.append(_trimmed(text, start, len(text)))
    return [unit for unit in units if unit is not None]


def _trimmed(text: str, start: int, end: int) -> Unit | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Unit(start, end) if end > start else None


def expand(hits: Iterable[Hit], units: Sequence[S]) -> list[S]:
    """The units that overlap at least one hit, each once, in text order.

    `units` are the sentences, paragraphs or turns of one text (`Unit`s, or `coding.turns.Turn`s): they
    do not overlap one another.
    """
    ordered = sorted(units, key=lambda unit: unit.start)
    ends = [unit.end for unit in ordered]
    chosen: dict[int, S] = {}
    for hit in hits:
        index = bisect.bisect_right(ends, hit.start)
        while index < len(ordered) and ordered[index].start < hit.end:
            chosen.setdefault(index, ordered[index])
            index += 1
    return [chosen[index] for index in sorted(chosen)]


def restrict(hits: Iterable[Hit], turns: Sequence[S], keep: Callable[[S], bool]) -> list[Hit]:
    """The hits that start inside a turn `keep` accepts, such as one speaker's or one attribute's turns.

    For example `restrict(hits, turns, by_attribute("servizio", "CSF"))`; turns do not overlap.
    """
    ordered = sorted(turns, key=lambda turn: turn.start)
    starts = [turn.start for turn in ordered]
    kept = []
    for hit in hits:
        index = bisect.bisect_right(starts, hit.start) - 1
        if index >= 0 and hit.start < ordered[index].end and keep(ordered[index]):
            kept.append(hit)
    return kept


def by_speaker(*speakers: str) -> Callable[[Unit], bool]:
    """A `restrict` predicate that keeps the turns of the given speakers (`Unit`s or `Turn`s)."""
    return lambda turn: turn.speaker in speakers


def by_attribute(name: str, *values: object) -> Callable[[Unit], bool]:
    """A `restrict` predicate that keeps the turns whose speaker has attribute `name` among `values`."""
    return lambda turn: turn.attributes.get(name) in values


def inside(hits: Iterable[Hit], ranges: Iterable[tuple[int, int]]) -> list[Hit]:
    """The hits that lie wholly inside one of `ranges`, such as the text already coded with another code."""
    spans = list(ranges)
    return [hit for hit in hits if any(start <= hit.start and hit.end <= end for start, end in spans)]


def preview(text: str, spans: Iterable[Spanned], context: int = 40) -> list[Snippet]:
    """Each proposed span with up to `context` code points either side, to show before applying."""
    snippets = []
    for span in spans:
        if not 0 <= span.start < span.end <= len(text):
            raise SearchError(
                f"Intervallo fuori dal testo: {span.start}–{span.end}. / "
                f"Span outside the text: {span.start}–{span.end}."
            )
        before = text[max(0, span.start - context) : span.start]
        after = text[span.end : span.end + context]
        snippets.append(Snippet(span.start, span.end, before, text[span.start : span.end], after))
    return snippets
