"""The training impact report as an XLSX workbook (openpyxl) and a Word document (python-docx).

Both hold the same tables as the page: the headline change per group and measure, attrition, and the
knowledge questions with McNemar's test; the Word document adds the charts and the methods. Only
aggregates go out: no participant code, no individual score.
"""

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from analysis.training_report import Group, ImpactReport
from analysis.training_text import ReportText, report_text
from forms.exports.cells import excel_text, is_formula_like

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_NUMBER_FORMATS = {2: "0.00", 3: "0.000", 1: "0.0"}
# Decimals of each headline column after the first three (group, measure, pairs).
_HEADLINE_DIGITS = (2, 2, 2, 2, 3, 3, 2, 2, 2, 1, 2, 2)


@dataclass(frozen=True)
class ReportMeta:
    """What the report is about, as lines of text: the course, the edition, the date it was made."""

    title: str
    lines: tuple[str, ...] = ()


def headline_rows(report: ImpactReport, text: ReportText) -> list[list[object]]:
    """One row per group and measure, in the order of text.headline_columns; numbers unformatted."""
    rows: list[list[object]] = []
    for group in report.groups:
        for outcome in group.outcomes:
            share = outcome.improved_share * 100 if outcome.improved_share is not None else None
            rows.append(
                [
                    text.group(group.kind, group.key),
                    text.measures[outcome.measure],
                    outcome.n,
                    outcome.pre_mean,
                    outcome.post_mean,
                    outcome.mean_diff,
                    outcome.t,
                    outcome.t_p,
                    outcome.wilcoxon_p,
                    outcome.d_z,
                    outcome.d_z_low,
                    outcome.d_z_high,
                    share,
                    outcome.alpha_pre,
                    outcome.gain,
                    _interpretability(group, text),
                ]
            )
    return rows


def attrition_rows(report: ImpactReport, text: ReportText) -> list[list[object]]:
    rows: list[list[object]] = []
    for group in report.groups:
        a = group.attrition
        share = a.share * 100 if a.share is not None else None
        rows.append(
            [text.group(group.kind, group.key), a.pre, a.post, a.pairs, a.pre_only, share, a.post_only]
        )
    return rows


def item_rows(report: ImpactReport, text: ReportText) -> list[list[object]]:
    rows: list[list[object]] = []
    for group in report.groups:
        label = text.group(group.kind, group.key)
        for item in group.items:
            rows.append(
                [
                    label,
                    item.name,
                    item.label,
                    item.n,
                    item.pre_right,
                    item.post_right,
                    item.b,
                    item.c,
                    item.statistic,
                    item.p,
                    item.p_holm,
                ]
            )
    return rows


def _interpretability(group: Group, text: ReportText) -> str:
    return text.interpretable if group.interpretable else text.not_interpretable.format(n=group.min_pairs)


def report_xlsx(report: ImpactReport, meta: ReportMeta, text: ReportText | None = None) -> bytes:
    """A workbook with the headline, attrition and question sheets, each under the report's title."""
    text = text or report_text()
    book = Workbook()
    sheet = book.active
    sheet.title = text.headline_sheet
    _sheet(
        sheet, meta, text.headline_columns, headline_rows(report, text), (None, None, 0, *_HEADLINE_DIGITS)
    )
    notes = [text.duplicates.format(superseded=report.superseded, unusable=report.unusable)]
    notes += [line.format(n=report.min_pairs) for line in text.methods]
    for line in notes:
        sheet.append([text_cell(sheet, line)])
    attrition = book.create_sheet(text.attrition_sheet)
    _sheet(attrition, meta, text.attrition_columns, attrition_rows(report, text), (None, 0, 0, 0, 0, 1, 0))
    items = book.create_sheet(text.items_sheet)
    digits = (None, None, None, 0, 0, 0, 0, 0, 2, 3, 3)
    _sheet(items, meta, text.item_columns, item_rows(report, text), digits)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(
    sheet: Worksheet,
    meta: ReportMeta,
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    digits: Sequence[int | None],
) -> None:
    sheet.append([text_cell(sheet, meta.title)])
    sheet["A1"].font = Font(bold=True, size=13)
    for line in meta.lines:
        sheet.append([text_cell(sheet, line)])
    sheet.append([])
    sheet.append([text_cell(sheet, c) for c in columns])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([text_cell(sheet, v) if isinstance(v, str) else v for v in row])
        for cell, places in zip(sheet[sheet.max_row], digits, strict=False):
            if places and isinstance(cell.value, float):
                cell.number_format = _NUMBER_FORMATS[places]
    sheet.append([])
    for index, column in enumerate(sheet.columns):
        if index < len(columns):
            sheet.column_dimensions[column[0].column_letter].width = 14 if index else 32


def text_cell(sheet: Worksheet, value: str) -> object:
    """Text that a spreadsheet will never run as a formula (see forms.exports.cells)."""
    text = excel_text(value)
    if not is_formula_like(text) and text not in ERROR_CODES:
        return text
    cell = Cell(sheet, value=None)
    cell._value = text  # noqa: SLF001 - set as text, never parsed as a formula
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def report_docx(
    report: ImpactReport,
    meta: ReportMeta,
    charts: Mapping[str, bytes] | None = None,
    text: ReportText | None = None,
) -> bytes:
    """A landscape Word document: title, headline table, attrition, questions, charts (PNG) and methods."""
    text = text or report_text()
    document = Document()
    landscape(document)
    document.add_heading(meta.title, level=1)
    for line in meta.lines:
        document.add_paragraph(line)
    document.add_heading(text.headline_heading, level=2)
    docx_table(document, _docx_headline_columns(text), _docx_headline(report, text))
    document.add_paragraph(text.duplicates.format(superseded=report.superseded, unusable=report.unusable))
    document.add_heading(text.attrition_heading, level=2)
    rows = [
        [_cell_text(v, 1 if i == 5 else 0, text) for i, v in enumerate(r)]
        for r in attrition_rows(report, text)
    ]
    docx_table(document, text.attrition_columns, rows)
    if report.instrument.knowledge:
        document.add_heading(text.items_heading, level=2)
        docx_table(document, _docx_item_columns(text), _docx_items(report, text))
    if charts:
        document.add_heading(text.charts_heading, level=2)
        for png in charts.values():
            document.add_picture(io.BytesIO(png), width=Cm(22))
    for line in text.methods:
        document.add_paragraph(line.format(n=report.min_pairs))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def landscape(document: object) -> None:
    """Turn a python-docx document's first section to landscape with 1.5 cm margins."""
    section = document.sections[0]  # type: ignore[attr-defined]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))


def _docx_headline_columns(text: ReportText) -> tuple[str, ...]:
    c = text.headline_columns
    return (*c[:9], f"{c[9]} [{c[10]}; {c[11]}]", *c[12:])


def _docx_headline(report: ImpactReport, text: ReportText) -> list[list[str]]:
    rows = []
    for row in headline_rows(report, text):
        low, high = _cell_text(row[10], 2, text), _cell_text(row[11], 2, text)
        interval = f"{_cell_text(row[9], 2, text)} [{low}; {high}]"
        cells = [str(row[0]), str(row[1]), str(row[2])]
        cells += [_cell_text(v, 2, text) for v in row[3:7]]
        cells += [text.p_value(row[7]), text.p_value(row[8]), interval]
        cells += [_cell_text(row[12], 1, text), _cell_text(row[13], 2, text), _cell_text(row[14], 2, text)]
        rows.append([*cells, str(row[15])])
    return rows


def _docx_item_columns(text: ReportText) -> tuple[str, ...]:
    c = text.item_columns
    return (c[0], c[1], *c[3:])


def _docx_items(report: ImpactReport, text: ReportText) -> list[list[str]]:
    rows = []
    for row in item_rows(report, text):
        cells = [str(row[0]), str(row[1]), *(str(v) for v in row[3:8])]
        rows.append([*cells, _cell_text(row[8], 2, text), text.p_value(row[9]), text.p_value(row[10])])
    return rows


def _shown(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _cell_text(value: object, digits: int, text: ReportText) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return text.number(value, digits)
    return str(value)


def docx_table(document: object, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A bordered table with a bold header row in 8-point type; None shows as empty, dates in ISO form."""
    table = document.add_table(rows=1, cols=len(columns))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, columns, strict=True):
        cell.text = name
        for run in cell.paragraphs[0].runs:
            run.font.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = (
                "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value))
            )
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8)
