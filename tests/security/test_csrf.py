"""CSRF: every state-changing route refuses a request that did not come from one of our own pages.

The routes are read from the URL map, so a new route is attacked as soon as it exists; the only routes let
through are the machine endpoints listed below, which must then refuse the session cookie altogether."""

import pytest

from tests.conftest import csrf_token
from tests.security.demo_world import NETWORK_ADMIN, SeededApp
from tests.security.routes import (
    CSRF_EXEMPT,
    FORM_DATA,
    MACHINE_READS,
    PUBLIC,
    STATE_CHANGING,
    machine_endpoints,
    rules,
    state_changing_rules,
)
from tests.security.support import changed_tables, fingerprint

CSRF_MESSAGE = "Il modulo è scaduto o non proviene da questo sito. Ricarica la pagina e riprova."


@pytest.fixture(scope="module")
def admin_client(seeded: SeededApp):
    """The network administrator signed in: they reach nearly every route."""
    return seeded.client(NETWORK_ADMIN)


def test_the_exempt_list_names_only_routes_that_exist(seeded):
    endpoints = {r.endpoint for r in seeded.app.url_map.iter_rules()}

    assert set(CSRF_EXEMPT) - endpoints == set()
    assert MACHINE_READS - endpoints == set()
    assert set(PUBLIC) - endpoints == set()


def test_every_api_and_openrosa_protocol_route_is_classified(seeded):
    """A new machine endpoint must be named here, so the tests below check that cookies do not open it."""
    web_pages = {"openrosa.devices", "openrosa.create_device", "openrosa.revoke_device"}
    machine = {
        r.endpoint for r in seeded.app.url_map.iter_rules() if r.endpoint.split(".")[0] in ("api", "openrosa")
    }

    assert machine - web_pages - set(CSRF_EXEMPT) - MACHINE_READS - set(PUBLIC) == set()


def test_every_state_changing_route_refuses_a_post_without_csrf_token(seeded, admin_client):
    checked, wrong = [], {}
    with seeded.app.app_context():
        before = fingerprint()
    for rule in state_changing_rules(seeded.app):
        if rule.endpoint in CSRF_EXEMPT:
            continue
        url = seeded.url(rule)
        for method in sorted(rule.methods & STATE_CHANGING):
            response = admin_client.open(url, method=method, data=FORM_DATA)
            body = response.get_data(as_text=True)
            if response.status_code != 400 or CSRF_MESSAGE not in body:
                wrong[f"{method} {url}"] = response.status_code
        with seeded.app.app_context():
            after = fingerprint()
        if changed := changed_tables(before, after):
            wrong[f"{url} changed"] = changed
        before = after
        checked.append(rule.endpoint)

    assert wrong == {}
    assert {"admin.user_disable", "auth.logout", "openrosa.create_device", "surveys.fill"} <= set(checked)
    assert admin_client.get("/").status_code == 200  # the attempts did not sign the admin out


def test_a_token_of_another_session_is_refused(seeded, admin_client):
    """A token an attacker got from their own session (their own sign-in page) does not fit the victim's."""
    attacker = seeded.app.test_client()
    foreign = csrf_token(attacker)
    with seeded.app.app_context():
        before = fingerprint()
    wrong = {}
    for rule in state_changing_rules(seeded.app):
        if rule.endpoint in CSRF_EXEMPT:
            continue
        url = seeded.url(rule)
        in_form = admin_client.post(url, data={**FORM_DATA, "csrf_token": foreign})
        in_header = admin_client.post(url, data=FORM_DATA, headers={"X-CSRFToken": foreign})
        for answer in (in_form, in_header):
            if answer.status_code != 400 or CSRF_MESSAGE not in answer.get_data(as_text=True):
                wrong[url] = (in_form.status_code, in_header.status_code)

    assert wrong == {}
    with seeded.app.app_context():
        assert changed_tables(before, fingerprint()) == []


def test_a_cross_site_post_over_https_is_refused_even_with_a_valid_token(seeded):
    """Over HTTPS the Referer must be our own host as well: a token leaked to another site is not enough."""
    client = seeded.client(NETWORK_ADMIN)
    token = csrf_token(client)
    with seeded.app.app_context():
        before = fingerprint()

    response = client.post(
        "/language",
        data={"lang": "en", "csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://evil.example/page"},
    )

    assert response.status_code == 400
    with seeded.app.app_context():
        assert changed_tables(before, fingerprint()) == []


def test_machine_endpoints_refuse_a_signed_in_browser_session(seeded, admin_client):
    """The CSRF-exempt routes, and the machine reads, must not take the session cookie as authentication."""
    machine = [r for r in rules(seeded.app) if r.endpoint in machine_endpoints()]
    headers = {"X-OpenRosa-Version": "1.0"}
    with seeded.app.app_context():
        before = fingerprint()
    answers = {}
    for rule in machine:
        url = seeded.url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            body = {"json": {"data": {}}} if rule.endpoint.startswith("api.") and method == "POST" else {}
            answers[f"{method} {url}"] = admin_client.open(
                url, method=method, headers=headers, **body
            ).status_code

    assert set(answers.values()) == {401}, answers
    assert len(answers) >= len(CSRF_EXEMPT) + len(MACHINE_READS)
    with seeded.app.app_context():
        assert changed_tables(before, fingerprint()) == []


def test_no_get_route_changes_data(seeded, admin_client):
    """A link or an image on another site makes the browser send a GET with our cookie: it changes nothing."""
    with seeded.app.app_context():
        before = fingerprint()
    answers = {}
    for rule in rules(seeded.app):
        if "GET" in rule.methods and rule.endpoint != "static":
            url = seeded.url(rule)
            answers[url] = admin_client.get(url).status_code

    with seeded.app.app_context():
        assert changed_tables(before, fingerprint()) == []
    assert 500 not in answers.values(), answers
    assert list(answers.values()).count(200) > len(answers) // 2, answers
