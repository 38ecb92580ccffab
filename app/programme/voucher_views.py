"""Voucher pages: the types a project funds, the register of vouchers given out, one voucher's spending, and
the counts and amounts by type and territory (disclosure-controlled outside the owning scope)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from analysis.programme_export import voucher_rows
from analysis.programme_text import programme_text
from analysis.programme_vouchers import IN_USE, LEVELS, RULES, TRANSITIONS, Facts, effective_status
from app import edits
from app.models import Project, User, VoucherAssignment, VoucherType
from app.permissions import Permission, require, user_can
from app.programme import access, plan, reports, vouchers
from app.programme.views import period_args, today
from app.programme.web import LEVEL_LABELS, RULE_LABELS, STATUS_LABELS, bp, label
from app.programme.webforms import NONE, AssignForm, SpendingForm, StatusForm, VoucherTypeForm


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _owns(project_id: int):
    return access.scope(_user(), project_id, Permission.KEEP_CASES)


@bp.get("/vouchers")
@require(Permission.READ_PROGRAMME)
def voucher_index():
    """Voucher types; for those who keep cases, the register of vouchers in their scope."""
    project = access.project_or_404(_user(), request.args.get("project", type=int), Permission.READ_PROGRAMME)
    return _voucher_page(project)


def _voucher_page(project: Project | None, status: int = 200, **forms: object):
    types = vouchers.types_of(project.id) if project else []
    owns = _owns(project.id) if project else None
    manages = project is not None and (not owns.empty or user_can(_user(), Permission.RUN_PROGRAMME))
    register = vouchers.register(owns, project.id) if project and not owns.empty else []
    return render_template(
        "programme/vouchers.html",
        project=project,
        projects=access.projects(_user()),
        types=types,
        left={t.id: vouchers.left_of(t, today()) for t in types} if manages else {},
        register=register,
        spent={v.id: vouchers.spent_cents(v) for v in register},
        current={v.id: effective_status(v.status, v.expires_on, today()) for v in register},
        editor=project is not None and access.edits_plan(_user(), project.id),
        keeps_cases=owns is not None and not owns.empty,
        type_form=forms.get("type_form") or _type_form(project, formdata=None),
        assign_form=forms.get("assign_form") or _assign_form(project, formdata=None),
    ), status


def _type_form(
    project: Project | None, voucher_type: VoucherType | None = None, **kwargs: object
) -> VoucherTypeForm:
    form = VoucherTypeForm(obj=voucher_type, **kwargs)
    form.level.choices = [(k, label(LEVEL_LABELS, k)) for k in LEVELS]
    form.rules.choices = [(k, label(RULE_LABELS, k)) for k in RULES]
    activities = plan.activities_of(project.id) if project else []
    form.activity.choices = [(NONE, _("None"))] + [(a.id, f"{a.code} {a.title}") for a in activities]
    if voucher_type is not None and not form.is_submitted():
        _show_stored(form, voucher_type)
    return form


def _show_stored(form: VoucherTypeForm, voucher_type: VoucherType) -> VoucherTypeForm:
    """Put a voucher type's stored values, as typed, and their version in `form`."""
    form.amount.data = f"{voucher_type.amount_cents / 100:.2f}".replace(".", ",")
    form.activity.data = voucher_type.activity_id or NONE
    form.seen.data = edits.row_version(voucher_type)
    return form


def _assign_form(project: Project | None, **kwargs: object) -> AssignForm:
    form = AssignForm(**kwargs)
    form.voucher_type.choices = [(t.id, t.name) for t in (vouchers.types_of(project.id) if project else [])]
    units = access.units_in(_owns(project.id), access.VOUCHER_KINDS) if project else []
    form.org_unit.choices = [(NONE, _("The case's own"))] + [(u.id, f"{u.name} ({u.code})") for u in units]
    if not form.is_submitted():
        form.assigned_on.data = today()
    return form


@bp.post("/vouchers/types")
@require(Permission.RUN_PROGRAMME)
def add_voucher_type():
    """Add a voucher type to the project (coordinators)."""
    project = access.project_or_404(_user(), request.form.get("project", type=int), Permission.RUN_PROGRAMME)
    if project is None:
        abort(404)
    access.require_plan_editor(_user(), project.id)
    form = _type_form(project)
    if not form.validate_on_submit():
        return _voucher_page(project, 422, type_form=form)
    try:
        created = vouchers.create_type(_user(), project.id, _type_input(form))
    except plan.PlanError as error:
        flash(str(error), "error")
        return _voucher_page(project, 422, type_form=form)
    flash(_("Voucher type %(name)s added.", name=created.name), "success")
    return redirect(url_for("programme.voucher_index", project=project.id))


def _type_input(form: VoucherTypeForm) -> vouchers.TypeInput:
    return vouchers.TypeInput(
        name=form.name.data,
        level=form.level.data,
        amount_cents=form.amount.cents,
        quantity=form.quantity.data,
        activity_id=form.activity.data or None,
        rules=list(form.rules.data or []),
        isee_max=form.isee_max.data,
        months_valid=form.months_valid.data,
        description=form.description.data or "",
    )


@bp.route("/vouchers/types/<int:voucher_type_id>", methods=("GET", "POST"))
@require(Permission.RUN_PROGRAMME)
def voucher_type(voucher_type_id: int):
    """Change a voucher type (coordinators); the quantity never drops below the vouchers given out."""
    found = access.voucher_type_or_404(_user(), voucher_type_id, Permission.RUN_PROGRAMME)
    access.require_plan_editor(_user(), found.project_id)
    project = access.project_or_404(_user(), found.project_id, Permission.RUN_PROGRAMME)
    form = _type_form(project, found)
    if form.is_submitted() and edits.is_stale(found, form.seen.data):
        stored = _show_stored(_type_form(project, found, formdata=None), found)
        edits.refuse(edits.unsaved(form, stored))
        return render_template("programme/voucher_type.html", voucher_type=found, form=stored), 409
    if form.validate_on_submit():
        try:
            vouchers.update_type(_user(), found, _type_input(form), today())
        except plan.PlanError as error:
            flash(str(error), "error")
        else:
            flash(_("Voucher type saved."), "success")
            return redirect(url_for("programme.voucher_index", project=project.id))
    status = 422 if request.method == "POST" else 200
    return render_template("programme/voucher_type.html", voucher_type=found, form=form), status


@bp.post("/vouchers/assign")
@require(Permission.KEEP_CASES)
def assign():
    """Give a voucher to a case (by its code) or a household (by its code) after checking eligibility."""
    project = access.project_or_404(_user(), request.form.get("project", type=int), Permission.KEEP_CASES)
    if project is None:
        abort(404)
    form = _assign_form(project)
    if not form.validate_on_submit():
        return _voucher_page(project, 422, assign_form=form)
    try:
        voucher = vouchers.assign(_user(), _assign_input(project, form), today())
    except plan.PlanError as error:
        flash(str(error), "error")
        return _voucher_page(project, 422, assign_form=form)
    flash(_("Voucher assigned."), "success")
    return redirect(url_for("programme.voucher", voucher_id=voucher.id))


def _assign_input(project: Project, form: AssignForm) -> vouchers.AssignInput:
    vtype = access.voucher_type_or_404(_user(), form.voucher_type.data, Permission.KEEP_CASES)
    entity = None
    if form.case.data:
        entity = access.case_by_code(_user(), project.id, form.case.data)
        if entity is None:
            raise plan.PlanError(_("No case with the code %(code)s in your scope.", code=form.case.data))
    unit = entity.org_unit if entity is not None else None
    if unit is None:
        unit = access.unit_in(_owns(project.id), form.org_unit.data or None, access.VOUCHER_KINDS)
    if unit is None:
        raise plan.PlanError(_("Choose the org unit of the household."))
    facts = Facts(
        in_care=bool(form.in_care.data) or entity is not None,
        isee=form.isee.data,
        minors=form.minors.data,
    )
    return vouchers.AssignInput(vtype, entity, form.household.data or "", unit, form.assigned_on.data, facts)


@bp.get("/vouchers/<int:voucher_id>")
@require(Permission.KEEP_CASES)
def voucher(voucher_id: int):
    """A voucher: who has it, its status history and its spending."""
    return _voucher_detail(access.voucher_or_404(_user(), voucher_id))


def _voucher_detail(found: VoucherAssignment, status: int = 200, **forms: object):
    current = effective_status(found.status, found.expires_on, today())
    status_form = forms.get("status_form") or StatusForm(formdata=None)
    status_form.status.choices = [(s, label(STATUS_LABELS, s)) for s in sorted(TRANSITIONS[current])]
    spending_form = forms.get("spending_form") or SpendingForm(formdata=None)
    if not spending_form.is_submitted():
        spending_form.spent_on.data = today()
    return render_template(
        "programme/voucher.html",
        voucher=found,
        current=current,
        spent=vouchers.spent_cents(found),
        spending_form=spending_form,
        status_form=status_form,
        can_spend=current in ("assigned", IN_USE),
    ), status


@bp.post("/vouchers/<int:voucher_id>/spending")
@require(Permission.KEEP_CASES)
def spend(voucher_id: int):
    """Record money spent from a voucher; its total never exceeds the voucher's amount."""
    found = access.voucher_or_404(_user(), voucher_id)
    form = SpendingForm()
    if not form.validate_on_submit():
        return _voucher_detail(found, 422, spending_form=form)
    try:
        vouchers.record_spending(
            _user(), found, form.spent_on.data, form.amount.cents, form.description.data or "", today()
        )
    except plan.PlanError as error:
        flash(str(error), "error")
        return _voucher_detail(access.voucher_or_404(_user(), voucher_id), 422, spending_form=form)
    flash(_("Spending recorded."), "success")
    return redirect(url_for("programme.voucher", voucher_id=found.id))


@bp.post("/vouchers/<int:voucher_id>/status")
@require(Permission.KEEP_CASES)
def voucher_status(voucher_id: int):
    """Put a voucher in use or close it as spent or expired."""
    found = access.voucher_or_404(_user(), voucher_id)
    form = StatusForm()
    form.status.choices = [(s, label(STATUS_LABELS, s)) for s in STATUS_LABELS]
    if not form.validate_on_submit():
        return _voucher_detail(found, 422, status_form=form)
    try:
        vouchers.change_status(_user(), found, form.status.data, form.on.data, form.note.data or "", today())
    except plan.PlanError as error:
        flash(str(error), "error")
        return _voucher_detail(access.voucher_or_404(_user(), voucher_id), 422)
    flash(_("Status saved."), "success")
    return redirect(url_for("programme.voucher", voucher_id=found.id))


@bp.get("/vouchers/statistics")
@require(Permission.READ_PROGRAMME)
def voucher_statistics():
    """Vouchers assigned and spent, and euros spent, by type and territory, in the reader's scope."""
    project = access.project_or_404(_user(), request.args.get("project", type=int), Permission.READ_PROGRAMME)
    if project is None:
        abort(404)
    start, end, as_of, form = period_args(project)
    page = reports.voucher_statistics(_user(), project, start, end, as_of)
    rows = voucher_rows(page.tables, programme_text(str(get_locale())))
    return render_template(
        "programme/voucher_statistics.html", project=project, page=page, rows=rows, form=form
    )
