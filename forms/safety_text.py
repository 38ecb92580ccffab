"""Check a .csv or .md upload: UTF-8, bounded lines and cells, and sheet names pyxform's CSV reader knows."""

import csv
import io
from collections.abc import Sequence

from forms.safety_limits import CONTROL, Limits, refuse

# The sheet names pyxform's CSV reader understands; it crashes on any other name in the first column.
_CSV_SHEETS = {"survey", "choices", "settings", "external_choices", "entities", "osm"}


def check_text(data: bytes, file_type: str, limits: Limits) -> bytes:
    """Check a .csv or .md upload; return it as UTF-8 without a BOM."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise refuse("not_utf8", row=data[: err.start].count(b"\n") + 1) from err
    lines = text.split("\n")
    if len(lines) > limits.text_lines:
        raise refuse("too_many_lines", limit=limits.text_lines)
    for number, line in enumerate(lines, start=1):
        if len(line) > limits.line_chars:
            raise refuse("line_too_long", row=number, limit=limits.line_chars)
        control = CONTROL.search(line)
        if control:
            raise refuse("text_control_character", row=number, char=f"U+{ord(control.group()):04X}")
    rows = _csv_rows(text, lines) if file_type == ".csv" else (line.split("|") for line in lines)
    for number, cells in enumerate(rows, start=1):
        _check_text_cells(number, cells, limits)
    return text.encode("utf-8")


def _csv_rows(text: str, lines: list[str]) -> list[list[str]]:
    first = next((line for line in lines if line.strip()), "")
    if ";" in first and "," not in first:  # Excel in an Italian locale saves CSV with semicolons
        raise refuse("csv_semicolon")
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as err:
        raise refuse("csv_invalid", detail=str(err)) from err
    for number, cells in enumerate(rows, start=1):
        name = cells[0] if len(cells) == 1 else cells[0].strip() if cells else ""  # as pyxform reads it
        if name and name.lower() not in _CSV_SHEETS:
            raise refuse("csv_unknown_sheet", row=number, name=name)
    return rows


def _check_text_cells(line: int, cells: Sequence[str], limits: Limits) -> None:
    if len(cells) > limits.columns + 2:  # markdown rows start and end with '|'
        raise refuse("text_too_many_cells", row=line, limit=limits.columns)
    for index, cell in enumerate(cells, start=1):
        if len(cell) > limits.cell_chars:
            raise refuse(
                "text_cell_too_long", row=line, cell=index, length=len(cell), limit=limits.cell_chars
            )
