"""The pseudonym mapping of a study's transcripts kept consistent across runs: the same person or place
gets the same replacement in every transcript and every pseudonymisation, and new entities get labels that
were never used.

A mapping is the plain dict stored encrypted beside a transcript: "P03" -> "Giulia Rossi" (participant
codes, written at import), "[PERSONA 1]" -> "Mario Bianchi" (labels of later pseudonymisations), and under
RECORDS the list of applied substitutions with their offsets (`coding.pseudonyms.Substitution`), which
`coding.pseudonyms.restore` needs.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, replace
from typing import Any

from coding.offsets import OffsetMap
from coding.pseudonyms import KINDS, Proposal, Substitution

RECORDS = "_substitutions"
_LABEL = re.compile(r"\[([A-Z ]+) (\d+)\]")
_NAMED = ("persona", "nome")  # kinds whose originals are names of people


def normalised(text: str) -> str:
    """Case and spacing folded, as proposals' keys are."""
    return " ".join(text.casefold().split())


def names(mapping: Mapping[str, Any]) -> dict[str, str]:
    """The people of a mapping: name -> pseudonym (participant code or label), to detect them in text."""
    found = {}
    for label, original in mapping.items():
        if label == RECORDS or not isinstance(original, str) or not original.strip():
            continue
        kind = _label_kind(label)
        if kind is None or kind in _NAMED:
            found[original.strip()] = label
    return found


def labelled(mapping: Mapping[str, Any]) -> dict[str, str]:
    """Every original of a mapping (normalised) -> its pseudonym, whatever its kind."""
    return {
        normalised(original): label
        for label, original in mapping.items()
        if label != RECORDS and isinstance(original, str) and original.strip()
    }


def _label_kind(label: str) -> str | None:
    """The kind of a "[PERSONA 2]" label; None for anything else (a participant code)."""
    match = _LABEL.fullmatch(label)
    if match is None:
        return None
    return next((kind for kind, word in KINDS.items() if word == match[1]), "")


def relabel(
    proposals: Sequence[Proposal],
    people: Mapping[str, str] = {},  # noqa: B006 - read only
    known: Mapping[str, str] = {},  # noqa: B006 - read only
) -> list[Proposal]:
    """The proposals with replacements consistent with earlier runs.

    `people` maps names given to `coding.pseudonyms.propose` as participants to their pseudonym: a person
    found by full name or by one of its names gets it. `known` maps normalised originals to the label they
    already have. Other entities get new labels "[KIND n]", numbered per kind after the labels in use.
    """
    folded_people = {normalised(name): label for name, label in people.items()}
    taken = set(known.values()) | set(people.values())
    counts = _highest_numbers(taken)
    chosen: dict[str, str] = {}
    result = []
    for proposal in proposals:
        key = proposal.key or f"{proposal.kind}:{normalised(proposal.original)}"
        if key not in chosen:
            chosen[key] = _known_label(proposal, key, folded_people, known) or _new_label(
                proposal.kind, counts, taken
            )
        result.append(replace(proposal, key=key, replacement=chosen[key]))
    return result


def _known_label(
    proposal: Proposal, key: str, people: Mapping[str, str], known: Mapping[str, str]
) -> str | None:
    if proposal.kind == "persona":
        person = key.partition(":")[2]
        if person in people:
            return people[person]
    return known.get(normalised(proposal.original))


def _highest_numbers(labels: Iterable[str]) -> dict[str, int]:
    counts = dict.fromkeys(KINDS.values(), 0)
    for label in labels:
        match = _LABEL.fullmatch(label)
        if match and match[1] in counts:
            counts[match[1]] = max(counts[match[1]], int(match[2]))
    return counts


def _new_label(kind: str, counts: dict[str, int], taken: set[str]) -> str:
    word = KINDS[kind]
    label = ""
    while not label or label in taken:
        counts[word] += 1
        label = f"[{word} {counts[word]}]"
    taken.add(label)
    return label


def records(mapping: Mapping[str, Any]) -> list[Substitution]:
    """The substitutions a mapping records, with their offsets in the current text."""
    return [Substitution(**record) for record in mapping.get(RECORDS, [])]


def merged(mapping: Mapping[str, Any], offsets: OffsetMap, applied: Iterable[Substitution]) -> dict[str, Any]:
    """The mapping after a new pseudonymisation: earlier records moved to their new offsets, the new
    substitutions recorded, and each new label's original added (an existing entry is never changed)."""
    moved = []
    for sub in records(mapping):
        span = offsets.span(sub.start, sub.end)
        if span is not None and not offsets.touches(sub.start, sub.end):
            moved.append(replace(sub, start=span[0], end=span[1]))
    result = {label: original for label, original in mapping.items() if label != RECORDS}
    new = list(applied)
    for sub in new:
        result.setdefault(sub.replacement, sub.original)
    result[RECORDS] = [asdict(sub) for sub in sorted([*moved, *new], key=lambda s: s.start)]
    return result
