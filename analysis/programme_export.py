"""The progress report as an XLSX workbook (openpyxl) and a Word document (python-docx).

Both hold the page's tables: targets against results per action and activity, events by type,
participants by category and gender, the period's events, vouchers by type and territory (with n.d.
where disclosure control hides a figure) and the timeline; the Word document adds the charts. The
period, the reference date and the fingerprint head both, so a reader can tell two editions apart.
"""

import io
from collections.abc import Mapping, Sequence

from docx import Document
from docx.shared import Cm
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from analysis.programme import EVENT_KINDS, GENDERS, HEADLINE_METRICS
from analysis.programme_progress import (
    ACTION,
    TOTAL,
    Figure,
    ProgressReport,
    ProgressRow,
    VoucherTables,
    participant_rows,
    type_labels,
)
from analysis.programme_text import ProgrammeText, programme_text, timeline_status
from analysis.programme_timeline import Timeline
from analysis.tables import TOTAL as TABLE_TOTAL
from analysis.training_export import DOCX_TYPE, XLSX_TYPE, ReportMeta, docx_table, landscape, text_cell

__all__ = [
    "DOCX_TYPE",
    "XLSX_TYPE",
    "ReportMeta",
    "figure_text",
    "headline_table",
    "report_docx",
    "report_xlsx",
    "voucher_rows",
]


def figure_text(figure: Figure, text: ProgrammeText) -> str:
    """A figure as text: "12 / 20 (60%)", "12" without a target, "n.d." when not disclosed."""
    shown = text.hidden if figure.achieved is None else str(figure.achieved)
    if figure.target is None:
        return shown
    share = f" ({text.number(figure.share)}%)" if figure.share is not None else ""
    return f"{shown} / {figure.target}{share}"


def row_labels(row: ProgressRow, text: ProgrammeText) -> list[str]:
    """Action, activity and title cells of a row; subtotals and the total say so."""
    if row.level == TOTAL:
        return [text.total, "", ""]
    if row.level == ACTION:
        return [row.action_code, text.total, row.title]
    return [row.action_code, row.code, row.title]


def headline_table(report: ProgressReport, text: ProgrammeText) -> tuple[list[str], list[list[str]]]:
    """The headline table as text: action, activity, title, then one "achieved / target (%)" per output."""
    columns = [text.action, text.activity, "", *(text.metrics[m] for m in HEADLINE_METRICS)]
    rows = [
        row_labels(r, text) + [figure_text(r.figures[m], text) for m in HEADLINE_METRICS] for r in report.rows
    ]
    return columns, rows


def voucher_rows(tables: VoucherTables | None, text: ProgrammeText) -> list[list[object]]:
    """Type, territory, assigned, spent, euros spent: every cell of the protected tables, totals included."""
    if tables is None:
        return []
    rows: list[list[object]] = []
    types = type_labels(tables)
    cells = zip(tables.assigned.cells(), tables.spent.cells(), tables.amount.cells(), strict=True)
    for assigned, spent, amount in cells:
        if assigned.key[0] not in types:
            continue  # subtotals by action and activity are in the headline table
        type_label, territory = (text.total if k == TABLE_TOTAL else k for k in assigned.key)
        euros = None if amount.value is None else round(amount.value / 100, 2)
        rows.append([type_label, territory, assigned.value, spent.value, euros])
    return rows


def notes(report: ProgressReport, text: ProgrammeText) -> list[str]:
    lines = [text.period.format(start=report.period.start, end=report.period.end, as_of=report.period.as_of)]
    lines.append(text.fingerprint.format(code=report.fingerprint))
    minus = max(report.voucher_threshold - 1, 1)
    lines.append(text.hidden_note.format(threshold_minus=minus) if report.protected else text.exact_note)
    lines += [m.format(threshold_minus=minus) for m in text.methods]
    return lines


def report_xlsx(
    report: ProgressReport, meta: ReportMeta, timeline: Timeline, text: ProgrammeText | None = None
) -> bytes:
    """A workbook with the summary, events by type, participants, events, vouchers and timeline sheets."""
    text = text or programme_text()
    book = Workbook()
    summary = book.active
    summary.title = text.headline_sheet
    _sheet(summary, meta, _headline_columns(text), _headline_rows(report, text))
    for line in notes(report, text):
        summary.append([text_cell(summary, line)])
    _sheet(book.create_sheet(text.kinds_sheet), meta, *_kind_table(report, text))
    _sheet(book.create_sheet(text.participants_sheet), meta, *_participant_table(report, text))
    _sheet(book.create_sheet(text.events_sheet), meta, text.event_columns, _event_rows(report, text))
    vouchers = [[text.hidden if v is None else v for v in row] for row in voucher_rows(report.vouchers, text)]
    _sheet(book.create_sheet(text.vouchers_sheet), meta, text.voucher_columns, vouchers)
    _sheet(
        book.create_sheet(text.timeline_sheet), meta, text.timeline_columns, _timeline_rows(timeline, text)
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _headline_columns(text: ProgrammeText) -> list[str]:
    columns = [text.action, text.activity, ""]
    for metric in HEADLINE_METRICS:
        name = text.metrics[metric]
        columns += [f"{name}: {text.achieved}", f"{name}: {text.target}", f"{name}: {text.share}"]
    return columns


def _headline_rows(report: ProgressReport, text: ProgrammeText) -> list[list[object]]:
    rows = []
    for row in report.rows:
        cells: list[object] = row_labels(row, text)
        for metric in HEADLINE_METRICS:
            figure = row.figures[metric]
            share = round(figure.share, 1) if figure.share is not None else None
            cells += [text.hidden if figure.hidden else figure.achieved, figure.target, share]
        rows.append(cells)
    return rows


def _kind_table(report: ProgressReport, text: ProgrammeText) -> tuple[list[str], list[list[object]]]:
    columns = [text.action, text.activity, "", *(text.kinds[k] for k in EVENT_KINDS)]
    rows = [row_labels(r, text) + [figure_text(r.figures[k], text) for k in EVENT_KINDS] for r in report.rows]
    return columns, rows


def _participant_table(report: ProgressReport, text: ProgrammeText) -> tuple[list[str], list[list[object]]]:
    columns = [text.activity, text.category_column, *(text.genders[g] for g in GENDERS), text.total]
    rows: list[list[object]] = []
    for category, values in participant_rows(report.participants):
        rows.append([text.total, text.categories.get(category, text.total), *values])
    codes = {r.activity_id: r.code for r in report.rows if r.activity_id is not None}
    for activity_id, counts in report.participants_by_activity.items():
        for category, values in participant_rows(counts):
            rows.append([codes.get(activity_id, ""), text.categories.get(category, text.total), *values])
    return columns, rows


def _event_rows(report: ProgressReport, text: ProgrammeText) -> list[list[object]]:
    return [
        [
            e.held_on,
            text.kinds.get(e.kind, e.kind),
            e.title,
            e.activity_code,
            e.place,
            e.participants,
            e.transcripts,
        ]
        for e in report.events
    ]


def _timeline_rows(timeline: Timeline, text: ProgrammeText) -> list[list[object]]:
    lang = "it" if text.decimal_mark == "," else "en"
    rows = []
    for row in timeline.rows:
        a = row.activity
        dates = (a.planned.start, a.planned.end, a.actual.start, a.actual.end)
        rows.append([a.action_code, a.code, a.title, *dates, timeline_status(row.status, lang)])
    return rows


def _sheet(
    sheet: Worksheet, meta: ReportMeta, columns: Sequence[str], rows: Sequence[Sequence[object]]
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
        for cell in sheet[sheet.max_row]:
            if cell.is_date:
                cell.number_format = "yyyy-mm-dd"
    sheet.append([])
    for index, column in enumerate(sheet.columns):
        if index < len(columns):
            sheet.column_dimensions[column[0].column_letter].width = 14 if index != 2 else 36


def report_docx(
    report: ProgressReport,
    meta: ReportMeta,
    timeline: Timeline,
    charts: Mapping[str, bytes] | None = None,
    text: ProgrammeText | None = None,
) -> bytes:
    """A landscape Word document: the tables of the workbook, then the charts (PNG) and the methods."""
    text = text or programme_text()
    document = Document()
    landscape(document)
    document.add_heading(meta.title, level=1)
    for line in meta.lines:
        document.add_paragraph(line)
    lines = notes(report, text)
    for line in lines[:3]:
        document.add_paragraph(line)
    document.add_heading(text.headline_heading, level=2)
    columns, rows = headline_table(report, text)
    docx_table(document, columns, rows)
    document.add_heading(text.kinds_heading, level=2)
    docx_table(document, *_kind_table(report, text))
    document.add_heading(text.participants_heading, level=2)
    docx_table(document, *_participant_table(report, text))
    if report.events:
        document.add_heading(text.events_heading, level=2)
        docx_table(document, text.event_columns, _event_rows(report, text))
    if report.vouchers is not None:
        document.add_heading(text.vouchers_heading, level=2)
        docx_table(
            document,
            text.voucher_columns,
            [_voucher_cells(r, text) for r in voucher_rows(report.vouchers, text)],
        )
    document.add_heading(text.timeline_heading, level=2)
    docx_table(document, text.timeline_columns, _timeline_rows(timeline, text))
    if charts:
        document.add_heading(text.charts_heading, level=2)
        for png in charts.values():
            document.add_picture(io.BytesIO(png), width=Cm(22))
    for line in lines[3:]:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _voucher_cells(row: list[object], text: ProgrammeText) -> list[object]:
    amount = row[4]
    shown = text.hidden if amount is None else text.number(float(amount), 2)  # type: ignore[arg-type]
    return [*(text.hidden if v is None else v for v in row[:4]), shown]
