"""Logs under attack: what a client types cannot forge a log line, and no secret or identifier is written.

Three logs: gunicorn's access log (app.access_log.AccessLogger, named in docs/deploy.md), the application's
own log records (captured at DEBUG from every logger), and the audit log in the database."""

import base64
import io
import logging
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from gunicorn.config import Config
from sqlalchemy import func, select

from app.access_log import AccessLogger, escape_controls
from app.extensions import db
from app.jobs import queues
from app.models import AuditEvent, EntityList, Job, OrgUnit, User
from tests.app.cases_support import case_by_code, intake
from tests.app.cases_support import casework as casework  # a fixture
from tests.app.openrosa_client import device, upload
from tests.app.test_jobs import wait_for
from tests.conftest import PASSWORD, csrf_token, login, post_form

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")  # a tab may stay: tracebacks indent
FORGED = (
    '\r\n10.0.0.1 - admin [23/Nov/2026:10:00:00 +0000] "POST /admin/users/1/disable HTTP/1.1" 302 0\x1b[2K'
)
# Header values cannot hold a line break (HTTP servers refuse it): an escape sequence they can.
IN_HEADER = "\x1b[2K\x1b[1A\x1b[31mfalso"
SHORT = '\r\n10.0.0.1 - admin "POST /admin" 302\x1b[2K'  # fits a 100-character name
CODICE_FISCALE = "RSSMRA85T10A562S"
ANAGRAFE = """
| survey   |
|          | type | name           | label          |
|          | text | codice_fiscale | Codice fiscale |
| settings |
|          | form_id  | version | form_title |
|          | anagrafe | 1       | Anagrafe   |
"""


# gunicorn's access log.


class _Response:
    status = "401 UNAUTHORIZED"
    sent = 120
    headers = [("Content-Type", "text/xml; charset=utf-8")]


class _Request:
    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = [(name.upper(), value) for name, value in headers.items()]


def access_line(headers: dict[str, str], uri: str = "/formList") -> str:
    """What gunicorn writes to the access log, with the default format, for one request."""
    config = Config()
    config.set("accesslog", "-")
    logger = AccessLogger(config)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.access_log.handlers = [handler]
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": uri,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.7",
        **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
    }
    logger.access(_Response(), _Request(headers), environ, timedelta(milliseconds=5))
    return stream.getvalue()


def basic(username: str, password: str = "x") -> str:  # noqa: S107 - a test value
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_a_basic_auth_user_name_cannot_forge_an_access_log_line():
    written = access_line({"Authorization": basic("telefono" + FORGED), "User-Agent": "Collect\x1b[31m"})

    assert written.count("\n") == 1 and written.endswith("\n")
    assert CONTROL.search(written.rstrip("\n")) is None
    assert "telefono\\x0d\\x0a10.0.0.1 - admin" in written  # still readable, escaped like nginx does
    assert '"Collect\\x1b[31m"' in written


def test_the_access_log_holds_no_password_token_or_cookie():
    written = access_line(
        {
            "Authorization": basic("telefono", "password-del-telefono"),
            "Cookie": "humus_session=valore-del-cookie",
            "X-Api-Key": "hms_segreto",
        }
    ) + access_line({"Authorization": "Bearer hms_token-segreto"}, uri="/api/v1/me")

    for secret in ("password-del-telefono", "valore-del-cookie", "hms_token-segreto", "hms_segreto"):
        assert secret not in written


@pytest.mark.parametrize(
    ("typed", "logged"),
    [
        ("a\nb", "a\\x0ab"),
        ("\x1b[2J", "\\x1b[2J"),
        ("\\x0a", "\\\\x0a"),
        ("a\u2028b", "a\\u2028b"),
        ("è", "è"),
    ],
)
def test_control_characters_are_escaped_and_the_rest_is_kept(typed, logged):
    assert escape_controls(typed) == logged


def test_the_deployment_guide_runs_gunicorn_with_the_escaping_logger():
    guide = DEPLOY.read_text()
    config = guide[guide.index("Create `/etc/humus/gunicorn.conf.py`:") :]

    assert 'logger_class = "app.access_log.AccessLogger"' in config[: config.index("```\n\n")]


# The application's own log records.


@pytest.fixture
def all_logs(caplog):
    """Every record of every logger at DEBUG, from the request threads and the job runner alike."""
    caplog.set_level(logging.DEBUG)
    return caplog


def _text(record: logging.LogRecord) -> str:
    return record.getMessage() + (record.exc_text or "") + (record.stack_info or "")


@pytest.fixture
def _own_instance_folder(app, tmp_path):
    app.instance_path = str(tmp_path / "instance")
    yield
    queues.shutdown_local_runner(wait=True)


def test_text_typed_by_clients_reaches_the_app_logs_only_escaped(
    app, client, casework, all_logs, _own_instance_folder
):
    """Control characters in a sign-in, device credentials, a token, headers and a file's column names: a
    case import whose header repeats a column stops its job with a message quoting that column."""
    login(client, "lecce@example.org" + FORGED, "x" + FORGED)
    client.get("/formList", headers={"X-OpenRosa-Version": "1.0", "Authorization": basic("tel" + FORGED)})
    client.get("/api/v1/me", headers={"Authorization": "Bearer hms_" + IN_HEADER, "User-Agent": IN_HEADER})
    login(client, "lecce@example.org")
    column = "Codice\n10.0.0.1 - admin"  # the reader refuses other control characters in a cell
    content = f'"{column}";"{column}"\nLE2020A001;LE2020A001\n'
    with app.app_context():
        list_id = db.session.scalars(select(EntityList.id)).one()
        unit = db.session.scalars(select(OrgUnit.id).where(OrgUnit.code == "ATS-LE1")).one()
    response = client.post(
        "/cases/import",
        data={
            "csrf_token": csrf_token(client),
            "data_file": (io.BytesIO(content.encode()), "storico.csv"),
            "kind": "minori",
            "entity_list": str(list_id),
            "org_unit": str(unit),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        job = wait_for(app, db.session.scalars(select(Job.id).order_by(Job.id.desc())).first())
    assert job.status == "failed" and "Codice" in job.message

    stopped = [r for r in all_logs.records if "stopped" in r.getMessage()]
    assert len(stopped) == 1 and "Codice\\n10.0.0.1 - admin" in stopped[0].getMessage()
    assert [(r.name, _text(r)) for r in all_logs.records if CONTROL.search(_text(r))] == []


def test_no_password_token_cookie_or_codice_fiscale_is_logged(app, client, casework, all_logs, territory):
    """Signing in (right and wrong), using a token, editing a case's identity, and submitting a codice fiscale
    by API, by the web page and by ODK Collect."""
    forms, tokens = casework
    login(client, "lecce@example.org", "una-password-sbagliata")
    login(client, "lecce@example.org")
    cookie = client.get_cookie("humus_session").value
    intake(client, casework)
    with app.app_context():
        case_id = case_by_code().id
    identity = {"nome": "Mario", "cognome": "Rossi", "codice_fiscale": CODICE_FISCALE}
    assert post_form(client, f"/cases/{case_id}/identity", identity).status_code == 302
    form_id, collect = _form_with_codice_fiscale(app, territory)
    token = tokens["lecce@example.org"]
    body = {"data": {"codice_fiscale": CODICE_FISCALE}, "instanceID": f"uuid:{uuid.uuid4()}"}
    api = client.post(
        f"/api/v1/forms/{form_id}/submissions", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    web = post_form(
        client, f"/forms/{form_id}/fill", {"/data/codice_fiscale": CODICE_FISCALE, "_action": "submit"}
    )
    odk = collect(CODICE_FISCALE)
    assert (api.status_code, web.status_code, odk.status_code) == (201, 302, 201)

    logged = "\n".join(_text(r) for r in all_logs.records)
    for secret in (
        PASSWORD,
        "una-password-sbagliata",
        token,
        token.removeprefix("hms_"),
        cookie,
        CODICE_FISCALE,
    ):
        assert secret not in logged
    with app.app_context():
        audited = str(db.session.execute(select(AuditEvent.details, AuditEvent.target_id)).all())
    for secret in (PASSWORD, "una-password-sbagliata", token, cookie, CODICE_FISCALE, "Rossi"):
        assert secret not in audited


def _form_with_codice_fiscale(app, territory):
    """A form asking for a codice fiscale, and a way for the Lecce operator's phone to submit one."""
    with app.app_context():
        project = db.session.scalars(select(EntityList.project_id)).first()
        operator = db.session.scalars(select(User.id).where(User.email == "lecce@example.org")).one()
        researcher = db.session.scalars(select(User.id).where(User.email == "ricerca@example.org")).one()
    form_id = upload(app, researcher, project, ANAGRAFE, "anagrafe.md")
    username, password = device(app, operator)

    def collect(value: str):
        xml = (
            f'<data id="anagrafe" version="1"><codice_fiscale>{value}</codice_fiscale>'
            f"<meta><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>"
        )
        return app.test_client().post(
            "/submission",
            data={"xml_submission_file": (io.BytesIO(xml.encode()), "submission.xml", "text/xml")},
            headers={"X-OpenRosa-Version": "1.0", "Authorization": basic(username, password)},
            content_type="multipart/form-data",
        )

    return form_id, collect


# The audit log.


def test_a_label_with_line_breaks_stays_inside_its_one_audit_event(app, client, make_user, territory):
    make_user("op@example.org", "operator", territory.ambito_bari)
    make_user("admin@example.org", "admin")
    login(client, "op@example.org")
    with app.app_context():
        events = db.session.scalar(select(func.count(AuditEvent.id)))

    response = post_form(client, "/odk/devices", {"label": "telefono" + SHORT})

    assert response.status_code == 200
    with app.app_context():
        added = db.session.scalars(select(AuditEvent).where(AuditEvent.id > events)).all()
        assert [e.action for e in added] == ["device_credential.created"]
        assert added[0].details["label"] == "telefono" + SHORT
    admin = app.test_client()
    login(admin, "admin@example.org")
    page = admin.get("/admin/audit?action=device_credential").get_data(as_text=True)
    assert page.count("device_credential.created") == 1
