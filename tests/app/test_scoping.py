"""Scopes: which org-unit subtrees a user reaches, the SQL that enforces them, and 404s on every route."""

import re
import uuid

import pytest
from sqlalchemy import select

from app import accounts
from app.auth import tokens
from app.extensions import db
from app.models import (
    AuditEvent,
    Entity,
    EntityList,
    OrgUnit,
    Project,
    RoleAssignment,
    Service,
    TrainingEdition,
    TrainingIntervention,
    User,
)
from app.scoping import Scope, org_unit_condition, subtree_condition, user_scope, users_condition
from app.surveys import services
from app.surveys.submissions import record_submission
from tests.app.programme_support import programme_rows
from tests.app.transcripts_support import transcript_rows
from tests.conftest import PASSWORD, csrf_token, login

MISSING_ID = 987654
INT_PARAMETER = re.compile(r"<int(?:\([^)]*\))?:(\w+)>")
OTHER_PARAMETER = re.compile(
    r"<[^>]+>"
)  # a route's other parameters (a file name, a format) get a fixed value
CSRF_VALUE = re.compile(rb'name="csrf_token"( type="hidden")? value="[^"]*"')


def holder(*assignments: tuple[str, str | None, int | None]) -> User:
    """A transient user holding (role, org unit path or None for the network, project id) assignments."""
    user = User(email="x@example.org", password_hash="")
    for role, path, project_id in assignments:
        unit = OrgUnit(code=path, name=path, kind="region", path=path) if path else None
        user.assignments.append(RoleAssignment(role=role, org_unit=unit, project_id=project_id))
    return user


def test_a_network_wide_assignment_reaches_everywhere():
    scope = user_scope(holder(("admin", "/1/2/", None), ("admin", None, None)))

    assert scope == Scope(everywhere=True, paths=())


def test_a_user_without_roles_has_an_empty_scope():
    scope = user_scope(holder())

    assert scope.empty and not scope.covers_path("/1/")


def test_user_scope_keeps_only_the_outermost_paths():
    user = holder(("operator", "/1/2/5/", None), ("operator", "/1/2/", None), ("operator", "/1/23/", None))

    assert user_scope(user).paths == ("/1/2/", "/1/23/")


def test_user_scope_counts_only_the_roles_asked_for():
    user = holder(("viewer", None, None), ("operator", "/1/2/", None), ("admin", "/1/3/", None))

    assert user_scope(user, roles={"admin"}) == Scope(everywhere=False, paths=("/1/3/",))


def test_user_scope_for_a_project_counts_its_own_and_all_project_assignments():
    user = holder(("admin", "/1/2/", 7), ("admin", "/1/3/", None), ("admin", "/1/4/", 8))

    assert user_scope(user, project_id=7).paths == ("/1/2/", "/1/3/")


@pytest.mark.parametrize(
    ("path", "covered"),
    [("/1/2/", True), ("/1/2/9/", True), ("/1/23/", False), ("/1/", False), ("/12/", False), (None, False)],
)
def test_covers_path_does_not_leak_to_a_sibling_sharing_a_prefix(path, covered):
    assert Scope(everywhere=False, paths=("/1/2/",)).covers_path(path) is covered


@pytest.fixture
def units(app_ctx) -> None:
    """Org units whose paths share prefixes, the way ids 2 and 23 do."""
    for path in ("/1/", "/1/2/", "/1/2/7/", "/1/23/", "/1/23/2/"):
        db.session.add(OrgUnit(code=path, name=path, kind="region", path=path))
    db.session.commit()


def paths_in(scope: Scope) -> set[str]:
    return set(db.session.scalars(select(OrgUnit.path).where(subtree_condition(scope, OrgUnit.path))))


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (Scope(False, ("/1/2/",)), {"/1/2/", "/1/2/7/"}),
        (Scope(False, ("/1/23/",)), {"/1/23/", "/1/23/2/"}),
        (Scope(False, ("/1/2/7/", "/1/23/2/")), {"/1/2/7/", "/1/23/2/"}),
        (Scope(False, ("/1/_/",)), set()),
        (Scope(False, ("/1/%/",)), set()),
        (Scope(False, ()), set()),
        (Scope(True, ()), {"/1/", "/1/2/", "/1/2/7/", "/1/23/", "/1/23/2/"}),
    ],
)
def test_subtree_condition_keeps_exactly_the_subtrees_in_scope(units, scope, expected):
    assert paths_in(scope) == expected


def test_org_unit_condition_leaves_out_rows_without_an_org_unit(app_ctx, territory):
    for unit_id in (territory.comune_bari.id, territory.comune_lecce.id, None):
        db.session.add(AuditEvent(action="thing.done", org_unit_id=unit_id))
    db.session.commit()
    bari = Scope(False, (territory.ambito_bari.path,))

    kept = db.session.scalars(
        select(AuditEvent.org_unit_id).where(org_unit_condition(bari, AuditEvent.org_unit_id))
    )

    assert list(kept) == [territory.comune_bari.id]


def test_users_condition_shows_the_users_holding_a_role_inside_the_scope(app, make_user, territory):
    make_user("bari@example.org", "operator", territory.comune_bari)
    make_user("lecce@example.org", "operator", territory.comune_lecce)
    make_user("rete@example.org", "viewer", None)
    both = make_user("both@example.org", "operator", territory.comune_lecce)
    with app.app_context():
        accounts.grant_role(
            db.session.get(User, both.id), "viewer", db.session.get(OrgUnit, territory.bari.id)
        )
        accounts.create_user("nessuno@example.org", PASSWORD)
        db.session.commit()

        def visible(scope: Scope) -> set[str]:
            return set(db.session.scalars(select(User.email).where(users_condition(scope))))

        assert visible(Scope(False, (territory.bari.path,))) == {"bari@example.org", "both@example.org"}
        assert visible(Scope(False, ())) == set()
        assert len(visible(Scope(True, ()))) == 5


# The id parameters of routes, and how to make a row of that kind outside the Bari admin's scope.
# A route with a parameter missing from both tables fails the test below: add it to one of them.
OUT_OF_SCOPE_IDS = {
    "user_id": lambda world: world["lecce_user"],
    "assignment_id": lambda world: world["lecce_assignment"],
    "org_unit_id": lambda world: world["comune_lecce"],
    "unit_id": lambda world: world["comune_lecce"],
    "case_id": lambda world: world["lecce_case"],
    "service_id": lambda world: world["lecce_service"],
    "edition_id": lambda world: world["lecce_edition"],
    "event_id": lambda world: world["lecce_programme"]["event"],
    "attachment_id": lambda world: world["lecce_programme"]["attachment"],
    "voucher_id": lambda world: world["lecce_programme"]["voucher"],
    "study_id": lambda world: world["lecce_transcripts"]["study"],
    "document_id": lambda world: world["lecce_transcripts"]["document"],
    "code_id": lambda world: world["lecce_transcripts"]["code"],
    "turn_id": lambda world: world["lecce_transcripts"]["turn"],
    "coding_id": lambda world: world["lecce_transcripts"]["coding"],
    "memo_id": lambda world: world["lecce_transcripts"]["memo"],
}
# Ids that no org unit scopes, so an out-of-scope row cannot exist: their routes are checked elsewhere.
NOT_ORG_UNIT_SCOPED = {
    "token_id": "API tokens belong to one person, not to an org unit (see test_auth.py)",
    "project_id": "projects span the whole network; their rows are scoped through what they contain",
    "form_id": "forms belong to projects, not org units: test_surveys.py checks other projects' forms 404",
    "version_id": "versions are reached through their form (see form_id)",
    "submission_id": "submission pages are reached through their form: see the test after this table",
    "credential_id": "device credentials belong to one person, not to an org unit (see test_openrosa_devices.py)",
    "job_id": "background jobs belong to one person, not to an org unit (see test_jobs.py)",
    "cycle_id": "reporting cycles belong to a form's project; their dashboards show only units in scope "
    "(see test_monitoring.py)",
    "intervention_id": "training interventions belong to a project's plan (see test_training.py)",
    "action_id": "programme actions belong to a project's plan (see test_programme.py)",
    "activity_id": "programme activities belong to a project's plan (see test_programme.py)",
    "voucher_type_id": "voucher types belong to a project's plan (see test_programme.py)",
}


@pytest.fixture
def world(app, client, make_user, territory) -> dict:
    """A Bari admin signed in (cookie and API token) and rows of every kind in Lecce."""
    admin = make_user("admin.bari@example.org", "admin", territory.ambito_bari)
    lecce = make_user("op.lecce@example.org", "operator", territory.comune_lecce)
    login(client, admin.email)
    with app.app_context():
        _row, token = tokens.issue_token(db.session.get(User, admin.id), "test")
        db.session.commit()
        assignment = db.session.get(User, lecce.id).assignments[0].id
        project = Project(code="casi", name="Casi")
        entity_list = EntityList(project=project, name="minori", properties=["codice"])
        case = Entity(
            entity_list=entity_list,
            uuid=str(uuid.uuid4()),
            label="LE0001",
            org_unit_id=territory.comune_lecce.id,
        )
        service = Service(
            code="LE-CSF-1", name="CSF Lecce", kind="csf", org_unit_id=territory.comune_lecce.id
        )
        course = TrainingIntervention(project=project, kind="corso", title="Corso")
        edition = TrainingEdition(
            intervention=course, code="LE-2025-01", org_unit_id=territory.comune_lecce.id
        )
        db.session.add_all([project, entity_list, case, service, course, edition])
        programme = programme_rows(project, territory.comune_lecce.id)
        transcripts = transcript_rows(project, territory.comune_lecce.id)
        db.session.commit()
        case_id, service_id, edition_id = case.id, service.id, edition.id
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return {
        "lecce_user": lecce.id,
        "lecce_assignment": assignment,
        "comune_lecce": territory.comune_lecce.id,
        "lecce_case": case_id,
        "lecce_service": service_id,
        "lecce_edition": edition_id,
        "lecce_programme": programme,
        "lecce_transcripts": transcripts,
    }


def id_routes(app) -> list:
    """Every GET route taking an integer id; static and API routes are included when they take one."""
    return [r for r in app.url_map.iter_rules() if "GET" in r.methods and INT_PARAMETER.search(r.rule)]


def normalised(response, url: str) -> bytes:
    # The page repeats its own address (language switch) and a fresh CSRF token: neither tells rows apart.
    return CSRF_VALUE.sub(b"", response.data.replace(url.encode(), b"<url>"))


def test_every_id_route_answers_out_of_scope_ids_exactly_like_missing_ones(app, client, world):
    checked = []
    for rule in id_routes(app):
        names = INT_PARAMETER.findall(rule.rule)
        if any(name in NOT_ORG_UNIT_SCOPED for name in names):
            continue
        unknown = [name for name in names if name not in OUT_OF_SCOPE_IDS]
        assert not unknown, f"{rule.rule}: say in OUT_OF_SCOPE_IDS how to make an out-of-scope {unknown}"
        outside = OTHER_PARAMETER.sub(
            "x", INT_PARAMETER.sub(lambda m: str(OUT_OF_SCOPE_IDS[m.group(1)](world)), rule.rule)
        )
        missing = OTHER_PARAMETER.sub("x", INT_PARAMETER.sub(str(MISSING_ID), rule.rule))

        out_response, missing_response = client.get(outside), client.get(missing)

        assert (out_response.status_code, missing_response.status_code) == (404, 404), rule.rule
        assert normalised(out_response, outside) == normalised(missing_response, missing), rule.rule
        checked.append(rule.endpoint)
    assert "admin.user_detail" in checked


SUBMISSION_FORM = """
| survey   |
|          | type    | name    | label   |
|          | integer | bambini | Bambini |
| settings |
|          | form_id | version |
|          | scoping | 1       |
"""


@pytest.fixture
def lecce_submission(app, world) -> tuple[int, int]:
    """A form the Bari admin reads, and a submission of it filed in Lecce: (form id, submission id)."""
    with app.app_context():
        project = Project(code="scoping", name="Scoping")
        db.session.add(project)
        admin = db.session.scalars(select(User).where(User.email == "admin.bari@example.org")).one()
        upload = services.upload_form(admin, project, SUBMISSION_FORM.encode(), "scoping.md")
        form = upload.version.form
        lecce = db.session.get(User, world["lecce_user"])
        recorded = record_submission(lecce, form, {"bambini": 3}, None, None, "it")
        return form.id, recorded.submission_id


def test_every_submission_route_answers_out_of_scope_ids_exactly_like_missing_ones(
    app, client, lecce_submission
):
    form_id, submission_id = lecce_submission
    checked = []
    for rule in id_routes(app):
        if set(INT_PARAMETER.findall(rule.rule)) != {"form_id", "submission_id"}:
            continue
        outside = _with_ids(rule.rule, form_id, submission_id)
        missing = _with_ids(rule.rule, form_id, MISSING_ID)

        out_response, missing_response = client.get(outside), client.get(missing)

        assert (out_response.status_code, missing_response.status_code) == (404, 404), rule.rule
        assert normalised(out_response, outside) == normalised(missing_response, missing), rule.rule
        checked.append(rule.endpoint)
    assert {"surveys.submission", "surveys.receipt"} <= set(checked)


def _with_ids(rule: str, form_id: int, submission_id: int) -> str:
    ids = {"form_id": form_id, "submission_id": submission_id}
    return INT_PARAMETER.sub(lambda m: str(ids[m.group(1)]), rule)


def _snapshot(app) -> list:
    """Every row an admin could change, as plain tuples: a refused request must leave them identical."""
    with app.app_context():
        users = db.session.execute(select(User.id, User.email, User.active, User.password_hash)).all()
        roles = db.session.execute(
            select(RoleAssignment.id, RoleAssignment.role, RoleAssignment.org_unit_id)
        ).all()
        units = db.session.execute(select(OrgUnit.id, OrgUnit.name, OrgUnit.path, OrgUnit.parent_id)).all()
        return [sorted(users), sorted(roles), sorted(units)]


def test_every_id_route_refuses_changes_to_out_of_scope_rows_like_missing_ones(app, client, world):
    checked = []
    for rule in app.url_map.iter_rules():
        names = INT_PARAMETER.findall(rule.rule)
        if "POST" not in rule.methods or not names or any(n in NOT_ORG_UNIT_SCOPED for n in names):
            continue
        assert all(n in OUT_OF_SCOPE_IDS for n in names), f"{rule.rule}: add its ids to OUT_OF_SCOPE_IDS"
        outside = OTHER_PARAMETER.sub(
            "x", INT_PARAMETER.sub(lambda m: str(OUT_OF_SCOPE_IDS[m.group(1)](world)), rule.rule)
        )
        missing = OTHER_PARAMETER.sub("x", INT_PARAMETER.sub(str(MISSING_ID), rule.rule))
        before = _snapshot(app)

        statuses = [
            client.post(
                url, data={"csrf_token": csrf_token(client), "name": "X", "password": PASSWORD}
            ).status_code
            for url in (outside, missing)
        ]

        assert statuses == [404, 404], rule.rule
        assert _snapshot(app) == before, rule.rule
        checked.append(rule.endpoint)
    assert {"admin.user_disable", "admin.user_remove_assignment", "admin.territory_rename"} <= set(checked)
