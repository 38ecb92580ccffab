"""Routes of the statistics pages: the table with its chart, CSV and XLSX downloads, the printable report, and
the standard report of a period and territory (every table of the standard set) printable and as XLSX."""

from datetime import UTC, datetime

from flask import Response, render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from analysis.stat_export import table_csv, table_xlsx
from app import audit
from app.extensions import db
from app.models import User
from app.permissions import Permission, require
from app.statistics import api  # noqa: F401 - registers GET /api/v1/statistics
from app.statistics.pages import StatPage, description, shown, statistics_page
from app.statistics.standard import report_title, report_workbook, standard_report
from app.statistics.tables import export_rows
from app.statistics.web import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.get("/")
@require(Permission.READ_STATISTICS)
def index():
    """The table asked for, protected, with its chart and links to download it."""
    page = statistics_page(_user(), request.args)
    return render_template("statistics/index.html", page=page, shown=shown, args=page.query.to_args())


@bp.get("/report")
@require(Permission.READ_STATISTICS)
def report():
    """The same table as a printable report: title, filters, date, table, chart and disclosure note."""
    page = statistics_page(_user(), request.args)
    return render_template(
        "statistics/report.html",
        page=page,
        shown=shown,
        args=page.query.to_args(),
        filters=description(page, _user()),
        made=format_datetime(datetime.now(UTC), "medium"),
    )


@bp.get("/export.csv")
@require(Permission.READ_STATISTICS)
def export_csv():
    """The protected table as CSV: one row per cell, totals included, hidden values empty."""
    page = statistics_page(_user(), request.args, with_chart=False)
    columns, rows = export_rows(page.table, labels=True)
    _audit(page, "csv")
    return _download(table_csv(rows, columns), "text/csv; charset=utf-8", "csv")


@bp.get("/export.xlsx")
@require(Permission.READ_STATISTICS)
def export_xlsx():
    """The protected table as an XLSX workbook, with a sheet of notes on what it is."""
    page = statistics_page(_user(), request.args, with_chart=False)
    columns, rows = export_rows(page.table, labels=True)
    notes = [(_("Title"), page.table.title), *description(page, _user())]
    notes.append((_("Generated"), format_datetime(datetime.now(UTC), "medium")))
    _audit(page, "xlsx")
    content = table_xlsx(rows, columns, notes, (_("table"), _("notes")))
    return _download(content, XLSX, "xlsx")


@bp.get("/standard")
@require(Permission.READ_STATISTICS)
def standard():
    """The standard report of the period and territory asked for: every table with its chart, to print."""
    report = standard_report(_user(), request.args)
    return render_template(
        "statistics/standard.html",
        report=report,
        title=report_title(report),
        shown=shown,
        args=report.base.query.to_args(),
        made=format_datetime(datetime.now(UTC), "medium"),
    )


@bp.get("/standard.xlsx")
@require(Permission.READ_STATISTICS)
def standard_xlsx():
    """The standard report as one workbook: contents, a sheet per protected table, notes."""
    report = standard_report(_user(), request.args, with_charts=False)
    _audit(report.base, "standard-xlsx")
    return _download(report_workbook(report), XLSX, "xlsx", "rapporto")


def _download(content: bytes, mimetype: str, extension: str, name: str = "statistiche") -> Response:
    response = Response(content, mimetype=mimetype)
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    response.headers.set("Content-Disposition", "attachment", filename=f"{name}-{stamp}.{extension}")
    return response


def _audit(page: StatPage, fmt: str) -> None:
    audit.record("statistics.exported", actor=_user(), format=fmt, query=page.query.to_args())
    db.session.commit()
