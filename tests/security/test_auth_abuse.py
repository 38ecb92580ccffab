"""Sign-in abuse and revocation: guessing is throttled and says nothing, stolen sessions die, revoking bites.

Every refusal is checked at the next request, through each way in (browser session, API token, device
credentials), and a refused write must leave every table as it was."""

import base64
import re
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select, update

from app.auth.tokens import issue_token
from app.extensions import db
from app.models import ApiToken, RoleAssignment, Submission, User, UserSession, utcnow
from tests.app.openrosa_client import device, make_member, make_project, upload
from tests.conftest import PASSWORD, csrf_token, login, post_form
from tests.security.support import changed_tables, fingerprint

VISITS = """
| survey   |
|          | type    | name    | label           |
|          | integer | bambini | Bambini seguiti |
| settings |
|          | form_id | version | form_title |
|          | visite  | 1       | Visite     |
"""
NEW_PASSWORD = "Un-altra-password-lunga-2"
COOKIE = "humus_session"


@pytest.fixture
def field(app, territory):
    """A network admin, and an operator of the Ambito di Bari (also a regional viewer) with a session's
    worth of keys: an API token and device credentials."""
    project = make_project(app)
    admin = make_member(app, "admin@example.org", "admin", None, None)
    form_id = upload(app, admin, project, VISITS, "visite.md")
    operator = make_member(app, "op@example.org", "operator", None, territory.ambito_bari.id)
    with app.app_context():
        user = db.session.get(User, operator)
        user.assignments.append(RoleAssignment(role="viewer", org_unit_id=territory.region.id))
        _row, token = issue_token(user, "script")
        db.session.commit()
        operator_role = next(a.id for a in user.assignments if a.role == "operator")
    username, device_password = device(app, operator)
    return {
        "admin": admin,
        "operator": operator,
        "operator_role": operator_role,
        "form": form_id,
        "token": token,
        "device": (username, device_password),
    }


def api_post(client, field, token=None):
    """The operator's script posting a submission with the token (a fresh instanceID each time)."""
    body = {"data": {"bambini": 2}, "instanceID": f"uuid:{uuid.uuid4()}"}
    headers = {"Authorization": f"Bearer {token or field['token']}"}
    return client.post(f"/api/v1/forms/{field['form']}/submissions", json=body, headers=headers)


def form_list(client, field):
    username, password = field["device"]
    basic = base64.b64encode(f"{username}:{password}".encode()).decode()
    return client.get("/formList", headers={"X-OpenRosa-Version": "1.0", "Authorization": f"Basic {basic}"})


def signed_in(app, email: str, password: str = PASSWORD):
    client = app.test_client()
    assert login(client, email, password).status_code == 302
    return client


def snapshot(app):
    with app.app_context():
        return fingerprint()


# Revocation: disabling, removing a role, revoking a token, changing the password.


def test_disabling_a_user_stops_their_session_token_and_device_at_the_next_request(app, field):
    victim = signed_in(app, "op@example.org")
    assert victim.get(f"/forms/{field['form']}/fill").status_code == 200
    assert api_post(app.test_client(), field).status_code == 201
    assert form_list(app.test_client(), field).status_code == 200
    admin = signed_in(app, "admin@example.org")

    assert post_form(admin, f"/admin/users/{field['operator']}/disable").status_code == 302
    before = snapshot(app)

    assert victim.get(f"/forms/{field['form']}/fill").status_code == 302  # to the sign-in page
    assert api_post(app.test_client(), field).status_code == 401
    assert form_list(app.test_client(), field).status_code == 401
    assert changed_tables(before, snapshot(app)) == []


def test_a_user_disabled_in_the_database_alone_loses_session_and_token_too(app, field):
    """Whatever disables an account (a script, the CLI), the flag itself is checked on every request."""
    victim = signed_in(app, "op@example.org")
    with app.app_context():
        db.session.execute(update(User).where(User.id == field["operator"]).values(active=False))
        db.session.commit()
    before = snapshot(app)

    assert victim.get("/").status_code == 302
    assert api_post(app.test_client(), field).status_code == 401
    assert form_list(app.test_client(), field).status_code == 401
    assert changed_tables(before, snapshot(app)) == []


def test_a_removed_role_stops_working_at_the_next_request_by_session_and_token(app, field):
    victim = signed_in(app, "op@example.org")
    admin = signed_in(app, "admin@example.org")
    url = f"/admin/users/{field['operator']}/assignments/{field['operator_role']}/remove"

    assert post_form(admin, url).status_code == 302
    before = snapshot(app)

    assert victim.get(f"/forms/{field['form']}/fill").status_code == 403
    assert victim.get("/statistics/").status_code == 200  # the viewer role still holds
    answer = api_post(app.test_client(), field)
    assert answer.status_code == 403, answer.get_json()
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {field['token']}"})
    assert [grant["role"] for grant in me.get_json()["roles"]] == ["viewer"]
    assert changed_tables(before, snapshot(app)) == []


def test_a_revoked_token_gets_401_at_the_next_request_and_stores_nothing(app, field):
    owner = signed_in(app, "op@example.org")
    with app.app_context():
        token_id = db.session.scalars(select(ApiToken.id).where(ApiToken.user_id == field["operator"])).one()

    assert post_form(owner, f"/account/tokens/{token_id}/revoke").status_code == 302
    before = snapshot(app)

    answer = api_post(app.test_client(), field)
    assert answer.status_code == 401
    assert changed_tables(before, snapshot(app)) == []


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(app, field):
    here = signed_in(app, "op@example.org")
    elsewhere = signed_in(app, "op@example.org")

    response = post_form(
        here, "/account", {"pw-current": PASSWORD, "pw-new": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD}
    )

    assert response.status_code == 302, response.data
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert login(app.test_client(), "op@example.org", PASSWORD).status_code == 401
    assert login(app.test_client(), "op@example.org", NEW_PASSWORD).status_code == 302


# Guessing passwords.


def test_the_throttle_cannot_be_dodged_by_writing_the_email_differently(client, field):
    for variant in (
        "op@example.org",
        "OP@example.org",
        " op@example.org",
        "op@EXAMPLE.ORG ",
        "Op@Example.Org",
    ):
        assert login(client, variant, "sbagliata-del-tutto").status_code == 401

    response = login(client, "op@example.org")

    assert response.status_code == 429
    assert client.get("/").status_code == 302  # not signed in


def test_a_throttled_known_account_and_a_throttled_unknown_one_look_the_same(client, field):
    for email in ("op@example.org", "nessuno@example.org"):
        for _attempt in range(5):
            login(client, email, "sbagliata-del-tutto")

    known = login(client, "op@example.org")
    unknown = login(client, "nessuno@example.org")

    assert known.status_code == unknown.status_code == 429
    assert "Troppi tentativi non riusciti" in known.get_data(as_text=True)
    assert _blanked(known.data, b"op@example.org") == _blanked(unknown.data, b"nessuno@example.org")


def test_a_disabled_account_answers_exactly_like_a_wrong_password(client, app, field, make_user):
    make_user("spento@example.org", "operator", active=False)

    disabled = login(client, "spento@example.org")
    wrong = login(client, "op@example.org", "sbagliata-del-tutto")

    assert disabled.status_code == wrong.status_code == 401
    assert _blanked(disabled.data, b"spento@example.org") == _blanked(wrong.data, b"op@example.org")


def _blanked(page: bytes, email: bytes) -> bytes:
    """The page without the typed email and the CSRF token (time-stamped)."""
    return re.sub(rb'value="[^"]*"', b"", page.replace(email, b"X"))


def test_device_passwords_are_throttled_even_when_the_right_one_comes_next(app, field):
    client = app.test_client()
    username, _password = field["device"]
    wrong = base64.b64encode(f"{username}:sbagliata".encode()).decode()
    for _attempt in range(5):
        answer = client.get(
            "/formList", headers={"X-OpenRosa-Version": "1.0", "Authorization": f"Basic {wrong}"}
        )
        assert answer.status_code == 401

    assert form_list(client, field).status_code == 429


# Stolen and planted session cookies.


def test_a_cookie_planted_before_sign_in_is_worthless_after_it(app, field):
    attacker = app.test_client()
    csrf_token(attacker)  # the attacker's own session, as the sign-in page sets it
    planted = attacker.get_cookie(COOKIE).value
    victim = app.test_client()
    victim.set_cookie(COOKIE, planted)

    assert login(victim, "op@example.org").status_code == 302

    assert victim.get_cookie(COOKIE).value != planted
    attacker.set_cookie(COOKIE, planted)
    assert attacker.get("/").status_code == 302
    assert victim.get("/").status_code == 200


def test_a_cookie_forged_with_the_secret_key_still_needs_a_live_server_side_session(app, field):
    """Even someone holding SECRET_KEY cannot sign in by naming a user: the cookie must carry a session token
    the database knows."""
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    client = app.test_client()
    for forged in ({"_user_id": str(field["operator"]), "_fresh": True}, {"_user_id": "op@example.org"}):
        client.set_cookie(COOKIE, serializer.dumps(forged))

        assert client.get("/").status_code == 302
        assert client.get("/admin/users").status_code == 302


def test_a_cookie_kept_after_sign_out_cannot_read_or_write(app, field):
    client = signed_in(app, "op@example.org")
    token = csrf_token(client)
    stolen = client.get_cookie(COOKIE).value  # with the CSRF secret the token above fits
    assert post_form(client, "/logout").status_code == 302
    before = snapshot(app)

    client.set_cookie(COOKIE, stolen)
    read = client.get(f"/forms/{field['form']}/fill")
    write = client.post(f"/forms/{field['form']}/fill", data={"csrf_token": token, "_action": "submit"})

    assert read.status_code == write.status_code == 302
    assert "/login" in write.headers["Location"]
    assert changed_tables(before, snapshot(app)) == []


def test_an_idle_session_is_refused_on_the_server(app, field):
    client = signed_in(app, "op@example.org")
    with app.app_context():
        long_ago = utcnow() - app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=1)
        db.session.execute(update(UserSession).values(last_seen_at=long_ago))
        db.session.commit()

    assert client.get("/").status_code == 302


# Where the browser goes next.

HOSTILE_NEXT = [
    "//evil.example/",
    "/\t/evil.example/",  # browsers and urlsplit drop tabs and line breaks: "//evil.example"
    "/\n/evil.example/",
    "/\r\n/evil.example/",
    "/\\evil.example/",
    "https://evil.example/",
    "/\x00/evil.example/",
]


def _leaves_the_site(location: str) -> bool:
    parts = urlsplit(location)
    return bool(parts.scheme or parts.netloc) or location.startswith("//")


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_sign_in_never_sends_the_browser_to_another_site(client, field, target):
    token = csrf_token(client)

    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "op@example.org", "password": PASSWORD, "csrf_token": token},
    )

    assert response.status_code == 302
    assert not _leaves_the_site(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_the_language_switch_and_a_comment_never_send_the_browser_to_another_site(app, client, field, target):
    assert api_post(app.test_client(), field).status_code == 201
    with app.app_context():
        submission = db.session.scalars(select(Submission.id)).one()
    admin = signed_in(app, "admin@example.org")

    language = post_form(client, "/language", {"lang": "en", "next": target})
    comment = post_form(
        admin,
        f"/forms/{field['form']}/submissions/{submission}/comment",
        {"comment": "visto", "next": target},
    )

    assert (language.status_code, comment.status_code) == (302, 302)
    for response in (language, comment):
        assert not _leaves_the_site(response.headers["Location"]), response.headers["Location"]


def test_a_local_next_page_is_still_followed(client, field):
    response = client.post(
        "/login?next=/forms/",
        data={"email": "op@example.org", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )

    assert response.headers["Location"] == "/forms/"
