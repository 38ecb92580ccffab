"""GET /api/v1/statistics: the same protected table as the statistics page, as JSON.

    GET /api/v1/statistics?source=cases&by=ambito,sesso
    → {"dimensions": ["ambito", "sesso"], "rows": [{"ambito": "ATS-LE1", "ambito_level": "ambito",
       "sesso": "f", "value": 7, "status": "published"}, ...], "threshold": 5, ...}

Rows are ProtectedTable.to_rows(), with "percent", "rate_per_1000" and "indicator" when asked for: hidden
values are null with their status ("primary", "secondary"). An indicator (`num=provv_ag:si&per=100`, with
`den=` for a denominator other than every submission) is described in "indicator". The parameters are the
page's (app/statistics/query.py): `area=ATS-BA1` (a unit's code) or `area=zona:072006` (a zone) narrows
the table to that territory; one outside the token user's scope answers 404.

GET /api/v1/statistics/standard with the same parameters gives every table of the standard report of that
period and territory, {"tables": [{"name", "title", "rows", "query", ...}]}: each as /statistics gives it
for its "query".
"""

from flask import jsonify, request
from flask_babel import gettext as _

from app import audit
from app.api import bp as api_bp
from app.api.auth import api_user, token_required
from app.extensions import db
from app.permissions import Permission, user_can
from app.statistics.query import query_from_args
from app.statistics.standard import report_title, standard_report
from app.statistics.tables import StatTable, export_rows, readable_form, statistics_table


@api_bp.get("/statistics")
@token_required
def statistics():
    """The protected table the query string asks for, over the token user's statistics scope."""
    user = api_user()
    if not user_can(user, Permission.READ_STATISTICS):
        return jsonify(errors=[{"message": _("You may not read statistics.")}]), 403
    query = query_from_args(request.args)
    if query.source == "form" and readable_form(user, query.form_id) is None:
        return jsonify(errors=[{"message": _("No such form among those you may read as statistics.")}]), 404
    table = statistics_table(user, query)
    if query.area and not table.query.area:
        return jsonify(errors=[{"message": _("No such territory among those you cover.")}]), 404
    if table.counts is None:
        return jsonify(errors=[{"message": problem} for problem in table.problems]), 400
    audit.record("statistics.exported", actor=user, format="api", query=table.query.to_args())
    db.session.commit()
    return jsonify(**_table_json(table), warnings=list(table.problems))


@api_bp.get("/statistics/standard")
@token_required
def standard():
    """Every table of the standard report of the period and territory asked for (statistics/standard.py)."""
    user = api_user()
    if not user_can(user, Permission.READ_STATISTICS):
        return jsonify(errors=[{"message": _("You may not read statistics.")}]), 403
    query = query_from_args(request.args)
    if query.source == "form" and readable_form(user, query.form_id) is None:
        return jsonify(errors=[{"message": _("No such form among those you may read as statistics.")}]), 404
    report = standard_report(user, request.args, with_charts=False)
    base = report.base.table
    if query.area and not base.query.area:
        return jsonify(errors=[{"message": _("No such territory among those you cover.")}]), 404
    if base.counts is None:
        return jsonify(errors=[{"message": problem} for problem in base.problems]), 400
    audit.record("statistics.exported", actor=user, format="api-standard", query=base.query.to_args())
    db.session.commit()
    return jsonify(
        title=report_title(report),
        area=base.area_name or None,
        tables=[{"name": section.name, **_table_json(section.table)} for section in report.sections],
        warnings=list(base.problems),
    )


def _table_json(table: StatTable) -> dict[str, object]:
    """A protected table as the API gives it: its rows (ProtectedTable.to_rows) and what they are."""
    assert table.counts is not None
    _columns, rows = export_rows(table)
    return {
        "title": table.title,
        "dimensions": [dim.name for dim in table.counts.dimensions],
        "rows": rows,
        "threshold": table.threshold,
        "sensitive": table.sensitive,
        "measure": table.query.measure or None,
        "indicator": _indicator(table),
        "population_year": table.population_year,
        "area": table.area_name or None,
        "labels": table.labels,
        "notes": list(table.notes),
        "query": table.query.to_args(),
    }


def _indicator(table: StatTable) -> dict[str, object] | None:
    query = table.query
    if table.indicator is None:
        return None
    return {
        "numerator": [{"field": name, "choice": choice} for name, choice in query.numerator],
        "denominator": [{"field": name, "choice": choice} for name, choice in query.denominator],
        "per": query.per,
        "label": table.indicator_label,
    }
