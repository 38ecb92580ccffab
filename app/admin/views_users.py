"""Admin pages: users, their roles and their access."""

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app import accounts
from app.admin import bp
from app.admin.webforms_users import AssignmentForm, PasswordSetForm, UserCreateForm, UserFilterForm
from app.auth.passwords import WeakPassword
from app.models import User
from app.permissions import Permission, require


def _admin() -> User:
    return current_user._get_current_object()


def _assignment_choices(form: AssignmentForm) -> AssignmentForm:
    scope = accounts.managed_scope(_admin())
    return form.with_choices(accounts.org_units_within(scope), accounts.all_projects(), scope.everywhere)


@bp.route("/users")
@require(Permission.MANAGE_USERS)
def users():
    """List the users in the administrator's scope."""
    form = UserFilterForm(request.args).with_choices()
    form.validate()
    role = "" if form.role.errors else form.role.data or ""
    page = accounts.find_users(_admin(), form.q.data or "", role, request.args.get("page", 1, type=int))
    pager_args = {k: v for k, v in request.args.items() if k != "page"}
    shown = partial(accounts.visible_assignments, _admin())
    return render_template(
        "admin/users.html", form=form, page=page, pager_args=pager_args, visible_assignments=shown
    )


@bp.route("/users/new", methods=("GET", "POST"))
@require(Permission.MANAGE_USERS)
def user_create():
    """Create a user with a first role inside the administrator's scope."""
    form = _assignment_choices(UserCreateForm())
    if form.validate_on_submit() and (user := _create(form)) is not None:
        flash(_("The user %(email)s was created.", email=user.email), "success")
        return _redirect_to(user.id)
    return render_template("admin/users_new.html", form=form)


def _create(form: UserCreateForm) -> User | None:
    try:
        return accounts.create_account(
            _admin(), form.email.data, form.name.data or "", form.password.data or "", form.grant()
        )
    except WeakPassword as exc:
        form.password.errors.append(str(exc))
    except accounts.AccountError as exc:
        form.form_errors.append(str(exc))
    return None


@bp.route("/users/<int:user_id>")
@require(Permission.MANAGE_USERS)
def user_detail(user_id: int):
    """Show a user's roles and access, with the changes the administrator may make."""
    user = accounts.user_in_scope(_admin(), user_id)
    return _render_detail(user, _assignment_choices(AssignmentForm()), PasswordSetForm())


def _render_detail(user: User, assign_form: AssignmentForm, password_form: PasswordSetForm) -> str:
    admin = _admin()
    shown = accounts.visible_assignments(admin, user)
    return render_template(
        "admin/users_detail.html",
        user=user,
        assignments=shown,
        removable={a.id for a in shown if accounts.may_change(admin, a)},
        hidden=len(user.assignments) - len(shown),
        fully_managed=accounts.fully_managed(admin, user),
        assign_form=assign_form,
        password_form=password_form,
    )


@bp.post("/users/<int:user_id>/assignments")
@require(Permission.MANAGE_USERS)
def user_add_assignment(user_id: int):
    """Give a user one more role."""
    user = accounts.user_in_scope(_admin(), user_id)
    form = _assignment_choices(AssignmentForm())
    if form.validate_on_submit() and _attempt(accounts.add_assignment, user_id, form.grant(), form=form):
        flash(_("The role was granted."), "success")
        return _redirect_to(user_id)
    return _render_detail(user, form, PasswordSetForm(formdata=None))


@bp.post("/users/<int:user_id>/assignments/<int:assignment_id>/remove")
@require(Permission.MANAGE_USERS)
def user_remove_assignment(user_id: int, assignment_id: int):
    """Take a role away from a user."""
    if _attempt(accounts.remove_assignment, user_id, assignment_id):
        flash(_("The role was removed."), "success")
    if not accounts.still_managed(_admin(), user_id):
        return redirect(url_for("admin.users"))
    return _redirect_to(user_id)


@bp.post("/users/<int:user_id>/disable")
@require(Permission.MANAGE_USERS)
def user_disable(user_id: int):
    """Disable an account, ending its sessions and API tokens at once."""
    if _attempt(accounts.set_active, user_id, False):
        flash(_("The account was disabled: its sessions and API tokens no longer work."), "success")
    return _redirect_to(user_id)


@bp.post("/users/<int:user_id>/enable")
@require(Permission.MANAGE_USERS)
def user_enable(user_id: int):
    """Let a disabled account sign in again."""
    if _attempt(accounts.set_active, user_id, True):
        flash(_("The account was enabled."), "success")
    return _redirect_to(user_id)


@bp.post("/users/<int:user_id>/password")
@require(Permission.MANAGE_USERS)
def user_set_password(user_id: int):
    """Set a new password for a user, closing their sessions."""
    user = accounts.user_in_scope(_admin(), user_id)
    form = PasswordSetForm()
    if form.validate_on_submit() and _attempt(accounts.set_password, user_id, form.password.data, form=form):
        flash(_("The password was set and the user's sessions were closed."), "success")
        return _redirect_to(user_id)
    return _render_detail(user, _assignment_choices(AssignmentForm(formdata=None)), form)


def _attempt(change: Callable[..., object], *args: Any, form: FlaskForm | None = None) -> bool:
    """Run an account change for the admin; explain a refusal next to the form, or in a flash."""
    try:
        change(_admin(), *args)
    except (accounts.AccountError, WeakPassword) as exc:
        if form is None:
            flash(str(exc), "error")
        else:
            form.form_errors.append(str(exc))
        return False
    return True


def _redirect_to(user_id: int) -> Response:
    return redirect(url_for("admin.user_detail", user_id=user_id))
