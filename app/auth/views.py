"""Routes for signing in and out, choosing the language and managing one's own account."""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth import bp, services, throttle
from app.auth.passwords import WeakPassword
from app.auth.webforms import LoginForm, PasswordChangeForm, TokenForm
from app.extensions import db
from app.redirects import local_path


@bp.route("/login", methods=("GET", "POST"))
def login():
    """Show the sign-in form; sign the user in when the credentials are right."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            services.sign_in(form.email.data, form.password.data)
        except services.LoginThrottled:
            message = _("Too many failed attempts. Wait a minute and try again.")
            response = render_template("auth/login.html", form=form, error=message)
            return response, 429, {"Retry-After": str(throttle.retry_after_seconds())}
        except services.InvalidCredentials:
            error = _("Wrong email or password.")
            return render_template("auth/login.html", form=form, error=error), 401
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, error=None)


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect after login is a phishing aid.
    return local_path(target) or url_for("home.index")


@bp.post("/logout")
@login_required
def logout():
    """End the current session."""
    services.sign_out(current_user._get_current_object())
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language():
    """Switch the interface language and remember it for the user."""
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated:
        current_user.locale = lang
        db.session.commit()
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/account", methods=("GET", "POST"))
@login_required
def account():
    """Show one's own account: password change and API tokens."""
    user = current_user._get_current_object()
    password_form = PasswordChangeForm(prefix="pw")
    token_form = TokenForm(prefix="tk")
    if password_form.validate_on_submit():
        try:
            services.change_password(user, password_form.current.data, password_form.new.data)
            flash(_("Your password was changed; your other sessions were closed."), "success")
            return redirect(url_for("auth.account"))
        except services.InvalidCredentials:
            password_form.current.errors.append(_("The current password is wrong."))
        except WeakPassword as exc:
            password_form.new.errors.append(str(exc))
    return render_template(
        "auth/account.html",
        password_form=password_form,
        token_form=token_form,
        tokens=services.user_tokens(user),
        new_token=None,
    )


@bp.post("/account/tokens")
@login_required
def create_token():
    """Create an API token and show it once."""
    user = current_user._get_current_object()
    token_form = TokenForm(prefix="tk")
    new_token = None
    if token_form.validate_on_submit():
        new_token = services.create_token(user, token_form.name.data)
    return render_template(
        "auth/account.html",
        password_form=PasswordChangeForm(prefix="pw", formdata=None),
        token_form=token_form,
        tokens=services.user_tokens(user),
        new_token=new_token,
    )


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    """Revoke one of one's own tokens."""
    if not services.revoke_own_token(current_user._get_current_object(), token_id):
        abort(404)
    flash(_("The token was revoked."), "success")
    return redirect(url_for("auth.account"))
