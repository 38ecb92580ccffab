"""How a Humus study maps onto REFI-QDA and back, where the two models differ.

- A code's definition, when to use it, when not, an example and whether it marks a training need travel in
  the one REFI description, as labelled paragraphs (`describe_code`, read back by `read_description`; labels
  in Italian or English are both understood).
- Attributes of participants and documents become REFI variables, typed from their values
  (`variable_type`, `refi_value`), and come back as JSON values (`stored_value`).
- Speaker turns have no REFI element: they are written as selections without codings whose description
  says so (`turn_description`, `read_turn`), referred to by the participant's case.
- Text from other programs may hold CR LF line ends or control characters that browsers and databases
  drop; `clean_text` removes them and moves the offsets of selections accordingly.
"""

import json
import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from coding.refi.model import Value, VariableType

LABELS = {
    "it": ("Quando usarlo", "Quando non usarlo", "Esempio", "Bisogno formativo"),
    "en": ("When to use", "When not to use", "Example", "Training need"),
}
_YES = {"it": "sì", "en": "yes"}
_FIELDS = ("when_to_use", "when_not", "example", "marks_need")
_LABEL_LINE = re.compile(
    r"^(?P<label>"
    + "|".join(re.escape(label) for labels in LABELS.values() for label in labels)
    + r"):[ \t]*",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DROPPED = re.compile("\r(?=\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ud800-\udfff]")
TURN_KIND = "humus:turn"


@dataclass(frozen=True)
class CodeText:
    """What Humus records about a code besides its name and colour."""

    definition: str = ""
    when_to_use: str = ""
    when_not: str = ""
    example: str = ""
    marks_need: bool = False


def describe_code(text: CodeText, language: str = "it") -> str | None:
    """The REFI description of a code: the definition, then a labelled paragraph for each other field."""
    labels = dict(zip(_FIELDS, LABELS.get(language, LABELS["en"]), strict=True))
    parts = [text.definition.strip()] if text.definition.strip() else []
    for name in _FIELDS[:3]:
        value = getattr(text, name).strip()
        if value:
            parts.append(f"{labels[name]}: {value}")
    if text.marks_need:
        parts.append(f"{labels['marks_need']}: {_YES.get(language, 'yes')}")
    return "\n\n".join(parts) or None


def read_description(description: str | None) -> CodeText:
    """The fields of a description written by `describe_code`; any other text is the definition."""
    found: dict[str, list[str]] = {"definition": []}
    current = "definition"
    for line in (description or "").replace("\r\n", "\n").split("\n"):
        match = _LABEL_LINE.match(line)
        if match:
            current = _field_of(match.group("label"))
            found.setdefault(current, [])
            line = line[match.end() :]
        found.setdefault(current, []).append(line)
    values = {name: "\n".join(lines).strip() for name, lines in found.items()}
    need = values.pop("marks_need", "").casefold() in {"sì", "si", "yes", "true", "1"}
    return CodeText(**values, marks_need=need)


def _field_of(label: str) -> str:
    for labels in LABELS.values():
        for name, known in zip(_FIELDS, labels, strict=True):
            if known.casefold() == label.casefold():
                return name
    return "definition"  # not reached: the pattern only matches known labels


def variable_type(values: Iterable[object], declared: VariableType | None = None) -> VariableType:
    """The REFI type of a variable with these values: `declared` when every value fits it, else inferred."""
    present = [value for value in values if value not in (None, "")]
    if declared is not None and all(_fits(value, declared) for value in present):
        return declared
    for kind in ("Boolean", "Integer", "Float", "Date"):
        if present and all(_fits(value, kind) for value in present):
            return kind  # type: ignore[return-value]
    return "Text"


def _fits(value: object, kind: VariableType) -> bool:
    if kind == "Text":
        return True
    if kind == "Boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind == "Integer":
        return isinstance(value, int)
    if kind == "Float":
        return isinstance(value, int | float) and value == value and abs(value) != float("inf")
    if kind == "Date":
        return isinstance(value, str) and _iso_date(value) is not None
    return False  # DateTime: Humus attributes never hold one


def refi_value(value: object, kind: VariableType) -> Value:
    """A stored attribute as the Python value REFI writes for a variable of `kind`; None when empty."""
    if value in (None, ""):
        return None
    if kind == "Date" and isinstance(value, str):
        return _iso_date(value)
    if kind == "Float" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind in ("Boolean", "Integer", "Float"):
        return value  # type: ignore[return-value]
    return str(value)


def stored_value(value: Value) -> str | int | float | bool | None:
    """A REFI variable value as Humus keeps attributes (JSON): dates as ISO text, decimals as floats."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _iso_date(text: str) -> date | None:
    if not _ISO_DATE.fullmatch(text.strip()):
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def turn_description(role: str, time_start: float | None, time_end: float | None) -> str:
    """The description of a selection standing for a speaker turn (its speaker is the selection's name)."""
    data: dict[str, object] = {"kind": TURN_KIND}
    if role:
        data["role"] = role
    if time_start is not None:
        data["start"] = time_start
    if time_end is not None:
        data["end"] = time_end
    return json.dumps(data, ensure_ascii=False)


@dataclass(frozen=True)
class TurnInfo:
    role: str = ""
    time_start: float | None = None
    time_end: float | None = None


def read_turn(description: str | None) -> TurnInfo | None:
    """The role and timestamps of a selection written by `turn_description`; None for other selections."""
    if not description or TURN_KIND not in description:
        return None
    try:
        data = json.loads(description)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("kind") != TURN_KIND:
        return None
    role = data.get("role")
    return TurnInfo(
        role=role if isinstance(role, str) else "",
        time_start=_number(data.get("start")),
        time_end=_number(data.get("end")),
    )


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
        return float(value)
    return None


@dataclass(frozen=True)
class CleanText:
    """A text without what `clean_text` removes, and where the removed characters were."""

    text: str
    removed: tuple[int, ...]  # offsets in the original text, ascending

    def offset(self, original: int) -> int:
        """Where an offset of the original text falls in the clean one."""
        return original - bisect_left(self.removed, original)


def clean_text(text: str) -> CleanText:
    """The text with CR before LF and control characters other than TAB, LF and lone CR removed.

    A lone CR (old Mac line end) stays a line end, as LF. Offsets move by what was removed before them.
    """
    removed = tuple(match.start() for match in _DROPPED.finditer(text))
    return CleanText(_DROPPED.sub("", text).replace("\r", "\n"), removed)
