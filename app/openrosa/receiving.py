"""Reading an OpenRosa submission POST: the instance XML part and the files beside it, within size limits.

Werkzeug's multipart parser already spools every file part larger than 500 KB to a temporary file, so a
photo never sits whole in memory while the request is parsed; here each file is measured and hashed by
chunks from that spool, and refused past the size limit before anything is stored.
"""

import hashlib
import mimetypes
from dataclasses import dataclass
from typing import IO

from flask import current_app, request
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from app.openrosa.responses import accept_content_length

XML_PART = "xml_submission_file"
_CHUNK = 64 * 1024


class ReceivingError(Exception):
    """A submission request that cannot be read; the message goes back to the phone."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class IncomingFile:
    """A file part, measured and hashed, still in its (spooled) stream until it is stored."""

    name: str
    content_type: str
    size: int
    md5: str
    stream: IO[bytes]

    def read(self) -> bytes:
        self.stream.seek(0)
        return self.stream.read()


@dataclass(frozen=True)
class Received:
    xml: bytes
    files: dict[str, IncomingFile]


def max_attachment_bytes() -> int:
    return int(current_app.config.get("OPENROSA_MAX_ATTACHMENT_BYTES") or accept_content_length())


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def read_submission() -> Received:
    """The parts of the current request; raise ReceivingError for a body that is not a submission.

    Reading `request.files` raises RequestEntityTooLarge for a body over MAX_CONTENT_LENGTH.
    """
    if request.mimetype != "multipart/form-data":
        raise ReceivingError(
            _("Send the submission as multipart/form-data, the instance in xml_submission_file.")
        )
    limit = max_attachment_bytes()
    files = {
        name: _measured(name, storage, limit)
        for name, storage in request.files.items(multi=True)
        if name != XML_PART
    }
    return Received(_instance_xml(), files)


def _instance_xml() -> bytes:
    part = request.files.get(XML_PART)
    if part is not None:
        return part.read()
    text = request.form.get(XML_PART)
    if text:
        return text.encode()
    raise ReceivingError(_("The submission has no xml_submission_file part."))


def _measured(name: str, storage: FileStorage, limit: int) -> IncomingFile:
    digest = hashlib.md5(usedforsecurity=False)
    size = 0
    while chunk := storage.stream.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            message = _("The file %(name)s is larger than %(size)s MB.", name=name, size=megabytes(limit))
            raise ReceivingError(message, 413)
        digest.update(chunk)
    content_type = storage.mimetype or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return IncomingFile(name, content_type[:127], size, digest.hexdigest(), storage.stream)
