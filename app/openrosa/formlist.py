"""The OpenRosa form list: which forms a device user may fill, and the xformsList XML that names them."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from xml.etree import ElementTree as ET  # noqa: S405 - only builds XML; nothing is parsed here

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Form, FormVersion, User, VersionStatus
from app.openrosa import manifest
from app.permissions import Permission
from app.surveys.services import project_ids, spec_of

FORM_LIST_NS = "http://openrosa.org/xforms/xformsList"
_MD5_BY_SHA256: dict[str, str] = {}
_MAX_CACHED = 256
# A device may fetch the form it answered even after a newer version was published, never a draft.
SERVED_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)


@dataclass(frozen=True)
class ListedForm:
    form: Form
    version: FormVersion
    title: str
    md5: str
    has_media: bool


def fillable_forms(
    user: User, project_id: int | None = None, xml_form_id: str | None = None
) -> list[ListedForm]:
    """The published forms the user may fill in (in one project, or one form, when asked), by title."""
    query = (
        select(Form, FormVersion)
        .join(FormVersion, FormVersion.form_id == Form.id)
        .where(FormVersion.status == VersionStatus.PUBLISHED)
        .options(selectinload(Form.project), selectinload(FormVersion.attachments))
    )
    allowed = project_ids(user, Permission.FILL_FORMS)
    if allowed is not None:
        query = query.where(Form.project_id.in_(allowed))
    if project_id is not None:
        query = query.where(Form.project_id == project_id)
    if xml_form_id is not None:
        query = query.where(Form.xml_form_id == xml_form_id)
    listed = (_listed(user, form, version) for form, version in db.session.execute(query))
    return sorted(
        (entry for entry in listed if entry is not None), key=lambda e: (e.title.lower(), e.form.id)
    )


def _listed(user: User, form: Form, version: FormVersion) -> ListedForm | None:
    spec = spec_of(version)
    if spec.submission.encrypted:
        return None  # the server could not read, let alone validate, what the phone would send
    return ListedForm(
        form, version, spec.title or form.title, xform_md5(version), manifest.has_media(user, version)
    )


def served_version(user: User, form_id: int, version_id: int) -> FormVersion | None:
    """A published (or formerly published) version of a form the user may fill in; None otherwise."""
    version = db.session.get(FormVersion, version_id)
    if version is None or version.form_id != form_id or version.status not in SERVED_STATUSES:
        return None
    allowed = project_ids(user, Permission.FILL_FORMS)
    return version if allowed is None or version.form.project_id in allowed else None


def xform_md5(version: FormVersion) -> str:
    """The md5 of the XForm exactly as served, computed once per process (the XForm never changes)."""
    digest = _MD5_BY_SHA256.get(version.sha256)
    if digest is None:
        # OpenRosa names md5: a change detector for Collect, not a security measure.
        digest = hashlib.md5(version.xform.encode(), usedforsecurity=False).hexdigest()
        _MD5_BY_SHA256[version.sha256] = digest
        while len(_MD5_BY_SHA256) > _MAX_CACHED:
            _MD5_BY_SHA256.pop(next(iter(_MD5_BY_SHA256)))
    return digest


def form_list_xml(entries: Iterable[ListedForm], verbose: bool = False) -> bytes:
    """The xformsList document of the OpenRosa Form List API, with absolute download URLs."""
    root = ET.Element("xforms", {"xmlns": FORM_LIST_NS})
    for entry in entries:
        item = ET.SubElement(root, "xform")
        _text(item, "formID", entry.form.xml_form_id)
        _text(item, "name", entry.title)
        _text(item, "version", entry.version.version)
        _text(item, "hash", f"md5:{entry.md5}")
        if verbose:
            _text(item, "descriptionText", entry.form.project.name)
        ids = {"form_id": entry.form.id, "version_id": entry.version.id}
        _text(item, "downloadUrl", url_for("openrosa.download_form", **ids, _external=True))
        if entry.has_media:
            _text(item, "manifestUrl", url_for("openrosa.form_manifest", **ids, _external=True))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _text(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, tag).text = value
