"""The historical import pages: upload, the dry run's report with the column mapping, then the commit."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.cases import importing
from app.cases.pages import case_lists, keep_scope
from app.cases.web import bp
from app.cases.webforms import ImportForm
from app.extensions import db
from app.models import EntityList, Job, OrgUnit, User
from app.permissions import Permission, require
from app.scoping import subtree_condition
from forms.entity_import import SPECS


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _units(user: User, lists: list[EntityList]) -> list[OrgUnit]:
    """The Ambiti and comuni where the user keeps cases, for any of the lists' projects."""
    units: dict[int, OrgUnit] = {}
    for project_id in {entity_list.project_id for entity_list in lists}:
        scope = keep_scope(user, project_id)
        query = select(OrgUnit).where(
            OrgUnit.kind.in_(("ambito", "comune")), subtree_condition(scope, OrgUnit.path)
        )
        units.update((unit.id, unit) for unit in db.session.scalars(query.order_by(OrgUnit.path).limit(500)))
    return sorted(units.values(), key=lambda unit: unit.path)


@bp.route("/import", methods=("GET", "POST"))
@require(Permission.KEEP_CASES)
def import_start():
    """Upload a CSV or XLSX of existing records, one row per minor or per intervention."""
    lists = case_lists(_user())
    units = _units(_user(), lists)
    form = ImportForm()
    form.entity_list.choices = [(entity_list.id, entity_list.name) for entity_list in lists]
    form.org_unit.choices = [(unit.id, f"{unit.name} ({unit.code})") for unit in units]
    if not lists:
        flash(_("No form of your projects keeps case records yet: upload the intake form first."), "info")
    elif form.validate_on_submit():
        upload = form.data_file.data
        data = upload.read()
        if not upload.filename.lower().endswith(importing.EXTENSIONS):
            form.data_file.errors = [_("Send a .csv or .xlsx file.")]
        else:
            entity_list = db.session.get(EntityList, form.entity_list.data)
            unit = db.session.get(OrgUnit, form.org_unit.data)
            import_id = importing.save_upload(
                _user(), data, upload.filename, form.kind.data, entity_list, unit
            )
            importing.dry_run_job(_user(), importing.load_state(_user(), import_id), None)
            return redirect(url_for("cases.import_report", import_id=import_id))
    return render_template("cases/import_start.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/import/<import_id>", methods=("GET", "POST"))
@require(Permission.KEEP_CASES)
def import_report(import_id: str):
    """The dry run's report: change the mapping and check again, or confirm the import."""
    state = importing.load_state(_user(), import_id) or abort(404)
    if request.method == "POST" and FlaskForm().validate_on_submit():
        if request.form.get("action") == "commit" and state["report"] and state["report"]["ok"]:
            importing.commit_job(_user(), state)
            flash(_("Import started: every row is written, or none."), "info")
        else:
            fields = {spec_field.name for spec_field in SPECS[state["kind"]].fields}
            mapping = {
                column: request.form.get(f"map-{index}", "")
                for index, column in enumerate(state.get("columns") or [])
                if request.form.get(f"map-{index}", "") in fields
            }
            importing.dry_run_job(_user(), state, mapping)
        return redirect(url_for("cases.import_report", import_id=import_id))
    jobs = {
        name: db.session.get(Job, state[name]) if state.get(name) else None
        for name in ("check_job", "commit_job")
    }
    return render_template(
        "cases/import_report.html",
        state=state,
        jobs=jobs,
        fields=[spec_field.name for spec_field in SPECS[state["kind"]].fields],
        confirm_form=FlaskForm(),
        lang=str(get_locale()),
    )
