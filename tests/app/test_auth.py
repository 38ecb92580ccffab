"""Signing in and out: server-side sessions, throttling, fixation, disabling."""

import re

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, LoginAttempt, User, UserSession
from tests.conftest import PASSWORD, csrf_token, login, post_form


def test_login_with_right_password_opens_the_home_page(client, make_user):
    make_user("ada@example.org", "operator")

    response = login(client, "ada@example.org")

    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_login_with_wrong_password_and_unknown_email_say_the_same(client, make_user):
    make_user("ada@example.org")

    wrong = login(client, "ada@example.org", "sbagliata-del-tutto")
    unknown = login(client, "nobody@example.org", "sbagliata-del-tutto")

    assert wrong.status_code == unknown.status_code == 401
    assert b"Wrong email or password" in wrong.data or b"Email o password" in wrong.data
    assert _without_variable_parts(wrong.data, b"ada@example.org") == _without_variable_parts(
        unknown.data, b"nobody@example.org"
    )


def _without_variable_parts(page: bytes, email: bytes) -> bytes:
    """The page with the typed email and the (time-stamped) CSRF token blanked out."""
    return re.sub(rb'value="[^"]*"', b"", page.replace(email, b"X"))


def test_sixth_failure_within_a_minute_is_throttled_even_with_the_right_password(client, make_user):
    make_user("ada@example.org")
    for _ in range(5):
        login(client, "ada@example.org", "sbagliata-del-tutto")

    response = login(client, "ada@example.org")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"


def test_unknown_accounts_are_throttled_too(client):
    for _ in range(5):
        login(client, "ghost@example.org", "sbagliata-del-tutto")

    assert login(client, "ghost@example.org", "altro-tentativo-x").status_code == 429


def test_login_issues_a_new_session_cookie(client, make_user):
    make_user("ada@example.org")
    csrf_token(client)
    before = client.get_cookie("humus_session").value

    login(client, "ada@example.org")

    assert client.get_cookie("humus_session").value != before


def test_logout_ends_the_session_on_the_server(app, client, make_user):
    make_user("ada@example.org")
    login(client, "ada@example.org")
    stolen = client.get_cookie("humus_session").value

    post_form(client, "/logout")
    client.set_cookie("humus_session", stolen)

    assert client.get("/").status_code == 302
    with app.app_context():
        assert db.session.query(UserSession).filter(UserSession.revoked_at.is_(None)).count() == 0


def test_disabling_a_user_ends_their_sessions_at_once(app, client, make_user):
    user = make_user("ada@example.org")
    login(client, "ada@example.org")

    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()

    assert client.get("/").status_code == 302


def test_disabled_user_cannot_sign_in(client, make_user):
    make_user("ada@example.org", active=False)

    assert login(client, "ada@example.org").status_code == 401


def test_login_and_failure_are_audited_without_the_password(app, client, make_user):
    make_user("ada@example.org")

    login(client, "ada@example.org", "sbagliata-del-tutto")
    login(client, "ada@example.org")

    with app.app_context():
        events = db.session.query(AuditEvent).order_by(AuditEvent.id).all()
        actions = [e.action for e in events]
        assert "auth.login_failed" in actions and "auth.login" in actions
        assert all(PASSWORD not in str(e.details) for e in events)


def test_next_parameter_only_redirects_to_local_paths(client, make_user):
    make_user("ada@example.org")
    token = csrf_token(client)

    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": "ada@example.org", "password": PASSWORD, "csrf_token": token},
    )

    assert response.headers["Location"] == "/"


def test_one_address_trying_many_accounts_is_throttled_for_every_account(app, client, make_user):
    """Password spraying: one password on many accounts. Each account stays under its own limit, so the
    client address's failures stop it; the table holds a keyed hash of the address, not the address."""
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 8
    make_user("ada@example.org")
    for number in range(8):
        assert login(client, f"utente{number}@example.org", "Primavera2026!").status_code == 401

    assert login(client, "ada@example.org").status_code == 429  # the right password, from that address
    other_office = app.test_client()
    response = other_office.post(
        "/login",
        data={"email": "ada@example.org", "password": PASSWORD, "csrf_token": csrf_token(other_office)},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert response.status_code == 302
    with app.app_context():
        keys = db.session.scalars(select(LoginAttempt.account_key)).all()
    assert keys and not any("127.0.0.1" in key for key in keys)
