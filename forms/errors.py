"""Errors of the forms package, with messages written to be shown to users."""

from dataclasses import dataclass, field
from typing import ClassVar

from forms import messages

# code -> (English, Italian); both are str.format templates over the problem's params.
OWN: dict[str, tuple[str, str]] = {
    "unsupported_extension": (
        "The file type '{extension}' is not supported: upload an XLSForm as .xlsx, .xls, .csv or .md.",
        "Il tipo di file '{extension}' non è supportato: carica un XLSForm in formato .xlsx, .xls, "
        ".csv o .md.",
    ),
    "empty_file": ("The file is empty.", "Il file è vuoto."),
    "too_large": (
        "The file is {size_mb} MB; the limit is {limit_mb} MB.",
        "Il file pesa {size_mb} MB; il limite è {limit_mb} MB.",
    ),
    "not_excel": (
        "The file named {extension} is not an Excel workbook.",
        "Il file con estensione {extension} non è una cartella di lavoro Excel.",
    ),
    "disguised_xlsx": (
        "The file is named {extension} but is an Excel .xlsx workbook: rename it to .xlsx.",
        "Il file ha estensione {extension} ma è una cartella di lavoro Excel .xlsx: rinominalo in .xlsx.",
    ),
    "disguised_xls": (
        "The file is named {extension} but is an old-format Excel .xls workbook (or a password-protected "
        "workbook): save it as .xlsx without a password, or rename it to .xls.",
        "Il file ha estensione {extension} ma è una cartella di lavoro Excel nel vecchio formato "
        ".xls (o protetta "
        "da password): salvala come .xlsx senza password, oppure rinominala in .xls.",
    ),
    "disguised_html": (
        "The file is named {extension} but is a web page (HTML), not a spreadsheet: open it in Excel and "
        "save it as .xlsx.",
        "Il file ha estensione {extension} ma è una pagina web (HTML), non un foglio di calcolo: aprilo con "
        "Excel e salvalo come .xlsx.",
    ),
    "disguised_pdf": (
        "The file is named {extension} but is a PDF document, not a spreadsheet.",
        "Il file ha estensione {extension} ma è un documento PDF, non un foglio di calcolo.",
    ),
    "disguised_ods": (
        "The file is an OpenDocument spreadsheet (.ods): save it as .xlsx.",
        "Il file è un foglio di calcolo OpenDocument (.ods): salvalo come .xlsx.",
    ),
    "disguised_zip": (
        "The file named {extension} is a zip archive but not an Excel workbook (no {missing}).",
        "Il file con estensione {extension} è un archivio zip ma non una cartella di lavoro Excel (manca "
        "{missing}).",
    ),
    "binary_text": (
        "The file named {extension} contains binary data (NUL bytes), not text.",
        "Il file con estensione {extension} contiene dati binari (byte NUL), non testo.",
    ),
    "not_utf8": (
        "The file is not UTF-8 text (first invalid byte on line {row}): save it as 'CSV UTF-8'.",
        "Il file non è testo UTF-8 (primo byte non valido alla riga {row}): salvalo come 'CSV UTF-8'.",
    ),
    "csv_semicolon": (
        "The CSV file uses ';' as separator: save it with ',' as separator, or upload the .xlsx.",
        "Il file CSV usa ';' come separatore: salvalo con ',' come separatore, oppure carica il file .xlsx.",
    ),
    "too_many_lines": (
        "The file has more than {limit} lines.",
        "Il file ha più di {limit} righe.",
    ),
    "line_too_long": (
        "Line {row} is longer than {limit} characters.",
        "La riga {row} supera i {limit} caratteri.",
    ),
    "csv_invalid": (
        "The CSV file cannot be read ({detail}).",
        "Il file CSV non può essere letto ({detail}).",
    ),
    "text_too_many_cells": (
        "Line {row} has more than {limit} cells.",
        "La riga {row} ha più di {limit} celle.",
    ),
    "text_cell_too_long": (
        "Line {row}, cell {cell} has {length} characters; the limit is {limit}.",
        "La riga {row}, cella {cell}, ha {length} caratteri; il limite è {limit}.",
    ),
    "zip_corrupt": (
        "The workbook is damaged and cannot be read safely ({detail}).",
        "La cartella di lavoro è danneggiata e non può essere letta in sicurezza ({detail}).",
    ),
    "zip_too_many_members": (
        "The workbook contains {count} internal files; the limit is {limit}.",
        "La cartella di lavoro contiene {count} file interni; il limite è {limit}.",
    ),
    "zip_unsafe_name": (
        "The workbook contains an internal file with an unsafe name: '{name}'.",
        "La cartella di lavoro contiene un file interno con un nome non sicuro: '{name}'.",
    ),
    "zip_duplicate_name": (
        "The workbook contains the internal file '{name}' twice.",
        "La cartella di lavoro contiene due volte il file interno '{name}'.",
    ),
    "zip_member_too_large": (
        "The internal file '{name}' expands to {size_mb} MB; the limit is {limit_mb} MB.",
        "Il file interno '{name}' si espande a {size_mb} MB; il limite è {limit_mb} MB.",
    ),
    "zip_total_too_large": (
        "The workbook expands to {size_mb} MB; the limit is {limit_mb} MB.",
        "La cartella di lavoro si espande a {size_mb} MB; il limite è {limit_mb} MB.",
    ),
    "zip_ratio": (
        "The internal file '{name}' is compressed {ratio}:1 (limit {limit}:1), as in a zip bomb.",
        "Il file interno '{name}' è compresso {ratio}:1 (limite {limit}:1), come in una 'zip bomb'.",
    ),
    "zip_size_mismatch": (
        "The internal file '{name}' is larger than the size its directory declares, as in a zip bomb.",
        "Il file interno '{name}' è più grande di quanto dichiarato nell'indice, come in una 'zip bomb'.",
    ),
    "xml_dtd": (
        "The internal file '{name}' declares a DTD or entities, which are refused for safety.",
        "Il file interno '{name}' dichiara una DTD o delle entità, rifiutate per sicurezza.",
    ),
    "xml_invalid": (
        "The internal file '{name}' is not well-formed XML.",
        "Il file interno '{name}' non è XML ben formato.",
    ),
    "xml_encoding": (
        "The internal file '{name}' is not UTF-8 XML.",
        "Il file interno '{name}' non è XML in UTF-8.",
    ),
    "zip_member_too_many_rows": (
        "The internal file '{name}' holds more than {limit} rows, empty formatted rows included: delete the "
        "empty rows at the end of the sheet.",
        "Il file interno '{name}' contiene più di {limit} righe, comprese le righe vuote formattate: "
        "elimina le righe vuote in fondo al foglio.",
    ),
    "too_many_cells": (
        "The workbook holds more than {limit} cells, empty formatted cells included: delete the unused rows "
        "and columns.",
        "La cartella di lavoro contiene più di {limit} celle, comprese le celle vuote formattate: elimina le "
        "righe e le colonne inutilizzate.",
    ),
    "workbook_corrupt": (
        "The workbook cannot be read ({detail}).",
        "La cartella di lavoro non può essere letta ({detail}).",
    ),
    "xls_encrypted": (
        "The workbook is password-protected: remove the password and upload it again.",
        "La cartella di lavoro è protetta da password: rimuovi la password e caricala di nuovo.",
    ),
    "too_many_sheets": (
        "The workbook has {count} sheets; the limit is {limit}.",
        "La cartella di lavoro ha {count} fogli; il limite è {limit}.",
    ),
    "too_many_rows": (
        "The '{sheet}' sheet has more than {limit} rows with content.",
        "Il foglio '{sheet}' ha più di {limit} righe con contenuto.",
    ),
    "too_many_blank_rows": (
        "The '{sheet}' sheet has more than {limit} rows, most of them empty: delete the empty rows "
        "at the end.",
        "Il foglio '{sheet}' ha più di {limit} righe, in gran parte vuote: elimina le righe vuote in fondo.",
    ),
    "too_many_columns": (
        "Row {row} of the '{sheet}' sheet has content beyond column {limit}.",
        "La riga {row} del foglio '{sheet}' ha contenuto oltre la colonna {limit}.",
    ),
    "cell_too_long": (
        "Cell {column}{row} of the '{sheet}' sheet has {length} characters; the limit is {limit}.",
        "La cella {column}{row} del foglio '{sheet}' ha {length} caratteri; il limite è {limit}.",
    ),
    "control_character": (
        "Cell {column}{row} of the '{sheet}' sheet contains an invisible control character "
        "({char}): delete it.",
        "La cella {column}{row} del foglio '{sheet}' contiene un carattere di controllo invisibile ({char}): "
        "eliminalo.",
    ),
    "text_control_character": (
        "Line {row} contains an invisible control character ({char}): delete it.",
        "La riga {row} contiene un carattere di controllo invisibile ({char}): eliminalo.",
    ),
    "csv_unknown_sheet": (
        "Line {row}: '{name}' in the first column is not a sheet name (survey, choices, settings…); in a CSV "
        "XLSForm the first column names the sheet, so leave it empty on every other line.",
        "Riga {row}: '{name}' nella prima colonna non è il nome di un foglio (survey, choices, "
        "settings…); in un "
        "XLSForm CSV la prima colonna indica il foglio, quindi lasciala vuota in tutte le altre righe.",
    ),
    "pyxform_failed": (
        "pyxform could not convert the form ({detail}): check the sheet and column names.",
        "pyxform non è riuscito a convertire il modulo ({detail}): controlla i nomi dei fogli e "
        "delle colonne.",
    ),
    "xform_invalid": (
        "pyxform produced an XForm that is not well-formed XML ({detail}).",
        "pyxform ha prodotto un XForm che non è XML ben formato ({detail}).",
    ),
    "long_setting": (
        "The {column} setting has {length} characters; at most {limit} are allowed.",
        "L'impostazione {column} ha {length} caratteri; il massimo è {limit}.",
    ),
    "long_file_name": (
        "The file name '{name}' has {length} characters; at most {limit} are allowed.",
        "Il nome di file '{name}' ha {length} caratteri; il massimo è {limit}.",
    ),
    "empty_group": (
        "The {kind} '{name}' has no questions: ODK Collect cannot open a form with an empty group or repeat.",
        "Il gruppo o la ripetizione '{name}' non contiene domande: ODK Collect non può aprire un "
        "modulo con un "
        "gruppo o una ripetizione vuoti.",
    ),
}


class FormError(Exception):
    """Base of every error raised by forms/."""


class CodedError(FormError):
    """A FormError named by a `code` whose (English, Italian) templates the subclass gives in `MESSAGES`."""

    MESSAGES: ClassVar[dict[str, tuple[str, str]]] = {}

    def __init__(self, code: str, **params: object) -> None:
        self.code, self.params = code, params
        super().__init__(self.message("en"))

    def message(self, lang: str = "it") -> str:
        """The message in Italian for "it" (or "it-IT"), in English otherwise."""
        english, italian = self.MESSAGES[self.code]
        return (italian if lang.lower().startswith("it") else english).format_map(self.params)


@dataclass(frozen=True)
class FormProblem:
    """One thing wrong with an XLSForm, located as precisely as we can, readable in Italian or English."""

    sheet: str | None
    row: int | None
    column: str | None
    code: str
    params: dict[str, object] = field(default_factory=dict)
    message_en: str = ""

    def message(self, lang: str = "it") -> str:
        """The message in Italian for "it" (or "it-IT", "it_IT"), in English otherwise."""
        if lang.lower().startswith("it"):
            if self.code in OWN:
                return OWN[self.code][1].format_map(self.values())
            return messages.italian(self.code, self.values(), self.message_en)
        return self.message_en

    def values(self) -> dict[str, object]:
        """The params together with the location, as the message templates use them."""
        return {"sheet": self.sheet, "row": self.row, "column": self.column, **self.params}


def problem(
    code: str,
    *,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    **params: object,
) -> FormProblem:
    """One of our own problems (not pyxform's), its English text taken from the catalogue."""
    values = {"sheet": sheet, "row": row, "column": column, **params}
    return FormProblem(sheet, row, column, code, params, OWN[code][0].format_map(values))


class FormDefinitionError(FormError):
    """The uploaded XLSForm cannot become a form; `problems` says where and why."""

    def __init__(self, problems: list[FormProblem]) -> None:
        super().__init__("\n".join(p.message_en for p in problems))
        self.problems = problems
