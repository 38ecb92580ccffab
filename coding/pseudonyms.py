"""Pseudonymisation of transcripts: find names, places, addresses, phone numbers, e-mails and codici fiscali;
propose numbered replacements; apply those the user accepted, keeping the mapping apart from the text.

Detection is rules only (no model): patterns, the participant list, a gazetteer of places (for example the
comuni of shared/domain/puglia_territory.csv, read by the caller) and capitalised words that do not start a
sentence and are not common capitalised words. It proposes; a person confirms. Offsets are code points.
"""

import bisect
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace

from coding.errors import PseudonymError
from coding.pseudonym_rules import (
    ABBREVIATIONS,
    ADDRESS,
    CAPITALISED_RUN,
    COMMON_CAPITALISED,
    EMAIL,
    FISCAL_CODE,
    PARTICLES,
    PHONE,
    is_phone_number,
    valid_fiscal_code,
)

# Which detection wins where two overlap, and the label of its replacements.
KINDS = {
    "email": "EMAIL",
    "codice_fiscale": "CODICE FISCALE",
    "telefono": "TELEFONO",
    "indirizzo": "INDIRIZZO",
    "persona": "PERSONA",
    "luogo": "LUOGO",
    "nome": "NOME",
}


@dataclass(frozen=True)
class Proposal:
    """A stretch of text to replace: `text[start:end] == original`, to become `replacement`."""

    start: int
    end: int
    kind: str
    original: str
    replacement: str = ""
    key: str = ""  # what makes two proposals the same entity (a participant, a normalised string)


@dataclass(frozen=True)
class Substitution:
    """One applied replacement, offsets in the pseudonymised text: `new_text[start:end] == replacement`."""

    start: int
    end: int
    kind: str
    original: str
    replacement: str


def propose(
    text: str,
    participants: Sequence[str] = (),
    gazetteer: Iterable[str] = (),
    known_words: Iterable[str] = (),
) -> list[Proposal]:
    """Everything in `text` that looks identifying, with consistent numbered replacements, in text order.

    `participants` are full names ("Maria Rossi"); each of their names alone is found too and gets the same
    replacement. `gazetteer` holds place names matched as written. `known_words` are capitalised words
    that are not names in this project (service names, for instance).
    """
    candidates = [
        *_pattern_matches(text),
        *_participant_matches(text, participants),
        *_gazetteer_matches(text, gazetteer),
        *_capitalised_matches(text, {w.casefold() for w in known_words}),
    ]
    return _numbered(_without_overlaps(candidates), taken=())


def _pattern_matches(text: str) -> list[Proposal]:
    found = [_proposal(m, "email", m.group().casefold()) for m in EMAIL.finditer(text)]
    found += [
        _proposal(m, "codice_fiscale", m.group().upper())
        for m in FISCAL_CODE.finditer(text)
        if valid_fiscal_code(m.group())
    ]
    for m in PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if is_phone_number(m.group()):
            found.append(_proposal(m, "telefono", digits[-10:]))
    found += [
        _proposal(m, "indirizzo", " ".join(m.group().casefold().split())) for m in ADDRESS.finditer(text)
    ]
    return found


def _proposal(match: re.Match, kind: str, key: str) -> Proposal:
    return Proposal(match.start(), match.end(), kind, match.group(), key=f"{kind}:{key}")


def _participant_matches(text: str, participants: Sequence[str]) -> list[Proposal]:
    owners: dict[str, set[str]] = {}
    for person in participants:
        for part in person.split():
            if len(part) > 2 and part.casefold() not in PARTICLES:
                owners.setdefault(part, set()).add(person.casefold())
    found = []
    for person in sorted(participants, key=len, reverse=True):
        pattern = re.compile(rf"(?<!\w){_spaced(person)}(?!\w)", re.IGNORECASE)
        found += [_proposal(m, "persona", person.casefold()) for m in pattern.finditer(text)]
    for part, people in owners.items():
        key = next(iter(people)) if len(people) == 1 else part.casefold()
        pattern = re.compile(rf"(?<!\w){re.escape(part)}(?!\w)")
        found += [_proposal(m, "persona", key) for m in pattern.finditer(text)]
    return found


def _spaced(name: str) -> str:
    return r"\s+".join(re.escape(part) for part in name.split())


def _gazetteer_matches(text: str, gazetteer: Iterable[str]) -> list[Proposal]:
    names = sorted({name.strip() for name in gazetteer if name.strip()}, key=len, reverse=True)
    if not names:
        return []
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(_spaced(name) for name in names) + r")(?!\w)")
    return [_proposal(m, "luogo", " ".join(m.group().casefold().split())) for m in pattern.finditer(text)]


def _capitalised_matches(text: str, known: set[str]) -> list[Proposal]:
    found = []
    for run in CAPITALISED_RUN.finditer(text):
        words = list(re.finditer(r"\S+", run.group()))
        while words and _is_common(words[0].group(), known):
            words.pop(0)
        while words and _is_common(words[-1].group(), known):
            words.pop()
        if not words or (len(words) == 1 and _starts_sentence(text, run.start() + words[0].start())):
            continue
        start, end = run.start() + words[0].start(), run.start() + words[-1].end()
        original = text[start:end]
        found.append(Proposal(start, end, "nome", original, key=f"nome:{_normalised(original)}"))
    return found


def _is_common(word: str, known: set[str]) -> bool:
    folded = word.casefold()
    return folded in COMMON_CAPITALISED or folded in PARTICLES or folded in known


def _starts_sentence(text: str, position: int) -> bool:
    """Whether a word at `position` opens the text, a line or a sentence (an abbreviation's dot aside)."""
    before = text[max(0, position - 40) : position].rstrip(" \t\"'«“‘(")
    if before and before[-1] not in ".!?:;…\n":
        return False
    last_word = before[:-1].split()[-1:] if before.endswith(".") else []
    return not (last_word and last_word[0].casefold() in ABBREVIATIONS)


def _without_overlaps(candidates: list[Proposal]) -> list[Proposal]:
    """Keep the strongest of overlapping candidates: by kind (KINDS order), then the longest."""
    rank = {kind: n for n, kind in enumerate(KINDS)}
    starts: list[int] = []
    kept: list[Proposal] = []  # in text order, never overlapping, so only the neighbours need checking
    for candidate in sorted(candidates, key=lambda p: (rank[p.kind], p.start - p.end, p.start)):
        index = bisect.bisect_right(starts, candidate.start)
        if index > 0 and kept[index - 1].end > candidate.start:
            continue
        if index < len(kept) and kept[index].start < candidate.end:
            continue
        starts.insert(index, candidate.start)
        kept.insert(index, candidate)
    return kept


def _numbered(proposals: list[Proposal], taken: Iterable[str]) -> list[Proposal]:
    """Give each entity a replacement such as "[PERSONA 2]", numbered per kind in order of appearance,
    skipping the labels in `taken`."""
    taken = set(taken)
    counts = dict.fromkeys(KINDS, 0)
    result, labels = [], {}
    for proposal in proposals:
        if proposal.key not in labels:
            label = ""
            while not label or label in taken:
                counts[proposal.kind] += 1
                label = f"[{KINDS[proposal.kind]} {counts[proposal.kind]}]"
            labels[proposal.key] = label
            taken.add(label)
        result.append(replace(proposal, replacement=labels[proposal.key]))
    return result


def apply(text: str, accepted: Iterable[Proposal]) -> tuple[str, list[Substitution]]:
    """Replace the accepted proposals; return the new text and the mapping back to the originals.

    A proposal without a replacement gets a numbered one, and every proposal of the same entity (same
    key) gets the replacement of its first occurrence, so one person is always the same pseudonym. Keep
    the mapping apart from the text: it re-identifies people.
    """
    chosen = sorted(accepted, key=lambda p: p.start)
    _check_spans(text, chosen)
    chosen = _consistent(chosen)
    parts, mapping, cursor, shift = [], [], 0, 0
    for proposal in chosen:
        parts.append(text[cursor : proposal.start])
        parts.append(proposal.replacement)
        start = proposal.start + shift
        end = start + len(proposal.replacement)
        mapping.append(Substitution(start, end, proposal.kind, proposal.original, proposal.replacement))
        shift += len(proposal.replacement) - (proposal.end - proposal.start)
        cursor = proposal.end
    parts.append(text[cursor:])
    return "".join(parts), mapping


def _normalised(original: str) -> str:
    return " ".join(original.casefold().split())


def _check_spans(text: str, proposals: list[Proposal]) -> None:
    previous_end = 0
    for proposal in proposals:
        span = f"{proposal.start}–{proposal.end}"
        inside = 0 <= proposal.start < proposal.end <= len(text)
        if not inside or text[proposal.start : proposal.end] != proposal.original:
            raise PseudonymError(
                f"La sostituzione di {proposal.original!r} non corrisponde al testo ({span}). / "
                f"The replacement of {proposal.original!r} does not match the text ({span})."
            )
        if proposal.start < previous_end:
            raise PseudonymError(
                f"Sostituzioni sovrapposte a {proposal.start}. / "
                f"Overlapping replacements at {proposal.start}."
            )
        if proposal.kind not in KINDS:
            raise PseudonymError(f"Tipo sconosciuto: {proposal.kind!r}. / Unknown kind: {proposal.kind!r}.")
        previous_end = proposal.end


def _consistent(proposals: list[Proposal]) -> list[Proposal]:
    """The proposals with one replacement per entity: the first one given, else a new numbered one."""
    keyed = [p if p.key else replace(p, key=f"{p.kind}:{_normalised(p.original)}") for p in proposals]
    labels: dict[str, str] = {p.key: p.replacement for p in reversed(keyed) if p.replacement}
    unlabelled = [p for p in keyed if p.key not in labels]
    numbered = {p.key: p.replacement for p in _numbered(unlabelled, labels.values())}
    return [replace(p, replacement=labels.get(p.key) or numbered[p.key]) for p in keyed]


def restore(new_text: str, mapping: Iterable[Substitution]) -> str:
    """The original text back from a pseudonymised one and its mapping."""
    parts, cursor = [], 0
    for sub in sorted(mapping, key=lambda s: s.start):
        if new_text[sub.start : sub.end] != sub.replacement:
            raise PseudonymError(
                f"Il testo non corrisponde alla mappa a {sub.start}. / "
                f"The text does not match the mapping at {sub.start}."
            )
        parts += [new_text[cursor : sub.start], sub.original]
        cursor = sub.end
    return "".join(parts) + new_text[cursor:]


def dumps_mapping(mapping: Iterable[Substitution]) -> bytes:
    """The mapping as UTF-8 JSON, ready to be encrypted and stored apart from the text."""
    return json.dumps([asdict(sub) for sub in mapping], ensure_ascii=False).encode("utf-8")


def loads_mapping(data: bytes) -> list[Substitution]:
    """A mapping written by `dumps_mapping`."""
    try:
        return [Substitution(**record) for record in json.loads(data.decode("utf-8"))]
    except (ValueError, TypeError) as error:
        raise PseudonymError(f"Mappa non leggibile: {error}. / Unreadable mapping: {error}.") from error
