"""Cross-cutting behaviour: error pages, security headers, CSRF everywhere, 503 when the DB is down."""

import re
import sqlite3
from pathlib import Path

import pytest

from app.models import Role
from tests.conftest import PASSWORD, csrf_token, login, make_app

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def test_missing_page_is_a_404_page_in_italian_by_default(client):
    response = client.get("/non-esiste", headers={"Accept": "text/html"})

    assert response.status_code == 404
    assert b'<html lang="it">' in response.data


def test_api_errors_are_json(client):
    response = client.get("/api/v1/non-esiste")

    assert response.status_code == 404
    assert response.is_json and "error" in response.json


def test_every_page_carries_a_strict_content_security_policy_and_security_headers(client):
    response = client.get("/login")

    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_is_http_only_same_site_and_secure_outside_tests(database_url, make_user):
    make_user("ada@example.org")
    app = make_app(database_url, SESSION_COOKIE_SECURE=True)
    client = app.test_client()

    response = login(client, "ada@example.org")

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_templates_have_no_inline_script_or_style_or_event_handlers():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        # A JSON data block (type="application/json", filled with |tojson) is data the browser never runs.
        if re.search(r'<script(?![^>]*\b(?:src=|type="application/json"))[^>]*>', text) or re.search(
            r"\sstyle=", text
        ):
            offenders.append(template.name)
        if re.search(r"\son[a-z]+\s*=", text):
            offenders.append(template.name)

    assert offenders == []


def _state_changing_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/api/"):
            continue
        if rule.methods & STATE_CHANGING:
            yield rule


def test_every_state_changing_route_refuses_a_request_without_csrf_token(app, client, make_user):
    make_user("root@example.org", Role.ADMIN)
    login(client, "root@example.org")
    rules = list(_state_changing_rules(app))
    assert len(rules) >= 4  # the enumeration found the real routes

    refused = {}
    for rule in rules:
        url = rule.rule
        for argument in rule.arguments:
            url = re.sub(rf"<(?:[a-z]+:)?{argument}>", "1", url)
        refused[rule.rule] = client.post(url, data={"x": "1"}).status_code

    assert set(refused.values()) == {400}, refused


def test_csrf_failure_explains_itself(client):
    response = client.post(
        "/login", data={"email": "a@b.it", "password": "x"}, headers={"Accept": "text/html"}
    )

    assert response.status_code == 400
    assert b"Reload the page" in response.data or b"Ricarica la pagina" in response.data


def test_oversized_request_gets_a_413_page_and_changes_nothing(database_url):
    app = make_app(database_url, MAX_CONTENT_LENGTH=1024)
    client = app.test_client()

    response = client.post("/login", data={"email": "a" * 4096}, headers={"Accept": "text/html"})

    assert response.status_code == 413
    assert b'<html lang="it">' in response.data


def test_unreachable_database_answers_503_with_retry_after():
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=1")
    client = app.test_client()
    token = csrf_token(client)

    response = client.post(
        "/login",
        data={"email": "ada@example.org", "password": PASSWORD, "csrf_token": token},
        headers={"Accept": "text/html"},
    )

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert b"Traceback" not in response.data


def test_locked_sqlite_database_answers_503_instead_of_hanging(tmp_path):
    path = tmp_path / "locked.sqlite"
    app = make_app(f"sqlite:///{path}", SQLITE_BUSY_TIMEOUT_MS=50)
    with app.app_context():
        from app.extensions import db

        db.create_all()
    client = app.test_client()
    token = csrf_token(client)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        response = client.post(
            "/login", data={"email": "a@example.org", "password": "x" * 12, "csrf_token": token}
        )
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"


@pytest.mark.parametrize("code", [400, 403, 404, 405, 413, 429, 500, 503])
def test_error_pages_exist_in_both_languages(app, code):
    from app.errors import render_error

    for lang in ("it", "en"):
        with app.test_request_context("/", headers={"Accept": "text/html"}):
            from flask import session

            session["lang"] = lang
            body, status = render_error(code)

        assert status == code
        assert f'<html lang="{lang}">' in body


def test_an_unexpected_error_shows_a_500_page_and_keeps_nothing_half_done(database_url, app):
    from app import accounts
    from app.extensions import db
    from app.models import User

    broken = make_app(database_url, PROPAGATE_EXCEPTIONS=False)

    @broken.route("/boom")
    def boom():
        accounts.create_user("half@example.org", PASSWORD)
        db.session.flush()
        raise RuntimeError("a bug")

    response = broken.test_client().get("/boom", headers={"Accept": "text/html"})

    assert response.status_code == 500
    assert b'<html lang="it">' in response.data and b"a bug" not in response.data
    with broken.app_context():
        assert db.session.query(User).count() == 0
