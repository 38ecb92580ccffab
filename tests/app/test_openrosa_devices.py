"""The device credentials page: create (shown once), revoke, and the project QR codes ODK Collect scans."""

import re

import pytest

from app.extensions import db
from app.models import AuditEvent, DeviceCredential
from app.openrosa.qrcode import read_payload, settings_payload
from tests.app.openrosa_client import CollectClient, make_member, make_project
from tests.conftest import login, post_form

_NEW = re.compile(r'id="new-(username|password)">([^<]+)<')


@pytest.fixture
def operator(app, territory):
    project = make_project(app, "humus", "Progetto HUMUS")
    make_member(app, "op.bari@example.org", "operator", project, territory.ambito_bari.id)
    return project


def _create(client, label: str = "tablet visite", **extra):
    return post_form(client, "/odk/devices", {"label": label, **extra})


def _shown(page: bytes) -> dict[str, str]:
    return dict(_NEW.findall(page.decode()))


def test_creating_credentials_shows_the_username_and_password_once(app, client, operator):
    login(client, "op.bari@example.org")

    created = _create(client)
    later = client.get("/odk/devices")

    shown = _shown(created.data)
    assert created.status_code == 200
    assert shown["username"].startswith("op.bari-") and len(shown["password"]) == 23
    assert shown["password"].encode() not in later.data
    assert shown["username"].encode() in later.data


def test_the_password_is_stored_only_as_an_argon2_hash_and_the_creation_is_audited(app, client, operator):
    login(client, "op.bari@example.org")

    shown = _shown(_create(client).data)

    with app.app_context():
        row = db.session.query(DeviceCredential).one()
        assert row.password_hash.startswith("$argon2") and shown["password"] not in row.password_hash
        event = db.session.query(AuditEvent).filter_by(action="device_credential.created").one()
        assert event.details["username"] == shown["username"]


def test_credentials_made_on_the_page_work_in_collect(app, client, operator):
    login(client, "op.bari@example.org")
    shown = _shown(_create(client).data)

    collect = CollectClient(app.test_client(), username=shown["username"], password=shown["password"])

    assert collect.form_list().status_code == 200


def test_the_qr_code_after_creation_holds_the_project_server_url_and_the_credentials(app, client, operator):
    login(client, "op.bari@example.org")

    page = _create(client).data.decode()

    shown = _shown(page.encode())
    assert '<svg width="' in page and 'class="humus-qr"' in page
    assert f"http://localhost/odk/projects/{operator}" in page
    expected = settings_payload(
        f"http://localhost/odk/projects/{operator}", shown["username"], "Progetto HUMUS", shown["password"]
    )
    assert read_payload(expected)["general"]["password"] == shown["password"]


def test_the_settings_payload_is_zlib_compressed_base64_json_like_odk_central_s():
    payload = settings_payload("https://humus.example.org/odk/projects/3", "op.bari-abcd", "HUMUS", "s3cr3t")

    settings = read_payload(payload)

    assert settings["general"]["server_url"] == "https://humus.example.org/odk/projects/3"
    assert (settings["general"]["username"], settings["general"]["password"]) == ("op.bari-abcd", "s3cr3t")
    assert settings["project"] == {"name": "HUMUS"} and settings["admin"] == {}


def test_a_qr_code_shown_later_holds_no_password():
    settings = read_payload(settings_payload("https://humus.example.org", "op.bari-abcd", "HUMUS"))

    assert "password" not in settings["general"]


def test_revoking_from_the_page_stops_the_device_and_is_audited(app, client, operator):
    login(client, "op.bari@example.org")
    shown = _shown(_create(client).data)
    with app.app_context():
        credential_id = db.session.query(DeviceCredential).one().id

    response = post_form(client, f"/odk/devices/{credential_id}/revoke")

    assert response.status_code == 302
    collect = CollectClient(app.test_client(), username=shown["username"], password=shown["password"])
    assert collect.form_list().status_code == 401
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="device_credential.revoked").count() == 1


def test_revoking_needs_the_csrf_token(app, client, operator):
    login(client, "op.bari@example.org")
    _create(client)
    with app.app_context():
        credential_id = db.session.query(DeviceCredential).one().id

    response = client.post(f"/odk/devices/{credential_id}/revoke")

    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(DeviceCredential).one().revoked_at is None


def test_creating_needs_the_csrf_token(client, operator):
    login(client, "op.bari@example.org")

    response = client.post("/odk/devices", data={"label": "tablet"})

    assert response.status_code == 400


def test_no_one_can_revoke_someone_else_s_credentials(app, client, operator, territory):
    make_member(app, "op.lecce@example.org", "operator", operator, territory.ambito_lecce.id)
    login(client, "op.bari@example.org")
    _create(client)
    with app.app_context():
        credential_id = db.session.query(DeviceCredential).one().id
    other = app.test_client()
    login(other, "op.lecce@example.org")

    response = post_form(other, f"/odk/devices/{credential_id}/revoke")

    assert response.status_code == 404


def test_the_page_is_for_people_who_fill_in_forms(app, client, operator):
    make_member(app, "viewer@example.org", "viewer", operator, None)
    login(client, "viewer@example.org")

    assert client.get("/odk/devices").status_code == 403


def test_the_page_needs_a_sign_in(client, operator):
    response = client.get("/odk/devices")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_someone_filling_for_several_units_chooses_one_in_their_scope(app, client, operator, territory):
    make_member(app, "op.all@example.org", "operator", operator, None)
    login(client, "op.all@example.org")

    page = client.get("/odk/devices")
    chosen = _create(client, org_unit=str(territory.comune_bari.id))

    assert b'name="org_unit"' in page.data
    assert chosen.status_code == 200
    with app.app_context():
        assert db.session.query(DeviceCredential).one().org_unit_id == territory.comune_bari.id


def test_a_unit_outside_the_scope_is_refused(app, client, operator, territory):
    from app.accounts import grant_role
    from app.models import OrgUnit, User

    with app.app_context():
        user = db.session.query(User).filter_by(email="op.bari@example.org").one()
        grant_role(user, "operator", db.session.get(OrgUnit, territory.comune_bari.id))
        db.session.commit()
    login(client, "op.bari@example.org")

    refused = _create(client, org_unit=str(territory.comune_lecce.id))

    assert refused.status_code == 400
    with app.app_context():
        assert db.session.query(DeviceCredential).count() == 0


def test_the_label_is_required(client, operator):
    login(client, "op.bari@example.org")

    response = post_form(client, "/odk/devices", {"label": ""})

    assert response.status_code == 400
