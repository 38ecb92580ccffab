"""Files a form version references: uploading them, and reading CSV datasets for the engine."""

import csv
import hashlib
import io

from flask_babel import gettext as _

from app import audit
from app.cases.datasets import entity_datasets
from app.extensions import db
from app.models import FormAttachment, FormVersion, User, utcnow
from app.registry.datasets import registry_datasets

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_ROWS: dict[str, list[dict[str, str]]] = {}  # by content md5: attachments never change once stored


class AttachmentError(ValueError):
    """An attachment that cannot be stored; the message is for the person who sent it."""


def attach_file(version: FormVersion, name: str, content: bytes) -> FormAttachment:
    """Store the content of a file the version expects; CSV datasets must be UTF-8 and well-formed."""
    attachment = next((a for a in version.attachments if a.name == name), None)
    if attachment is None:
        raise AttachmentError(_("This version does not use a file called %(name)s.", name=name))
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise AttachmentError(_("The file is larger than 10 MB."))
    if attachment.kind == "csv":
        _check_not_disguised(content)
        _rows(content)  # refuse a broken dataset now, not when someone fills the form
    attachment.content = content
    attachment.md5 = hashlib.md5(content, usedforsecurity=False).hexdigest()
    attachment.size = len(content)
    attachment.uploaded_at = utcnow()
    audit.record("form.attachment_uploaded", version.form, version=version.version, name=name)
    db.session.commit()
    return attachment


def csv_datasets(version: FormVersion) -> dict[str, list[dict[str, str]]]:
    """The version's uploaded CSV attachments as rows, keyed by file name, for the engine."""
    datasets = {}
    for attachment in version.attachments:
        # md5 is set with the content: checking it first leaves the deferred content unread when cached.
        if attachment.kind == "csv" and attachment.md5:
            rows = _ROWS.get(attachment.md5)
            if rows is None and attachment.content is not None:
                rows = _ROWS[attachment.md5] = _rows(attachment.content)
            if rows is None:
                continue
            datasets[attachment.name] = rows
    return datasets


def form_datasets(user: User, version: FormVersion, project_id: int) -> dict[str, list[dict[str, str]]]:
    """Every CSV dataset the engine reads for `user`: the uploaded files, the entity lists (the cases in the
    user's scope) and the services registry (servizi.csv, app/registry/datasets.py) the version reads."""
    return {
        **csv_datasets(version),
        **registry_datasets(user, version),
        **entity_datasets(user, version, project_id),
    }


# What a web page, an XML file or a PDF starts with: none is a CSV dataset, whatever its name says.
_NOT_CSV = (b"<", b"%PDF-")


def _check_not_disguised(content: bytes) -> None:
    start = content.removeprefix(b"\xef\xbb\xbf").lstrip()[:8]
    if start.startswith(_NOT_CSV):
        raise AttachmentError(
            _("This file is a web page, an XML file or a PDF, not a CSV dataset: export the table as CSV.")
        )


def _rows(content: bytes) -> list[dict[str, str]]:
    try:
        text = content.decode("utf-8-sig")
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = [dict(row) for row in reader]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise AttachmentError(_("The CSV file is not valid UTF-8 CSV: %(reason)s", reason=str(exc))) from exc
    if not reader.fieldnames:
        raise AttachmentError(_("A CSV dataset needs a header row naming its columns."))
    return rows
