"""GET /api/v1/statistics: the same protected table as the statistics page, as JSON.

    GET /api/v1/statistics?source=cases&by=ambito,sesso
    → {"dimensions": ["ambito", "sesso"], "rows": [{"ambito": "ATS-LE1", "ambito_level": "ambito",
       "sesso": "f", "value": 7, "status": "published"}, ...], "threshold": 5, ...}

Rows are ProtectedTable.to_rows(), with "percent", "rate_per_1000" and "indicator" when asked for: hidden
values are null with their status ("primary", "secondary"). An indicator (`num=provv_ag:si&per=100`, with
`den=` for a denominator other than every submission) is described in "indicator". The parameters are the
page's (app/statistics/query.py).
"""

from flask import jsonify, request
from flask_babel import gettext as _

from app import audit
from app.api import bp as api_bp
from app.api.auth import api_user, token_required
from app.extensions import db
from app.permissions import Permission, user_can
from app.statistics.query import query_from_args
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
    if table.counts is None:
        return jsonify(errors=[{"message": problem} for problem in table.problems]), 400
    _columns, rows = export_rows(table)
    audit.record("statistics.exported", actor=user, format="api", query=table.query.to_args())
    db.session.commit()
    return jsonify(
        title=table.title,
        dimensions=[dim.name for dim in table.counts.dimensions],
        rows=rows,
        threshold=table.threshold,
        sensitive=table.sensitive,
        measure=table.query.measure or None,
        indicator=_indicator(table),
        population_year=table.population_year,
        labels=table.labels,
        notes=list(table.notes),
        warnings=list(table.problems),
        query=table.query.to_args(),
    )


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
