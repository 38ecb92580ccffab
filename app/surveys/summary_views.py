"""Routes for a form's per-question summary: counts, statistics and charts of the rows the reader may see."""

from flask import Response, abort, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from analysis.summaries import PERIODS, FormSummary, Record, summarise
from analysis.summary_charts import chart_text, question_chart, render, time_chart
from app.extensions import db
from app.models import Form, Submission, User
from app.permissions import Permission, require
from app.surveys import bp, services
from app.surveys.filtering import filter_from_args, filter_to_args, filtered_query

FORMATS = {"svg": "image/svg+xml", "png": "image/png"}


def _user() -> User:
    return current_user._get_current_object()


@bp.get("/<int:form_id>/summary")
@require(Permission.READ_DATA)
def summary(form_id: int):
    """Each question summarised over the submissions the reader may see (and the table's filter keeps)."""
    form = services.form_or_404(_user(), form_id, Permission.READ_DATA)
    report, args = _report(form, request.args)
    return render_template("surveys/summary.html", form=form, report=report, args=args, periods=PERIODS)


@bp.get("/<int:form_id>/summary/chart/<int:index>.<fmt>")
@require(Permission.READ_DATA)
def summary_chart(form_id: int, index: int, fmt: str):
    """One chart of the summary (index 0 is submissions over time), as SVG or PNG, to show or download."""
    form = services.form_or_404(_user(), form_id, Permission.READ_DATA)
    report, _args = _report(form, request.args)
    text = chart_text(str(get_locale()))
    if fmt not in FORMATS or not 0 <= index <= len(report.questions):
        abort(404)
    figure = time_chart(report, text) if index == 0 else question_chart(report.questions[index - 1], text)
    if figure is None:
        abort(404)
    response = Response(render(figure, fmt), mimetype=FORMATS[fmt])
    if request.args.get("download"):
        name = f"{form.xml_form_id}-{index}.{fmt}"
        response.headers.set("Content-Disposition", "attachment", filename=name)
    return response


def _report(form: Form, args: MultiDict[str, str]) -> tuple[FormSummary, dict]:
    version = services.published_version(form) or form.versions[-1]
    spec = services.spec_of(version)
    chosen = filter_from_args(args, spec)
    query = filtered_query(_user(), form, chosen).with_only_columns(Submission.data, Submission.created_at)
    records = (Record(data, at) for data, at in db.session.execute(query.order_by(Submission.id)))
    period = args.get("period") if args.get("period") in PERIODS else "month"
    language = args.get("lang") if args.get("lang") in spec.languages else None
    report = summarise(spec, records, language or spec.default_language, period=period)
    return report, {**filter_to_args(chosen), "period": period, **({"lang": language} if language else {})}
