"""The page where an operator creates, sees and revokes device credentials, with the QR codes to scan."""

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.extensions import csrf
from app.models import Project, User
from app.numbers import whole_number
from app.openrosa import bp, credentials
from app.openrosa.qrcode import qr_svg, settings_payload
from app.openrosa.webforms import DeviceCredentialForm
from app.permissions import Permission, require
from app.surveys.services import projects_for


@dataclass(frozen=True)
class ProjectSetup:
    """What to enter in ODK Collect for one project: its server URL, or its QR code to scan."""

    project: Project
    server_url: str
    qr: Markup


def _user() -> User:
    return current_user._get_current_object()


@bp.get("/odk/devices")
@require(Permission.FILL_FORMS)
def devices():
    """Show one's device credentials and how to set up ODK Collect for each project."""
    return _page(_form())


@bp.post("/odk/devices")
@require(Permission.FILL_FORMS)
def create_device():
    """Create device credentials and show their password and QR codes, once."""
    csrf.protect()
    form = _form()
    if not form.validate_on_submit():
        return _page(form), 400
    try:
        issued = credentials.issue_credential(_user(), form.label.data, _chosen_unit(form))
    except credentials.CredentialError as exc:
        form.org_unit.errors = [str(exc)]
        return _page(form), 400
    return _page(_form(formdata=None), issued)


@bp.post("/odk/devices/<int:credential_id>/revoke")
@require(Permission.FILL_FORMS)
def revoke_device(credential_id: int):
    """Revoke one of one's own device credentials: the phone using them is refused from now on."""
    csrf.protect()
    if not credentials.revoke_credential(_user(), credential_id):
        abort(404)
    flash(_("The device credentials were revoked."), "success")
    return redirect(url_for("openrosa.devices"))


def _form(**kwargs: object) -> DeviceCredentialForm:
    form = DeviceCredentialForm(**kwargs)
    units = credentials.units_to_choose(_user())
    form.org_unit.choices = [("", _("Choose an org unit"))] + [(str(u.id), u.name) for u in units]
    form.show_units = bool(units)  # type: ignore[attr-defined]
    return form


def _chosen_unit(form: DeviceCredentialForm) -> int | None:
    value = form.org_unit.data or ""
    return whole_number(value)


def _page(form: DeviceCredentialForm, issued: credentials.Issued | None = None) -> str:
    user = _user()
    return render_template(
        "openrosa/devices.html",
        form=form,
        issued=issued,
        credentials=credentials.user_credentials(user),
        setups=_setups(user, issued),
        general_url=server_url(None),
    )


def _setups(user: User, issued: credentials.Issued | None) -> list[ProjectSetup]:
    """One QR code per project the user fills forms in: with the new credentials just after creating
    them, and without a password afterwards (Collect then asks for it)."""
    username = issued.credential.username if issued else ""
    password = issued.password if issued else None
    setups = []
    for project in projects_for(user, Permission.FILL_FORMS):
        url = server_url(project.id)
        payload = settings_payload(url, username, project.name, password)
        setups.append(
            ProjectSetup(project, url, qr_svg(payload, _("ODK Collect settings for %(p)s", p=project.name)))
        )
    return setups


def server_url(project_id: int | None) -> str:
    """The server URL to enter in ODK Collect: Collect appends /formList and /submission to it."""
    if project_id is None:
        return url_for("openrosa.form_list", _external=True).removesuffix("/formList")
    return url_for("openrosa.project_form_list", project_id=project_id, _external=True).removesuffix(
        "/formList"
    )
