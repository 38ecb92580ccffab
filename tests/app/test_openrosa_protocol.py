"""OpenRosa conformance: headers, authentication, form list, form download, manifest and media.

Written from the OpenRosa 1.0 specifications (HTTP Request, Authentication, Form List and Form Discovery).
"""

import base64

import pytest
from defusedxml.ElementTree import fromstring

from app.extensions import db
from app.models import DeviceCredential
from tests.app.openrosa_client import (
    FORM_LIST,
    CollectClient,
    attach,
    device,
    make_member,
    make_project,
    md5,
    parse_manifest,
    response_message,
    upload,
)

VISITS = """
| survey   |
|          | type                            | name    | label           | required |
|          | integer                         | bambini | Bambini seguiti | yes      |
|          | select_one_from_file comuni.csv | comune  | Comune          |          |
| settings |
|          | form_id | version | form_title |
|          | visite  | 1       | Visite     |
"""

PLAIN = """
| survey   |
|          | type | name | label |
|          | text | nota | Nota  |
| settings |
|          | form_id | version | form_title  |
|          | diario  | 7       | Diario      |
"""

COMUNI = b"name,label\nbari,Bari\nlecce,Lecce\n"


@pytest.fixture
def field(app, territory):
    """Two projects; an operator in the first, a researcher in both, forms in each."""
    humus = make_project(app, "humus", "HUMUS")
    other = make_project(app, "altro", "Altro progetto")
    researcher = make_member(app, "rita@example.org", "researcher", None, None)
    visits = upload(app, researcher, humus, VISITS, "visite.md")
    attach(app, visits, "comuni.csv", COMUNI)
    upload(app, researcher, humus, PLAIN, "diario.md")
    upload(app, researcher, other, PLAIN.replace("diario ", "segreto"), "segreto.md")
    operator = make_member(app, "op.bari@example.org", "operator", humus, territory.ambito_bari.id)
    username, password = device(app, operator)
    return {"humus": humus, "other": other, "visits": visits, "username": username, "password": password}


@pytest.fixture
def collect(client, field):
    return CollectClient(client, username=field["username"], password=field["password"])


def _basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"X-OpenRosa-Version": "1.0", "Authorization": f"Basic {token}"}


def test_a_request_without_credentials_is_challenged_with_basic_and_openrosa_headers(client, field):
    response = client.get("/formList", headers={"X-OpenRosa-Version": "1.0"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Basic realm="Humus"')
    assert response.headers["X-OpenRosa-Version"] == "1.0"
    assert response.headers["Date"]
    assert response.mimetype == "text/xml"
    assert response_message(response.data)[0] == "error"


def test_collect_answers_the_challenge_and_gets_the_form_list(collect):
    forms = collect.forms()

    assert [(method, status) for method, _url, status in collect.log] == [("GET", 401), ("GET", 200)]
    assert [f.form_id for f in forms] == ["diario", "visite"]


def test_the_form_list_is_xml_in_the_xforms_list_namespace_with_every_required_element(collect):
    response = collect.form_list()

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert response.headers["X-OpenRosa-Version"] == "1.0"
    assert response.headers["Date"]
    root = fromstring(response.data)
    assert root.tag == f"{FORM_LIST}xforms"
    item = root.find(f"{FORM_LIST}xform")
    tags = [child.tag.removeprefix(FORM_LIST) for child in item]
    assert tags[:5] == ["formID", "name", "version", "hash", "downloadUrl"]


def test_the_form_list_names_version_title_and_the_md5_of_the_xform_as_served(collect):
    visits = next(f for f in collect.forms() if f.form_id == "visite")

    served = collect.request("GET", visits.download_url)

    assert (visits.name, visits.version) == ("Visite", "1")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert visits.hash == "md5:" + md5(served.data)
    assert b'id="visite"' in served.data


def test_only_forms_with_media_have_a_manifest_url(collect):
    forms = {f.form_id: f for f in collect.forms()}

    assert forms["visite"].manifest_url is not None
    assert forms["diario"].manifest_url is None


def test_the_form_list_shows_only_the_projects_where_the_user_fills_forms(collect):
    listed = {f.form_id for f in collect.forms()}

    assert listed == {"visite", "diario"}


def test_a_researcher_who_cannot_fill_forms_gets_an_empty_list(app, client, field):
    user_id = make_member(app, "ricerca@example.org", "researcher", field["humus"], None)
    username, password = device(app, user_id)

    forms = CollectClient(client, username=username, password=password).forms()

    assert forms == []


def test_the_per_project_form_list_shows_only_that_project(app, client, field, territory):
    everywhere = make_member(app, "op.all@example.org", "operator", None, territory.ambito_lecce.id)
    username, password = device(app, everywhere)
    collect = CollectClient(client, username=username, password=password)

    all_forms = {f.form_id for f in collect.forms()}
    collect.server_url = f"http://localhost/odk/projects/{field['other']}"
    other_forms = {f.form_id for f in collect.forms()}

    assert all_forms == {"visite", "diario", "segreto"}
    assert other_forms == {"segreto"}


def test_form_id_filters_the_list(collect):
    forms = collect.forms(formID="visite")

    assert [f.form_id for f in forms] == ["visite"]


def test_verbose_adds_a_description(collect):
    response = collect.form_list(verbose="true")

    root = fromstring(response.data)
    assert root.find(f"{FORM_LIST}xform/{FORM_LIST}descriptionText").text == "HUMUS"


def test_a_request_without_the_openrosa_version_header_is_refused(client, field):
    response = client.get(
        "/formList", headers={"Authorization": _basic(field["username"], field["password"])["Authorization"]}
    )

    assert response.status_code == 400
    assert response.headers["X-OpenRosa-Version"] == "1.0"
    assert "X-OpenRosa-Version" in response_message(response.data)[1]


@pytest.mark.parametrize("password", ["sbagliata", ""])
def test_a_wrong_password_is_challenged_again(client, field, password):
    response = client.get("/formList", headers=_basic(field["username"], password))

    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers


def test_session_cookies_do_not_authenticate_openrosa_requests(client, field):
    from tests.conftest import login

    login(client, "op.bari@example.org")

    response = client.get("/formList", headers={"X-OpenRosa-Version": "1.0"})

    assert response.status_code == 401


def test_the_manifest_lists_uploaded_media_with_md5_and_a_working_download_url(collect):
    visits = next(f for f in collect.forms() if f.form_id == "visite")

    manifest = collect.request("GET", visits.manifest_url)
    files = parse_manifest(manifest.data)
    media = collect.request("GET", files["comuni.csv"][1])

    assert manifest.status_code == 200
    assert manifest.headers["X-OpenRosa-Version"] == "1.0"
    assert manifest.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert files["comuni.csv"][0] == "md5:" + md5(COMUNI)
    assert media.status_code == 200 and media.data == COMUNI
    assert media.mimetype == "text/csv"


def test_a_media_file_is_not_sent_again_when_its_etag_matches(collect):
    visits = next(f for f in collect.forms() if f.form_id == "visite")
    url = parse_manifest(collect.request("GET", visits.manifest_url).data)["comuni.csv"][1]

    again = collect.request("GET", url, headers={"If-None-Match": f'"{md5(COMUNI)}"'})

    assert again.status_code == 304


def test_an_attachment_not_uploaded_yet_is_left_out_of_the_manifest(app, client, field, collect):
    researcher = make_member(app, "rita2@example.org", "researcher", field["humus"], None)
    upload(
        app,
        researcher,
        field["humus"],
        VISITS.replace("visite ", "visite2").replace("Visite ", "Visite2"),
        "v2.md",
    )
    visits2 = next(f for f in collect.forms() if f.form_id == "visite2")

    manifest = parse_manifest(collect.request("GET", visits2.manifest_url).data)

    assert visits2.manifest_url is not None
    assert manifest == {}


def test_forms_and_media_of_other_projects_answer_404(app, client, field, collect):
    from app.models import Form

    with app.app_context():
        secret = db.session.query(Form).filter_by(xml_form_id="segreto").one()
        url = f"/odk/forms/{secret.id}/versions/{secret.versions[0].id}/form.xml"

    response = collect.request("GET", url)

    assert response.status_code == 404
    assert response.headers["X-OpenRosa-Version"] == "1.0"


def test_a_draft_version_is_never_served(app, client, field, collect):
    from app.models import Form

    researcher = make_member(app, "rita3@example.org", "researcher", field["humus"], None)
    upload(app, researcher, field["humus"], PLAIN.replace("| 7 ", "| 8 "), "diario.md", publish=False)
    with app.app_context():
        diario = db.session.query(Form).filter_by(xml_form_id="diario").one()
        draft = next(v for v in diario.versions if v.status == "draft")
        url = f"/odk/forms/{diario.id}/versions/{draft.id}/form.xml"

    listed = {f.form_id: f.version for f in collect.forms()}
    response = collect.request("GET", url)

    assert listed["diario"] == "7"
    assert response.status_code == 404


def test_head_submission_answers_204_with_the_accepted_content_length(app, collect):
    response = collect.head_submission()

    assert response.status_code == 204
    assert response.headers["X-OpenRosa-Version"] == "1.0"
    assert response.headers["Date"]
    assert int(response.headers["X-OpenRosa-Accept-Content-Length"]) == app.config["MAX_CONTENT_LENGTH"]


def test_head_submission_without_credentials_answers_401(client, field):
    response = client.head("/submission", headers={"X-OpenRosa-Version": "1.0"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_a_revoked_credential_stops_working_at_once(app, client, field, collect):
    assert collect.form_list().status_code == 200
    with app.app_context():
        row = db.session.query(DeviceCredential).filter_by(username=field["username"]).one()
        from app.openrosa.credentials import revoke_credential

        revoke_credential(row.user, row.id)

    response = collect.form_list()

    assert response.status_code == 401


def test_a_disabled_user_s_devices_are_refused(app, client, field, collect):
    from app.models import User

    with app.app_context():
        db.session.query(User).filter_by(email="op.bari@example.org").one().active = False
        db.session.commit()

    assert collect.form_list().status_code == 401


def test_repeated_wrong_passwords_are_throttled(client, field):
    for _attempt in range(5):
        client.get("/formList", headers=_basic(field["username"], "sbagliata"))

    locked = client.get("/formList", headers=_basic(field["username"], field["password"]))

    assert locked.status_code == 429
    assert locked.headers["Retry-After"]


def test_the_last_use_of_a_credential_is_recorded(app, collect, field):
    collect.form_list()

    with app.app_context():
        row = db.session.query(DeviceCredential).filter_by(username=field["username"]).one()
        assert row.last_used_at is not None


@pytest.mark.parametrize(("language", "fragment"), [("en", "Sign in"), (None, "")])
def test_the_challenge_message_follows_accept_language(client, field, language, fragment):
    headers = {"X-OpenRosa-Version": "1.0"} | ({"Accept-Language": language} if language else {})

    response = client.get("/formList", headers=headers)

    assert response.headers["Content-Language"] == (language or "it")
    assert fragment in response_message(response.data)[1]


def test_a_device_password_is_verified_once_then_remembered_but_revocation_is_immediate(
    app, client, field, monkeypatch
):
    """Collect sends its password on every request: argon2 runs for the first only (it costs ~150 ms a
    request otherwise), while the credential row is still read each time, so revoking stops it at once."""
    from app.auth import passwords
    from app.openrosa import auth

    auth._verified.clear()
    verifications = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda *args: verifications.append(1) or real(*args))
    headers = _basic(field["username"], field["password"])
    for _ in range(3):
        assert client.get("/formList", headers=headers).status_code == 200
    assert len(verifications) == 1

    wrong = _basic(field["username"], field["password"] + "x")
    assert client.get("/formList", headers=wrong).status_code == 401  # a wrong password is never remembered
    assert len(verifications) == 2

    with app.app_context():
        db.session.query(DeviceCredential).update({"revoked_at": db.func.now()})
        db.session.commit()
    assert client.get("/formList", headers=headers).status_code == 401
