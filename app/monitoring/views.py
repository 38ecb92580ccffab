"""The reporting-cycle pages: the list, creating a cycle, the completeness dashboard and its CSV."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_percent, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from analysis.completeness import CycleDefinitionError, Rate
from app.models import User
from app.monitoring import cycles
from app.monitoring.dashboard import dashboard, grid_csv
from app.monitoring.web import bp
from app.monitoring.webforms import PERIOD_UNITS, ChooseForm, CycleForm
from app.permissions import Permission, require, user_can


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _readers_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Sign-in required, then 403 unless the user reads statistics or designs forms."""

    @wraps(view)
    @login_required
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not cycles.can_read(_user()):
            abort(403)
        return view(*args, **kwargs)

    return guarded


@bp.context_processor
def _helpers() -> dict[str, object]:
    units = dict(PERIOD_UNITS)
    return {
        "period_unit_label": lambda unit: str(units.get(unit, unit)),
        "rate_text": _rate_text,
    }


def _rate_text(rate: Rate) -> str:
    return "—" if rate.percent is None else format_percent(rate.percent / 100, "#,##0.#%")


@bp.get("/")
@_readers_only
def index():
    """The reporting cycles the user may follow."""
    return render_template(
        "monitoring/index.html",
        visible=cycles.visible_cycles(_user()),
        can_create=user_can(_user(), Permission.DESIGN_FORMS),
    )


@bp.route("/new", methods=("GET", "POST"))
@require(Permission.DESIGN_FORMS)
def create():
    """Create a reporting cycle: first choose the form, then its periods, date field and org units."""
    form_id = request.args.get("form_id", type=int)
    if form_id is None:
        choose = ChooseForm(formdata=None).with_choices(cycles.forms_for_cycles(_user()))
        return render_template("monitoring/choose_form.html", choose=choose)
    chosen = cycles.form_for_cycle_or_404(_user(), form_id)
    fields = cycles.date_fields(chosen, str(get_locale()))
    form = CycleForm().with_choices(fields, cycles.units_to_choose(_user(), chosen.project_id))
    period_error = None
    if form.validate_on_submit():
        try:
            created = cycles.create_cycle(_user(), chosen, _values(form))
        except CycleDefinitionError as error:
            period_error = error.italian if str(get_locale()).startswith("it") else error.english
        else:
            flash(_("The reporting cycle %(name)s was created.", name=created.name), "success")
            return redirect(url_for("monitoring.cycle", cycle_id=created.id))
    status = 422 if request.method == "POST" else 200
    page = render_template(
        "monitoring/new.html", form=form, chosen=chosen, has_dates=bool(fields), period_error=period_error
    )
    return page, status


def _values(form: CycleForm) -> cycles.CycleValues:
    return cycles.CycleValues(
        name=form.name.data.strip(),
        period_unit=form.period_unit.data,
        first_period=form.first_period.data,
        last_period=form.last_period.data,
        date_field=form.date_field.data,
        by_service=bool(form.by_service.data),
        unit_ids=tuple(form.units.data),
    )


@bp.get("/<int:cycle_id>")
@_readers_only
def cycle(cycle_id: int):
    """Who has filed for which period: the grid, the reporting rates and the reports still missing."""
    found = cycles.cycle_or_404(_user(), cycle_id)
    board = dashboard(_user(), found, request.args.get("period"))
    return render_template("monitoring/cycle.html", board=board, cycle=found)


@bp.get("/<int:cycle_id>/completeness.csv")
@_readers_only
def completeness_csv(cycle_id: int):
    """The dashboard's grid as a CSV file."""
    found = cycles.cycle_or_404(_user(), cycle_id)
    body = grid_csv(dashboard(_user(), found))
    headers = {"Content-Disposition": f"attachment; filename=completezza_ciclo_{found.id}.csv"}
    return Response(body, mimetype="text/csv", headers=headers)
