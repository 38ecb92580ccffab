"""A client that talks to Humus the way ODK Collect does, over the Flask test client.

Like Collect it sends X-OpenRosa-Version and Date on every request, tries without credentials first and
answers a Basic challenge with the device's username and password, reads the form list and manifests by
their namespaces, and posts submissions as multipart/form-data with the instance in xml_submission_file.
"""

import base64
import hashlib
import io
from dataclasses import dataclass, field
from email.utils import formatdate
from xml.etree import ElementTree as ET

from defusedxml.ElementTree import fromstring
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

FORM_LIST = "{http://openrosa.org/xforms/xformsList}"
MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"
RESPONSE = "{http://openrosa.org/http/response}"


@dataclass
class ListedForm:
    form_id: str
    name: str
    version: str
    hash: str
    download_url: str
    manifest_url: str | None


@dataclass
class CollectClient:
    client: FlaskClient
    server_url: str = "http://localhost"
    username: str | None = None
    password: str | None = None
    language: str | None = None
    challenged: bool = False  # Collect sends credentials once the server has asked for them
    log: list[tuple[str, str, int]] = field(default_factory=list)

    def headers(self, with_credentials: bool = True) -> dict[str, str]:
        headers = {"X-OpenRosa-Version": "1.0", "Date": formatdate(usegmt=True)}
        if self.language:
            headers["Accept-Language"] = self.language
        if with_credentials and self.challenged and self.username is not None:
            pair = f"{self.username}:{self.password}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        return headers

    def request(self, method: str, url: str, **kwargs) -> TestResponse:
        """One request, answering a 401 Basic challenge once with the credentials, as Collect does."""
        response = self._send(method, url, **kwargs)
        if response.status_code == 401 and not self.challenged and self.username is not None:
            assert response.headers["WWW-Authenticate"].startswith("Basic ")
            self.challenged = True
            response = self._send(method, url, **kwargs)
        return response

    def _send(self, method: str, url: str, data=None, headers=None, **kwargs) -> TestResponse:
        if callable(data):
            data = data()  # multipart bodies are streams: build a fresh one for a retry
        sent = self.headers() | (headers or {})
        response = self.client.open(url, method=method, headers=sent, data=data, **kwargs)
        self.log.append((method, url, response.status_code))
        return response

    def form_list(self, **params: str) -> TestResponse:
        return self.request("GET", f"{self.server_url}/formList", query_string=params)

    def forms(self, **params: str) -> list[ListedForm]:
        response = self.form_list(**params)
        assert response.status_code == 200, response.data
        return parse_form_list(response.data)

    def head_submission(self) -> TestResponse:
        return self.request("HEAD", f"{self.server_url}/submission")

    def submit(self, xml: bytes | str, files: dict[str, bytes] | None = None) -> TestResponse:
        body = xml.encode() if isinstance(xml, str) else xml
        return self.request(
            "POST",
            f"{self.server_url}/submission",
            data=lambda: multipart(body, files or {}),
            content_type="multipart/form-data",
        )


def md5(content: bytes) -> str:
    return hashlib.md5(content, usedforsecurity=False).hexdigest()


def multipart(xml: bytes, files: dict[str, bytes]) -> dict[str, tuple[io.BytesIO, str, str]]:
    """The parts Collect sends: the instance, then each file under its own name."""
    parts = {"xml_submission_file": (io.BytesIO(xml), "submission.xml", "text/xml")}
    for name, content in files.items():
        parts[name] = (
            io.BytesIO(content),
            name,
            "image/jpeg" if name.endswith(".jpg") else "application/octet-stream",
        )
    return parts


def parse_form_list(body: bytes) -> list[ListedForm]:
    root = fromstring(body)
    assert root.tag == f"{FORM_LIST}xforms", root.tag
    return [
        ListedForm(
            form_id=_text(item, f"{FORM_LIST}formID"),
            name=_text(item, f"{FORM_LIST}name"),
            version=_text(item, f"{FORM_LIST}version"),
            hash=_text(item, f"{FORM_LIST}hash"),
            download_url=_text(item, f"{FORM_LIST}downloadUrl"),
            manifest_url=item.findtext(f"{FORM_LIST}manifestUrl"),
        )
        for item in root.findall(f"{FORM_LIST}xform")
    ]


def parse_manifest(body: bytes) -> dict[str, tuple[str, str]]:
    """filename -> (hash, downloadUrl)"""
    root = fromstring(body)
    assert root.tag == f"{MANIFEST}manifest", root.tag
    return {
        _text(item, f"{MANIFEST}filename"): (
            _text(item, f"{MANIFEST}hash"),
            _text(item, f"{MANIFEST}downloadUrl"),
        )
        for item in root.findall(f"{MANIFEST}mediaFile")
    }


def response_message(body: bytes) -> tuple[str, str]:
    """The (nature, text) of an OpenRosaResponse."""
    root = fromstring(body)
    assert root.tag == f"{RESPONSE}OpenRosaResponse", root.tag
    message = root.find(f"{RESPONSE}message")
    assert message is not None
    return message.get("nature") or "", message.text or ""


def _text(item: ET.Element, tag: str) -> str:
    value = item.findtext(tag)
    assert value is not None, f"missing {tag}"
    return value


# Setting up a project, people and devices, straight through the services.


def make_project(app, code: str = "humus", name: str = "HUMUS") -> int:
    from app.extensions import db
    from app.models import Project

    with app.app_context():
        project = Project(code=code, name=name)
        db.session.add(project)
        db.session.commit()
        return project.id


def make_member(app, email: str, role: str, project_id: int | None, org_unit_id: int | None) -> int:
    """A user holding one role in a project (None: all) over an org unit (None: the whole network)."""
    from app import accounts
    from app.extensions import db
    from app.models import OrgUnit, Project
    from tests.conftest import PASSWORD

    with app.app_context():
        user = accounts.create_user(email, PASSWORD)
        unit = db.session.get(OrgUnit, org_unit_id) if org_unit_id else None
        project = db.session.get(Project, project_id) if project_id else None
        accounts.grant_role(user, role, unit, project)
        db.session.commit()
        return user.id


def upload(
    app, user_id: int, project_id: int, markdown: str, filename: str = "form.md", publish: bool = True
) -> int:
    """Upload an inline markdown XLSForm as the user; a new version of an existing form is published too."""
    from app.extensions import db
    from app.models import Project, User
    from app.surveys import services

    with app.app_context():
        user, project = db.session.get(User, user_id), db.session.get(Project, project_id)
        result = services.upload_form(
            user, project, markdown.encode(), filename, publish=publish, confirm=True
        )
        return result.version.form_id


def attach(app, form_id: int, name: str, content: bytes) -> None:
    """Upload a file the published version of a form expects."""
    from app.extensions import db
    from app.models import Form
    from app.surveys import attachments, services

    with app.app_context():
        version = services.published_version(db.session.get(Form, form_id))
        attachments.attach_file(version, name, content)


def device(app, user_id: int, label: str = "tablet", org_unit_id: int | None = None) -> tuple[str, str]:
    """Device credentials for the user: (username, password)."""
    from app.extensions import db
    from app.models import User
    from app.openrosa import credentials

    with app.app_context():
        issued = credentials.issue_credential(db.session.get(User, user_id), label, org_unit_id)
        return issued.credential.username, issued.password
