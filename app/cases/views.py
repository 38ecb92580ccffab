"""Case records: the list and search, a case's page, its protected identity, transfers, conflict review."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_number, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import audit, edits
from app.cases import pages
from app.cases.identity import (
    IDENTITY_FIELDS,
    can_see_identity,
    identity_version,
    set_identity,
    transfer_case,
)
from app.cases.web import bp
from app.cases.webforms import ConfirmForm, IdentityForm, TransferForm
from app.extensions import db
from app.models import OrgUnit, User
from app.permissions import Permission, require
from forms.identity import IdentityError


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.get("/")
@require(Permission.KEEP_CASES)
def index():
    """The cases the user keeps, most recently changed first, searchable by code or label and status."""
    text = request.args.get("q", "")[:100]
    status = request.args.get("status", "")
    status = status if status in ("aperta", "chiusa") else ""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = pages.search_cases(_user(), text, status, None, page)
    return render_template(
        "cases/index.html",
        found=found,
        cases=found.cases,
        count_cap=format_number(pages.COUNT_CAP),
        page=page,
        per_page=pages.PER_PAGE,
        q=text,
        status=status,
    )


@bp.get("/<int:case_id>")
@require(Permission.KEEP_CASES)
def case(case_id: int):
    """A case's page: identity (owning scope only), intake, household, interventions, assessments, history."""
    lang = str(get_locale())
    reading = pages.read_case(_user(), case_id, lang)
    identity_form = None
    if reading.identity is not None:
        data = {**_identity_data(reading.identity), "seen": identity_version(reading.case)}
        identity_form = IdentityForm(data=data)
    return render_template(
        "cases/case.html",
        page=reading,
        case=reading.case,
        identity_form=identity_form,
        transfer_form=TransferForm(),
        confirm_form=ConfirmForm(),
    )


@bp.post("/<int:case_id>/identity")
@require(Permission.KEEP_CASES)
def identity(case_id: int):
    """Record the case's identifiers, encrypted; only for those who keep cases in its own Ambito or comune."""
    found = pages.case_or_404(_user(), case_id)
    if not can_see_identity(_user(), found):
        abort(403)  # the page itself tells them who sees the identity
    form = IdentityForm()
    if not form.validate_on_submit():
        flash(_("Check the identity fields: %(errors)s", errors=_errors(form)), "error")
        return redirect(url_for("cases.case", case_id=found.id))
    if edits.is_stale(found, form.seen.data, identity_version):
        # Someone saved it since this page was opened: saving now would silently undo their change.
        flash(
            _(
                "Someone else changed this identity after you opened the page, so yours was not saved. "
                "Here is the current one: enter your changes again if they are still right."
            ),
            "error",
        )
        return case(case_id), 409
    values = {name: form[name].data for name in IDENTITY_FIELDS}
    values["data_nascita"] = values["data_nascita"].isoformat() if values["data_nascita"] else ""
    try:
        set_identity(_user(), found, values)
    except IdentityError as error:
        db.session.rollback()
        flash(error.message(str(get_locale())), "error")
        return redirect(url_for("cases.case", case_id=found.id, _anchor="identity")), 303
    flash(
        _("Identity saved, encrypted. Its pseudonymous code is %(code)s.", code=found.pseudonym or "—"),
        "success",
    )
    return redirect(url_for("cases.case", case_id=found.id, _anchor="identity"))


@bp.post("/<int:case_id>/transfer")
@require(Permission.KEEP_CASES)
def transfer(case_id: int):
    """Move a case to the Ambito or comune where the family now lives."""
    found = pages.case_or_404(_user(), case_id)
    form = TransferForm()
    if not form.validate_on_submit():
        flash(_("Say where the case goes and why."), "error")
        return redirect(url_for("cases.case", case_id=found.id))
    code = form.target.data.strip()
    target = db.session.scalars(
        select(OrgUnit).where(OrgUnit.code == code, OrgUnit.kind.in_(("ambito", "comune")))
    ).first()
    if target is None:
        flash(_("No Ambito or comune has the code %(code)s.", code=code), "error")
        return redirect(url_for("cases.case", case_id=found.id))
    if target.id == found.org_unit_id:
        flash(_("The case already belongs to %(name)s.", name=target.name), "info")
        return redirect(url_for("cases.case", case_id=found.id))
    transfer_case(_user(), found, target, form.reason.data)
    flash(_("Case transferred to %(name)s.", name=target.name), "success")
    if pages.keep_scope(_user(), found.entity_list.project_id).covers_path(target.path):
        return redirect(url_for("cases.case", case_id=found.id))
    return redirect(url_for("cases.index"))


@bp.post("/<int:case_id>/resolve")
@require(Permission.KEEP_CASES)
def resolve(case_id: int):
    """Mark a case's conflicting updates as reviewed."""
    found = pages.case_or_404(_user(), case_id)
    if ConfirmForm().validate_on_submit() and found.conflict:
        previous, found.conflict = found.conflict, None
        audit.record(
            "case.conflict_resolved", found, org_unit_id=found.org_unit_id, actor=_user(), conflict=previous
        )
        db.session.commit()
        flash(_("The conflict is marked as reviewed."), "success")
    return redirect(url_for("cases.case", case_id=found.id))


def _identity_data(identity: dict) -> dict:
    data = dict(identity)
    if data.get("data_nascita"):
        try:
            data["data_nascita"] = date.fromisoformat(data["data_nascita"])
        except ValueError:
            data["data_nascita"] = None
    return data


def _errors(form: IdentityForm) -> str:
    return "; ".join(f"{form[name].label.text}: {', '.join(errors)}" for name, errors in form.errors.items())
