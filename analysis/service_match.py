"""Which registered service a monitoring report is about: by its code, or by its type and name.

A form that picks its service from the registry (`select_one_from_file servizi.csv`, named codice_servizio)
stores the service's code, and that code decides. The seed monitoring form (monitoraggio_servizi.xlsx) has
no such question: it asks for the type of service in its own codes (`tipo_servizio`: csf, cap, cd, ade,
altro) and the service's name (`denominazione_servizio`). `FORM_SERVICE_TYPES` is the one table between the
form's codes and the registry's kinds (app/registry/rules.py SERVICE_KINDS); the registry's import reads
the same codes as aliases, and servizi.csv gives each service the form's code of its kind.

Matching by type and name, among the services registered inside the unit the report counts for, of a kind
the form's type covers (preferring those inside the report's own org unit, when it has any):

1. the service whose name is the name given, letters compared without case, accents or punctuation;
2. else the one service whose name's words all appear in the name given, or hold all of its words;
3. else, when no name is given, the only service of that type there, if there is just one;
4. else none: the report names no service the registry can tell (it is not filed in a cycle by service).

A name that matches no registered service is never pinned on the only service of its type: "Centro aperto
Il Faro" is not "Centro Aperto Polivalente di Surbo", and a report of a service missing from the registry
must show as such rather than fill another service's slot.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# The form's code of a type of service -> the registry kinds it covers, the first being its own.
FORM_SERVICE_TYPES: dict[str, tuple[str, ...]] = {
    "csf": ("csf",),
    "cap": ("cap",),
    "cd": ("centro_diurno",),
    "ade": ("ade",),
    "altro": ("other", "comunita", "affido", "spazio_neutro", "consultorio"),
}
TYPE_FIELD = "tipo_servizio"
NAME_FIELD = "denominazione_servizio"


def registry_kinds(form_code: str) -> tuple[str, ...]:
    """The registry kinds a form's type code covers; a registry kind given as it is stands for itself."""
    code = form_code.strip().lower()
    return FORM_SERVICE_TYPES.get(code, (code,) if code else ())


def form_type(kind: str) -> str:
    """The form's code for a registry kind: the type whose kinds hold it ("centro_diurno" -> "cd")."""
    return next((code for code, kinds in FORM_SERVICE_TYPES.items() if kind in kinds), "altro")


@dataclass(frozen=True)
class Candidate:
    """A registered service as matching sees it: its code, name, kind and the path of its org unit."""

    code: str
    name: str
    kind: str
    path: str


def answer_in(data: Mapping[str, object] | None, name: str) -> str:
    """The text answer of the field `name`, at the top level or inside groups (repeats are not searched)."""
    if not isinstance(data, Mapping):
        return ""
    value = data.get(name)
    if isinstance(value, str) and value.strip():
        return value.strip()
    for inner in data.values():
        if isinstance(inner, Mapping):
            found = answer_in(inner, name)
            if found:
                return found
    return ""


def match_service(
    data: Mapping[str, object] | None, candidates: Sequence[Candidate], unit_path: str | None = None
) -> Candidate | None:
    """The service a report without a service code is about, by its type and name (see the module).

    candidates: the services registered inside the unit the report counts for; unit_path: the path of the
    report's own org unit, to prefer the services inside it."""
    kinds = registry_kinds(answer_in(data, TYPE_FIELD))
    found = [candidate for candidate in candidates if candidate.kind in kinds]
    inside = [c for c in found if unit_path and c.path.startswith(unit_path)]
    found = inside or found
    name = _words(answer_in(data, NAME_FIELD))
    if not name:
        return found[0] if len(found) == 1 else None
    same = [c for c in found if _words(c.name) == name]
    if len(same) == 1:
        return same[0]
    close = [c for c in found if _contained(_words(c.name), name)]
    return close[0] if len(close) == 1 else None


def _words(text: str) -> tuple[str, ...]:
    """The words of a name, lower-case, without accents or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return tuple(re.findall(r"[^\W_]+", plain))


def _contained(one: tuple[str, ...], other: tuple[str, ...]) -> bool:
    return bool(one) and bool(other) and (set(one) <= set(other) or set(other) <= set(one))
