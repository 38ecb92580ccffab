"""The registry pages: the directory, a service's page, registering and editing a service, the import."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import edits
from app.models import Service, User
from app.permissions import Permission, require, user_can
from app.registry import changes, directory
from app.registry.rules import COLUMNS, PROVIDER_TYPES, SERVICE_KINDS, Problem, ServiceValues, read_service
from app.registry.web import bp
from app.registry.webforms import DirectoryFilterForm, ImportForm, ServiceForm


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _manager() -> User:
    """The signed-in user, if they may change the registry somewhere; 403 otherwise."""
    if not directory.can_manage(_user()):
        abort(403)
    return _user()


def _language() -> str:
    return str(get_locale())


@bp.context_processor
def _labels() -> dict[str, object]:
    return {
        "kind_label": lambda code: _(SERVICE_KINDS[code][0]) if code in SERVICE_KINDS else code,
        "provider_label": lambda code: _(PROVIDER_TYPES[code]) if code in PROVIDER_TYPES else code,
    }


@bp.get("/")
@require(Permission.READ_STATISTICS)
def index():
    """The services in the user's org units, filtered by type, provider, place, text and state."""
    form = DirectoryFilterForm(request.args).with_choices(directory.filter_units(_user()))
    form.validate()
    filters = directory.Filters(
        q=(form.q.data or "")[:100],
        kind="" if form.kind.errors else form.kind.data or "",
        provider_type="" if form.provider.errors else form.provider.data or "",
        unit="" if form.unit.errors else form.unit.data or "",
        inactive=bool(form.inactive.data),
    )
    page = directory.search(_user(), filters, request.args.get("page", 1, type=int) or 1)
    return render_template(
        "registry/index.html",
        form=form,
        page=page,
        pager_args=filters.args(),
        can_manage=directory.can_manage(_user()),
    )


@bp.get("/<int:service_id>")
@require(Permission.READ_STATISTICS)
def service(service_id: int):
    """A service's details and the latest monitoring submissions that name it."""
    found = directory.service_or_404(_user(), service_id)
    readable = user_can(_user(), Permission.READ_DATA)
    return render_template(
        "registry/service.html",
        service=found,
        submissions=directory.linked_submissions(_user(), found) if readable else None,
        can_edit=directory.manage_scope(_user()).covers_path(found.org_unit.path),
    )


@bp.route("/new", methods=("GET", "POST"))
@login_required
def create():
    """Register a service in one of the org units the user manages."""
    user = _manager()
    form = ServiceForm().with_choices(changes.managed_units(user))
    if form.validate_on_submit():
        values = _checked(user, form, None)
        if values is not None:
            created = changes.create_service(user, values)
            flash(_("The service %(name)s was registered.", name=created.name), "success")
            return redirect(url_for("registry.service", service_id=created.id))
    status = 422 if request.method == "POST" else 200
    return render_template("registry/edit.html", form=form, service=None), status


@bp.route("/<int:service_id>/edit", methods=("GET", "POST"))
@login_required
def edit(service_id: int):
    """Change a service, or deactivate it: services are never deleted."""
    user = _manager()
    found = directory.service_or_404(user, service_id)
    if not directory.manage_scope(user).covers_path(found.org_unit.path):
        abort(403)
    form = ServiceForm(data=_form_data(found)).with_choices(changes.managed_units(user))
    if form.is_submitted() and edits.is_stale(found, form.seen.data):
        stored = ServiceForm(formdata=None, data=_form_data(found)).with_choices(changes.managed_units(user))
        edits.refuse(edits.unsaved(form, stored))
        return render_template("registry/edit.html", form=stored, service=found), 409
    if form.validate_on_submit():
        values = _checked(user, form, found)
        if values is not None:
            changed = changes.update_service(user, found, values, active=bool(form.active.data))
            flash(_("The service was saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("registry.service", service_id=found.id))
    status = 422 if request.method == "POST" else 200
    return render_template("registry/edit.html", form=form, service=found), status


def _form_data(service: Service) -> dict[str, object]:
    data: dict[str, object] = {name: getattr(service, name, "") for name in COLUMNS if name != "org_unit"}
    data["capacity"] = "" if service.capacity is None else str(service.capacity)
    return data | {
        "org_unit": service.org_unit.code,
        "active": service.active,
        "seen": edits.row_version(service),
    }


def _checked(user: User, form: ServiceForm, service: Service | None) -> ServiceValues | None:
    """The form's values checked by the registry's rules, or None with the problems shown on the form."""
    if service is not None:
        form.code.data = service.code  # fixed: monitoring answers name it
    cells = form.cells()
    values, problems = read_service(cells, changes.units_by_code(user, [cells["org_unit"].strip()]))
    code = cells["code"].strip().upper()
    if service is None and code and changes.code_taken(code):
        problems.append(Problem(0, "code", "code_taken", {"value": code}))
    if problems:
        form.show(problems, _language())
        return None
    return values


@bp.route("/import", methods=("GET", "POST"))
@login_required
def import_registry():
    """Upload a registry file: every row is registered or updated by its code, or none if one is wrong."""
    user = _manager()
    form = ImportForm()
    outcome = None
    if form.validate_on_submit():
        upload = form.registry_file.data
        outcome = changes.import_registry(user, upload.read(), upload.filename or "")
        if outcome.ok:
            flash(
                _(
                    "Registry imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.",
                    created=outcome.created,
                    updated=outcome.updated,
                    unchanged=outcome.unchanged,
                ),
                "success",
            )
            return redirect(url_for("registry.index"))
    status = 422 if request.method == "POST" else 200
    template = render_template(
        "registry/import.html", form=form, outcome=outcome, columns=COLUMNS, language=_language()
    )
    return template, status


@bp.get("/import/template.csv")
@login_required
def import_template():
    """An empty registry file with its header row, to fill in."""
    _manager()
    body = ",".join(COLUMNS) + "\n"
    headers = {"Content-Disposition": "attachment; filename=servizi_registro.csv"}
    return Response(body.encode("utf-8"), mimetype="text/csv", headers=headers)
