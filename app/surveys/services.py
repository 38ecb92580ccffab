"""What researchers do with forms: upload an XLSForm, publish a version, find the forms they may see."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import joinedload

from app import audit
from app.cases.entities import ensure_entity_list, link_entity_lists
from app.extensions import db
from app.models import (
    EntityList,
    Form,
    FormAttachment,
    FormVersion,
    Project,
    ReportingCycle,
    User,
    VersionStatus,
    utcnow,
)
from app.permissions import Permission, roles_with
from forms.changes import Change, compare_versions
from forms.errors import FormProblem
from forms.spec import FormSpec
from forms.upload import prepare_form
from forms.xlsform import LoadedForm

_SPECS: dict[str, FormSpec] = {}
# Built once (see published_version_with_attachments): building the loader options costs more than the query.
_PUBLISHED_WITH_ATTACHMENTS = (
    select(FormVersion)
    .where(FormVersion.form_id == bindparam("form_id"), FormVersion.status == VersionStatus.PUBLISHED)
    .options(joinedload(FormVersion.attachments))
)
_versions, _forms = FormVersion.__table__, Form.__table__
_attachments, _cycles = FormAttachment.__table__, ReportingCycle.__table__
# One row per attachment of the published version (one with nulls when it has none).
PUBLISHED_TO_FILL = (  # the rows form_to_fill_or_404 reads: run on every API submission
    select(
        _versions.c.id,
        _versions.c.version,
        _versions.c.status,
        _versions.c.sha256,
        _forms.c.project_id,
        exists().where(_cycles.c.form_id == _forms.c.id),
        _attachments.c.id,
        _attachments.c.name,
        _attachments.c.kind,
        _attachments.c.md5,
        _attachments.c.entity_list_id,
    )
    .join(_forms, _forms.c.id == _versions.c.form_id)
    .outerjoin(_attachments, _attachments.c.form_version_id == _versions.c.id)
    .where(_versions.c.form_id == bindparam("form_id"), _versions.c.status == VersionStatus.PUBLISHED)
    .order_by(_attachments.c.name)
)
_SPEC = select(_versions.c.spec).where(_versions.c.id == bindparam("version_id"))
_CONTENT = select(_attachments.c.content).where(_attachments.c.id == bindparam("attachment_id"))
_MAX_SPECS = 64


class SurveyError(ValueError):
    """A form operation that cannot be done; the message is for the person who asked."""


@dataclass(frozen=True)
class Upload:
    """The outcome of an upload: the new version, the warnings worth showing, what it changes."""

    version: FormVersion
    warnings: tuple[FormProblem, ...]
    created_form: bool
    changes: tuple[Change, ...] = ()


def project_ids(user: User, permission: Permission | None = None) -> set[int] | None:
    """The projects where the user holds a role (granting `permission`, if given); None means all of them."""
    wanted = roles_with(permission) if permission else None
    ids: set[int] = set()
    for assignment in user.assignments:
        if wanted is not None and assignment.role not in wanted:
            continue
        if assignment.project_id is None:
            return None
        ids.add(assignment.project_id)
    return ids


def projects_for(user: User, permission: Permission) -> list[Project]:
    """The projects a user may act in with this permission, by name."""
    ids = project_ids(user, permission)
    query = select(Project).order_by(Project.name)
    if ids is not None:
        query = query.where(Project.id.in_(ids))
    return list(db.session.scalars(query))


def visible_forms(user: User) -> list[Form]:
    """The forms of the projects where the user holds any role."""
    ids = project_ids(user)
    query = select(Form).order_by(Form.title)
    if ids is not None:
        query = query.where(Form.project_id.in_(ids))
    return list(db.session.scalars(query))


def form_or_404(user: User, form_id: int, permission: Permission | None = None) -> Form:
    """A form of a project the user works in; anything else answers 404 like a missing id."""
    form = db.session.get(Form, form_id)
    ids = project_ids(user, permission)
    if form is None or (ids is not None and form.project_id not in ids):
        abort(404)
    return form


@dataclass(frozen=True)
class FormToFill:
    """A form as recording a submission reads it (what its row would give), without the ORM object."""

    id: int
    project_id: int
    has_reporting_cycles: bool


@dataclass(frozen=True)
class AttachmentToFill:
    """A file the published version expects, as the engine's datasets read it; the content and the entity
    list load only when read (the CSV rows are cached by md5, so rarely)."""

    id: int
    name: str
    kind: str
    md5: str | None
    entity_list_id: int | None

    @property
    def content(self) -> bytes | None:
        return db.session.execute(_CONTENT, {"attachment_id": self.id}).scalar_one()

    @property
    def entity_list(self) -> EntityList | None:
        return db.session.get(EntityList, self.entity_list_id) if self.entity_list_id is not None else None


@dataclass(frozen=True)
class VersionToFill:
    """A published version as recording a submission reads it; the spec loads only when spec_of has not
    decoded it already."""

    id: int
    form: FormToFill
    version: str
    status: str
    sha256: str
    attachments: tuple[AttachmentToFill, ...]

    @property
    def form_id(self) -> int:
        return self.form.id

    @property
    def spec(self) -> dict[str, Any]:
        return db.session.execute(_SPEC, {"version_id": self.id}).scalar_one()


def form_to_fill_or_404(
    user: Any, form_id: int, rows: Sequence[Sequence[Any]] | None = None
) -> tuple[Form | FormToFill, VersionToFill | None]:
    """A form of a project the user works in (404 otherwise, as form_or_404), with its published version
    and that version's attachments, read with one plain query (PUBLISHED_TO_FILL), unless the caller read
    its `rows` already: the submissions API runs this for every submission and needs no ORM object.
    Without a published version, the Form row itself and None."""
    if rows is None:
        rows = db.session.connection().execute(PUBLISHED_TO_FILL, {"form_id": form_id}).all()
    if not rows:
        return form_or_404(user, form_id), None
    version_id, version, status, sha256, project_id, has_cycles = rows[0][:6]
    ids = project_ids(user)
    if ids is not None and project_id not in ids:
        abort(404)
    attached = sorted((row[6:] for row in rows if row[6] is not None), key=lambda row: row[1])
    form = FormToFill(form_id, project_id, bool(has_cycles))
    attachments = tuple(AttachmentToFill(*row) for row in attached)
    return form, VersionToFill(version_id, form, version, status, sha256, attachments)


def can_design(user: User, form: Form) -> bool:
    ids = project_ids(user, Permission.DESIGN_FORMS)
    return ids is None or form.project_id in ids


def published_version(form: Form) -> FormVersion | None:
    return next((v for v in reversed(form.versions) if v.status == VersionStatus.PUBLISHED), None)


def published_version_with_attachments(form: Form) -> FormVersion | None:
    """The published version and its attachments in one query, for the paths that run on every submission
    (loading all of the form's versions, then the attachments, would take two)."""
    return db.session.scalars(_PUBLISHED_WITH_ATTACHMENTS, {"form_id": form.id}).unique().first()


def upload_form(
    user: User, project: Project, data: bytes, filename: str, publish: bool = False, confirm: bool = False
) -> Upload:
    """Convert an XLSForm and store it as a new version of its form; raise FormDefinitionError or SurveyError.

    A brand-new form is published at once so it can be filled; a new version of an existing form stays a
    draft until published, unless `publish` asks for it.
    """
    prepared = prepare_form(data, filename)
    loaded = prepared.loaded
    form, created = _form_for(project, loaded, user)
    try:
        version = _new_version(form, loaded, prepared.spec, data, filename, user)
    except SurveyError:
        db.session.rollback()  # the form's new title, or the new form itself, must not linger
        raise
    ensure_entity_list(project.id, prepared.spec)
    link_entity_lists(project.id, version.attachments)
    audit.record("form.uploaded", form, version=version.version, filename=filename)
    changes = tuple(version_changes(version, prepared.spec))
    if created or (publish and (confirm or not any(c.reshapes for c in changes))):
        _publish(version)
    db.session.commit()
    return Upload(version, prepared.warnings, created, changes)


def _form_for(project: Project, loaded: LoadedForm, user: User) -> tuple[Form, bool]:
    form = db.session.scalars(
        select(Form).where(Form.project_id == project.id, Form.xml_form_id == loaded.form_id)
    ).first()
    if form is not None:
        form.title = loaded.title
        return form, False
    form = Form(project=project, xml_form_id=loaded.form_id, title=loaded.title, created_by_id=user.id)
    db.session.add(form)
    return form, True


def _new_version(
    form: Form, loaded: LoadedForm, spec: FormSpec, data: bytes, filename: str, user: User
) -> FormVersion:
    version_string = loaded.version or utcnow().strftime("%Y%m%d%H%M%S")
    if any(v.version == version_string for v in form.versions):
        raise SurveyError(
            _(
                "Version %(version)s of this form already exists: change the version in the settings sheet "
                "and upload it again.",
                version=version_string,
            )
        )
    version = FormVersion(
        form=form,
        version=version_string,
        xlsform=data,
        xlsform_filename=filename[:255],
        xform=loaded.xform,
        spec=spec.to_dict(),
        sha256=hashlib.sha256(loaded.xform.encode()).hexdigest(),
        created_by_id=user.id,
    )
    for expected in loaded.attachments_expected:
        version.attachments.append(FormAttachment(name=expected.filename, kind=expected.kind))
    db.session.add(version)
    db.session.flush()
    return version


def version_changes(version: FormVersion, spec: FormSpec | None = None) -> list[Change]:
    """What a draft changes against the published version (nothing for the first version)."""
    current = published_version(version.form)
    if current is None or current is version:
        return []
    return compare_versions(spec_of(current), spec or spec_of(version))


def publish_version(user: User, version: FormVersion, confirm: bool = False) -> None:
    """Make a draft the version served to operators; the previous one is kept, superseded.

    A draft that would reshape stored data needs `confirm`: the person publishing has seen the changes.
    """
    if version.status != VersionStatus.DRAFT:
        raise SurveyError(_("Only a draft can be published."))
    if not confirm and any(c.reshapes for c in version_changes(version)):
        raise SurveyError(
            _("This version changes the shape of data already collected: confirm to publish it.")
        )
    _publish(version)
    audit.record("form.published", version.form, version=version.version, actor=user)
    db.session.commit()


def _publish(version: FormVersion) -> None:
    current = published_version(version.form)
    if current is not None and current is not version:
        current.status = VersionStatus.SUPERSEDED
    version.status = VersionStatus.PUBLISHED
    version.published_at = utcnow()


def spec_of(version: FormVersion) -> FormSpec:
    """The FormSpec of a version, decoded once per process and shared: the engine caches its compiled logic
    per spec object. Keyed by the XForm's digest, since the spec is read from the XForm alone."""
    spec = _SPECS.get(version.sha256)
    if spec is None:
        spec = _SPECS[version.sha256] = FormSpec.from_dict(version.spec)
        while len(_SPECS) > _MAX_SPECS:
            _SPECS.pop(next(iter(_SPECS)))
    return spec


def version_or_404(form: Form, version_id: int) -> FormVersion:
    version = next((v for v in form.versions if v.id == version_id), None)
    if version is None:
        abort(404)
    return version


def project_by_reference(user: User, reference: str | None) -> Project:
    """The project named by code or id, or the only one the user may design forms in."""
    allowed = projects_for(user, Permission.DESIGN_FORMS)
    if reference:
        found = [p for p in allowed if reference in (p.code, str(p.id))]
        if not found:
            raise SurveyError(_("Unknown project, or one where you cannot upload forms: %(p)s.", p=reference))
        return found[0]
    if len(allowed) == 1:
        return allowed[0]
    if not allowed:
        raise SurveyError(_("You cannot upload forms in any project."))
    raise SurveyError(_("Say which project the form belongs to."))


def form_now() -> datetime:
    """The time forms see: now, in the service's time zone (BABEL_DEFAULT_TIMEZONE, Europe/Rome), so that
    today() is the operator's date and not UTC's, which is still yesterday until 01:00 or 02:00 in Italy."""
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
