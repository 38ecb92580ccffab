"""Historical import of the cartella sociale: check every row of an uploaded table against the minori or
interventi fields through a column mapping, and plan the entities to create, without writing anything.

The parts have their own modules: forms.entity_import_read reads the upload, forms.entity_import_fields
defines the fields and guesses the mapping, forms.entity_import_values reads each cell. Their public names
are re-exported here, so callers import everything about an import from this module.

Decisions:
- The person key is the codice fiscale when there is one, otherwise surname, name and birth date, in the
  order forms.identity documents. Two rows of one file with one key are an error of the later row; a row
  whose key is already in the database is only listed, for the caller to decide.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from forms.entity_import_fields import (
    CHOICES,
    INTERVENTI,
    MINORI,
    SPECS,
    ImportField,
    ImportSpec,
    suggest_mapping,
)
from forms.entity_import_read import ImportFileError, ImportLimits, Table, read_table
from forms.entity_import_values import InvalidValue, age_band, choice_reader, parse_date, value_reader
from forms.identity import MESSAGES as IDENTITY_MESSAGES
from forms.identity import pseudonym

__all__ = [
    "CHOICES",
    "INTERVENTI",
    "MINORI",
    "Duplicate",
    "ImportField",
    "ImportFileError",
    "ImportLimits",
    "ImportPlan",
    "ImportRecord",
    "ImportSpec",
    "RowProblem",
    "SPECS",
    "Table",
    "age_band",
    "check_mapping",
    "parse_date",
    "plan_import",
    "read_table",
    "suggest_mapping",
]

# code -> (English, Italian), str.format templates over a problem's row, column and params.
ROW_MESSAGES: dict[str, tuple[str, str]] = {
    "mapping_unknown_column": (
        "The mapping names the column '{column}', which the file does not have.",
        "L'abbinamento indica la colonna '{column}', che il file non contiene.",
    ),
    "mapping_unknown_field": (
        "The column '{column}' is mapped to '{field}', which is not a field of {kind}.",
        "La colonna '{column}' è abbinata a '{field}', che non è un campo di {kind}.",
    ),
    "mapping_field_twice": (
        "The field '{field}' is mapped from two columns, '{other}' and '{column}'.",
        "Il campo '{field}' è abbinato a due colonne, '{other}' e '{column}'.",
    ),
    "field_not_mapped": (
        "No column is mapped to the required field '{field}'.",
        "Nessuna colonna è abbinata al campo obbligatorio '{field}'.",
    ),
    "no_person_key": (
        "Map the codice fiscale, or the name and the surname, so that each minor can be recognised.",
        "Abbina il codice fiscale, oppure il nome e il cognome, così che ogni minore possa essere "
        "riconosciuto.",
    ),
    "no_case_key": (
        "Map the codice fiscale or the service code of the minor, so that each intervention can be linked "
        "to its case.",
        "Abbina il codice fiscale o il codice del minore, così che ogni intervento possa essere collegato "
        "alla sua cartella.",
    ),
    "required": (
        "'{column}' is empty, but {field} is required.",
        "'{column}' è vuoto, ma il campo {field} è obbligatorio.",
    ),
    "date_format": (
        "'{value}' in '{column}' is not a date: write it as DD/MM/YYYY or YYYY-MM-DD.",
        "'{value}' in '{column}' non è una data: scrivila come GG/MM/AAAA o AAAA-MM-GG.",
    ),
    "date_impossible": (
        "'{value}' in '{column}' is not a date of the calendar (day or month out of range).",
        "'{value}' in '{column}' non è una data del calendario (giorno o mese fuori intervallo).",
    ),
    "date_too_old": (
        "The date '{value}' in '{column}' is before 1900: check the year.",
        "La data '{value}' in '{column}' è anteriore al 1900: controlla l'anno.",
    ),
    "date_future": (
        "The date '{value}' in '{column}' is in the future.",
        "La data '{value}' in '{column}' è nel futuro.",
    ),
    "date_order": (
        "'{column}' ({value}) is before '{other}' ({other_value}).",
        "'{column}' ({value}) è precedente a '{other}' ({other_value}).",
    ),
    "too_old_at_intake": (
        "The minor was {age} at intake ('{column}'): the cartella sociale covers ages up to 21.",
        "Il minore aveva {age} anni alla presa in carico ('{column}'): la cartella sociale riguarda età fino "
        "a 21 anni.",
    ),
    "choice": (
        "'{value}' in '{column}' is not one of the allowed values: {allowed}.",
        "'{value}' in '{column}' non è uno dei valori ammessi: {allowed}.",
    ),
    "istat": (
        "'{value}' in '{column}' is not an ISTAT municipality code (6 digits).",
        "'{value}' in '{column}' non è un codice ISTAT di comune (6 cifre).",
    ),
    "service_code": (
        "'{value}' in '{column}' is not a service code: 6 to 16 upper-case letters and digits.",
        "'{value}' in '{column}' non è un codice del servizio: da 6 a 16 caratteri tra lettere maiuscole e "
        "cifre.",
    ),
    "open_with_closing_date": (
        "The case is open ('{value}' in '{column}') but has a closing date.",
        "La cartella è aperta ('{value}' in '{column}') ma ha una data di chiusura.",
    ),
    "person_key_missing": (
        "Neither the codice fiscale nor the name and surname are filled in: the minor cannot be recognised.",
        "Non sono compilati né il codice fiscale né nome e cognome: il minore non può essere riconosciuto.",
    ),
    "duplicate_row": (
        "This row is the same minor as row {first_row}.",
        "Questa riga riguarda lo stesso minore della riga {first_row}.",
    ),
    "codice_reused": (
        "The service code '{value}' already belongs to another minor (row {first_row}).",
        "Il codice del servizio '{value}' appartiene già a un altro minore (riga {first_row}).",
    ),
    "codice_taken": (
        "The service code '{value}' already belongs to another case in Humus.",
        "Il codice del servizio '{value}' appartiene già a un'altra cartella in Humus.",
    ),
    "case_unknown": (
        "No minor with '{value}' in '{column}' is among the existing cases or the minors of this import.",
        "Nessun minore con '{value}' in '{column}' si trova tra le cartelle esistenti o tra i minori di "
        "questa importazione.",
    ),
    "case_key_missing": (
        "Neither the codice fiscale nor the service code of the minor is filled in.",
        "Non sono compilati né il codice fiscale né il codice del servizio del minore.",
    ),
    "case_mismatch": (
        "The codice fiscale and the service code of this row belong to two different minors.",
        "Il codice fiscale e il codice del servizio di questa riga appartengono a due minori diversi.",
    ),
} | IDENTITY_MESSAGES  # the codice fiscale's own codes (cf_length, cf_check…)


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with a row (or, at the header's row, with the mapping), readable in both languages."""

    row: int
    column: str | None
    code: str
    params: dict[str, object] = field(default_factory=dict)

    def message(self, language: str = "it") -> str:
        """The message in Italian for "it" (or "it-IT"), in English otherwise."""
        english, italian = ROW_MESSAGES[self.code]
        template = italian if language.lower().startswith("it") else english
        return template.format_map({"row": self.row, "column": self.column, **self.params})


# Checking the mapping


def check_mapping(table: Table, spec: ImportSpec, mapping: Mapping[str, str | None]) -> list[RowProblem]:
    """What is wrong with a column -> field mapping, as problems of the header row. A column mapped to
    nothing (None or "") is ignored."""
    row, problems, chosen = table.header_row, [], _chosen_columns(table, spec, mapping)
    for column, name in mapping.items():
        if not name:
            continue
        if column not in table.columns:
            problems.append(RowProblem(row, column, "mapping_unknown_column"))
        elif spec.field_named(name) is None:
            problems.append(
                RowProblem(row, column, "mapping_unknown_field", {"field": name, "kind": spec.kind})
            )
        elif chosen[name] != column:
            problems.append(
                RowProblem(row, column, "mapping_field_twice", {"field": name, "other": chosen[name]})
            )
    for wanted in spec.fields:
        if wanted.required and wanted.name not in chosen:
            problems.append(RowProblem(row, None, "field_not_mapped", {"field": wanted.name}))
    if spec.kind == "minori" and "codice_fiscale" not in chosen and not {"nome", "cognome"} <= chosen.keys():
        problems.append(RowProblem(row, None, "no_person_key"))
    if spec.kind == "interventi" and not {"codice_fiscale", "codice"} & chosen.keys():
        problems.append(RowProblem(row, None, "no_case_key"))
    return problems


def _chosen_columns(table: Table, spec: ImportSpec, mapping: Mapping[str, str | None]) -> dict[str, str]:
    """field -> the first column of the table mapped to it."""
    chosen: dict[str, str] = {}
    for column, name in mapping.items():
        if name and column in table.columns and spec.field_named(name) is not None:
            chosen.setdefault(name, column)
    return chosen


# Planning the import


@dataclass(frozen=True)
class ImportRecord:
    """A valid row, ready to become an entity: its properties; for a minor, the identity to encrypt; the
    minor's pseudonym when known; the label; and for an intervention, the minor's case, as the entity id of
    an existing case or as the row of a minor in the same import."""

    row: int
    properties: dict[str, str]
    identity: dict[str, str] | None
    pseudonym: str | None
    label: str
    case_id: str | None = None
    case_row: int | None = None


@dataclass(frozen=True)
class Duplicate:
    """A row about a minor seen before: in an earlier row of the file (`first_row`, also a problem of the
    row), or, with `first_row` None, among the cases already in Humus (for the caller to decide)."""

    row: int
    pseudonym: str
    first_row: int | None = None


@dataclass(frozen=True)
class ImportPlan:
    """What an import would do: one record per valid row, the problems by row, and the duplicates."""

    kind: str
    records: list[ImportRecord]
    problems: list[RowProblem]
    duplicates: list[Duplicate]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def existing(self) -> list[Duplicate]:
        """The rows whose minor already has a case in Humus."""
        return [duplicate for duplicate in self.duplicates if duplicate.first_row is None]


_OLDEST = 21


def _shown(text: str) -> str:
    return text if len(text) <= 60 else text[:59] + "…"


class _Rows:
    """Reads the mapped cells of a row into typed values (str or date), noting each problem."""

    def __init__(self, spec: ImportSpec, columns: Mapping[str, str], today: date) -> None:
        self.fields = []
        for name, column in columns.items():
            wanted = spec.field_named(name)
            assert wanted is not None  # _chosen_columns keeps only fields of the spec
            self.fields.append((wanted.name, column, wanted.required, _reader(spec, wanted, today)))

    def read(self, row: int, cells: Mapping[str, str]) -> tuple[dict[str, object], list[RowProblem]]:
        values: dict[str, object] = {}
        problems: list[RowProblem] = []
        for name, column, required, read in self.fields:
            text = cells.get(column, "")
            if not text:
                if required:
                    problems.append(RowProblem(row, column, "required", {"field": name}))
                continue
            try:
                values[name] = read(text)
            except InvalidValue as invalid:
                problems.append(
                    RowProblem(row, column, invalid.code, {"value": _shown(text), **invalid.params})
                )
        return values, problems


def _reader(spec: ImportSpec, wanted: ImportField, today: date) -> Callable[[str], object]:
    """The function turning a cell's text into the field's value, or raising InvalidValue."""
    if wanted.type == "choice":
        return choice_reader(spec.choices[wanted.choices or ""])
    return value_reader(wanted.type, today)


def plan_import(
    table: Table,
    spec: ImportSpec,
    mapping: Mapping[str, str | None],
    key: bytes,
    *,
    existing: Collection[str] = frozenset(),
    known_cases: Mapping[str, str] = MappingProxyType({}),
    pending: Iterable[ImportRecord] = (),
    today: date | None = None,
) -> ImportPlan:
    """Check every row of `table` against `spec` through `mapping` (column -> field) and plan the entities.

    `key` is the pseudonym key. `existing` holds the pseudonyms of minors that already have a case;
    `known_cases` maps the pseudonyms and service codes of existing cases to their entity ids; `pending`
    gives the records of a minori plan of the same import, so that interventions can find their minor."""
    problems, records = check_mapping(table, spec, mapping), []
    planner = _Planner(spec, _chosen_columns(table, spec, mapping), key, today or date.today())
    planner.know(existing, known_cases, pending)
    planner.complete = not problems  # rows are still checked, but no record lacks a required field
    check = {"minori": planner.minor, "interventi": planner.intervention}[spec.kind]
    for row, cells in table.rows:
        values, found = planner.rows.read(row, cells)
        record = check(row, cells, values, found)
        problems += found
        if record is not None and not found:
            records.append(record)
    problems.sort(key=lambda problem: problem.row)
    return ImportPlan(spec.kind, records, problems, planner.duplicates)


_Case = tuple[str | None, int | None]  # an existing case's entity id, or the row of a minor of this import


class _Planner:
    """The rules across fields and rows: dates in order, person keys, duplicates, interventions' minors."""

    def __init__(self, spec: ImportSpec, columns: dict[str, str], key: bytes, today: date) -> None:
        self.spec, self.columns, self.key = spec, columns, key
        self.rows = _Rows(spec, columns, today)
        self.roles = {wanted.name: wanted.role for wanted in spec.fields}
        self.complete = True
        self.people: dict[str, int] = {}  # pseudonym -> first row
        self.codes: dict[str, tuple[int, str]] = {}  # service code -> first row, pseudonym
        self.duplicates: list[Duplicate] = []

    def know(
        self, existing: Collection[str], known_cases: Mapping[str, str], pending: Iterable[ImportRecord]
    ) -> None:
        """Take in the cases the import can meet: existing ones, and minors of the same import."""
        self.existing, self.known_cases = frozenset(existing), known_cases  # a list would make this quadratic
        self.pending: dict[str, int] = {}  # pseudonym or service code -> row
        self.pending_people: dict[int, str | None] = {}  # row -> pseudonym
        for record in pending:
            self.pending_people[record.row] = record.pseudonym
            for name in (record.pseudonym, record.properties.get("codice")):
                if name:
                    self.pending.setdefault(name, record.row)

    def problem(self, row: int, name: str, code: str, **params: object) -> RowProblem:
        return RowProblem(row, self.columns.get(name), code, params)

    # Minori

    def minor(
        self, row: int, cells: Mapping[str, str], values: dict[str, object], problems: list[RowProblem]
    ) -> ImportRecord | None:
        birth, intake = _date(values, "data_nascita"), _date(values, "data_presa_in_carico")
        self._in_order(row, "data_nascita", "data_presa_in_carico", values, problems)
        self._in_order(row, "data_presa_in_carico", "data_chiusura", values, problems)
        age, band = age_band(birth, intake) if birth and intake else (0, "")
        if birth and intake and intake >= birth and age > _OLDEST:
            problems.append(self.problem(row, "data_presa_in_carico", "too_old_at_intake", age=age))
        if values.get("stato") == "aperta" and "data_chiusura" in values:
            stato = cells[self.columns["stato"]]
            problems.append(self.problem(row, "stato", "open_with_closing_date", value=stato))
        code = self._person(row, cells, values, problems)
        if code is None or birth is None or intake is None or problems or not self.complete:
            return None
        properties = self._values(values, "property")
        properties["anno_nascita"] = str(birth.year)
        properties["fascia_eta"] = band
        label = f"{properties['codice']} ({properties['sesso']}, {birth.year})"
        return ImportRecord(row, properties, self._values(values, "identity"), code, label)

    def _person(
        self, row: int, cells: Mapping[str, str], values: dict[str, object], problems: list[RowProblem]
    ) -> str | None:
        """The minor's pseudonym, noting a missing key, a repeated minor and a service code in two hands."""
        parts = self._person_parts(row, cells, values, problems)
        if parts is None:
            return None
        code = pseudonym(self.key, *parts)
        first = self.people.setdefault(code, row)
        if first != row:
            keyed_by = "codice_fiscale" if len(parts) == 1 else "cognome"
            problems.append(self.problem(row, keyed_by, "duplicate_row", first_row=first))
            self.duplicates.append(Duplicate(row, code, first))
        if code in self.existing:
            self.duplicates.append(Duplicate(row, code))
        service = values.get("codice")
        if isinstance(service, str):
            first_row, owner = self.codes.setdefault(service, (row, code))
            if owner != code:
                problems.append(
                    self.problem(row, "codice", "codice_reused", value=service, first_row=first_row)
                )
            elif service in self.known_cases and self.known_cases[service] != self.known_cases.get(code):
                problems.append(self.problem(row, "codice", "codice_taken", value=service))
        return code

    def _person_parts(
        self, row: int, cells: Mapping[str, str], values: dict[str, object], problems: list[RowProblem]
    ) -> tuple[str | date, ...] | None:
        """The codice fiscale, or surname, name and birth date, as forms.identity orders them."""
        if "codice_fiscale" in values:
            return (str(values["codice_fiscale"]),)
        if self._filled(cells, "codice_fiscale"):
            return None  # a codice fiscale that is not valid: its problem is noted already
        surname, name = str(values.get("cognome", "")), str(values.get("nome", ""))
        if not (_has_letters(surname) and _has_letters(name)):
            if "codice_fiscale" in self.columns or {"nome", "cognome"} <= self.columns.keys():
                column = "codice_fiscale" if "codice_fiscale" in self.columns else "nome"
                problems.append(self.problem(row, column, "person_key_missing"))
            return None  # with neither mapped, the header's problem says so once
        birth = _date(values, "data_nascita")
        return (surname, name, birth) if birth else None

    # Interventi

    def intervention(
        self, row: int, cells: Mapping[str, str], values: dict[str, object], problems: list[RowProblem]
    ) -> ImportRecord | None:
        self._in_order(row, "data_inizio_intervento", "data_fine_intervento", values, problems)
        found = self._case(row, cells, values, problems)
        if found is None or problems or not self.complete:
            return None
        (case_id, case_row), code = found
        properties = self._values(values, "property")
        label = f"{properties['tipo_intervento']} ({properties['data_inizio_intervento']})"
        return ImportRecord(row, properties, None, code, label, case_id, case_row)

    def _case(
        self, row: int, cells: Mapping[str, str], values: dict[str, object], problems: list[RowProblem]
    ) -> tuple[_Case, str | None] | None:
        """The minor's case and, when known, pseudonym; None after noting why there is none."""
        code = pseudonym(self.key, str(values["codice_fiscale"])) if "codice_fiscale" in values else None
        tried = [
            (name, key) for name, key in (("codice_fiscale", code), ("codice", values.get("codice"))) if key
        ]
        if not tried:
            if not (self._filled(cells, "codice_fiscale") or self._filled(cells, "codice")) and (
                {"codice_fiscale", "codice"} & self.columns.keys()
            ):
                name = "codice_fiscale" if "codice_fiscale" in self.columns else "codice"
                problems.append(self.problem(row, name, "case_key_missing"))
            return None
        cases = {name: self._known(str(key)) for name, key in tried}
        found = set(filter(None, cases.values()))
        if len(found) > 1:
            problems.append(self.problem(row, "codice", "case_mismatch"))
        if len(found) != 1:
            name = tried[0][0]
            if not found:
                problems.append(self.problem(row, name, "case_unknown", value=cells[self.columns[name]]))
            return None
        case = found.pop()
        if code is None and case[1] is not None:
            code = self.pending_people.get(case[1])
        return case, code

    def _known(self, key: str) -> _Case | None:
        if key in self.known_cases:
            return self.known_cases[key], None
        if key in self.pending:
            return None, self.pending[key]
        return None

    # Shared

    def _filled(self, cells: Mapping[str, str], name: str) -> bool:
        return name in self.columns and bool(cells.get(self.columns[name]))

    def _in_order(
        self, row: int, earlier: str, later: str, values: dict[str, object], problems: list[RowProblem]
    ) -> None:
        first, second = _date(values, earlier), _date(values, later)
        if first and second and second < first:
            other = self.columns[earlier]
            params = {"value": second.isoformat(), "other": other, "other_value": first.isoformat()}
            problems.append(self.problem(row, later, "date_order", **params))

    def _values(self, values: dict[str, object], role: str) -> dict[str, str]:
        """The values of the fields with `role`, as text (dates in ISO)."""
        return {
            name: value.isoformat() if isinstance(value, date) else str(value)
            for name, value in values.items()
            if self.roles[name] == role
        }


def _date(values: Mapping[str, object], name: str) -> date | None:
    value = values.get(name)
    return value if isinstance(value, date) else None


def _has_letters(text: str) -> bool:
    """Whether a name keeps something once normalised (normalise_identity_part keeps letters and digits)."""
    return any(map(str.isalnum, text))
