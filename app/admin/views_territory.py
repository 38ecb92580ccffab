"""Admin pages: territory tree, org units, Ambiti and territory files, within the administrator's scope."""

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin import bp
from app.admin.webforms_territory import (
    AmbitoForm,
    AssignForm,
    AssignmentUploadForm,
    RenameForm,
    TerritoryUploadForm,
    child_form,
)
from app.models import OrgUnit, OrgUnitKind
from app.permissions import Permission, require, roles_with
from app.scoping import Scope, get_in_scope_or_404, subtree_condition, user_scope
from app.territory import csvfile, services
from app.territory.errors import TerritoryFileError
from app.territory.tree import TerritoryError, kind_label, province_of

Page = tuple[str, int]


@bp.context_processor
def _territory_helpers() -> dict[str, object]:
    return {"kind_label": kind_label}


def _scope() -> Scope:
    return user_scope(current_user, roles=roles_with(Permission.MANAGE_TERRITORY))


def _unit_or_404(unit_id: int, scope: Scope) -> OrgUnit:
    query = select(OrgUnit).where(OrgUnit.id == unit_id, subtree_condition(scope, OrgUnit.path))
    return get_in_scope_or_404(query)


@bp.route("/territory")
@require(Permission.MANAGE_TERRITORY)
def territory():
    """Show the territory tree within the administrator's scope."""
    scope = _scope()
    return render_template("admin/territory.html", roots=services.tree_in_scope(scope), scope=scope)


@bp.route("/territory/<int:unit_id>")
@require(Permission.MANAGE_TERRITORY)
def territory_unit(unit_id: int):
    """Show an org unit, its children and the forms that change it."""
    scope = _scope()
    return _unit_page(_unit_or_404(unit_id, scope), scope)


def _unit_page(unit: OrgUnit, scope: Scope, status: int = 200, **forms: Any) -> Page:
    province = province_of(unit)
    page = render_template(
        "admin/territory_unit.html",
        unit=unit,
        ancestors=[a for a in services.ancestors(unit) if scope.covers_path(a.path)],
        children=services.in_tree_order(unit.children),
        can_assign=unit.kind == OrgUnitKind.AMBITO and scope.covers_path(province.path if province else None),
        rename_form=forms.get("rename_form") or RenameForm(formdata=None, name=unit.name),
        child_form=forms.get("child_form") or child_form(unit, formdata=None),
        ambito_form=forms.get("ambito_form") or AmbitoForm(formdata=None),
    )
    return page, status


def _refused(exc: TerritoryError) -> None:
    flash(_("Nothing was changed: %(reason)s", reason=str(exc)), "error")


@bp.post("/territory/<int:unit_id>/rename")
@require(Permission.MANAGE_TERRITORY)
def territory_rename(unit_id: int):
    """Rename an org unit."""
    scope = _scope()
    unit = _unit_or_404(unit_id, scope)
    form = RenameForm()
    if form.validate_on_submit():
        try:
            services.rename_org_unit(unit, form.name.data)
        except TerritoryError as exc:
            _refused(exc)
        else:
            flash(_("The name was saved."), "success")
            return redirect(url_for("admin.territory_unit", unit_id=unit.id))
    return _unit_page(unit, scope, 400, rename_form=form)


@bp.post("/territory/<int:unit_id>/children")
@require(Permission.MANAGE_TERRITORY)
def territory_add_child(unit_id: int):
    """Add an agency or a service under an org unit."""
    scope = _scope()
    unit = _unit_or_404(unit_id, scope)
    form = child_form(unit) or abort(404)
    if form.validate_on_submit():
        try:
            child = services.add_child(unit, form.child_code.data, form.child_name.data, form.kind.data)
        except TerritoryError as exc:
            _refused(exc)
        else:
            flash(_("%(name)s was added.", name=child.name), "success")
            return redirect(url_for("admin.territory_unit", unit_id=unit.id))
    return _unit_page(unit, scope, 400, child_form=form)


@bp.post("/territory/<int:unit_id>/ambiti")
@require(Permission.MANAGE_TERRITORY)
def territory_create_ambito(unit_id: int):
    """Create an Ambito under a province."""
    scope = _scope()
    province = _unit_or_404(unit_id, scope)
    if province.kind != OrgUnitKind.PROVINCE:
        abort(404)
    form = AmbitoForm()
    if form.validate_on_submit():
        try:
            ambito = services.create_ambito(province, form.ambito_code.data, form.ambito_name.data)
        except TerritoryError as exc:
            _refused(exc)
        else:
            flash(_("The Ambito %(name)s was created.", name=ambito.name), "success")
            return redirect(url_for("admin.territory_assign", unit_id=ambito.id))
    return _unit_page(province, scope, 400, ambito_form=form)


@bp.route("/territory/<int:unit_id>/comuni", methods=("GET", "POST"))
@require(Permission.MANAGE_TERRITORY)
def territory_assign(unit_id: int):
    """Choose, among the comuni of its province, those that make up an Ambito."""
    ambito, province = _ambito_and_province(unit_id, _scope())
    comuni = services.comuni_of_province(province)
    form = _assign_form(ambito, comuni)
    if form.validate_on_submit():
        try:
            change = services.assign_comuni(ambito, [c for c in comuni if c.id in set(form.comuni.data)])
        except TerritoryError as exc:
            _refused(exc)
        else:
            message = _(
                "Comuni moved in: %(arrived)d; moved out: %(left)d.",
                arrived=change.moved_in,
                left=change.moved_out,
            )
            flash(message, "success")
            return redirect(url_for("admin.territory_unit", unit_id=ambito.id))
    page = render_template("admin/territory_assign.html", ambito=ambito, province=province, form=form)
    return page, 400 if form.is_submitted() else 200


def _assign_form(ambito: OrgUnit, comuni: list[OrgUnit]) -> AssignForm:
    form = AssignForm(data={"comuni": [c.id for c in comuni if c.parent_id == ambito.id]})
    form.comuni.choices = [(c.id, _comune_label(c, ambito)) for c in comuni]
    return form


def _ambito_and_province(unit_id: int, scope: Scope) -> tuple[OrgUnit, OrgUnit]:
    # Regrouping comuni reshapes the province, so the province itself must be in scope.
    ambito = _unit_or_404(unit_id, scope)
    province = province_of(ambito)
    if ambito.kind != OrgUnitKind.AMBITO or province is None:
        abort(404)
    if not scope.covers_path(province.path):
        abort(403)
    return ambito, province


def _comune_label(comune: OrgUnit, ambito: OrgUnit) -> str:
    parent = comune.parent
    if parent is None or parent.id == ambito.id or parent.kind != OrgUnitKind.AMBITO:
        return f"{comune.name} ({comune.code})"
    return _("%(name)s (%(code)s), now in %(ambito)s", name=comune.name, code=comune.code, ambito=parent.name)


@bp.get("/territory/upload")
@require(Permission.MANAGE_TERRITORY)
def territory_upload():
    """Show the forms that load a territory file or an Ambito assignment file."""
    _require_whole_network()
    return _upload_page(TerritoryUploadForm(), AssignmentUploadForm(), 200)


@bp.post("/territory/upload/territory")
@require(Permission.MANAGE_TERRITORY)
def territory_upload_territory():
    """Load an ISTAT territory file."""
    _require_whole_network()
    form = TerritoryUploadForm()
    if not form.validate_on_submit():
        return _upload_page(form, AssignmentUploadForm(formdata=None), 400)
    try:
        parsed = csvfile.parse_territory_file(form.territory_file.data.read(csvfile.MAX_BYTES + 1))
        report = services.load_territory(parsed, form.region_code.data, form.region_name.data)
    except TerritoryError as exc:
        return _file_refused(exc, form, AssignmentUploadForm(formdata=None), "territory")
    flash(report.summary(), "success")
    return redirect(url_for("admin.territory"))


@bp.post("/territory/upload/ambiti")
@require(Permission.MANAGE_TERRITORY)
def territory_upload_ambiti():
    """Load an Ambito assignment file."""
    _require_whole_network()
    form = AssignmentUploadForm()
    if not form.validate_on_submit():
        return _upload_page(TerritoryUploadForm(formdata=None), form, 400)
    try:
        report = services.assign_ambiti(
            csvfile.parse_assignment_file(form.assignment_file.data.read(csvfile.MAX_BYTES + 1))
        )
    except TerritoryError as exc:
        return _file_refused(exc, TerritoryUploadForm(formdata=None), form, "assignment")
    flash(report.summary(), "success")
    return redirect(url_for("admin.territory"))


def _require_whole_network() -> None:
    # A file can touch every province, so only network-wide administrators may load one.
    if not _scope().everywhere:
        abort(403)


def _file_refused(
    exc: TerritoryError,
    territory_form: TerritoryUploadForm,
    assignment_form: AssignmentUploadForm,
    which: str,
) -> Page:
    flash(_("The file was not loaded, and nothing was changed."), "error")
    lines = exc.lines() if isinstance(exc, TerritoryFileError) else [str(exc)]
    return _upload_page(territory_form, assignment_form, 400, **{which: lines})


def _upload_page(
    territory_form: TerritoryUploadForm,
    assignment_form: AssignmentUploadForm,
    status: int,
    **file_errors: list[str],
) -> Page:
    page = render_template(
        "admin/territory_upload.html",
        territory_form=territory_form,
        assignment_form=assignment_form,
        territory_errors=file_errors.get("territory", []),
        assignment_errors=file_errors.get("assignment", []),
    )
    return page, status
