"""The pre/post impact report of an edition or of an intervention: the page, its charts, its downloads."""

from flask import Response, abort, render_template, request
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from analysis.training_export import DOCX_TYPE, XLSX_TYPE
from analysis.training_report import EDITION, TIER, Group
from app.models import User
from app.permissions import Permission, require
from app.training import access, reports
from app.training.web import TIER_LABELS, bp, label

CHART_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _lang() -> str:
    return str(get_locale())


def _reverse() -> list[str] | None:
    """The reverse-keyed Likert items the reader chose; None until they chose (the form's naming decides)."""
    return request.args.getlist("reverse") if request.args.get("keyed") else None


def _edition_page(edition_id: int) -> reports.ReportPage:
    found = access.edition_or_404(_user(), edition_id)
    return reports.edition_report(found, _lang(), _reverse())


def _intervention_page(intervention_id: int) -> reports.ReportPage:
    found = access.intervention_or_404(_user(), intervention_id)
    return reports.intervention_report(found, access.visible_editions(_user(), found), _lang(), _reverse())


@bp.get("/editions/<int:edition_id>/report")
@require(Permission.RUN_TRAINING)
def edition_report(edition_id: int):
    """An edition's impact report: by tier."""
    page = _edition_page(edition_id)
    return _render(page, "training.edition_report", {"edition_id": edition_id})


@bp.get("/<int:intervention_id>/report")
@require(Permission.RUN_TRAINING)
def intervention_report(intervention_id: int):
    """An intervention's impact report over the editions the user may see: by edition and by tier."""
    page = _intervention_page(intervention_id)
    return _render(page, "training.intervention_report", {"intervention_id": intervention_id})


def _render(page: reports.ReportPage, endpoint: str, ids: dict[str, int]) -> str:
    reverse = [i.name for i in page.instrument.likert if i.reverse] if page.instrument else []
    args = {**ids, "keyed": 1, "reverse": reverse}
    return render_template(
        "training/report.html",
        page=page,
        endpoint=endpoint,
        args=args,
        ids=ids,
        lang=_lang(),
        num=_number,
        pval=_p_value,
        group_label=_group_label,
    )


def _number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else format_decimal(value, format="0." + "0" * digits)


def _p_value(value: float | None) -> str:
    if value is None:
        return "—"
    return "< " + format_decimal(0.001, format="0.000") if value < 0.001 else _number(value, 3)


def _group_label(group: Group) -> str:
    if group.kind == EDITION:
        return _("Edition %(code)s", code=group.key)
    if group.kind == TIER:
        return label(TIER_LABELS, group.key)
    return _("All participants")


@bp.get("/editions/<int:edition_id>/report/<name>.<fmt>")
@require(Permission.RUN_TRAINING)
def edition_chart(edition_id: int, name: str, fmt: str):
    """One chart of an edition's report, as SVG or PNG."""
    return _chart(_edition_page(edition_id), name, fmt)


@bp.get("/<int:intervention_id>/report/<name>.<fmt>")
@require(Permission.RUN_TRAINING)
def intervention_chart(intervention_id: int, name: str, fmt: str):
    """One chart of an intervention's report, as SVG or PNG."""
    return _chart(_intervention_page(intervention_id), name, fmt)


def _chart(page: reports.ReportPage, name: str, fmt: str) -> Response:
    if name not in reports.CHARTS or fmt not in CHART_TYPES or page.report is None:
        abort(404)
    response = Response(reports.chart(page, name, fmt, _lang()), mimetype=CHART_TYPES[fmt])
    if request.args.get("download"):
        response.headers.set("Content-Disposition", "attachment", filename=f"{name}.{fmt}")
    return response


@bp.get("/editions/<int:edition_id>/report.<fmt>")
@require(Permission.RUN_TRAINING)
def edition_download(edition_id: int, fmt: str):
    """An edition's report as an XLSX workbook or a Word document."""
    page = _edition_page(edition_id)
    return _download(page, fmt, page.editions[0].code)


@bp.get("/<int:intervention_id>/report.<fmt>")
@require(Permission.RUN_TRAINING)
def intervention_download(intervention_id: int, fmt: str):
    """An intervention's report as an XLSX workbook or a Word document."""
    return _download(_intervention_page(intervention_id), fmt, f"intervento_{intervention_id}")


def _download(page: reports.ReportPage, fmt: str, name: str) -> Response:
    if fmt not in ("xlsx", "docx") or page.report is None:
        abort(404)
    if fmt == "xlsx":
        body, mimetype = reports.xlsx(_user(), page, _lang()), XLSX_TYPE
    else:
        body, mimetype = reports.docx(_user(), page, _lang()), DOCX_TYPE
    response = Response(body, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=f"impatto_{name}.{fmt}")
    return response
