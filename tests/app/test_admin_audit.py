"""The audit log page: events written by user administration, scoped reading, filters, pages."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, User
from tests.conftest import login, post_form

NEW_PASSWORD = "Un-altra-password-robusta-7"
MARKER = re.compile(r"marker: (m\d+)")


def sign_in(client, email: str) -> None:
    """Sign in and read the pages in English, whatever catalog the build ships."""
    assert login(client, email).status_code == 302
    with client.session_transaction() as session:
        session["lang"] = "en"


def add_event(app, marker: str, action: str = "thing.done", org_unit=None, **columns) -> None:
    with app.app_context():
        org_unit_id = org_unit.id if org_unit is not None else None
        db.session.add(
            AuditEvent(action=action, org_unit_id=org_unit_id, details={"marker": marker}, **columns)
        )
        db.session.commit()


def markers(response) -> set[str]:
    assert response.status_code == 200
    return set(MARKER.findall(response.data.decode()))


def rows(response) -> int:
    return response.data.decode().count('<th scope="row"><code>')


def test_each_change_to_a_user_is_audited_with_its_actor_and_org_unit(app, client, make_user, territory):
    make_user("admin.bari@example.org", "admin", territory.ambito_bari)
    sign_in(client, "admin.bari@example.org")
    new = {"email": "nuova@example.org", "password": NEW_PASSWORD, "role": "operator"}
    post_form(client, "/admin/users/new", new | {"org_unit": str(territory.comune_bari.id)})
    with app.app_context():
        user_id = db.session.scalars(select(User.id).where(User.email == "nuova@example.org")).one()
    post_form(
        client,
        f"/admin/users/{user_id}/assignments",
        {"role": "viewer", "org_unit": territory.ambito_bari.id},
    )
    with app.app_context():
        viewer = next(a for a in db.session.get(User, user_id).assignments if a.role == "viewer")
    post_form(client, f"/admin/users/{user_id}/assignments/{viewer.id}/remove")
    for step in ("disable", "enable"):
        post_form(client, f"/admin/users/{user_id}/{step}")
    post_form(client, f"/admin/users/{user_id}/password", {"password": NEW_PASSWORD + "!"})

    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.target_id == str(user_id)).order_by(AuditEvent.id)
        events = [(e.action, e.actor_email, e.org_unit_id) for e in db.session.scalars(query)]
    bari, comune = territory.ambito_bari.id, territory.comune_bari.id
    actor = "admin.bari@example.org"
    assert events == [
        ("user.created", actor, comune),
        ("role.granted", actor, comune),
        ("role.granted", actor, bari),
        ("role.revoked", actor, bari),
        ("user.disabled", actor, comune),
        ("user.enabled", actor, comune),
        ("user.password_set", actor, comune),
    ]


def test_a_refused_change_leaves_no_audit_event(app, client, make_user, territory):
    make_user("admin.bari@example.org", "admin", territory.ambito_bari)
    sign_in(client, "admin.bari@example.org")
    with app.app_context():
        before = db.session.scalar(select(func.count(AuditEvent.id)))

    for password in ("", "corta"):
        form = {"email": "nuova@example.org", "password": password, "role": "viewer"}
        post_form(client, "/admin/users/new", form | {"org_unit": str(territory.comune_bari.id)})
    post_form(client, "/admin/users/new", form | {"password": NEW_PASSWORD, "org_unit": territory.lecce.id})

    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == before


def test_the_audit_page_lists_events_newest_first(app, client, make_user):
    make_user("root@example.org", "admin", None)
    sign_in(client, "root@example.org")
    start = datetime(2024, 3, 1, 9, 0)
    for n in (2, 1, 3):
        add_event(app, f"m{n}", at=start + timedelta(hours=n))

    page = client.get("/admin/audit").data.decode()

    assert page.index("marker: m3") < page.index("marker: m2") < page.index("marker: m1")


def test_a_bari_admin_reads_only_the_events_filed_in_their_subtree(app, client, make_user, territory):
    make_user("admin.bari@example.org", "admin", territory.ambito_bari)
    sign_in(client, "admin.bari@example.org")
    add_event(app, "m1", org_unit=territory.comune_bari)
    add_event(app, "m2", org_unit=territory.ambito_bari)
    add_event(app, "m3", org_unit=territory.comune_lecce)
    add_event(app, "m4", org_unit=territory.bari)
    add_event(app, "m5", org_unit=None)

    assert markers(client.get("/admin/audit")) == {"m1", "m2"}


def test_a_network_wide_admin_reads_events_without_an_org_unit_too(app, client, make_user, territory):
    make_user("root@example.org", "admin", None)
    sign_in(client, "root@example.org")
    add_event(app, "m1", org_unit=territory.comune_lecce)
    add_event(app, "m2", org_unit=None)

    assert markers(client.get("/admin/audit")) == {"m1", "m2"}


def test_the_audit_page_shows_time_actor_action_target_org_unit_ip_and_details(
    app, client, make_user, territory
):
    make_user("root@example.org", "admin", None)
    sign_in(client, "root@example.org")
    add_event(
        app,
        "m1",
        action="form.published",
        org_unit=territory.comune_lecce,
        at=datetime(2024, 3, 1, 9, 30),
        actor_email="ada@example.org",
        target_type="Form",
        target_id="42",
        ip="10.0.0.7",
    )

    page = client.get("/admin/audit?action=form").data.decode()

    for shown in ("2024-03-01T09:30:00Z", "ada@example.org", "form.published", "Form 42", "Lecce (075035)"):
        assert shown in page
    assert "10.0.0.7" in page and "marker: m1" in page


@pytest.fixture
def seeded(app, territory):
    """Four events a network-wide reader sees, told apart by their markers."""
    day = datetime(2024, 3, 1, 10, 0)
    add_event(app, "m1", "auth.login", territory.comune_bari, at=day, actor_email="ada@example.org")
    add_event(app, "m2", "auth.login_failed", territory.comune_bari, at=day + timedelta(days=1))
    add_event(
        app, "m3", "role.granted", territory.ambito_bari, at=day + timedelta(days=2), target_type="User"
    )
    add_event(
        app,
        "m4",
        "form.published",
        territory.comune_lecce,
        at=day + timedelta(days=3),
        actor_email="Ada@x.it",
    )
    return territory


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=auth.login", {"m1"}),
        ("action=auth", {"m1", "m2"}),
        ("action=auth.log*", {"m1", "m2"}),
        ("action=auth.", {"m1", "m2"}),
        ("action=role.granted", {"m3"}),
        ("action=%25", set()),
        ("actor=ADA", {"m1", "m4"}),
        ("target_type=User", {"m3"}),
        ("date_from=2024-03-02&date_to=2024-03-03", {"m2", "m3"}),
        ("date_to=2024-03-01", {"m1"}),
        ("org_unit={ambito_bari}", {"m1", "m2", "m3"}),
        ("org_unit={comune_lecce}", {"m4"}),
        ("org_unit={comune_bari}&action=auth&actor=ada", {"m1"}),
    ],
)
def test_the_audit_page_filters_events(client, make_user, seeded, query, expected):
    make_user("root@example.org", "admin", None)
    sign_in(client, "root@example.org")
    ids = {name: unit.id for name, unit in vars(seeded).items()}

    response = client.get("/admin/audit?" + query.format(**ids))

    assert markers(response) == expected


def test_date_filters_are_whole_days_in_the_italian_time_zone(app, client, make_user):
    make_user("root@example.org", "admin", None)
    sign_in(client, "root@example.org")
    add_event(app, "m1", at=datetime(2024, 3, 1, 23, 30))  # 00:30 on 2 March in Rome

    assert markers(client.get("/admin/audit?date_from=2024-03-02&date_to=2024-03-02")) == {"m1"}
    assert markers(client.get("/admin/audit?date_to=2024-03-01")) == set()


@pytest.mark.parametrize("query", ["org_unit={comune_lecce}", "org_unit=abc", "date_from=2024-13-45"])
def test_a_filter_outside_the_scope_or_malformed_is_refused(app, client, make_user, seeded, query):
    make_user("admin.bari@example.org", "admin", seeded.ambito_bari)
    sign_in(client, "admin.bari@example.org")
    ids = {name: unit.id for name, unit in vars(seeded).items()}

    response = client.get("/admin/audit?" + query.format(**ids))

    assert response.status_code == 200
    assert b'role="alert"' in response.data
    assert markers(response) == set()


def test_the_audit_page_shows_fifty_events_a_page(app, client, make_user):
    make_user("root@example.org", "admin", None)
    sign_in(client, "root@example.org")
    with app.app_context():
        db.session.add_all(AuditEvent(action="thing.done") for _ in range(120))
        db.session.commit()
        total = db.session.scalar(select(func.count(AuditEvent.id)))

    pages = [client.get(f"/admin/audit?page={n}") for n in (1, 2, 3)]

    assert [rows(page) for page in pages] == [50, 50, total - 100]
    assert b"page=2" in pages[0].data


def test_the_audit_log_has_no_route_that_changes_it(app, client, make_user):
    make_user("root@example.org", "admin", None)
    sign_in(client, "root@example.org")
    audit_rules = [r for r in app.url_map.iter_rules() if "audit" in r.endpoint or "audit" in r.rule]

    assert audit_rules
    assert all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in audit_rules)
    assert post_form(client, "/admin/audit").status_code == 405
