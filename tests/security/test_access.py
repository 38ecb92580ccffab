"""Access control under attack: roles reaching past their permissions, and parameters naming another scope.

tests/app/test_scoping.py already sends every route out-of-scope ids in its path; this module covers what
it does not: every route against every role lacking its permission, query parameters and form fields naming
another scope's rows, and fields a form does not offer. Each attack runs on the seeded demo (Bari and Lecce
each have cases, submissions and services) and must leave every table as it found it."""

import io
import re
import zipfile

import pytest
from sqlalchemy import select

from app.auth.tokens import issue_token
from app.extensions import db
from app.models import Entity, Submission, User
from app.permissions import GRANTS
from tests.app.test_jobs import wait_for
from tests.conftest import csrf_token
from tests.security.demo_world import (
    BARI_OPERATOR,
    EVALUATOR,
    LECCE_ADMIN,
    LECCE_OPERATOR,
    NETWORK_ADMIN,
    RESEARCHER,
    VIEWER,
    SeededApp,
    unit_id,
    user_id,
)
from tests.security.routes import (
    CHECKED_INSIDE,
    FORM_DATA,
    PUBLIC,
    STATE_CHANGING,
    machine_endpoints,
    required_permissions,
    rules,
)
from tests.security.support import changed_tables, fingerprint

ROLES = {VIEWER: "viewer", BARI_OPERATOR: "operator", RESEARCHER: "researcher", EVALUATOR: "evaluator"}
VALUE_ATTRIBUTE = re.compile(r'\bvalue="[^"]*"')


@pytest.fixture(scope="module")
def clients(seeded: SeededApp) -> dict:
    """One signed-in client per demo account the attacks use, signed in once for the module."""
    emails = (*ROLES, LECCE_ADMIN, LECCE_OPERATOR, NETWORK_ADMIN)
    return {email: seeded.client(email) for email in emails}


def test_every_route_is_guarded_by_a_permission_or_says_why_not(seeded):
    """A new route must either carry @require(permission) or be listed, with the check it does inside."""
    listed = machine_endpoints() | set(PUBLIC) | set(CHECKED_INSIDE)
    unguarded = [
        rule.endpoint
        for rule in rules(seeded.app)
        if not required_permissions(seeded.app.view_functions[rule.endpoint]) and rule.endpoint not in listed
    ]
    endpoints = {r.endpoint for r in rules(seeded.app)}

    assert unguarded == []
    assert listed - endpoints == set(), "the lists name routes that no longer exist"


@pytest.mark.parametrize("email", list(ROLES))
def test_every_route_refuses_a_role_without_its_permission_and_changes_nothing(seeded, clients, email):
    client, granted = clients[email], GRANTS[ROLES[email]]
    token = csrf_token(client)
    with seeded.app.app_context():
        before = fingerprint()
    answers, refused = {}, 0
    for rule in rules(seeded.app):
        needed = required_permissions(seeded.app.view_functions[rule.endpoint])
        if not needed or needed & granted:
            continue
        url = seeded.url(rule)
        for method in sorted(rule.methods & ({"GET"} | STATE_CHANGING)):
            data = {**FORM_DATA, "csrf_token": token} if method != "GET" else None
            status = client.open(url, method=method, data=data).status_code
            refused += status == 403
            if status != 403:
                answers[f"{method} {url}"] = status

    assert answers == {}
    assert refused >= 10
    with seeded.app.app_context():
        assert changed_tables(before, fingerprint()) == []
    assert client.get("/").status_code == 200  # still signed in: the refusals were real answers


def test_routes_checking_inside_refuse_those_who_may_not_use_them(seeded, clients):
    """The registry's pages check inside that the user manages the territory or designs forms."""
    registry = ["/services/new", "/services/import", "/services/import/template.csv"]
    with seeded.app.app_context():
        before = fingerprint()
    viewer, operator = clients[VIEWER], clients[BARI_OPERATOR]
    service = seeded.ids["service_id"]
    token = csrf_token(operator)

    reads = {url: (viewer.get(url).status_code, operator.get(url).status_code) for url in registry}
    writes = [
        operator.post(url, data={**FORM_DATA, "code": "SIC-1", "csrf_token": token}).status_code
        for url in ("/services/new", f"/services/{service}/edit")
    ]

    assert set(reads.values()) == {(403, 403)}, reads
    assert writes == [403, 403]
    with seeded.app.app_context():
        assert changed_tables(before, fingerprint()) == []


# Administrators reaching past their subtree.


def _grant(client, target: int, org_unit: str, role: str = "admin", project: str = ""):
    data = {"role": role, "org_unit": org_unit, "project": project, "csrf_token": csrf_token(client)}
    return client.post(f"/admin/users/{target}/assignments", data=data)


def test_a_researcher_cannot_make_themself_an_administrator(seeded, clients):
    client = clients[RESEARCHER]
    with seeded.app.app_context():
        me = user_id(RESEARCHER)
        before = fingerprint()

    grant = _grant(client, me, "network")
    create = client.post("/admin/users/new", data={**FORM_DATA, "csrf_token": csrf_token(client)})

    assert (grant.status_code, create.status_code) == (403, 403)
    with seeded.app.app_context():
        assert changed_tables(before, fingerprint()) == []


@pytest.mark.parametrize(
    ("target", "org_unit"),
    [
        (LECCE_ADMIN, "network"),  # themself, over the whole network
        (LECCE_ADMIN, "16"),  # themself, over the region above their province
        (LECCE_ADMIN, "ATS-BARI"),  # themself, over a sibling province's Ambito
        (LECCE_OPERATOR, "072"),  # a user of theirs, over the province of Bari
        (LECCE_OPERATOR, "network"),
    ],
)
def test_a_province_admin_cannot_grant_a_role_outside_their_subtree(seeded, clients, target, org_unit):
    client = clients[LECCE_ADMIN]
    with seeded.app.app_context():
        value = org_unit if org_unit == "network" else str(unit_id(org_unit))
        before = fingerprint()

        response = _grant(client, user_id(target), value)

        assert response.status_code == 200  # the user's page again, saying why
        assert "Non è una opzione valida" in response.get_data(as_text=True)  # the unit is not offered
        assert changed_tables(before, fingerprint()) == []


def test_a_province_admin_cannot_touch_users_outside_their_subtree(seeded, clients):
    client = clients[LECCE_ADMIN]
    with seeded.app.app_context():
        outside = [user_id(email) for email in (NETWORK_ADMIN, BARI_OPERATOR, RESEARCHER)]
        before = fingerprint()
    token = csrf_token(client)
    answers = {}
    for target in outside:
        for action in ("disable", "password", "assignments"):
            data = {"password": "Una-password-lunga-e-sicura-1", "role": "viewer", "org_unit": "network"}
            response = client.post(f"/admin/users/{target}/{action}", data={**data, "csrf_token": token})
            answers[f"{target}/{action}"] = response.status_code

    assert set(answers.values()) == {404}, answers
    with seeded.app.app_context():
        assert changed_tables(before, fingerprint()) == []


# Query parameters naming another scope's rows answer exactly as for rows that do not exist.


def _normalised(response, parameter: str, value: str) -> str:
    """The answer without what echoes the value asked for: form values, links repeating the query, and the
    value itself when it is long enough not to be mistaken for other text."""
    text = VALUE_ATTRIBUTE.sub("", response.get_data(as_text=True))
    text = re.sub(rf"\b{re.escape(parameter)}=[^&\"'\s<]*", "", text)
    text = re.sub(r"\b\d{1,2}:\d{2}:\d{2}\b", "<time>", text)  # when a report was produced
    return text.replace(value, "<value>") if len(value) >= 4 else text


def _probe(client, url: str, parameter: str, outside: str, missing: str) -> tuple[int, bool]:
    """Ask with another scope's value and with a value naming nothing: (status, same answer)."""
    separator = "&" if "?" in url else "?"
    out = client.get(f"{url}{separator}{parameter}={outside}")
    none = client.get(f"{url}{separator}{parameter}={missing}")
    same = _normalised(out, parameter, outside) == _normalised(none, parameter, missing)
    return out.status_code, same


def _values(seeded, ambito: str, comune: str, province: str, operator: str) -> dict[str, str]:
    """Values naming one side's rows: its Ambito, a comune, its province, a case, an operator, a form."""
    with seeded.app.app_context():
        unit = unit_id(ambito)
        case = db.session.scalars(select(Entity.label).where(Entity.org_unit_id == unit)).first()
        form = db.session.scalars(select(Submission.form_id).where(Submission.org_unit_id == unit)).first()
        return {
            "unit": str(unit),
            "comune": str(unit_id(comune)),
            "area": province,
            "ambito": ambito,
            "comune_code": comune,
            "case": case.split(" ")[0],
            "submitter": str(user_id(operator)),
            "form": str(form),
        }


def test_query_parameters_naming_lecce_tell_a_bari_operator_nothing(seeded, clients):
    lecce = _values(seeded, "ATS-LECCE", "075035", "075", LECCE_OPERATOR)
    bari = _values(seeded, "ATS-BARI", "072006", "072", BARI_OPERATOR)
    form = lecce["form"]
    assert form == bari["form"]  # a form both Ambiti file
    # (address, parameter, which value, a value naming nothing, whether the operator's own value changes
    # the answer: then the comparison is shown to see data)
    probes = [
        ("/cases/", "q", "case", "ZZ9999Z999", True),
        (f"/forms/{form}/submissions", "org_unit", "unit", "987654", True),
        (f"/forms/{form}/submissions", "org_unit", "comune", "987654", True),
        (f"/forms/{form}/submissions", "submitter", "submitter", "987654", True),
        (f"/forms/{form}/export", "org_unit", "unit", "987654", False),
        (f"/forms/{form}/summary", "org_unit", "unit", "987654", True),
        ("/statistics/", "area", "ambito", "ATS-NESSUNO", True),
        ("/statistics/?source=cases", "area", "comune_code", "099999", True),
        ("/statistics/export.csv", "area", "ambito", "ATS-NESSUNO", True),
        ("/statistics/standard", "area", "ambito", "ATS-NESSUNO", True),
        ("/services/", "unit", "comune_code", "099999", True),
    ]
    client = clients[BARI_OPERATOR]
    with seeded.app.app_context():
        before = fingerprint()

    outside, inside = {}, {}
    for url, name, kind, missing, sees_data in probes:
        outside[f"{url} {name}={kind}"] = _probe(client, url, name, lecce[kind], missing)
        if sees_data:
            inside[f"{url} {name}={kind}"] = _probe(client, url, name, bari[kind], missing)

    assert {key: answer for key, answer in outside.items() if answer != (200, True)} == {}
    # The comparison sees data: the operator's own values do change the answers.
    assert [key for key, answer in inside.items() if answer[1]] == []
    with seeded.app.app_context():
        assert changed_tables(before, fingerprint()) == []


def test_query_parameters_naming_bari_tell_the_lecce_admin_nothing(seeded, clients):
    with seeded.app.app_context():
        bari_unit = str(unit_id("ATS-BARI"))
    probes = [
        ("/admin/users", "q", "operatore.bari", "nessuno.qui"),
        ("/admin/audit", "org_unit", bari_unit, "987654"),
        ("/admin/audit", "actor", "operatore.bari", "nessuno.qui"),
    ]
    client = clients[LECCE_ADMIN]

    answers = {
        f"{url} {name}": _probe(client, url, name, outside, missing) for url, name, outside, missing in probes
    }

    assert {key: answer for key, answer in answers.items() if answer != (200, True)} == {}


def test_the_api_answers_a_bari_token_about_lecce_as_about_nothing(seeded):
    lecce = _values(seeded, "ATS-LECCE", "075035", "075", LECCE_OPERATOR)
    with seeded.app.app_context():
        _row, token = issue_token(db.session.get(User, user_id(BARI_OPERATOR)), "probe")
        db.session.commit()
    client = seeded.app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    table = _probe(client, "/api/v1/statistics", "area", lecce["area"], "099")
    standard = _probe(client, "/api/v1/statistics/standard", "area", lecce["area"], "099")
    listed = client.get(f"/api/v1/forms/{lecce['form']}/submissions").get_json()

    assert table == standard == (404, True)  # "no such territory among those you cover"
    with seeded.app.app_context():
        assert {row["org_unit"] for row in listed} <= {"ATS-BARI"}


def test_an_export_filtered_on_lecce_gives_a_bari_token_no_lecce_row(seeded):
    lecce = _values(seeded, "ATS-LECCE", "075035", "075", LECCE_OPERATOR)
    with seeded.app.app_context():
        _row, token = issue_token(db.session.get(User, user_id(BARI_OPERATOR)), "export")
        db.session.commit()
        outside = db.session.scalars(
            select(Submission.instance_id).where(
                Submission.form_id == int(lecce["form"]), Submission.org_unit_id == int(lecce["unit"])
            )
        ).all()
        inside = db.session.scalars(
            select(Submission.instance_id).where(
                Submission.form_id == int(lecce["form"]), Submission.org_unit_id == unit_id("ATS-BARI")
            )
        ).all()
    client = seeded.app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    exported = {}
    for name, wanted in (("filtered", {"org_unit": lecce["unit"]}), ("all", {})):
        started = client.post(
            f"/api/v1/forms/{lecce['form']}/exports", json={"format": "csv", "filter": wanted}
        )
        assert started.status_code == 202, started.get_json()
        job = wait_for(seeded.app, started.get_json()["id"])
        assert job.status == "done", job.message
        exported[name] = _unzipped(client.get(f"/api/v1/jobs/{job.id}/download").get_data())

    assert outside and inside
    assert not any(instance in text for instance in outside for text in exported.values())
    assert all(instance in exported["all"] for instance in inside)  # the export does hold rows


def _unzipped(data: bytes) -> str:
    """Every file of a CSV export's zip, as one text."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
