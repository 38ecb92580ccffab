"""The bounds an upload must respect, and the refusal that names the bound it breaks."""

import re
from dataclasses import dataclass

from forms.errors import FormDefinitionError, problem

MiB = 1024 * 1024
MAX_UPLOAD_BYTES = 10 * MiB
MAX_ZIP_MEMBERS = 200
MAX_MEMBER_BYTES = 50 * MiB
MAX_TOTAL_BYTES = 100 * MiB
MAX_COMPRESSION_RATIO = 100
# Small members cannot hurt whatever their ratio, and small repetitive XML parts compress very well.
RATIO_MIN_BYTES = 64 * 1024
MAX_SHEETS = 50
MAX_ROWS = 20_000  # per sheet; in .xlsx every XML row counts, formatted empty rows included
# A sheet's data ends at this many empty rows in a row, as pyxform reads it (pyxform itself stops after 60).
BLANK_RUN_END = 60
# Rows read before that end, counting the gaps openpyxl fills between scattered rows.
MAX_SCANNED_ROWS = 100_000
# Cells and shared strings per workbook, formatted empty ones included: parsing costs time per element
# whether or not it holds a value, and openpyxl (under pyxform too) parses every sheet it opens in full.
MAX_CELLS = 500_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767
MAX_TEXT_LINES = 50_000
MAX_LINE_CHARS = 100_000
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # pyxform copies these into the XForm, breaking it


@dataclass(frozen=True)
class Limits:
    """The bounds an upload must respect; the defaults are this module's constants."""

    upload_bytes: int = MAX_UPLOAD_BYTES
    zip_members: int = MAX_ZIP_MEMBERS
    member_bytes: int = MAX_MEMBER_BYTES
    total_bytes: int = MAX_TOTAL_BYTES
    compression_ratio: int = MAX_COMPRESSION_RATIO
    ratio_min_bytes: int = RATIO_MIN_BYTES
    sheets: int = MAX_SHEETS
    rows: int = MAX_ROWS
    scanned_rows: int = MAX_SCANNED_ROWS
    blank_run_end: int = BLANK_RUN_END
    cells: int = MAX_CELLS
    columns: int = MAX_COLUMNS
    cell_chars: int = MAX_CELL_CHARS
    text_lines: int = MAX_TEXT_LINES
    line_chars: int = MAX_LINE_CHARS


def refuse(
    code: str,
    *,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    **params: object,
) -> FormDefinitionError:
    """The error refusing an upload for one problem, located where the problem has a place."""
    return FormDefinitionError([problem(code, sheet=sheet, row=row, column=column, **params)])


def megabytes(size: int) -> str:
    """A size in bytes as megabytes with one decimal, as refusal messages show it."""
    return f"{size / MiB:.1f}"
