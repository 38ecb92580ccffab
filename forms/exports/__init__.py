"""Exports of submissions: a ZIP of CSVs, XLSX, SPSS and Stata, streamed from records with bounded memory.

The web layer builds a layout from the form's versions (oldest first), names the file, then writes:
`layout = build_layout(specs)`, `name = export_filename(layout.form_id, file_extension(layout, "csv"))`,
`write_csv_zip(layout, records, out, ExportOptions(labels=True, language="it"))`, where `records` is any
iterable of SubmissionRecord (a query read lazily, already filtered) and `out` a binary file.
"""

from forms.exports.csv_zip import write_csv_zip
from forms.exports.names import export_filename
from forms.exports.stats import write_dta, write_sav
from forms.exports.xlsx import write_xlsx
from forms.tables import Layout, SubmissionRecord, build_layout
from forms.tables_plan import ExportOptions

FORMATS = ("csv", "xlsx", "sav", "dta")

__all__ = [
    "FORMATS",
    "ExportOptions",
    "Layout",
    "SubmissionRecord",
    "build_layout",
    "export_filename",
    "file_extension",
    "write_csv_zip",
    "write_dta",
    "write_sav",
    "write_xlsx",
]


def file_extension(layout: Layout, export_format: str) -> str:
    """The extension of the file `export_format` gives for `layout`: csv is always a ZIP, SPSS and Stata
    are one file without repeats and a ZIP of one file per table with them."""
    if export_format not in FORMATS:
        raise ValueError(f"unknown export format {export_format!r}")
    if export_format == "csv" or (export_format in ("sav", "dta") and len(layout.tables) > 1):
        return "zip"
    return export_format
