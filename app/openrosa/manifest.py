"""The OpenRosa manifest of a form version: its media files and datasets, with md5 hashes, and their content.

Three sources feed it. Form attachments (CSV datasets, images, audio) are the same for everyone. The services
registry's servizi.csv and entity-list CSVs — the cartella sociale's minors — differ per user, filtered to
their scope, each with the md5 of that filtered file so ODK Collect downloads it again only when it changed.
"""

import mimetypes
from dataclasses import dataclass
from xml.etree import ElementTree as ET  # noqa: S405 - only builds XML; nothing is parsed here

from flask import url_for

from app.cases.datasets import entity_list_csvs
from app.models import FormVersion, User
from app.registry.datasets import registry_files

MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"


@dataclass(frozen=True)
class MediaFile:
    filename: str
    md5: str
    download_url: str


@dataclass(frozen=True)
class MediaContent:
    content: bytes
    md5: str
    mimetype: str


def has_media(user: User, version: FormVersion) -> bool:
    """Whether the form list should give this version a manifest URL."""
    return bool(version.attachments) or bool(entity_list_files(user, version))


def media_files(user: User, version: FormVersion) -> list[MediaFile]:
    """What the device must hold to fill the version: uploaded attachments, the services registry's
    servizi.csv for this user, then the user's entity lists."""
    files = [
        MediaFile(a.name, a.md5, _download_url(version, a.name))
        for a in version.attachments
        if a.md5 is not None  # expected but not uploaded yet: nothing to download
    ]
    registry = [
        MediaFile(name, found.md5, _download_url(version, name))
        for name, found in registry_files(user, version).items()
    ]
    return files + registry + entity_list_files(user, version)


def media_content(user: User, version: FormVersion, name: str) -> MediaContent | None:
    """The content of one file the manifest lists, or None when it lists no such file."""
    attachment = next((a for a in version.attachments if a.name == name and a.md5 is not None), None)
    if attachment is not None and attachment.content is not None:
        return MediaContent(attachment.content, attachment.md5 or "", _mimetype(name))
    registry = registry_files(user, version).get(name)
    if registry is not None:
        return MediaContent(registry.csv, registry.md5, "text/csv")
    return entity_list_content(user, version, name)


def entity_list_files(user: User, version: FormVersion) -> list[MediaFile]:
    """The CSVs of the entity lists the version reads, with only the entities inside the user's scope."""
    lists = entity_list_csvs(user, version, version.form.project_id)
    return [MediaFile(name, scoped.md5, _download_url(version, name)) for name, scoped in lists.items()]


def entity_list_content(user: User, version: FormVersion, name: str) -> MediaContent | None:
    """The filtered CSV of one entity list, built for this user."""
    scoped = entity_list_csvs(user, version, version.form.project_id).get(name)
    return MediaContent(scoped.csv, scoped.md5, "text/csv") if scoped is not None else None


def manifest_xml(files: list[MediaFile]) -> bytes:
    """The xformsManifest document of the OpenRosa Form Discovery API."""
    root = ET.Element("manifest", {"xmlns": MANIFEST_NS})
    for media in files:
        item = ET.SubElement(root, "mediaFile")
        ET.SubElement(item, "filename").text = media.filename
        ET.SubElement(item, "hash").text = f"md5:{media.md5}"
        ET.SubElement(item, "downloadUrl").text = media.download_url
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _download_url(version: FormVersion, name: str) -> str:
    ids = {"form_id": version.form_id, "version_id": version.id}
    return url_for("openrosa.download_media", **ids, name=name, _external=True)


def _mimetype(name: str) -> str:
    guessed, _encoding = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"
