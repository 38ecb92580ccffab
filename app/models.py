"""Every table of Humus, in SQLAlchemy 2 typed style."""

import enum
import uuid
from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    DDL,
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    exists,
    func,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.extensions import db


def utcnow() -> datetime:
    # Stored naive in UTC so SQLite and PostgreSQL round-trip the same value.
    return datetime.now(UTC).replace(tzinfo=None)


class OrgUnitKind(enum.StrEnum):
    REGION = "region"
    PROVINCE = "province"
    AMBITO = "ambito"
    COMUNE = "comune"
    AGENCY = "agency"
    SERVICE = "service"


class Role(enum.StrEnum):
    ADMIN = "admin"
    RESEARCHER = "researcher"
    OPERATOR = "operator"
    EVALUATOR = "evaluator"
    VIEWER = "viewer"


def _enum_check(name: str, column: str, values: type[enum.StrEnum]) -> CheckConstraint:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name)


class Project(db.Model):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrgUnit(db.Model):
    """A node of the territory: region, province, Ambito, comune, agency or service."""

    __tablename__ = "org_units"
    __table_args__ = (_enum_check("kind", "kind", OrgUnitKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # "/<root id>/<child id>/.../<own id>/": a subtree is every path starting with a node's path.
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped["OrgUnit | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["OrgUnit"]] = relationship(back_populates="parent", order_by="OrgUnit.name")

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def __repr__(self) -> str:
        return f"<OrgUnit {self.kind} {self.code} {self.name!r}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique whatever the case, in the database too: two concurrent sign-ups cannot both win.
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    assignments: Mapped[list["RoleAssignment"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Set by the session loader: Flask-Login keeps this token, not the user id, in the cookie.
    session_token = None  # type: str | None (instance attribute, not a column)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def roles(self) -> set[str]:
        return {a.role for a in self.assignments}


class RoleAssignment(db.Model):
    """A role held over an org unit and its whole subtree, in one project or (project null) in all."""

    __tablename__ = "role_assignments"
    __table_args__ = (_enum_check("role", "role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    # Null means the whole network, above every root of the territory.
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    role: Mapped[str] = mapped_column(String(16))

    user: Mapped[User] = relationship(back_populates="assignments")
    project: Mapped[Project | None] = relationship()
    org_unit: Mapped[OrgUnit | None] = relationship()


class UserSession(db.Model):
    """A server-side login session; deleting or revoking it logs the browser out at once."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """One failed sign-in, kept briefly for throttling (the email is stored as a keyed hash)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class AuditEvent(db.Model):
    """Append-only record of who did what, to what, when and from where."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(64), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    ip: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()
    org_unit: Mapped[OrgUnit | None] = relationship()


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"  # can be test-filled; its test submissions never mix with real data
    PUBLISHED = "published"  # the version served to operators
    SUPERSEDED = "superseded"  # was published once; its submissions keep pointing at it


class ReviewState(enum.StrEnum):
    RECEIVED = "received"
    EDITED = "edited"
    HAS_ISSUES = "has_issues"
    APPROVED = "approved"
    REJECTED = "rejected"


class Form(db.Model):
    """A questionnaire of a project; its content lives in immutable versions."""

    __tablename__ = "forms"
    __table_args__ = (UniqueConstraint("project_id", "xml_form_id", name="project_form"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    xml_form_id: Mapped[str] = mapped_column(String(255))  # the XForm's id attribute
    title: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    project: Mapped[Project] = relationship()
    versions: Mapped[list["FormVersion"]] = relationship(
        back_populates="form", order_by="FormVersion.id", cascade="all, delete-orphan"
    )


class FormVersion(db.Model):
    """One upload of a form: the XLSForm verbatim, its XForm and the FormSpec read from it. Never changes."""

    __tablename__ = "form_versions"
    __table_args__ = (
        UniqueConstraint("form_id", "version", name="form_version"),
        _enum_check("status", "status", VersionStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id"), index=True)
    version: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=VersionStatus.DRAFT)
    # The three large columns load only when read: listing versions or finding the published one
    # must not pull every upload's file, XForm and spec.
    xlsform: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    xlsform_filename: Mapped[str] = mapped_column(String(255))
    xform: Mapped[str] = mapped_column(Text, deferred=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))  # of the XForm, as OpenRosa manifests expect
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None]

    form: Mapped[Form] = relationship(back_populates="versions")
    attachments: Mapped[list["FormAttachment"]] = relationship(
        back_populates="form_version", order_by="FormAttachment.name", cascade="all, delete-orphan"
    )


class FormAttachment(db.Model):
    """A file a form version references (a CSV for select_one_from_file or pulldata, an image...)."""

    __tablename__ = "form_attachments"
    __table_args__ = (UniqueConstraint("form_version_id", "name", name="version_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_versions.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))  # file, image, audio, video, csv, xml
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # None until uploaded
    md5: Mapped[str | None] = mapped_column(String(32))
    size: Mapped[int | None]
    uploaded_at: Mapped[datetime | None]
    # The entity list served under this name while no file is uploaded (the cartella sociale's minori.csv).
    entity_list_id: Mapped[int | None] = mapped_column(ForeignKey("entity_lists.id"))

    form_version: Mapped[FormVersion] = relationship(back_populates="attachments")
    entity_list: Mapped["EntityList | None"] = relationship()


class Submission(db.Model):
    """A filled form: the XForm instance XML is the record, `data` its JSON projection for queries."""

    __tablename__ = "submissions"
    __table_args__ = (
        # The database, not a check-then-insert, guarantees one row per instanceID and form.
        UniqueConstraint("form_id", "instance_id", name="form_instance"),
        _enum_check("review_state", "review_state", ReviewState),
        # The table pages a form's submissions newest first: without it SQLite sorts every row (2 s at 100k).
        # It and form_instance both begin with form_id, so form_id needs no index of its own.
        Index("ix_submissions_form_created", "form_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id"))
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_versions.id"), index=True)
    instance_id: Mapped[str] = mapped_column(String(255))
    # An edit is a new row whose deprecated_id names the instanceID it replaces (ODK's deprecatedID).
    deprecated_id: Mapped[str | None] = mapped_column(String(255))
    current: Mapped[bool] = mapped_column(default=True)
    xml: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    test: Mapped[bool] = mapped_column(default=False)  # filled against a draft version
    review_state: Mapped[str] = mapped_column(String(16), default=ReviewState.RECEIVED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    deleted_at: Mapped[datetime | None]

    form: Mapped[Form] = relationship()
    form_version: Mapped[FormVersion] = relationship()
    org_unit: Mapped[OrgUnit | None] = relationship()
    submitter: Mapped[User | None] = relationship()


# A stored instance (2-3 kB of XML, then its JSON) is compressed by PostgreSQL. lz4 (PostgreSQL 14 and later,
# when built with it, as Debian's is) does that in a fraction of the default pglz's time, and reads it back
# faster too: every submission pays the first, every statistic and export the second. Elsewhere a no-op.
# The version is asked first: before 14 the statement is a syntax error, which plpgsql raises as it compiles
# the block, before any EXCEPTION clause could catch it; a server built without lz4 raises at run time.
SUBMISSIONS_LZ4 = """DO $$ BEGIN
ALTER TABLE submissions ALTER COLUMN xml SET COMPRESSION lz4, ALTER COLUMN data SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN NULL; END $$"""


def has_column_compression(dialect: Any) -> bool:
    """Whether the database takes SET COMPRESSION on a column: PostgreSQL 14 and later."""
    return dialect.name == "postgresql" and (dialect.server_version_info or (0,)) >= (14,)


event.listen(
    Submission.__table__,
    "after_create",
    DDL(SUBMISSIONS_LZ4).execute_if(callable_=lambda *_args, dialect, **_kw: has_column_compression(dialect)),
)


class SubmissionDraft(db.Model):
    """A web form filled in part and saved to finish later; private to the user who saved it."""

    __tablename__ = "submission_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id"), index=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_versions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    instance_id: Mapped[str] = mapped_column(String(255), unique=True)  # kept when it is finally submitted
    xml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    form: Mapped[Form] = relationship()
    form_version: Mapped[FormVersion] = relationship()


# Expression indexes, declared after the classes so they can name their columns.
Index("uq_users_email_lower", func.lower(User.email), unique=True)
# NULL means "all projects" or "whole network"; coalesce so that a NULL repeats like any value.
Index(
    "uq_role_assignments_scope",
    RoleAssignment.user_id,
    func.coalesce(RoleAssignment.project_id, 0),
    func.coalesce(RoleAssignment.org_unit_id, 0),
    RoleAssignment.role,
    unique=True,
)


class DeviceCredential(db.Model):
    """A username and password that ODK Collect sends (HTTP Basic) on behalf of a user; revocable."""

    __tablename__ = "device_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2, like the users' passwords
    # The unit the device files records under, for users who fill forms for more than one.
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    org_unit: Mapped[OrgUnit | None] = relationship()


class SubmissionAttachment(db.Model):
    """A file sent with a submission (a photo, a signature, an audio note), named in its instance XML."""

    __tablename__ = "submission_attachments"
    __table_args__ = (UniqueConstraint("submission_id", "name", name="submission_file"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int]
    md5: Mapped[str] = mapped_column(String(32))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship()


class SubmissionEventKind(enum.StrEnum):
    REVIEW = "review"  # a review state was set (review_state says which)
    COMMENT = "comment"
    EDIT = "edit"  # a new version of the answers replaced the previous one
    DELETE = "delete"  # moved to the trash
    RESTORE = "restore"  # taken back out of the trash


class SubmissionEvent(db.Model):
    """What happened to a submission after it arrived: review states, comments, edits, trash and restore."""

    __tablename__ = "submission_events"
    __table_args__ = (
        _enum_check("kind", "kind", SubmissionEventKind),
        _enum_check("review_state", "review_state IS NULL OR review_state", ReviewState),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Events follow the instance across edits: an edit's new row has a new id, the chain keeps its first one.
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    review_state: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")

    submission: Mapped[Submission] = relationship()
    actor: Mapped[User | None] = relationship()


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(db.Model):
    """Long work done in the background (exports; later imports, model training, reports), with progress."""

    __tablename__ = "jobs"
    __table_args__ = (_enum_check("status", "status", JobStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED, index=True)
    done: Mapped[int] = mapped_column(default=0)  # progress: units done out of `total`
    total: Mapped[int | None]
    message: Mapped[str] = mapped_column(Text, default="")  # why it failed, for the person who asked
    result_name: Mapped[str | None] = mapped_column(String(255))  # the download's file name
    result_path: Mapped[str | None] = mapped_column(String(500))  # relative to the instance folder
    result_size: Mapped[int | None]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class EntityList(db.Model):
    """An ODK entity list of a project (cartella sociale: `minori`), its properties in first-seen order."""

    __tablename__ = "entity_lists"
    __table_args__ = (UniqueConstraint("project_id", "name", name="project_entity_list"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    properties: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship()


class Entity(db.Model):
    """One entity (a case) at its current version, owned by an org unit: its scope.

    `identity` holds the direct identifiers (name, surname, codice fiscale, address), encrypted with the
    key from the environment; `pseudonym` is the keyed hash of the person, the only key statistics and
    exports for other scopes ever see."""

    __tablename__ = "entities"
    __table_args__ = (
        UniqueConstraint("entity_list_id", "uuid", name="entity_list_uuid"),
        Index("ix_entities_list_unit", "entity_list_id", "org_unit_id"),
        Index("ix_entities_list_pseudonym", "entity_list_id", "pseudonym"),
        # The case list pages a list's cases most recently changed first.
        Index("ix_entities_list_updated", "entity_list_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_list_id: Mapped[int] = mapped_column(ForeignKey("entity_lists.id"))
    uuid: Mapped[str] = mapped_column(String(36))
    label: Mapped[str] = mapped_column(String(255), default="")
    version: Mapped[int] = mapped_column(default=1)
    properties: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    pseudonym: Mapped[str | None] = mapped_column(String(32))
    identity: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    conflict: Mapped[str | None] = mapped_column(String(8))  # "soft" or "hard" until someone reviews it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    entity_list: Mapped[EntityList] = relationship()
    org_unit: Mapped[OrgUnit | None] = relationship()
    versions: Mapped[list["EntityVersion"]] = relationship(
        back_populates="entity", order_by="EntityVersion.version", cascade="all, delete-orphan"
    )


class EntityVersion(db.Model):
    """One version of an entity, with what made it: a submission, an import or an edit on the case page."""

    __tablename__ = "entity_versions"
    __table_args__ = (UniqueConstraint("entity_id", "version", name="entity_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    version: Mapped[int]
    label: Mapped[str] = mapped_column(String(255), default="")
    properties: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    received: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # what its source sent
    source: Mapped[str] = mapped_column(String(16), default="submission")  # submission, import
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    base_version: Mapped[int | None]
    conflict: Mapped[str | None] = mapped_column(String(8))
    conflicting_properties: Mapped[list[str]] = mapped_column(JSON, default=list)
    branch_id: Mapped[str | None] = mapped_column(String(36))
    trunk_version: Mapped[int | None]
    branch_base_version: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entity: Mapped[Entity] = relationship(back_populates="versions")
    submission: Mapped[Submission | None] = relationship()
    created_by: Mapped[User | None] = relationship()


class EntityLinkKind(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    REFERENCED = "referenced"  # a submission that names the entity without changing it


class EntitySubmission(db.Model):
    """A submission that created, updated or referenced an entity: the case page's timeline."""

    __tablename__ = "entity_submissions"
    __table_args__ = (
        UniqueConstraint("entity_id", "submission_id", "kind", name="entity_submission_kind"),
        _enum_check("kind", "kind", EntityLinkKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship()


class CaseIntervention(db.Model):
    """An intervention or service activated for a case, from the intake's repeat, a follow-up form or an
    import. One row per (case, type, start date): a later report of it updates its end and status."""

    __tablename__ = "case_interventions"
    __table_args__ = (
        UniqueConstraint("entity_id", "kind", "start_date", name="case_intervention"),
        Index("ix_case_interventions_unit_kind", "org_unit_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))  # the tipo_intervento choice
    kind_other: Mapped[str] = mapped_column(String(255), default="")
    provider_type: Mapped[str] = mapped_column(String(64), default="")
    provider_name: Mapped[str] = mapped_column(String(255), default="")
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(64), default="")
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    source: Mapped[str] = mapped_column(String(16), default="submission")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Service(db.Model):
    """A service or agency of the registry: a CSF, CAP, day centre, ADE… with its provider and capacity."""

    __tablename__ = "services"
    __table_args__ = (Index("ix_services_unit_kind", "org_unit_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))  # app.registry.rules.SERVICE_KINDS
    legal_reference: Mapped[str] = mapped_column(String(255), default="")  # e.g. "art. 52 R.R. 4/2007"
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))  # where it works: comune or Ambito
    provider_type: Mapped[str] = mapped_column(String(16), default="public")  # public, third_sector
    provider_name: Mapped[str] = mapped_column(String(255), default="")  # the agency running it
    targets: Mapped[str] = mapped_column(Text, default="")  # who it serves, in words
    capacity: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    org_unit: Mapped[OrgUnit] = relationship()


class ReportingCycle(db.Model):
    """A monitoring form assigned to org units (and their services) for a run of periods."""

    __tablename__ = "reporting_cycles"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    period_unit: Mapped[str] = mapped_column(String(16))  # quarter, semester, year
    first_period: Mapped[str] = mapped_column(String(16))  # a label of analysis.periods, e.g. "2024-S1"
    last_period: Mapped[str] = mapped_column(String(16))
    date_field: Mapped[str] = mapped_column(String(255))  # the answer dating a report in its period
    by_service: Mapped[bool] = mapped_column(default=False)  # one report per service, not per org unit
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    form: Mapped[Form] = relationship()
    units: Mapped[list["ReportingCycleUnit"]] = relationship(cascade="all, delete-orphan")


# Loaded with the form in the same query: recording a submission files it only when its form has cycles.
Form.has_reporting_cycles = column_property(
    exists().where(ReportingCycle.form_id == Form.id).correlate_except(ReportingCycle)
)


class ReportingCycleUnit(db.Model):
    __tablename__ = "reporting_cycle_units"
    __table_args__ = (UniqueConstraint("cycle_id", "org_unit_id", name="cycle_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("reporting_cycles.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))

    org_unit: Mapped[OrgUnit] = relationship()


class ReportFiling(db.Model):
    """The one current report of an org unit (and service) for a period of a cycle: filing again replaces
    it, the earlier submission kept as an earlier version."""

    __tablename__ = "report_filings"
    __table_args__ = (
        UniqueConstraint("cycle_id", "org_unit_id", "service_key", "period", name="one_report_per_slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("reporting_cycles.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    service_key: Mapped[int] = mapped_column(default=0)  # service_id or 0: NULLs never collide in a UNIQUE
    period: Mapped[str] = mapped_column(String(16))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship()


class PopulationFigure(db.Model):
    """Resident population of an org unit in a year, by sex and age band, for rates per 1,000 minors."""

    __tablename__ = "population_figures"
    __table_args__ = (UniqueConstraint("org_unit_id", "year", "sex", "age_band", name="population_cell"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    year: Mapped[int]
    sex: Mapped[str] = mapped_column(String(1), default="")  # "", "m" or "f"
    age_band: Mapped[str] = mapped_column(String(16), default="")  # "" or an analysis.periods band label
    count: Mapped[int]


class TrainingTier(enum.StrEnum):
    START_UP = "start_up"  # under 3 years of service
    MIGLIORAMENTO = "miglioramento"  # 3 to 10 years
    AGGIORNAMENTO = "aggiornamento"  # over 10 years
    ALL = "all"  # open to every tier (e.g. co-design training for managers)


class TrainingIntervention(db.Model):
    """An entry of the training plan's catalogue: a course, workshop or co-design training."""

    __tablename__ = "training_interventions"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # corso, laboratorio, co_progettazione, seminario, altro
    title: Mapped[str] = mapped_column(String(255))
    work_package: Mapped[str] = mapped_column(String(64), default="")  # e.g. "Azione 2 / Attività 2.2"
    editions_planned: Mapped[int] = mapped_column(default=1)
    hours: Mapped[float] = mapped_column(default=0)
    recipients_planned: Mapped[int] = mapped_column(default=0)
    recipient_type: Mapped[str] = mapped_column(String(255), default="")
    selection: Mapped[bool] = mapped_column(default=False)  # participants are selected
    tier: Mapped[str] = mapped_column(String(16), default=TrainingTier.ALL)
    evaluation_form_id: Mapped[int | None] = mapped_column(ForeignKey("forms.id"))  # pre/post questionnaire
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship()
    evaluation_form: Mapped[Form | None] = relationship()
    editions: Mapped[list["TrainingEdition"]] = relationship(
        back_populates="intervention", order_by="TrainingEdition.start_date", cascade="all, delete-orphan"
    )


class TrainingEdition(db.Model):
    """One run of a training intervention: dates, place, sessions, the completion rule."""

    __tablename__ = "training_editions"

    id: Mapped[int] = mapped_column(primary_key=True)
    intervention_id: Mapped[int] = mapped_column(ForeignKey("training_interventions.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # what participants type as codice_corso
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    place: Mapped[str] = mapped_column(String(255), default="")
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    completion_share: Mapped[float] = mapped_column(default=0.7)  # share of the hours to attend to complete

    intervention: Mapped[TrainingIntervention] = relationship(back_populates="editions")
    sessions: Mapped[list["TrainingSession"]] = relationship(
        order_by="TrainingSession.day", cascade="all, delete-orphan"
    )
    enrolments: Mapped[list["Enrolment"]] = relationship(cascade="all, delete-orphan")


class TrainingSession(db.Model):
    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("training_editions.id"), index=True)
    day: Mapped[date]
    hours: Mapped[float]
    topic: Mapped[str] = mapped_column(String(255), default="")


class Enrolment(db.Model):
    """A participant of an edition, known by a pseudonymous code; the tier follows the years of service."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("edition_id", "participant_code", name="edition_participant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("training_editions.id"), index=True)
    participant_code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200), default="")  # for the attendance register only
    role: Mapped[str] = mapped_column(String(64), default="")
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    years_of_service: Mapped[int]
    tier: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attendances: Mapped[list["Attendance"]] = relationship(cascade="all, delete-orphan")


class Attendance(db.Model):
    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("enrolment_id", "session_id", name="enrolment_session"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    hours: Mapped[float]


def new_guid() -> str:
    """A REFI-QDA GUID: what an exported project names each object by, stable across exports."""
    return str(uuid.uuid4())


class CodingProject(db.Model):
    """A qualitative study: its transcripts, participants, codebook, codings and memos (one REFI-QDA project).

    It belongs to a Humus project and to an org unit: whoever may code transcripts in a scope covering that
    unit works on it (a study with no unit is open only to network-wide coders). When `blind` is set, coders
    see only their own codings until a coordinator releases them (`released_at`).
    """

    __tablename__ = "coding_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="it")
    turn_pattern: Mapped[str] = mapped_column(String(500), default="")  # a study's own speaker pattern
    blind: Mapped[bool] = mapped_column(default=False)
    released_at: Mapped[datetime | None]
    guid: Mapped[str] = mapped_column(String(36), default=new_guid)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship()
    org_unit: Mapped[OrgUnit | None] = relationship()


class CodingParticipant(db.Model):
    """A person who speaks in the transcripts, known by a code; attributes are typed values (REFI cases)."""

    __tablename__ = "coding_participants"
    __table_args__ = (UniqueConstraint("coding_project_id", "code", name="coding_participant_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coding_project_id: Mapped[int] = mapped_column(ForeignKey("coding_projects.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    # role, service_type, territory, gender, seniority_years, and any the study adds
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    guid: Mapped[str] = mapped_column(String(36), default=new_guid)


class CodingDocument(db.Model):
    """A transcript as canonical UTF-8 text; offsets into it are code points, end-exclusive."""

    __tablename__ = "coding_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    coding_project_id: Mapped[int] = mapped_column(
        ForeignKey("coding_projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    source_format: Mapped[str] = mapped_column(String(8), default="txt")
    # date, macro_area, service_type, and any the study adds
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    guid: Mapped[str] = mapped_column(String(36), default=new_guid)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    coding_project: Mapped[CodingProject] = relationship()
    org_unit: Mapped[OrgUnit | None] = relationship()
    turns: Mapped[list["CodingTurn"]] = relationship(
        order_by="CodingTurn.position", cascade="all, delete-orphan", passive_deletes=True
    )


class CodingNameMapping(db.Model):
    """The names replaced in a document at import (by participant codes or pseudonyms), encrypted.

    Kept apart from the text: exports and statistics never read this table.
    """

    __tablename__ = "coding_name_mappings"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("coding_documents.id", ondelete="CASCADE"), primary_key=True
    )
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CodingTurn(db.Model):
    """A speaker turn: who speaks, from where to where in the text, and the timestamps kept as data."""

    __tablename__ = "coding_turns"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("coding_documents.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    speaker: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(100), default="")
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("coding_participants.id", ondelete="SET NULL")
    )
    start: Mapped[int] = mapped_column("start_pos")
    end: Mapped[int] = mapped_column("end_pos")
    time_start: Mapped[float | None]
    time_end: Mapped[float | None]

    participant: Mapped[CodingParticipant | None] = relationship()


class Code(db.Model):
    """A node of the codebook tree, with the definition coders apply it by."""

    __tablename__ = "coding_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    coding_project_id: Mapped[int] = mapped_column(
        ForeignKey("coding_projects.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("coding_codes.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(Text, default="")
    when_to_use: Mapped[str] = mapped_column(Text, default="")
    when_not: Mapped[str] = mapped_column(Text, default="")
    example: Mapped[str] = mapped_column(Text, default="")
    colour: Mapped[str] = mapped_column(String(7), default="#0066cc")
    position: Mapped[int] = mapped_column(default=0)
    marks_need: Mapped[bool] = mapped_column(default=False)  # passages coded here are training needs
    guid: Mapped[str] = mapped_column(String(36), default=new_guid)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CodingOrigin(enum.StrEnum):
    MANUAL = "manual"
    AUTO = "auto"  # auto-coding of search hits, undone as a batch
    SUGGESTION = "suggestion"  # a machine suggestion a person accepted
    IMPORT = "import"  # read from a REFI-QDA project


class Coding(db.Model):
    """A code applied to a span of a document by one coder."""

    __tablename__ = "codings"
    __table_args__ = (
        CheckConstraint("start_pos >= 0 AND end_pos > start_pos", name="span"),
        _enum_check("origin", "origin", CodingOrigin),
        Index("ix_codings_document_start", "document_id", "start_pos"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("coding_documents.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("coding_codes.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column("start_pos")
    end: Mapped[int] = mapped_column("end_pos")
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    origin: Mapped[str] = mapped_column(String(16), default=CodingOrigin.MANUAL)
    batch: Mapped[str] = mapped_column(String(36), default="", index=True)
    guid: Mapped[str] = mapped_column(String(36), default=new_guid)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    code: Mapped[Code] = relationship()
    coder: Mapped[User | None] = relationship()


class CodingMemo(db.Model):
    """A memo on a study, a document, a coded segment or a code."""

    __tablename__ = "coding_memos"

    id: Mapped[int] = mapped_column(primary_key=True)
    coding_project_id: Mapped[int] = mapped_column(
        ForeignKey("coding_projects.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[int | None] = mapped_column(ForeignKey("coding_documents.id", ondelete="CASCADE"))
    coding_id: Mapped[int | None] = mapped_column(ForeignKey("codings.id", ondelete="CASCADE"))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("coding_codes.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    guid: Mapped[str] = mapped_column(String(36), default=new_guid)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()


class EventKind(enum.StrEnum):
    FOCUS_GROUP = "focus_group"
    WORKSHOP = "workshop"
    SEMINAR = "seminar"
    TECHNICAL_TABLE = "technical_table"  # technical and inter-institutional tables
    DISSEMINATION = "dissemination"
    OTHER = "other"  # self-managed activities, events in squares and services...


class ParticipantCategory(enum.StrEnum):
    PUBLIC_SERVICES = "public_services"
    THIRD_SECTOR = "third_sector"
    FAMILIES = "families"
    SCHOOLS = "schools"
    HEALTH = "health"
    JUSTICE = "justice"
    OTHER = "other"


class ParticipantGender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    UNSPECIFIED = "unspecified"


class AttachmentKind(enum.StrEnum):
    PROGRAMME = "programme"
    SIGN_IN = "sign_in"  # the sign-in sheet: names of people, read only in the event's scope
    MINUTES = "minutes"
    OTHER = "other"


class VoucherLevel(enum.StrEnum):
    BASE = "base"
    MEDIUM = "medium"
    HIGH = "high"


class VoucherStatus(enum.StrEnum):
    ASSIGNED = "assigned"
    IN_USE = "in_use"
    SPENT = "spent"
    EXPIRED = "expired"


class ProgrammeAction(db.Model):
    """An action of a funded programme (Azione 1, 2...): a group of activities of a project."""

    __tablename__ = "programme_actions"
    __table_args__ = (UniqueConstraint("project_id", "code", name="programme_action_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship()
    activities: Mapped[list["ProgrammeActivity"]] = relationship(
        back_populates="action", order_by="[ProgrammeActivity.position, ProgrammeActivity.code]"
    )


class ProgrammeActivity(db.Model):
    """An activity of an action (Attività 3.2): who is responsible, when it is planned and when it ran."""

    __tablename__ = "programme_activities"
    __table_args__ = (
        UniqueConstraint("action_id", "code", name="programme_activity_code"),
        CheckConstraint(
            "planned_start IS NULL OR planned_end IS NULL OR planned_end >= planned_start",
            name="planned_span",
        ),
        CheckConstraint(
            "actual_start IS NULL OR actual_end IS NULL OR actual_end >= actual_start", name="actual_span"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("programme_actions.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    responsible_partner: Mapped[str] = mapped_column(String(255), default="")
    planned_start: Mapped[date | None]
    planned_end: Mapped[date | None]
    actual_start: Mapped[date | None]
    actual_end: Mapped[date | None]
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    action: Mapped[ProgrammeAction] = relationship(back_populates="activities")
    targets: Mapped[list["ProgrammeTarget"]] = relationship(
        order_by="ProgrammeTarget.set_at", cascade="all, delete-orphan"
    )


class ProgrammeTarget(db.Model):
    """An expected output of an activity (events, participants...) as set at a time.

    A new value replaces the row (`replaced_at`) rather than changing it, so a report as of any date
    reads the targets that held then."""

    __tablename__ = "programme_targets"
    __table_args__ = (
        CheckConstraint("value >= 0", name="non_negative"),
        Index("ix_programme_targets_activity_metric", "activity_id", "metric"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("programme_activities.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(32))  # analysis.programme.METRICS
    value: Mapped[int]
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_at: Mapped[datetime | None]


class ProgrammeActivityTraining(db.Model):
    """A training intervention run as (part of) an activity: its editions' trainees count for it."""

    __tablename__ = "programme_activity_trainings"

    intervention_id: Mapped[int] = mapped_column(
        ForeignKey("training_interventions.id", ondelete="CASCADE"), primary_key=True
    )
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("programme_activities.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    intervention: Mapped[TrainingIntervention] = relationship()


class ProgrammeActivityForm(db.Model):
    """A form whose submissions are the questionnaires an activity collects."""

    __tablename__ = "programme_activity_forms"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("programme_activities.id", ondelete="CASCADE"), primary_key=True
    )
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    form: Mapped[Form] = relationship()


class ProgrammeEvent(db.Model):
    """A focus group, workshop, seminar, technical table or dissemination event held for an activity."""

    __tablename__ = "programme_events"
    __table_args__ = (
        _enum_check("kind", "kind", EventKind),
        Index("ix_programme_events_activity_held", "activity_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("programme_activities.id"))
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(255))
    held_on: Mapped[date]
    # Where it took place, and its scope; none means a network-wide event.
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    place: Mapped[str] = mapped_column(String(255), default="")
    organiser: Mapped[str] = mapped_column(String(255), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]  # kept for reports as of an earlier date

    activity: Mapped[ProgrammeActivity] = relationship()
    org_unit: Mapped[OrgUnit | None] = relationship()


class EventParticipation(db.Model):
    """How many people of a category and gender took part in an event.

    Saving the grid again replaces the rows (`replaced_at`), so a report as of an earlier date still
    reads the counts recorded then."""

    __tablename__ = "programme_event_participants"
    __table_args__ = (
        _enum_check("category", "category", ParticipantCategory),
        _enum_check("gender", "gender", ParticipantGender),
        CheckConstraint("count >= 0", name="non_negative"),
        Index("ix_programme_event_participants_event", "event_id", "replaced_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("programme_events.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(24))
    gender: Mapped[str] = mapped_column(String(16))
    count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_at: Mapped[datetime | None]


class EventAttachment(db.Model):
    """A file of an event (programme, sign-in sheet, minutes); its type is what its bytes are, not its
    name."""

    __tablename__ = "programme_event_attachments"
    __table_args__ = (_enum_check("kind", "kind", AttachmentKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("programme_events.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventTranscript(db.Model):
    """A transcript of the coding workbench that records an event (a focus group's discussion)."""

    __tablename__ = "programme_event_transcripts"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("programme_events.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[int] = mapped_column(
        ForeignKey("coding_documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[CodingDocument] = relationship()


class VoucherType(db.Model):
    """A kind of voucher a project gives households (INSIEME base, medium, high): amount, how many, for
    whom."""

    __tablename__ = "voucher_types"
    __table_args__ = (
        UniqueConstraint("project_id", "name", name="voucher_type_name"),
        _enum_check("level", "level", VoucherLevel),
        CheckConstraint("amount_cents > 0", name="positive_amount"),
        CheckConstraint("quantity > 0", name="positive_quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("programme_activities.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(8))
    amount_cents: Mapped[int]  # money in whole cents: exact on every database
    quantity: Mapped[int]  # how many the programme funds
    rules: Mapped[list[str]] = mapped_column(JSON, default=list)  # analysis.programme_vouchers.RULES
    isee_max: Mapped[int | None]  # euros: the socio-economic disadvantage threshold
    months_valid: Mapped[int | None]  # after assignment; none: no expiry
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    activity: Mapped[ProgrammeActivity | None] = relationship()


class VoucherAssignment(db.Model):
    """A voucher given to a case of the cartella sociale or to a household (by its code), in an org unit."""

    __tablename__ = "voucher_assignments"
    __table_args__ = (
        _enum_check("status", "status", VoucherStatus),
        CheckConstraint("entity_id IS NOT NULL OR household <> ''", name="recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_type_id: Mapped[int] = mapped_column(ForeignKey("voucher_types.id"), index=True)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)
    household: Mapped[str] = mapped_column(String(64), default="")  # a household code, never a name
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=VoucherStatus.ASSIGNED)
    assigned_on: Mapped[date]
    expires_on: Mapped[date | None]
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the eligibility facts checked
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    voucher_type: Mapped[VoucherType] = relationship()
    entity: Mapped[Entity | None] = relationship()
    org_unit: Mapped[OrgUnit] = relationship()
    changes: Mapped[list["VoucherStatusChange"]] = relationship(
        order_by="VoucherStatusChange.id", cascade="all, delete-orphan"
    )
    spendings: Mapped[list["VoucherSpending"]] = relationship(
        order_by="[VoucherSpending.spent_on, VoucherSpending.id]", cascade="all, delete-orphan"
    )


class VoucherStatusChange(db.Model):
    """A voucher's status from a date on: the history reports as of an earlier date read."""

    __tablename__ = "voucher_status_changes"
    __table_args__ = (_enum_check("status", "status", VoucherStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("voucher_assignments.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    on: Mapped[date] = mapped_column("on_date")
    note: Mapped[str] = mapped_column(String(255), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VoucherSpending(db.Model):
    """Money spent from a voucher: when, how much, on what. The total never exceeds the voucher's amount."""

    __tablename__ = "voucher_spendings"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="positive_amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("voucher_assignments.id", ondelete="CASCADE"), index=True
    )
    spent_on: Mapped[date]
    amount_cents: Mapped[int]
    description: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
