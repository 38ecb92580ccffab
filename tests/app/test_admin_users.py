"""Administering users and roles: scope, escalation, disabling, passwords, permissions and CSRF."""

import re

import pytest
from sqlalchemy import func, select

from app import accounts
from app.auth import tokens
from app.extensions import db
from app.models import ApiToken, OrgUnit, Project, RoleAssignment, User, UserSession
from tests.conftest import PASSWORD, login, post_form

NEW_PASSWORD = "Un-altra-password-robusta-7"


def sign_in(client, email: str) -> None:
    """Sign in and read the pages in English, whatever catalog the build ships."""
    assert login(client, email).status_code == 302
    with client.session_transaction() as session:
        session["lang"] = "en"


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def roles_of(app, user_id: int) -> set[tuple[str, int | None]]:
    with app.app_context():
        return {(a.role, a.org_unit_id) for a in db.session.get(User, user_id).assignments}


@pytest.fixture
def bari_admin(client, make_user, territory):
    admin = make_user("admin.bari@example.org", "admin", territory.ambito_bari)
    sign_in(client, admin.email)
    return admin


def new_user_form(territory, **changes) -> dict:
    form = {
        "email": "nuova@example.org",
        "name": "Nuova Operatrice",
        "password": NEW_PASSWORD,
        "role": "operator",
        "org_unit": str(territory.comune_bari.id),
        "project": "",
    }
    return form | changes


def test_admin_creates_a_user_with_a_role_in_their_scope(app, client, territory, bari_admin):
    response = post_form(client, "/admin/users/new", new_user_form(territory))

    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == "nuova@example.org")).one()
        assert user.name == "Nuova Operatrice"
        assert {(a.role, a.org_unit_id) for a in user.assignments} == {("operator", territory.comune_bari.id)}


def test_a_duplicate_email_is_refused_whatever_its_case(app, client, territory, make_user, bari_admin):
    make_user("nuova@example.org", "viewer", territory.comune_bari)
    before = user_count(app)

    response = post_form(client, "/admin/users/new", new_user_form(territory, email="  NUOVA@Example.org "))

    assert response.status_code == 200
    assert b"A user with this email already exists." in response.data
    assert user_count(app) == before


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", b"The password cannot be empty."),
        ("   ", b"The password cannot be empty."),
        ("corta", b"at least 12 characters"),
        ("password1234", b"too easy to guess"),
    ],
)
def test_an_empty_or_weak_password_is_refused_and_nothing_is_stored(
    app, client, territory, bari_admin, password, message
):
    before = user_count(app)

    response = post_form(client, "/admin/users/new", new_user_form(territory, password=password))

    assert response.status_code == 200
    assert message in response.data
    assert b'role="alert"' in response.data
    assert user_count(app) == before


def test_users_list_shows_only_the_users_of_the_admins_subtree(client, make_user, territory, bari_admin):
    make_user("op.bari@example.org", "operator", territory.comune_bari)
    make_user("op.lecce@example.org", "operator", territory.comune_lecce)
    make_user("rete@example.org", "viewer", None)

    page = client.get("/admin/users").data

    assert b"op.bari@example.org" in page
    assert b"op.lecce@example.org" not in page
    assert b"rete@example.org" not in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("q=ANNA", b"anna@example.org", b"bruno@example.org"),
        ("q=bruno", b"bruno@example.org", b"anna@example.org"),
        ("role=researcher", b"bruno@example.org", b"anna@example.org"),
        ("q=%25", b"No user matches.", b"anna@example.org"),
    ],
)
def test_users_list_searches_by_email_or_name_and_filters_by_role(
    client, make_user, territory, bari_admin, query, shown, hidden
):
    make_user("anna@example.org", "operator", territory.comune_bari)
    make_user("bruno@example.org", "researcher", territory.comune_bari)

    page = client.get(f"/admin/users?{query}").data

    assert shown in page
    assert hidden not in page


def test_users_list_is_paginated_on_the_server(client, make_user, territory, bari_admin):
    for n in range(30):
        make_user(f"utente{n:02d}@example.org", "viewer", territory.comune_bari)

    first = client.get("/admin/users").data
    second = client.get("/admin/users?page=2").data

    assert b"admin.bari@example.org" in first and b"utente23@example.org" in first
    assert b"utente24@example.org" not in first
    assert b"utente24@example.org" in second and b"utente29@example.org" in second


def lecce_urls(user_id: int, assignment_id: int) -> list[tuple[str, str]]:
    base = f"/admin/users/{user_id}"
    return [
        ("GET", base),
        ("POST", f"{base}/disable"),
        ("POST", f"{base}/enable"),
        ("POST", f"{base}/password"),
        ("POST", f"{base}/assignments"),
        ("POST", f"{base}/assignments/{assignment_id}/remove"),
    ]


def test_a_lecce_user_answers_a_bari_admin_404_like_a_missing_id(
    app, client, make_user, territory, bari_admin
):
    lecce = make_user("op.lecce@example.org", "operator", territory.comune_lecce)
    with app.app_context():
        assignment_id = db.session.get(User, lecce.id).assignments[0].id
    grant = {"role": "viewer", "org_unit": str(territory.comune_bari.id), "password": NEW_PASSWORD}

    for (method, url), (_m, missing) in zip(
        lecce_urls(lecce.id, assignment_id), lecce_urls(987654, 987654), strict=True
    ):
        out_of_scope = client.get(url) if method == "GET" else post_form(client, url, grant)
        absent = client.get(missing) if method == "GET" else post_form(client, missing, grant)
        assert (out_of_scope.status_code, absent.status_code) == (404, 404), url

    with app.app_context():
        user = db.session.get(User, lecce.id)
        assert user.active and user.password_hash and len(user.assignments) == 1
    assert login(app.test_client(), "op.lecce@example.org").status_code == 302


def test_a_bari_admin_cannot_grant_an_org_unit_in_lecce(app, client, make_user, territory, bari_admin):
    user = make_user("op.bari@example.org", "operator", territory.comune_bari)
    grant = {"role": "admin", "org_unit": str(territory.comune_lecce.id), "project": ""}

    response = post_form(client, f"/admin/users/{user.id}/assignments", grant)

    assert response.status_code == 200
    assert b'role="alert"' in response.data
    assert roles_of(app, user.id) == {("operator", territory.comune_bari.id)}


def test_a_bari_admin_cannot_create_a_user_in_lecce(app, client, territory, bari_admin):
    before = user_count(app)

    response = post_form(client, "/admin/users/new", new_user_form(territory, org_unit=territory.lecce.id))

    assert response.status_code == 200
    assert user_count(app) == before


@pytest.mark.parametrize("org_unit", ["network", "", "None"])
def test_a_bari_admin_cannot_grant_a_network_wide_role(
    app, client, make_user, territory, bari_admin, org_unit
):
    user = make_user("op.bari@example.org", "operator", territory.comune_bari)

    post_form(client, f"/admin/users/{user.id}/assignments", {"role": "admin", "org_unit": org_unit})

    assert roles_of(app, user.id) == {("operator", territory.comune_bari.id)}


def test_the_scope_is_checked_by_the_service_not_only_by_the_form(app, make_user, territory):
    admin = make_user("admin.bari@example.org", "admin", territory.ambito_bari)
    user = make_user("op.bari@example.org", "operator", territory.comune_bari)

    with app.app_context():
        acting = db.session.get(User, admin.id)
        for unit_id in (territory.comune_lecce.id, territory.region.id, None, 987654):
            with pytest.raises(accounts.AccountError):
                accounts.add_assignment(acting, user.id, accounts.Grant("admin", unit_id))

    assert roles_of(app, user.id) == {("operator", territory.comune_bari.id)}


def test_a_network_wide_admin_can_grant_a_network_wide_role(app, client, make_user, territory):
    make_user("root@example.org", "admin", None)
    user = make_user("op.bari@example.org", "operator", territory.comune_bari)
    sign_in(client, "root@example.org")

    post_form(client, f"/admin/users/{user.id}/assignments", {"role": "viewer", "org_unit": "network"})

    assert ("viewer", None) in roles_of(app, user.id)


def test_an_admin_of_one_project_cannot_grant_roles_in_every_project(app, make_user, territory):
    admin = make_user("admin.bari@example.org", "viewer", territory.comune_bari)
    user = make_user("op.bari@example.org", "operator", territory.comune_bari)
    with app.app_context():
        project = Project(code="P1", name="Progetto uno")
        db.session.add(project)
        acting = db.session.get(User, admin.id)
        acting.assignments.append(
            RoleAssignment(role="admin", org_unit_id=territory.ambito_bari.id, project=project)
        )
        db.session.commit()

        accounts.add_assignment(
            acting, user.id, accounts.Grant("viewer", territory.comune_bari.id, project.id)
        )
        with pytest.raises(accounts.AccountError):
            accounts.add_assignment(acting, user.id, accounts.Grant("admin", territory.comune_bari.id, None))

        assert {(a.role, a.project_id) for a in db.session.get(User, user.id).assignments} == {
            ("operator", None),
            ("viewer", project.id),
        }


def test_granting_a_role_the_user_already_holds_says_so(app, client, make_user, territory, bari_admin):
    user = make_user("op.bari@example.org", "operator", territory.comune_bari)
    grant = {"role": "operator", "org_unit": str(territory.comune_bari.id)}

    response = post_form(client, f"/admin/users/{user.id}/assignments", grant)

    assert b"The user already holds this role." in response.data
    assert roles_of(app, user.id) == {("operator", territory.comune_bari.id)}


def transient_user(*paths: str | None) -> User:
    user = User(email="x@example.org", password_hash="")
    for path in paths:
        unit = OrgUnit(id=int(path.strip("/").split("/")[-1]), path=path) if path else None
        user.assignments.append(RoleAssignment(role="viewer", org_unit=unit))
    return user


@pytest.mark.parametrize(
    ("paths", "home"),
    [
        (("/1/2/5/",), 5),
        (("/1/2/5/", "/1/2/7/"), 2),
        (("/1/2/5/", "/1/2/"), 2),
        (("/1/2/", "/1/23/"), 1),
        (("/1/", "/8/"), None),
        (("/1/2/", None), None),
        ((), None),
    ],
)
def test_events_about_an_account_are_filed_under_the_narrowest_unit_holding_its_roles(paths, home):
    assert accounts.home_org_unit_id(transient_user(*paths)) == home


def test_org_unit_choices_are_the_admins_subtree_in_path_order(client, territory, bari_admin):
    page = client.get("/admin/users/new").data.decode()

    select_html = page.split('name="org_unit"', 1)[1].split("</select>", 1)[0]
    values = re.findall(r'<option[^>]*value="([^"]*)"', select_html)
    assert values == [str(territory.ambito_bari.id), str(territory.comune_bari.id)]


def test_disabling_a_user_logs_them_out_at_once(app, client, make_user, territory, bari_admin):
    user = make_user("op.bari@example.org", "operator", territory.comune_bari)
    their_browser = app.test_client()
    sign_in(their_browser, user.email)
    assert their_browser.get("/").status_code == 200

    response = post_form(client, f"/admin/users/{user.id}/disable")

    assert response.status_code == 302
    after = their_browser.get("/")
    assert after.status_code == 302 and after.headers["Location"].startswith("/login")
    with app.app_context():
        live = select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        assert db.session.scalars(live).first() is None


def test_disabling_a_user_revokes_their_api_tokens_for_good(app, client, make_user, territory, bari_admin):
    user = make_user("op.bari@example.org", "operator", territory.comune_bari)
    with app.app_context():
        _row, token = tokens.issue_token(db.session.get(User, user.id), "script")
        db.session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200

    post_form(client, f"/admin/users/{user.id}/disable")
    disabled = client.get("/api/v1/me", headers=bearer)
    post_form(client, f"/admin/users/{user.id}/enable")
    enabled_again = client.get("/api/v1/me", headers=bearer)

    assert (disabled.status_code, enabled_again.status_code) == (401, 401)
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).one().revoked_at is not None
        assert db.session.get(User, user.id).active


def test_setting_a_password_closes_the_users_sessions(app, client, make_user, territory, bari_admin):
    user = make_user("op.bari@example.org", "operator", territory.comune_bari)
    their_browser = app.test_client()
    sign_in(their_browser, user.email)

    response = post_form(client, f"/admin/users/{user.id}/password", {"password": NEW_PASSWORD})

    assert response.status_code == 302
    assert their_browser.get("/").status_code == 302
    assert login(app.test_client(), user.email, PASSWORD).status_code == 401
    assert login(app.test_client(), user.email, NEW_PASSWORD).status_code == 302


def test_a_weak_new_password_is_refused_and_the_old_one_still_works(
    app, client, make_user, territory, bari_admin
):
    user = make_user("op.bari@example.org", "operator", territory.comune_bari)

    response = post_form(client, f"/admin/users/{user.id}/password", {"password": "corta"})

    assert response.status_code == 200
    assert b"at least 12 characters" in response.data
    assert login(app.test_client(), user.email, PASSWORD).status_code == 302


def test_an_admin_cannot_disable_themself(app, client, bari_admin):
    response = post_form(client, f"/admin/users/{bari_admin.id}/disable", follow_redirects=True)

    assert b"You cannot disable your own account." in response.data
    with app.app_context():
        assert db.session.get(User, bari_admin.id).active


def test_an_admin_cannot_remove_their_own_last_admin_role(app, client, territory, bari_admin):
    with app.app_context():
        assignment_id = db.session.get(User, bari_admin.id).assignments[0].id

    response = post_form(
        client, f"/admin/users/{bari_admin.id}/assignments/{assignment_id}/remove", follow_redirects=True
    )

    assert b"You cannot remove your own last administrator role." in response.data
    assert roles_of(app, bari_admin.id) == {("admin", territory.ambito_bari.id)}


def test_an_admin_removes_a_role_and_loses_sight_of_a_user_left_without_one(
    app, client, make_user, territory, bari_admin
):
    user = make_user("op.bari@example.org", "operator", territory.comune_bari)
    with app.app_context():
        assignment_id = db.session.get(User, user.id).assignments[0].id

    response = post_form(client, f"/admin/users/{user.id}/assignments/{assignment_id}/remove")

    assert response.headers["Location"] == "/admin/users"
    assert roles_of(app, user.id) == set()
    assert client.get(f"/admin/users/{user.id}").status_code == 404


def test_a_bari_admin_cannot_disable_or_reset_a_user_who_also_works_in_lecce(
    app, client, make_user, territory, bari_admin
):
    user = make_user("op.both@example.org", "operator", territory.comune_bari)
    with app.app_context():
        accounts.grant_role(
            db.session.get(User, user.id), "operator", db.session.get(OrgUnit, territory.lecce.id)
        )
        db.session.commit()

    detail = client.get(f"/admin/users/{user.id}").data
    post_form(client, f"/admin/users/{user.id}/disable")
    post_form(client, f"/admin/users/{user.id}/password", {"password": NEW_PASSWORD})

    assert b"Lecce" not in detail and b"1 more role outside your scope" in detail
    with app.app_context():
        assert db.session.get(User, user.id).active
    assert login(app.test_client(), user.email, PASSWORD).status_code == 302


@pytest.mark.parametrize("role", ["researcher", "operator", "evaluator", "viewer"])
def test_non_admin_roles_get_403_on_every_admin_page(app, client, make_user, territory, role):
    make_user("someone@example.org", role, None)
    sign_in(client, "someone@example.org")
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")]

    for rule in rules:
        url = re.sub(r"<int:\w+>", "1", rule.rule)
        if "GET" in rule.methods:
            assert client.get(url).status_code == 403, url
        if "POST" in rule.methods:
            assert post_form(client, url, {}).status_code == 403, url


@pytest.mark.parametrize("action", ["disable", "password", "assignments", "remove"])
def test_a_post_without_csrf_token_is_refused(app, client, make_user, territory, bari_admin, action):
    user = make_user("op.bari@example.org", "operator", territory.comune_bari)
    with app.app_context():
        assignment_id = db.session.get(User, user.id).assignments[0].id
    path = {"remove": f"assignments/{assignment_id}/remove"}.get(action, action)
    data = {"password": NEW_PASSWORD, "role": "viewer", "org_unit": str(territory.comune_bari.id)}

    response = client.post(f"/admin/users/{user.id}/{path}", data=data)

    assert response.status_code == 400
    with app.app_context():
        refetched = db.session.get(User, user.id)
        assert refetched.active and len(refetched.assignments) == 1
    assert login(app.test_client(), user.email, PASSWORD).status_code == 302


def test_creating_a_user_without_csrf_token_is_refused(app, client, territory, bari_admin):
    before = user_count(app)

    response = client.post("/admin/users/new", data=new_user_form(territory))

    assert response.status_code == 400
    assert user_count(app) == before
