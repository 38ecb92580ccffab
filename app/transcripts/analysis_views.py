"""Analysis pages of a study: the hub (frequencies, cross-tab, co-occurrence, words) and its charts, the
retrieval of a code's segments, and the downloads of codings (CSV, XLSX) and of the report (Word)."""

from flask import Response, render_template, request
from flask_login import current_user

from app.models import User
from app.permissions import Permission, require
from app.transcripts import access, analysis_exports, analysis_pages, retrieval_pages
from app.transcripts.web import bp

CHART_NAMES = "any(frequencies, cooccurrence)"


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.get("/studies/<int:study_id>/analysis")
@require(Permission.CODE_TRANSCRIPTS)
def analysis(study_id: int):
    """Code frequencies, a code × attribute cross-tab, co-occurrence and word frequencies of a study."""
    study = access.study_or_404(_user(), study_id)
    page = analysis_pages.hub(_user(), study, request.args)
    html = render_template(
        "transcripts/analysis.html",
        page=page,
        study=study,
        measures=analysis_pages.measure_labels(),
        percent=analysis_pages.percent,
        blind=access.is_blind_for(study),
    )
    return html, 400 if page.choices.errors else 200


@bp.get(f"/studies/<int:study_id>/analysis/<{CHART_NAMES}:name>.png")
@require(Permission.CODE_TRANSCRIPTS)
def analysis_chart(study_id: int, name: str):
    """The bars of code frequencies or the co-occurrence heatmap of the hub, as PNG."""
    study = access.study_or_404(_user(), study_id)
    page = analysis_pages.hub(_user(), study, request.args)
    return Response(analysis_pages.chart(page, name), mimetype="image/png")


@bp.get("/studies/<int:study_id>/retrieve")
@require(Permission.CODE_TRANSCRIPTS)
def retrieve(study_id: int):
    """The segments of a code, with speaker, attributes and the sentence around each, filtered."""
    study = access.study_or_404(_user(), study_id)
    page = retrieval_pages.retrieval(_user(), study, request.args)
    html = render_template(
        "transcripts/retrieval.html",
        page=page,
        study=study,
        attributes=analysis_pages.PARTICIPANT_ATTRIBUTES,
        label=analysis_pages.attribute_label,
        blind=access.is_blind_for(study),
    )
    return html, 400 if page.errors else 200


@bp.get("/studies/<int:study_id>/codings.<any(csv, xlsx):format>")
@require(Permission.CODE_TRANSCRIPTS)
def export_codings(study_id: int, format: str):  # noqa: A002 - the argument name the study page links with
    """Every coding the user sees, one a row, as CSV or XLSX."""
    study = access.study_or_404(_user(), study_id)
    body = analysis_exports.codings_file(_user(), study, format)
    mimetype = analysis_exports.CSV_TYPE if format == "csv" else analysis_exports.XLSX_TYPE
    return _download(body, mimetype, f"codifiche-{study.id}.{format}")


@bp.get("/studies/<int:study_id>/report.docx")
@require(Permission.CODE_TRANSCRIPTS)
def report_docx(study_id: int):
    """The codebook with definitions and each code's quotes, as a Word document."""
    study = access.study_or_404(_user(), study_id)
    body = analysis_exports.report(_user(), study)
    return _download(body, analysis_exports.DOCX_TYPE, f"codebook-{study.id}.docx")


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response
