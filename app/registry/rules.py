"""The registry's rules on plain data: service kinds and provider types, checking a service's values (from
the web form or a row of an import file), finding a service's code in a submission, the forms' CSV dataset.

Nothing here touches the database or the request: callers pass what they looked up (the org units and the
services an import names) and get back values to write, or problems readable in Italian and English.

Decisions:
- A service code is its key everywhere (the import's upsert, monitoring answers, the forms' dataset), so it
  is upper-cased and kept to letters, digits, '-', '_' and '.': it can be a choice name in a form.
- Every column of the import is required in the header, so a file never half-updates a service; an empty
  optional cell means the default (no capacity, a public provider, the kind's legal reference).
- Kinds and provider types are read by code, whatever the case, with the Italian codes of the intake form
  (terzo_settore, pubblico) accepted as aliases.
"""

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from analysis.service_match import FORM_SERVICE_TYPES, form_type
from app.i18n import N_

# code -> (English label, the default legal reference)
SERVICE_KINDS: dict[str, tuple[str, str]] = {
    "csf": (N_("Family services centre"), "art. 93 R.R. 4/2007"),
    "cap": (N_("Open multi-purpose centre for minors"), "art. 104 R.R. 4/2007"),
    "centro_diurno": (N_("Socio-educational day centre"), "art. 52 R.R. 4/2007"),
    "ade": (N_("Home-based educational support"), "art. 87 bis R.R. 4/2007"),
    "comunita": (N_("Educational community for minors"), "art. 48 R.R. 4/2007"),
    "affido": (N_("Family foster care service"), "L. 184/1983"),
    "spazio_neutro": (N_("Supervised contact service (spazio neutro)"), ""),
    "consultorio": (N_("Family counselling centre (consultorio)"), "L. 405/1975"),
    "other": (N_("Other service"), ""),
}
PROVIDER_TYPES: dict[str, str] = {"public": N_("Public"), "third_sector": N_("Third sector")}
UNIT_KINDS = ("comune", "ambito", "agency", "service")  # where a service can be registered
COLUMNS = (
    "code",
    "name",
    "kind",
    "legal_reference",
    "org_unit",
    "provider_type",
    "provider_name",
    "targets",
    "capacity",
)
CODE_FIELDS = ("codice_servizio", "servizio")  # the answers that name a service in a submission
MAX_CAPACITY = 100_000
_LIMITS = {"code": 64, "name": 255, "legal_reference": 255, "provider_name": 255, "targets": 2000}
_CODE = re.compile(r"[A-Z0-9][A-Z0-9_.-]{0,63}")
_ALIASES = {
    # The monitoring form's codes of a type (analysis/service_match.py) name the kind they stand for.
    "kind": {
        **{code: kinds[0] for code, kinds in FORM_SERVICE_TYPES.items() if code != kinds[0]},
        "diurno": "centro_diurno",
    },
    "provider_type": {
        "pubblico": "public",
        "terzo_settore": "third_sector",
        "privato_sociale": "third_sector",
    },
}

# code -> (English, Italian), str.format templates over the problem's params.
MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("This value is required.", "Il valore è obbligatorio."),
    "too_long": (
        "The text has {length} characters; the limit is {limit}.",
        "Il testo ha {length} caratteri; il limite è {limit}.",
    ),
    "code_format": (
        "'{value}' is not a service code: use up to 64 letters, digits, '-', '_' or '.', without spaces.",
        "'{value}' non è un codice di servizio: usa fino a 64 caratteri tra lettere, cifre, '-', '_' o '.', "
        "senza spazi.",
    ),
    "code_taken": (
        "The code '{value}' already belongs to another service.",
        "Il codice '{value}' appartiene già a un altro servizio.",
    ),
    "code_twice": (
        "The code '{value}' is already used on row {first_row}.",
        "Il codice '{value}' è già usato alla riga {first_row}.",
    ),
    "service_not_managed": (
        "The service '{value}' belongs to an org unit you do not manage: it cannot be changed from here.",
        "Il servizio '{value}' appartiene a un'unità organizzativa che non gestisci: non può essere "
        "modificato da qui.",
    ),
    "kind_unknown": (
        "'{value}' is not a type of service: use one of {allowed}.",
        "'{value}' non è una tipologia di servizio: usa uno tra {allowed}.",
    ),
    "provider_unknown": (
        "'{value}' is not a type of provider: use public or third_sector.",
        "'{value}' non è una tipologia di ente gestore: usa public (pubblico) o third_sector "
        "(terzo settore).",
    ),
    "capacity_number": (
        "'{value}' is not a whole number of places.",
        "'{value}' non è un numero intero di posti.",
    ),
    "capacity_negative": (
        "The capacity cannot be negative ({value}).",
        "La capienza non può essere negativa ({value}).",
    ),
    "capacity_too_large": (
        "The capacity cannot be more than {limit} places ({value}).",
        "La capienza non può superare {limit} posti ({value}).",
    ),
    "unit_unknown": (
        "No org unit has the code '{value}'.",
        "Nessuna unità organizzativa ha il codice '{value}'.",
    ),
    "unit_kind": (
        "'{value}' is not a comune, an Ambito, an agency or a service unit: no service can be registered "
        "there.",
        "'{value}' non è un comune, un Ambito, un ente o un'unità di servizio: non vi si può registrare un "
        "servizio.",
    ),
    "unit_not_managed": (
        "'{value}' is outside the org units you manage.",
        "'{value}' è fuori dalle unità organizzative che gestisci.",
    ),
    "missing_column": (
        "The file has no column '{column}': the header must name {columns}.",
        "Il file non ha la colonna '{column}': l'intestazione deve indicare {columns}.",
    ),
    "unknown_column": (
        "The column '{column}' is not one of {columns}.",
        "La colonna '{column}' non è tra {columns}.",
    ),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a value: its row (0 for the web form or the header), its column, why."""

    row: int
    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, language: str = "it") -> str:
        """The message in Italian for "it" (or "it-IT"), in English otherwise."""
        english, italian = MESSAGES[self.code]
        template = italian if language.lower().startswith("it") else english
        return template.format_map({"row": self.row, "column": self.column, **self.params})


@dataclass(frozen=True)
class UnitInfo:
    """An org unit as the checks need it; `managed` when the person making the change manages it."""

    id: int
    code: str
    kind: str
    managed: bool


@dataclass(frozen=True)
class ServiceValues:
    """A service's values once checked, ready to write."""

    code: str
    name: str
    kind: str
    legal_reference: str
    org_unit_id: int
    provider_type: str
    provider_name: str
    targets: str
    capacity: int | None

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def read_service(
    cells: Mapping[str, str], units: Mapping[str, UnitInfo], row: int = 0
) -> tuple[ServiceValues | None, list[Problem]]:
    """Check one service's text values (keyed by COLUMNS) against the org units named by code."""
    text = {name: (cells.get(name) or "").strip() for name in COLUMNS}
    problems: list[Problem] = []

    def problem(column: str, code: str, **params: Any) -> None:
        problems.append(Problem(row, column, code, params))

    for name in ("code", "name", "kind", "org_unit"):
        if not text[name]:
            problem(name, "required")
    for name, limit in _LIMITS.items():
        if len(text[name]) > limit:
            problem(name, "too_long", length=len(text[name]), limit=limit)
    code = text["code"].upper()
    if code and len(code) <= _LIMITS["code"] and not _CODE.fullmatch(code):
        problem("code", "code_format", value=text["code"])
    kind = _choice(text["kind"], SERVICE_KINDS, "kind")
    if text["kind"] and kind is None:
        problem("kind", "kind_unknown", value=text["kind"], allowed=", ".join(SERVICE_KINDS))
    provider = _choice(text["provider_type"] or "public", PROVIDER_TYPES, "provider_type")
    if provider is None:
        problem("provider_type", "provider_unknown", value=text["provider_type"])
    capacity = _capacity(text["capacity"], problem)
    unit = _unit(text["org_unit"], units, problem)
    if problems or kind is None or provider is None or unit is None:
        return None, problems
    legal = text["legal_reference"] or SERVICE_KINDS[kind][1]
    values = ServiceValues(
        code, text["name"], kind, legal, unit.id, provider, text["provider_name"], text["targets"], capacity
    )
    return values, []


def _choice(text: str, allowed: Mapping[str, object], column: str) -> str | None:
    key = re.sub(r"[\s-]+", "_", text.strip().lower())
    key = _ALIASES[column].get(key, key)
    return key if key in allowed else None


def _capacity(text: str, problem: Any) -> int | None:
    if not text:
        return None
    if not re.fullmatch(r"[+-]?\d+", text):
        problem("capacity", "capacity_number", value=text)
        return None
    number = int(text)
    if number < 0:
        problem("capacity", "capacity_negative", value=text)
    elif number > MAX_CAPACITY:
        problem("capacity", "capacity_too_large", value=text, limit=MAX_CAPACITY)
    return number


def _unit(text: str, units: Mapping[str, UnitInfo], problem: Any) -> UnitInfo | None:
    if not text:
        return None
    unit = units.get(text)
    if unit is None:
        problem("org_unit", "unit_unknown", value=text)
    elif unit.kind not in UNIT_KINDS:
        problem("org_unit", "unit_kind", value=text)
    elif not unit.managed:
        problem("org_unit", "unit_not_managed", value=text)
    else:
        return unit
    return None


@dataclass
class ImportCheck:
    """The rows of an import checked together: values to write only when there is no problem at all."""

    services: list[ServiceValues] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def header_problems(columns: Sequence[str], header_row: int = 1) -> list[Problem]:
    """What is wrong with an import's header: every column of COLUMNS, and nothing else."""
    named = ", ".join(COLUMNS)
    found = [
        Problem(header_row, c, "unknown_column", {"columns": named}) for c in columns if c not in COLUMNS
    ]
    found += [
        Problem(header_row, c, "missing_column", {"columns": named}) for c in COLUMNS if c not in columns
    ]
    return found


def check_import(
    rows: Iterable[tuple[int, Mapping[str, str]]],
    units: Mapping[str, UnitInfo],
    existing: Mapping[str, bool],
) -> ImportCheck:
    """Check every row of an import (numbered as in the file); `existing` maps the codes of services already
    registered to whether the importer manages them, so the row updates them or is refused."""
    check = ImportCheck()
    first_rows: dict[str, int] = {}
    for row, cells in rows:
        values, problems = read_service(cells, units, row)
        check.problems += problems
        if values is None:
            continue
        if values.code in first_rows:
            check.problems.append(
                Problem(
                    row, "code", "code_twice", {"value": values.code, "first_row": first_rows[values.code]}
                )
            )
            continue
        first_rows[values.code] = row
        if existing.get(values.code) is False:
            check.problems.append(Problem(row, "code", "service_not_managed", {"value": values.code}))
            continue
        check.services.append(values)
    if check.problems:
        check.services = []
    return check


def holds_code(data: Mapping[str, Any] | None, code: str) -> bool:
    """Whether a submission's answers name the service `code` in a field of CODE_FIELDS, at the top level or
    inside a group (repeats are not searched); a select_multiple's list counts too."""
    if not isinstance(data, Mapping):
        return False
    for name, value in data.items():
        if name in CODE_FIELDS and _names(value, code):
            return True
        if isinstance(value, Mapping) and holds_code(value, code):
            return True
    return False


def _names(value: Any, code: str) -> bool:
    if isinstance(value, str):
        return value.strip().upper() == code
    if isinstance(value, list):
        return any(isinstance(item, str) and item.strip().upper() == code for item in value)
    return False


DATASET_COLUMNS = ("name", "label", "kind", "org_unit", "provider_type", "tipo_servizio")


def dataset_row(code: str, name: str, kind: str, org_unit: str, provider_type: str) -> dict[str, str]:
    """A service as a row of servizi.csv: `tipo_servizio` is the monitoring form's code of its kind, so a
    form can offer only the services of the type chosen (choice_filter `tipo_servizio=${tipo_servizio}`)."""
    values = (code, name, kind, org_unit, provider_type, form_type(kind))
    return dict(zip(DATASET_COLUMNS, values, strict=True))


def dataset_csv(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """The forms' dataset of services (servizi.csv): UTF-8, comma-separated, one header row of
    DATASET_COLUMNS; `name` is the service code a form stores, `label` what the operator reads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DATASET_COLUMNS)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else str(row[c]) for c in DATASET_COLUMNS])
    return out.getvalue().encode("utf-8")
