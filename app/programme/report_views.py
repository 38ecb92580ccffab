"""The progress report for the funder: the page, its charts and its XLSX and DOCX downloads."""

from flask import Response, abort, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from analysis.programme import HEADLINE_METRICS
from analysis.programme_charts import participants_chart, progress_chart, timeline_chart
from analysis.programme_export import (
    DOCX_TYPE,
    XLSX_TYPE,
    figure_text,
    report_docx,
    report_xlsx,
    voucher_rows,
)
from analysis.programme_progress import participant_rows
from analysis.programme_text import programme_text
from analysis.summary_charts import render
from app import audit
from app.extensions import db
from app.models import User
from app.permissions import Permission, require
from app.programme import access, reports
from app.programme.views import period_args
from app.programme.web import bp

CHARTS = {"progress": progress_chart, "participants": participants_chart}


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _lang() -> str:
    return str(get_locale())


def _page() -> tuple[reports.ProgressPage | None, object]:
    project = access.project_or_404(_user(), request.args.get("project", type=int), Permission.READ_PROGRAMME)
    if project is None:
        return None, None
    start, end, as_of, form = period_args(project)
    return reports.progress_page(_user(), project, start, end, as_of, _lang()), form


@bp.get("/report")
@require(Permission.READ_PROGRAMME)
def report():
    """Targets against results per action and activity for a period, as of a date, with charts."""
    page, form = _page()
    text = programme_text(_lang())
    status = 422 if form is not None and any(f.errors for f in form) else 200
    return render_template(
        "programme/report.html",
        page=page,
        form=form,
        projects=access.projects(_user()),
        text=text,
        metrics=HEADLINE_METRICS,
        shown=lambda figure: figure_text(figure, text),
        participants=participant_rows(page.report.participants) if page else [],
        vouchers=voucher_rows(page.report.vouchers, text) if page else [],
        args=_args(page),
    ), status


def _args(page: reports.ProgressPage | None) -> dict[str, object]:
    if page is None:
        return {}
    period = page.report.period
    return {
        "project": page.project.id,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "as_of": period.as_of.isoformat(),
    }


@bp.get("/report/<name>.png")
@require(Permission.READ_PROGRAMME)
def report_chart(name: str):
    """One chart of the report: progress against targets, participants, or the timeline."""
    page, _form = _page()
    if page is None or name not in (*CHARTS, "timeline"):
        abort(404)
    text = programme_text(_lang())
    figure = timeline_chart(page.timeline, text) if name == "timeline" else CHARTS[name](page.report, text)
    return Response(render(figure, "png"), mimetype="image/png")


@bp.get("/report.<fmt>")
@require(Permission.READ_PROGRAMME)
def report_download(fmt: str):
    """The report as an XLSX workbook or a Word document with its charts."""
    if fmt not in ("xlsx", "docx"):
        abort(404)
    page, _form = _page()
    if page is None:
        abort(404)
    text = programme_text(_lang())
    if fmt == "xlsx":
        body, mimetype = report_xlsx(page.report, page.meta, page.timeline, text), XLSX_TYPE
    else:
        charts = {name: render(draw(page.report, text), "png") for name, draw in CHARTS.items()}
        charts["timeline"] = render(timeline_chart(page.timeline, text), "png")
        body, mimetype = report_docx(page.report, page.meta, page.timeline, charts, text), DOCX_TYPE
    period = page.report.period
    audit.record(
        "programme.report_exported",
        page.project,
        actor=_user(),
        format=fmt,
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        as_of=period.as_of.isoformat(),
        fingerprint=page.report.fingerprint,
    )
    db.session.commit()
    response = Response(body, mimetype=mimetype)
    name = f"avanzamento_{page.project.code}_{period.as_of.isoformat()}.{fmt}"
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response
