"""Historical import of the cartella sociale: read a CSV or XLSX upload safely, check every row against the
minori or interventi fields, and plan the entities to create, without writing anything.

Decisions:
- An .xlsx goes through the XLSForm upload guard (forms.safety.check_upload: zip bombs, DTDs, sizes) under
  import limits, then openpyxl reads its first sheet read-only. A .csv cannot use the guard's text check,
  which is for XLSForms (UTF-8 only, ',' only, sheet names in the first column): it gets the same disguise,
  size, line and control-character checks here, with UTF-8 (BOM or not) or else Windows-1252 and ';', ','
  or tab as the separator, chosen by which splits the header into more cells (Excel's "sep=;" line wins).
- Row numbers are the spreadsheet's, 1-based, blank rows counted but skipped; values are stripped text,
  and Excel dates become ISO dates.
- The person key is the codice fiscale when there is one, otherwise surname, name and birth date, in the
  order forms.identity documents. Two rows of one file with one key are an error of the later row; a row
  whose key is already in the database is only listed, for the caller to decide.
- The age band counts completed years at the intake date (birthdays), with the intake form's cut points.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from types import MappingProxyType

import openpyxl
from openpyxl.utils import get_column_letter

from forms.errors import OWN, CodedError, FormDefinitionError
from forms.identity import MESSAGES as IDENTITY_MESSAGES
from forms.identity import IdentityError, check_codice_fiscale, normalise_identity_part, pseudonym
from forms.safety import check_upload, sniff
from forms.safety_limits import CONTROL, Limits, MiB, megabytes
from forms.safety_sheets import _XLSX_ERRORS, _xlsx_rows

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

# code -> (English, Italian), str.format templates; file errors may also use the upload guard's codes.
FILE_MESSAGES: dict[str, tuple[str, str]] = {
    "unsupported_extension": (
        "The file type '{extension}' cannot be imported: upload a .csv or .xlsx file.",
        "Il tipo di file '{extension}' non può essere importato: carica un file .csv o .xlsx.",
    ),
    "csv_utf16": (
        "The file is UTF-16 (Unicode) text: save it as 'CSV UTF-8' or as .xlsx.",
        "Il file è testo UTF-16 (Unicode): salvalo come 'CSV UTF-8' o come .xlsx.",
    ),
    "csv_invalid_row": (
        "Row {row} of the CSV file cannot be read ({detail}).",
        "La riga {row} del file CSV non può essere letta ({detail}).",
    ),
    "no_header": (
        "The file has no header row: the first row must name the columns.",
        "Il file non ha una riga di intestazione: la prima riga deve indicare i nomi delle colonne.",
    ),
    "no_rows": (
        "The file has a header row but no data.",
        "Il file ha la riga di intestazione ma nessun dato.",
    ),
    "header_too_wide": (
        "The header row has more than {limit} columns.",
        "La riga di intestazione ha più di {limit} colonne.",
    ),
    "duplicate_column": (
        "The column '{column}' appears twice in the header row: give each column its own name.",
        "La colonna '{column}' compare due volte nella riga di intestazione: dai a ogni colonna un nome "
        "diverso.",
    ),
    "unnamed_column": (
        "Cell {letter}{row} has a value, but column {letter} has no name in the header row.",
        "La cella {letter}{row} contiene un valore, ma la colonna {letter} non ha un nome nella riga di "
        "intestazione.",
    ),
    "too_many_data_rows": (
        "The file has more than {limit} rows of data: split it into smaller files.",
        "Il file ha più di {limit} righe di dati: dividilo in file più piccoli.",
    ),
    "import_too_many_cells": (
        "The file has more than {limit} cells ({columns} columns per row): remove the unused columns or "
        "split the file.",
        "Il file ha più di {limit} celle ({columns} colonne per riga): elimina le colonne inutilizzate o "
        "dividi il file.",
    ),
    "import_cell_too_long": (
        "Cell {letter}{row} has {length} characters; the limit is {limit}.",
        "La cella {letter}{row} ha {length} caratteri; il limite è {limit}.",
    ),
    "import_control_character": (
        "Cell {letter}{row} contains an invisible control character ({char}): delete it.",
        "La cella {letter}{row} contiene un carattere di controllo invisibile ({char}): eliminalo.",
    ),
}

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


class ImportFileError(CodedError):
    """The upload cannot be read as a table: hostile, damaged, too large, or without a header."""

    MESSAGES = OWN | FILE_MESSAGES


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


# Reading the file


@dataclass(frozen=True)
class ImportLimits:
    """The bounds an import file must respect."""

    upload_bytes: int = 10 * MiB
    rows: int = 200_000  # rows of data: neither the header nor blank rows count
    lines: int = 250_000  # rows read, blank ones included (in .xlsx, formatted empty rows too)
    columns: int = 100
    # Rows of data times the header's width; in .xlsx also every cell element and shared string
    cells: int = 3_000_000
    cell_chars: int = 32_767
    line_chars: int = 100_000  # characters per line of a CSV
    xml_bytes: int = 256 * MiB  # an .xlsx's XML once inflated

    def guard(self) -> Limits:
        """These bounds as the upload guard's limits for an .xlsx."""
        return Limits(
            upload_bytes=self.upload_bytes,
            member_bytes=self.xml_bytes,
            total_bytes=self.xml_bytes,
            rows=self.lines,
            scanned_rows=self.lines,
            cells=self.cells,
            columns=self.columns,
            cell_chars=self.cell_chars,
            text_lines=self.lines,
            line_chars=self.line_chars,
        )


@dataclass(frozen=True)
class Table:
    """The columns named in the header row, and each non-blank row below it as column -> stripped text."""

    columns: tuple[str, ...]
    rows: list[tuple[int, dict[str, str]]]
    header_row: int = 1


_DISGUISES = {
    "zip": "disguised_xlsx",
    "ole2": "disguised_xls",
    "html": "disguised_html",
    "pdf": "disguised_pdf",
}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SEPARATORS = ";,\t"  # on a tie the first wins: Excel in an Italian locale writes ';'


def read_table(data: bytes, filename: str, limits: ImportLimits | None = None) -> Table:
    """The first sheet of an .xlsx, or a .csv, as a Table; ImportFileError saying why it cannot be."""
    limits = limits or ImportLimits()
    extension = "." + filename.rpartition(".")[2].lower() if "." in filename else filename
    if extension not in (".csv", ".xlsx"):
        raise ImportFileError("unsupported_extension", extension=extension)
    with _refusals():
        if extension == ".xlsx":
            check_upload(data, ".xlsx", limits.guard())
            return _read_xlsx(data, limits)
        return _read_csv(_csv_text(data, limits), limits)


@contextmanager
def _refusals() -> Iterator[None]:
    # The upload guard refuses with FormDefinitionError; an import reports the same problem as its own.
    try:
        yield
    except FormDefinitionError as err:
        found = err.problems[0]
        raise ImportFileError(found.code, **found.values()) from err


def _csv_text(data: bytes, limits: ImportLimits) -> str:
    if not data:
        raise ImportFileError("empty_file")
    if len(data) > limits.upload_bytes:
        size, limit = megabytes(len(data)), megabytes(limits.upload_bytes)
        raise ImportFileError("too_large", size_mb=size, limit_mb=limit)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError("csv_utf16")
    kind = sniff(data)
    if kind != "text":
        raise ImportFileError(_DISGUISES.get(kind, "binary_text"), extension=".csv")
    text = _decode(data)
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        if len(line) > limits.line_chars:
            raise ImportFileError("line_too_long", row=number, limit=limits.line_chars)
    control = CONTROL.search(text)
    if control:
        row = len(_LINE_BREAK.findall(text, 0, control.start())) + 1
        raise ImportFileError("text_control_character", row=row, char=f"U+{ord(control.group()):04X}")
    return text


def _decode(data: bytes) -> str:
    """UTF-8 with or without a BOM; otherwise Windows-1252 (Excel's "CSV" on Italian Windows), or Latin-1
    for the five bytes Windows-1252 leaves undefined."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _read_csv(text: str, limits: ImportLimits) -> Table:
    hint = re.match(r"sep=(.)\r?\n", text)  # Excel's own line naming the separator
    if hint:
        separator, text = hint.group(1), text[hint.end() :]
    else:
        first = next((line for line in io.StringIO(text, newline="") if line.strip()), "")
        separator = max(_SEPARATORS, key=lambda sep: len(next(csv.reader([first], delimiter=sep), [])))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    try:
        return _table(enumerate(reader, start=1), limits, str.strip)
    except csv.Error as err:
        raise ImportFileError("csv_invalid_row", row=reader.line_num, detail=str(err)) from err


def _read_xlsx(data: bytes, limits: ImportLimits) -> Table:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except _XLSX_ERRORS as err:
        raise ImportFileError("workbook_corrupt", detail=str(err)) from err
    try:
        if not workbook.worksheets:
            raise ImportFileError("no_header")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # a forged <dimension> would make openpyxl pad every row to it
        rows = _xlsx_rows(sheet, max_col=limits.columns + 1)
        return _table(enumerate(rows, start=1), limits, _cell_text)
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(
    rows: Iterable[tuple[int, Sequence[object]]], limits: ImportLimits, text: Callable[[object], str]
) -> Table:
    rows = iter(rows)
    header_row, header = _header(rows, limits, text)
    width, unnamed = len(header), [index for index, name in enumerate(header) if not name]
    named = [(index, name) for index, name in enumerate(header) if name]
    most = min(limits.rows, limits.cells // width)
    records: list[tuple[int, dict[str, str]]] = []
    for number, values in rows:
        if number > limits.lines:
            raise ImportFileError("too_many_lines", limit=limits.lines)
        beyond = values[width:]
        if beyond and beyond.count(None) != len(beyond) and any(map(_has_content, beyond)):
            _refuse_unnamed(number, width + next(i for i, value in enumerate(beyond) if _has_content(value)))
        cells = [text(value) for value in values[:width]]
        if not any(cells):
            continue
        _check_cells(number, cells, limits)
        cells += [""] * (width - len(cells))
        for index in unnamed:
            if cells[index]:
                _refuse_unnamed(number, index)
        if len(records) == most:
            if most == limits.rows:
                raise ImportFileError("too_many_data_rows", limit=limits.rows)
            raise ImportFileError("import_too_many_cells", limit=limits.cells, columns=width)
        records.append((number, {name: cells[index] for index, name in named}))
    if not records:
        raise ImportFileError("no_rows")
    return Table(tuple(name for _, name in named), records, header_row)


def _header(
    rows: Iterator[tuple[int, Sequence[object]]], limits: ImportLimits, text: Callable[[object], str]
) -> tuple[int, list[str]]:
    """The number and cells of the first row with content, which must name the columns."""
    for number, values in rows:
        if number > limits.lines:
            raise ImportFileError("too_many_lines", limit=limits.lines)
        header = [text(value) for value in values]
        while header and not header[-1]:
            header.pop()
        if not header:
            continue
        if len(header) > limits.columns:
            raise ImportFileError("header_too_wide", limit=limits.columns)
        _check_cells(number, header, limits)
        seen: set[str] = set()
        for name in filter(None, header):
            if name in seen:
                raise ImportFileError("duplicate_column", column=name)
            seen.add(name)
        return number, header
    raise ImportFileError("no_header")


def _has_content(value: object) -> bool:
    return value is not None and str(value).strip() != ""


def _refuse_unnamed(row: int, index: int) -> None:
    raise ImportFileError("unnamed_column", row=row, letter=get_column_letter(index + 1))


def _check_cells(row: int, cells: list[str], limits: ImportLimits) -> None:
    if max(map(len, cells)) > limits.cell_chars:
        index = next(i for i, cell in enumerate(cells) if len(cell) > limits.cell_chars)
        letter, length = get_column_letter(index + 1), len(cells[index])
        raise ImportFileError(
            "import_cell_too_long", row=row, letter=letter, length=length, limit=limits.cell_chars
        )
    if CONTROL.search("".join(cells)):
        index = next(i for i, cell in enumerate(cells) if CONTROL.search(cell))
        char = CONTROL.search(cells[index]).group()  # type: ignore[union-attr]
        raise ImportFileError(
            "import_control_character",
            row=row,
            letter=get_column_letter(index + 1),
            char=f"U+{ord(char):04X}",
        )


# Fields and their allowed values


def _frozen(choices: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(choices)


# Choice names -> Italian labels, from the choices sheet of cartella_sociale.xlsx (stato is the import's own).
CHOICES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "sesso": _frozen({"m": "Maschio", "f": "Femmina"}),
        "stato": _frozen({"aperta": "Aperta", "chiusa": "Chiusa"}),
        "fonte": _frozen(
            {
                "famiglia": "Richiesta spontanea della famiglia",
                "scuola": "Scuola",
                "pediatra_mmg": "Pediatra / medico di base",
                "consultorio": "Consultorio familiare",
                "npia": "Neuropsichiatria infantile",
                "ospedale": "Ospedale / pronto soccorso",
                "forze_ordine": "Forze dell'ordine",
                "autorita_giudiziaria": "Autorità Giudiziaria (Tribunale / Procura per i minorenni)",
                "altro_servizio": "Altro servizio sociale / altro Ambito",
                "terzo_settore": "Ente del Terzo Settore",
                "altro": "Altro",
            }
        ),
        "tipo_intervento": _frozen(
            {
                "servizio_sociale": "Servizio sociale professionale / presa in carico",
                "ade": "Assistenza Domiciliare Educativa (art. 87 bis R.R. 4/2007)",
                "centro_diurno": "Centro socio-educativo diurno (art. 52 R.R. 4/2007)",
                "cap": "Centro Aperto Polivalente per minori (art. 104 R.R. 4/2007)",
                "csf": "Centro Servizi per le Famiglie (art. 93 R.R. 4/2007)",
                "pippi": "Programma P.I.P.P.I.",
                "affido_residenziale": "Affidamento familiare residenziale",
                "affido_diurno": "Affidamento familiare diurno / part-time",
                "comunita": "Comunità residenziale per minori",
                "comunita_mamma_bambino": "Comunità genitore-bambino",
                "sostegno_economico": "Contributo economico",
                "mediazione_familiare": "Mediazione familiare",
                "spazio_neutro": "Spazio neutro / incontri protetti",
                "sostegno_psicologico": "Sostegno psicologico",
                "npia": "Presa in carico NPIA",
                "inserimento_lavorativo": "Orientamento / inserimento lavorativo",
                "altro": "Altro",
            }
        ),
        "erogatore": _frozen(
            {
                "comune_ambito": "Comune / Ambito (gestione diretta)",
                "terzo_settore": "Ente del Terzo Settore",
                "asl": "ASL",
                "scuola": "Scuola",
                "famiglia_affidataria": "Famiglia affidataria",
                "altro": "Altro",
            }
        ),
        "stato_intervento": _frozen(
            {"programmato": "Programmato", "attivo": "Attivo", "sospeso": "Sospeso", "concluso": "Concluso"}
        ),
    }
)


@dataclass(frozen=True)
class ImportField:
    """A field a column can fill: its type (text, date, choice, istat, codice, codice_fiscale), whether a
    row needs it, and its role: a property of the entity, an identity (encrypted, never a property), or a
    lookup that only finds the minor an intervention belongs to."""

    name: str
    type: str = "text"
    required: bool = False
    role: str = "property"
    choices: str | None = None  # the choice list of a "choice" field


@dataclass(frozen=True)
class ImportSpec:
    """What a file imports: minori or interventi, their fields, and the allowed values of choice fields (a
    list's names, or a mapping of names to Italian labels, which are then accepted as well)."""

    kind: str
    fields: tuple[ImportField, ...]
    choices: Mapping[str, Collection[str]] = field(default_factory=lambda: CHOICES)

    def field_named(self, name: str) -> ImportField | None:
        return next((candidate for candidate in self.fields if candidate.name == name), None)


MINORI = ImportSpec(
    "minori",
    (
        ImportField("nome", role="identity"),
        ImportField("cognome", role="identity"),
        ImportField("codice_fiscale", "codice_fiscale", role="identity"),
        ImportField("data_nascita", "date", required=True, role="identity"),
        ImportField("indirizzo", role="identity"),
        ImportField("codice", "codice", required=True),
        ImportField("sesso", "choice", required=True, choices="sesso"),
        ImportField("comune_istat", "istat", required=True),
        ImportField("data_presa_in_carico", "date", required=True),
        ImportField("stato", "choice", required=True, choices="stato"),
        ImportField("data_chiusura", "date"),
        ImportField("esito"),
        ImportField("fonte_segnalazione", "choice", choices="fonte"),
    ),
)
INTERVENTI = ImportSpec(
    "interventi",
    (
        ImportField("codice_fiscale", "codice_fiscale", role="lookup"),
        ImportField("codice", "codice", role="lookup"),
        ImportField("tipo_intervento", "choice", required=True, choices="tipo_intervento"),
        ImportField("tipo_erogatore", "choice", required=True, choices="erogatore"),
        ImportField("ente_erogatore"),
        ImportField("data_inizio_intervento", "date", required=True),
        ImportField("data_fine_intervento", "date"),
        ImportField("stato_intervento", "choice", required=True, choices="stato_intervento"),
    ),
)
SPECS = {spec.kind: spec for spec in (MINORI, INTERVENTI)}


# Guessing the mapping

# Header words that say nothing about the field ("Data di nascita del minore" is "data nascita").
_FILLER_WORDS = frozenset(
    {"di", "del", "della", "dello", "dei", "degli", "delle", "d", "il", "lo", "la", "l", "i", "gli", "le"}
    | {"of", "the", "minore", "minori", "bambino"}
)
_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "minori": {
        "nome": ("nome", "nome minore", "first name", "name", "given name"),
        "cognome": ("cognome", "surname", "last name", "family name"),
        "codice_fiscale": ("codice fiscale", "c.f.", "cf", "cod. fiscale", "cod fisc", "codfisc", "tax code"),
        "data_nascita": ("data di nascita", "data nascita", "nato il", "nata il", "nato/a il", "birth date")
        + ("date of birth", "dob", "nascita"),
        "indirizzo": ("indirizzo", "indirizzo di residenza", "residenza", "via", "address"),
        "codice": ("codice", "codice minore", "codice cartella", "codice pseudonimo", "codice servizio")
        + ("id", "id minore", "numero cartella", "n. cartella", "cartella"),
        "sesso": ("sesso", "genere", "m/f", "sex", "gender"),
        "comune_istat": ("comune", "comune istat", "codice istat", "istat", "codice comune", "cod. istat")
        + ("comune di residenza", "codice istat comune", "comune residenza"),
        "data_presa_in_carico": ("data presa in carico", "data di presa in carico", "presa in carico")
        + ("data apertura", "data apertura cartella", "data inizio presa in carico", "intake date"),
        "stato": ("stato", "stato cartella", "stato del caso", "stato caso"),
        "data_chiusura": ("data chiusura", "data di chiusura", "chiusura", "data chiusura cartella"),
        "esito": ("esito", "esito chiusura", "motivo chiusura", "motivo di chiusura"),
        "fonte_segnalazione": ("fonte", "fonte segnalazione", "fonte della segnalazione", "segnalazione")
        + ("segnalato da", "inviante", "soggetto inviante"),
    },
    "interventi": {
        "codice_fiscale": ("codice fiscale", "c.f.", "cf", "cod. fiscale", "cod fisc", "codfisc", "tax code"),
        "codice": ("codice", "codice minore", "codice cartella", "codice pseudonimo", "codice servizio")
        + ("id minore", "numero cartella", "n. cartella", "cartella"),
        "tipo_intervento": ("tipo intervento", "tipo di intervento", "tipologia intervento", "intervento")
        + ("servizio", "tipo servizio"),
        "tipo_erogatore": ("tipo erogatore", "erogatore", "tipologia erogatore", "tipo ente"),
        "ente_erogatore": ("ente erogatore", "ente", "denominazione ente", "denominazione ente erogatore")
        + ("erogato da",),
        "data_inizio_intervento": ("data inizio", "data di inizio", "inizio", "data inizio intervento", "dal")
        + ("data attivazione",),
        "data_fine_intervento": ("data fine", "data di fine", "fine", "data fine intervento", "al")
        + ("data conclusione",),
        "stato_intervento": ("stato intervento", "stato", "stato dell'intervento"),
    },
}


def _header_key(header: str) -> str:
    """A header as suggestions compare it: without accents, case, brackets, punctuation or filler words."""
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", unicodedata.normalize("NFKD", header).casefold())
    return "".join(word for word in re.findall(r"[^\W_]+", text) if word not in _FILLER_WORDS)


_HINTS = {
    kind: {_header_key(text): name for name, texts in fields.items() for text in (name, *texts)}
    for kind, fields in _SYNONYMS.items()
}


def suggest_mapping(columns: Iterable[str], kind: str) -> dict[str, str]:
    """A guess of column -> field for the "minori" or "interventi" fields, from the headers' wording; each
    field goes to the first column that names it, and columns nobody recognises are left out."""
    mapping: dict[str, str] = {}
    for column in columns:
        name = _HINTS[kind].get(_header_key(column))
        if name and name not in mapping.values():
            mapping[column] = name
    return mapping


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


class _Invalid(Exception):
    """A cell's value that is not valid, on its way to becoming a RowProblem."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.params = code, params


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_ITALIAN_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_EARLIEST = date(1900, 1, 1)
_SERVICE_CODE = re.compile(r"[A-Z0-9]{6,16}")  # the intake form's constraint on codice_minore
_ISTAT = re.compile(r"\d{4,6}")  # Excel drops the leading zeros of codes read as numbers
_AGE_BANDS = ((3, "0_2"), (6, "3_5"), (11, "6_10"), (14, "11_13"), (18, "14_17"))
_OLDEST = 21


def parse_date(text: str, today: date) -> date:
    """A date written as YYYY-MM-DD (a time after it is ignored), DD/MM/YYYY, DD-MM-YYYY or DD.MM.YYYY,
    between 1900 and `today`."""
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.group(1, 2, 3)
    elif match := _ITALIAN_DATE.fullmatch(text):
        day, month, year = match.group(1, 3, 4)
    else:
        raise _Invalid("date_format")
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        raise _Invalid("date_impossible") from None
    if value < _EARLIEST:
        raise _Invalid("date_too_old")
    if value > today:
        raise _Invalid("date_future")
    return value


def age_band(birth: date, on: date) -> tuple[int, str]:
    """The age in completed years on a day, and its band as the intake form names it (0_2 … 18_21)."""
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return age, next((band for limit, band in _AGE_BANDS if age < limit), "18_21")


def _lookup(allowed: Collection[str]) -> dict[str, str]:
    """Folded name or Italian label -> name; a name wins over another choice's label."""
    lookup = {normalise_identity_part(name): name for name in allowed}
    if isinstance(allowed, Mapping):
        for name, label in allowed.items():
            lookup.setdefault(normalise_identity_part(str(label)), name)
    return lookup


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
            except _Invalid as invalid:
                problems.append(
                    RowProblem(row, column, invalid.code, {"value": _shown(text), **invalid.params})
                )
        return values, problems


def _reader(spec: ImportSpec, wanted: ImportField, today: date) -> Callable[[str], object]:
    """The function turning a cell's text into the field's value, or raising _Invalid."""
    if wanted.type == "date":
        return lambda text: parse_date(text, today)
    if wanted.type == "choice":
        return _choice_reader(spec.choices[wanted.choices or ""])
    readers = {"istat": _istat, "codice": _service_code, "codice_fiscale": _codice_fiscale}
    return readers.get(wanted.type, str)


def _choice_reader(allowed: Collection[str]) -> Callable[[str], str]:
    # A column of choices repeats a few spellings thousands of times: fold each spelling once.
    lookup, seen, listed = _lookup(allowed), {}, ", ".join(allowed)

    def read(text: str) -> str:
        name = seen.get(text)
        if name is None:
            name = seen[text] = lookup.get(normalise_identity_part(text), "")
        if not name:
            raise _Invalid("choice", allowed=listed)
        return name

    return read


def _istat(text: str) -> str:
    if not _ISTAT.fullmatch(text):
        raise _Invalid("istat")
    return text.zfill(6)


def _service_code(text: str) -> str:
    if not _SERVICE_CODE.fullmatch(text.upper()):
        raise _Invalid("service_code")
    return text.upper()


def _codice_fiscale(text: str) -> str:
    try:
        return check_codice_fiscale(text)
    except IdentityError as err:
        raise _Invalid(err.code, **err.params) from None


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
