"""Accepting an OpenRosa submission: the form and version it answers, recorded once, with its files.

Which version: the one named by the instance's `version` attribute, if it is the published version or one
published before (a phone may hold an older version for days offline, as ODK Central also accepts); never a
draft. The engine validates every submission; whatever it refuses stays on the phone with the message.
"""

from dataclasses import dataclass
from xml.etree import ElementTree as ET  # noqa: S405 - for ParseError; parsing goes through defusedxml

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import DeviceCredential, Form, FormVersion, User
from app.openrosa import editing
from app.openrosa.formlist import SERVED_STATUSES
from app.openrosa.receiving import Received
from app.openrosa.submission_files import expected_names, store_files
from app.permissions import Permission
from app.surveys import submissions as recording
from app.surveys.services import project_ids, published_version, spec_of
from forms.instance import InstanceDataError, instance_from_xml
from forms.spec import FormSpec

_MAX_PROBLEMS_SHOWN = 5


class Refusal(Exception):
    """The submission is refused; the message goes back to the phone, which keeps the data."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Accepted:
    submission_id: int
    instance_id: str
    created: bool  # False: the same submission again (perhaps bringing more of its files)
    files: tuple[str, ...]


def accept(credential: DeviceCredential, project_id: int | None, received: Received, lang: str) -> Accepted:
    """Record a submission sent with these device credentials; raise Refusal with what to tell the phone."""
    user = credential.user
    xml_form_id, version_string = _identity(received.xml)
    form = _form(user, project_id, xml_form_id)
    version = _version(form, version_string)
    spec = spec_of(version)
    if spec.submission.encrypted:
        raise Refusal(
            _("Encrypted forms cannot be received: the server must read the answers to check them."), 422
        )
    root = _instance(spec, received.xml, lang)
    deprecated_id = editing.take_deprecated_id(spec, root)
    names = expected_names(spec, root)
    recorded = _record(credential, form, version, root, deprecated_id, lang)
    previous = editing.stored_submission(form, deprecated_id) if deprecated_id and recorded.created else None
    stored = store_files(
        user, recorded.submission_id, names, received.files, previous.id if previous else None
    )
    return Accepted(recorded.submission_id, recorded.instance_id, recorded.created, tuple(stored))


def _identity(xml: bytes) -> tuple[str, str]:
    try:
        root = fromstring(xml, forbid_dtd=True)
    except DefusedXmlException:
        raise Refusal(_("A submission may not declare a DTD or entities."), 400) from None
    except ET.ParseError:
        raise Refusal(_("The submission is not well-formed XML."), 400) from None
    form_id = root.get("id")
    if not form_id:
        raise Refusal(_("The submission does not say which form it answers (no id on its root)."), 400)
    return form_id, root.get("version") or ""


def _form(user: User, project_id: int | None, xml_form_id: str) -> Form:
    query = select(Form).where(Form.xml_form_id == xml_form_id)
    allowed = project_ids(user, Permission.FILL_FORMS)
    if allowed is not None:
        query = query.where(Form.project_id.in_(allowed))
    if project_id is not None:
        query = query.where(Form.project_id == project_id)
    forms = list(db.session.scalars(query.limit(2)))
    if not forms:
        message = _("There is no form “%(form)s” that you may fill in here.", form=xml_form_id)
        raise Refusal(message, 404)
    if len(forms) > 1:
        message = _(
            "Several projects have a form “%(form)s”: in ODK Collect, use the server URL of the project.",
            form=xml_form_id,
        )
        raise Refusal(message, 409)
    return forms[0]


def _version(form: Form, version_string: str) -> FormVersion:
    served = [v for v in form.versions if v.status in SERVED_STATUSES]
    version = next((v for v in served if v.version == version_string), None)
    if version is None and not version_string:
        version = published_version(form)  # a form without a version in its settings
    if version is None:
        message = _(
            "Version %(version)s of the form “%(form)s” is not accepted: get the current version with "
            "“Download form” and fill it in again.",
            version=version_string,
            form=form.xml_form_id,
        )
        raise Refusal(message, 404)
    return version


def _instance(spec: FormSpec, xml: bytes, lang: str) -> ET.Element:
    try:
        return instance_from_xml(spec, xml)
    except InstanceDataError as exc:
        italian = lang.startswith("it")
        problems = [f"{_field(path)}: {it if italian else en}" for path, en, it in exc.problems]
        raise Refusal(_listing(problems), 400) from None


def _record(
    credential: DeviceCredential,
    form: Form,
    version: FormVersion,
    root: ET.Element,
    deprecated_id: str | None,
    lang: str,
) -> recording.Recorded:
    user = credential.user
    unit_code = credential.org_unit.code if credential.org_unit else None
    try:
        if deprecated_id:
            return editing.record_edit(user, form, version, root, deprecated_id, lang)
        return recording.record_instance(user, form, root, unit_code, lang, version=version)
    except recording.SubmissionInvalid as exc:
        raise Refusal(_listing([f"{_field(e.field)}: {e.message}" for e in exc.errors]), 422) from None
    except recording.SubmissionConflict as exc:
        raise Refusal(str(exc), 409) from None
    except recording.SubmissionRefused as exc:
        if exc.field == "org_unit" and unit_code is None:
            message = _(
                "These device credentials do not say which org unit the records belong to: create "
                "credentials for the org unit you work in, and use them in ODK Collect."
            )
            raise Refusal(message, exc.status) from None
        raise Refusal(str(exc), exc.status) from None


def _listing(problems: list[str]) -> str:
    shown = "; ".join(problems[:_MAX_PROBLEMS_SHOWN])
    more = len(problems) - _MAX_PROBLEMS_SHOWN
    if more > 0:
        shown += " " + _("(and %(n)d more)", n=more)
    return _("The form was not accepted: %(problems)s", problems=shown)


def _field(path: str) -> str:
    """A field path without its root, as a person reads it: /data/visit/age becomes visit/age."""
    parts = path.strip("/").split("/", 1)
    return parts[1] if len(parts) > 1 else path
