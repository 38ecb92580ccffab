"""Participants of a focus group or an interview as cases with typed attributes; names replaced by codes."""

import math
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import KW_ONLY, dataclass, replace
from typing import Literal, NamedTuple

from coding.errors import ParticipantError
from coding.refi.model import Value, VariableType
from coding.turns import CONVENTIONAL_ROLES, Turn

Tier = Literal["start up", "miglioramento", "aggiornamento"]
TIERS: tuple[Tier, ...] = ("start up", "miglioramento", "aggiornamento")
CASE_VARIABLES: dict[str, VariableType] = {
    "role": "Text",
    "service_type": "Text",
    "territory": "Text",
    "gender": "Text",
    "seniority_years": "Float",
    "seniority_tier": "Text",
}  # attribute -> REFI-QDA variable type, for the case of each participant


def seniority_tier(years: float) -> Tier:
    """The tier of `years` of service: "start up" < 3, "miglioramento" 3 to 10, "aggiornamento" > 10."""
    if not math.isfinite(years) or years < 0:
        raise ParticipantError(f"Anzianità non valida: {years}. / Invalid seniority: {years}.")
    if years < 3:
        return "start up"
    return "miglioramento" if years <= 10 else "aggiornamento"


@dataclass(frozen=True)
class Participant:
    """A participant as a case: a code (P01) that stands for the name in the text, and typed attributes.

    `name` is how the transcript calls them ("Anna" or "Anna Rossi"); `aliases` are other spellings to
    replace as well ("Anna R.", a nickname). `gender` is as recorded (F, M, ...); `seniority_years` is
    years of service in social services.
    """

    code: str
    name: str
    _: KW_ONLY
    aliases: tuple[str, ...] = ()
    role: str | None = None
    service_type: str | None = None
    territory: str | None = None
    gender: str | None = None
    seniority_years: float | None = None

    def __post_init__(self) -> None:
        if not self.code.strip() or not self.name.strip():
            raise ParticipantError(
                "Ogni partecipante deve avere un codice e un nome. / "
                "Every participant needs a code and a name."
            )
        if self.seniority_years is not None:
            seniority_tier(self.seniority_years)  # refuses a negative or non-finite number

    @property
    def seniority_tier(self) -> Tier | None:
        """The tier of `seniority_years`, or None when it is not known."""
        return None if self.seniority_years is None else seniority_tier(self.seniority_years)

    def attributes(self) -> dict[str, Value]:
        """The case's attributes by name, typed as CASE_VARIABLES says; the name is not among them."""
        return {name: getattr(self, name) for name in CASE_VARIABLES}


class Pseudonymised(NamedTuple):
    """A text with names replaced by codes, its turns, and the mapping code -> name to keep apart."""

    text: str
    turns: tuple[Turn, ...]
    mapping: dict[str, str]


@dataclass(frozen=True)
class Renaming:
    """Names replaced in a text: the new text, and where each replacement was, to move offsets across."""

    text: str
    old_spans: tuple[tuple[int, int], ...]
    new_spans: tuple[tuple[int, int], ...]
    codes: tuple[str, ...]  # the code put in each span

    def new_offset(self, offset: int, *, is_end: bool = False) -> int:
        """Where `offset` of the old text is in the new one; inside a replaced name, its start (or end)."""
        at = bisect_right(self.old_spans, (offset, math.inf)) - 1
        if at < 0:
            return offset
        (old_start, old_end), (new_start, new_end) = self.old_spans[at], self.new_spans[at]
        if offset >= old_end:
            return offset + new_end - old_end
        if offset == old_start or not is_end:
            return new_start
        return new_end


def participants_from_turns(
    turns: Iterable[Turn], *, prefix: str = "P", width: int = 2
) -> tuple[Participant, ...]:
    """A participant for each speaker, in order of first turn, coded P01, P02, ...

    I, R, MODERATORE and the other conventional labels are roles, not people, and get no code.
    """
    seen: dict[str, str] = {}
    for turn in turns:
        folded = _fold(turn.speaker)
        if folded not in CONVENTIONAL_ROLES:
            seen.setdefault(folded, turn.speaker)
    return tuple(
        Participant(f"{prefix}{number:0{width}d}", name) for number, name in enumerate(seen.values(), start=1)
    )


def replace_names(text: str, turns: Sequence[Turn], participants: Sequence[Participant]) -> Pseudonymised:
    """Replace each participant's name and aliases by their code, as speakers and in the text.

    In the text, names are matched as whole words, ignoring case ("ANNA", "anna") and accepting ' for ’,
    but not accents ("Nicolò" is not "Nicolo"); a name broken across a line is found too. Case is ignored
    because a missed name is worse than a replaced word: a participant called Rosa turns "la maglia rosa"
    into "la maglia P03", so give such names as aliases with care. Turn offsets are moved to the new
    text. `mapping` holds the participants whose name was found, code -> name.
    """
    renaming = rename(text, participants)
    new_turns = renamed_turns(turns, renaming, participants)
    found = (*renaming.codes, *(turn.speaker for turn in new_turns))
    return Pseudonymised(renaming.text, new_turns, code_mapping(participants, found))


def code_mapping(participants: Iterable[Participant], found: Iterable[str]) -> dict[str, str]:
    """Code -> name of the participants whose code is among `found`, in the participants' order."""
    codes = set(found)
    return {person.code: person.name for person in participants if person.code in codes}


def rename(text: str, participants: Sequence[Participant]) -> Renaming:
    """Replace the participants' names in `text` by their codes, as `replace_names` does, keeping spans."""
    _codes_by_name(participants)  # refuses a code or a name twice
    names = [(name, person.code) for person in participants for name in (person.name, *person.aliases)]
    names = [(name, code) for name, code in names if name.strip()]
    if not names:
        return Renaming(text, (), (), ())
    names.sort(key=lambda pair: len(pair[0]), reverse=True)  # "Anna Rossi" wins over "Anna"
    pieces: list[str] = []
    old_spans, new_spans, used = [], [], []
    cursor = length = 0
    for match in _names_pattern([name for name, _ in names]).finditer(text):
        code = names[int(str(match.lastgroup)[1:])][1]
        pieces.append(text[cursor : match.start()])
        length += match.start() - cursor
        old_spans.append((match.start(), match.end()))
        new_spans.append((length, length + len(code)))
        pieces.append(code)
        length += len(code)
        cursor = match.end()
        used.append(code)
    pieces.append(text[cursor:])
    return Renaming("".join(pieces), tuple(old_spans), tuple(new_spans), tuple(used))


def renamed_turns(
    turns: Iterable[Turn], renaming: Renaming, participants: Sequence[Participant]
) -> tuple[Turn, ...]:
    """`turns` with their offsets moved by `renaming` and their speakers replaced by codes when known."""
    codes = _codes_by_name(participants)
    return tuple(
        replace(
            turn,
            start=renaming.new_offset(turn.start),
            end=renaming.new_offset(turn.end, is_end=True),
            speaker=codes.get(_fold(turn.speaker), turn.speaker),
        )
        for turn in turns
    )


def _codes_by_name(participants: Sequence[Participant]) -> dict[str, str]:
    codes: dict[str, str] = {}
    seen_codes: set[str] = set()
    for person in participants:
        if person.code in seen_codes:
            raise ParticipantError(
                f"Il codice {person.code} è usato due volte. / The code {person.code} is used twice."
            )
        seen_codes.add(person.code)
        for name in (person.name, *person.aliases):
            folded = _fold(name)
            if codes.get(folded, person.code) != person.code:
                raise ParticipantError(
                    f"Il nome '{name}' appartiene a due partecipanti ({codes[folded]}, {person.code}). / "
                    f"The name '{name}' belongs to two participants ({codes[folded]}, {person.code})."
                )
            if folded:
                codes[folded] = person.code
    return codes


def _names_pattern(names: list[str]) -> re.Pattern[str]:
    """Whole words, each name in group n{index}; ' and ’ match each other, any white space a space."""
    alternatives = (
        f"(?P<n{index}>" + r"\s+".join(re.escape(word) for word in name.split()) + ")"
        for index, name in enumerate(names)
    )
    pattern = re.sub("['’]", "['’]", "|".join(alternatives))
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE)


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", " ".join(name.replace("’", "'").split())).casefold()
