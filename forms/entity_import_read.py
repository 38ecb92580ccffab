"""Read a historical import's CSV or XLSX upload safely into a Table of header names and stripped cells.

Decisions:
- An .xlsx goes through the XLSForm upload guard (forms.safety.check_upload: zip bombs, DTDs, sizes) under
  import limits, then openpyxl reads its first sheet read-only. A .csv cannot use the guard's text check,
  which is for XLSForms (UTF-8 only, ',' only, sheet names in the first column): it gets the same disguise,
  size, line and control-character checks here, with UTF-8 (BOM or not) or else Windows-1252 and ';', ','
  or tab as the separator, chosen by which splits the header into more cells (Excel's "sep=;" line wins).
- Row numbers are the spreadsheet's, 1-based, blank rows counted but skipped; values are stripped text,
  and Excel dates become ISO dates.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time

import openpyxl
from openpyxl.utils import get_column_letter

from forms.errors import OWN, CodedError, FormDefinitionError
from forms.safety import check_upload, sniff
from forms.safety_limits import CONTROL, Limits, MiB, megabytes
from forms.safety_sheets import XLSX_ERRORS, xlsx_rows

__all__ = ["ImportFileError", "ImportLimits", "Table", "read_table"]

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


class ImportFileError(CodedError):
    """The upload cannot be read as a table: hostile, damaged, too large, or without a header."""

    MESSAGES = OWN | FILE_MESSAGES


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
    except XLSX_ERRORS as err:
        raise ImportFileError("workbook_corrupt", detail=str(err)) from err
    try:
        if not workbook.worksheets:
            raise ImportFileError("no_header")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # a forged <dimension> would make openpyxl pad every row to it
        rows = xlsx_rows(sheet, max_col=limits.columns + 1)
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
