"""Bearer-token authentication of the JSON API."""

import pytest

from app.auth.tokens import issue_token
from app.extensions import db
from app.models import ApiToken, User, utcnow
from tests.conftest import login, post_form


@pytest.fixture
def token(app, make_user, territory):
    user = make_user("ada@example.org", "operator", territory.ambito_bari)
    with app.app_context():
        _row, plain = issue_token(db.session.get(User, user.id), "test")
        db.session.commit()
    return plain


def _me(client, token, **headers):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}", **headers})


def test_a_valid_token_identifies_its_user_with_roles_and_scopes(client, token):
    response = _me(client, token)

    assert response.status_code == 200
    assert response.json["email"] == "ada@example.org"
    assert response.json["roles"] == [{"role": "operator", "project": None, "org_unit": "ATS-BA1"}]


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer hms_wrong", "Basic abc", "Token hms_x"])
def test_missing_or_bad_tokens_get_401_with_a_bearer_challenge(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.is_json and response.json["message"]


def test_the_401_message_follows_accept_language(client):
    italian = client.get("/api/v1/me", headers={"Accept-Language": "it-IT,it"})
    english = client.get("/api/v1/me", headers={"Accept-Language": "en-GB,en"})

    assert italian.json["message"] != english.json["message"]


def test_a_revoked_token_stops_working_at_once(app, client, token):
    with app.app_context():
        db.session.query(ApiToken).update({"revoked_at": utcnow()})
        db.session.commit()

    assert _me(client, token).status_code == 401


def test_tokens_are_stored_only_as_digests(app, token):
    with app.app_context():
        row = db.session.query(ApiToken).one()

    assert token not in (row.token_hash, row.prefix) and len(row.token_hash) == 64


def test_the_api_ignores_session_cookies(client, make_user):
    make_user("bob@example.org")
    login(client, "bob@example.org")

    assert client.get("/api/v1/me").status_code == 401


def test_a_user_creates_and_revokes_a_token_from_the_account_page(app, client, make_user):
    make_user("bob@example.org")
    login(client, "bob@example.org")

    page = post_form(client, "/account/tokens", {"tk-name": "script R"})
    plain = page.data.split(b'id="new-token">')[1].split(b"<")[0].decode()
    works = _me(client, plain).status_code
    with app.app_context():
        token_id = db.session.query(ApiToken).one().id
    post_form(client, f"/account/tokens/{token_id}/revoke")

    assert (works, _me(client, plain).status_code) == (200, 401)
