"""Recording submissions: validated by the engine, stored once per instanceID, scoped to the submitter."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element  # noqa: S405 - type only; parsing goes through defusedxml

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.cases.datasets import entity_datasets
from app.cases.recording import EntityStep, apply_entity_step, entity_step
from app.database import atomic
from app.extensions import db
from app.models import Form, FormVersion, OrgUnit, Submission, User, VersionStatus
from app.monitoring.filing import file_report
from app.permissions import Permission, roles_with
from app.registry.datasets import registry_datasets
from app.scoping import Scope, org_unit_condition, user_scope
from app.surveys.attachments import csv_datasets
from app.surveys.drafts import forget_draft
from app.surveys.services import form_now, published_version_with_attachments, spec_of
from forms import engine
from forms.entities import EntityError
from forms.instance import (
    InstanceDataError,
    answers_digest,
    data_from_instance,
    instance_from_data,
    instance_id,
    instance_to_xml,
)
from forms.spec import FormSpec


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class SubmissionInvalid(Exception):
    """The answers do not satisfy the form: nothing was stored."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class SubmissionConflict(Exception):
    """The instanceID is already stored with different content."""


class SubmissionRefused(Exception):
    """The submission cannot be accepted for a reason the message explains (no version, no org unit...)."""

    def __init__(self, message: str, status: int = 422, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


@dataclass(frozen=True)
class Recorded:
    """What was stored, read before the commit so answering needs no further query."""

    submission_id: int
    instance_id: str
    created: bool  # False: the very same submission was already stored


def fill_scope(user: User, form: Form) -> Scope:
    return user_scope(user, roles=roles_with(Permission.FILL_FORMS), project_id=form.project_id)


def read_scope(user: User, form: Form) -> Scope:
    return user_scope(user, roles=roles_with(Permission.READ_DATA), project_id=form.project_id)


def record_instance(
    user: User,
    form: Form,
    root: Element,
    org_unit_code: str | None,
    lang: str,
    version: FormVersion | None = None,
    test: bool = False,
) -> Recorded:
    """Validate and store an instance filled on the web page (against `version`, by default the published
    one; a test of a draft version when `test`); a draft saved for it is forgotten.
    Raise SubmissionInvalid/Conflict/Refused."""
    version = _checked_version(form, version, test)
    spec = spec_of(version)
    org_unit = None if test else _submitting_unit(user, form, org_unit_code)
    datasets, entity_lists = _datasets(user, form, version)
    now = form_now()
    evaluation = engine.validate(spec, root, now=now, username=user.email, attachments=datasets)
    if evaluation.problems:
        raise SubmissionInvalid([FieldError(p.path, p.message(lang)) for p in evaluation.problems])
    step = _entity_step(spec, evaluation, datasets, entity_lists, now, lang)
    recorded = _store(user, form, version, spec, step, org_unit, test, lang)
    forget_draft(user, recorded.instance_id)
    db.session.commit()
    return recorded


def record_submission(
    user: User,
    form: Form,
    data: Mapping[str, Any],
    wanted_id: str | None,
    org_unit_code: str | None,
    lang: str,
    version: FormVersion | None = None,
    test: bool = False,
) -> Recorded:
    """Validate answers keyed by field name and store them once; raise SubmissionInvalid/Conflict/Refused."""
    version = _checked_version(form, version, test)
    spec = spec_of(version)
    org_unit = None if test else _submitting_unit(user, form, org_unit_code)
    datasets, entity_lists = _datasets(user, form, version)
    now = form_now()
    evaluation = _validated_instance(spec, data, wanted_id, lang, datasets, now)
    step = _entity_step(spec, evaluation, datasets, entity_lists, now, lang)
    return _store(user, form, version, spec, step, org_unit, test, lang)


def _datasets(user: User, form: Form, version: FormVersion) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The CSV datasets the engine reads: the version's uploaded files, the services registry and its entity
    lists, scoped to the user; with the names of the entity lists among them."""
    entities = entity_datasets(user, version, form.project_id)
    return {**csv_datasets(version), **registry_datasets(user, version), **entities}, tuple(entities)


def _entity_step(
    spec: FormSpec,
    evaluation: engine.Evaluation,
    datasets: Mapping[str, Any],
    entity_lists: tuple[str, ...],
    now: datetime,
    lang: str,
) -> EntityStep:
    try:
        return entity_step(spec, evaluation, datasets, entity_lists, now=now, lang=lang)
    except EntityError as exc:
        raise SubmissionInvalid([FieldError("meta/entity", exc.message(lang))]) from exc


def _checked_version(form: Form, version: FormVersion | None, test: bool) -> FormVersion:
    """The version to store against. Test submissions go only to drafts, real ones never do: a test is how
    a researcher tries a version before publishing it, and its answers must never mix with real data.
    A test submission belongs to no org unit, so it can never reach a statistic either."""
    if version is None:
        return _version_to_fill(form)
    if test and version.status != VersionStatus.DRAFT:
        raise SubmissionRefused(_("Only a draft version takes test submissions."), status=409)
    if not test and version.status == VersionStatus.DRAFT:
        raise SubmissionRefused(_("A draft version takes only test submissions."), status=409)
    return version


def _store(
    user: User,
    form: Form,
    version: FormVersion,
    spec: FormSpec,
    step: EntityStep,
    org_unit: OrgUnit | None,
    test: bool,
    lang: str,
) -> Recorded:
    root = step.root
    stored = data_from_instance(spec, root)
    values = {
        "form_id": form.id,
        "form_version_id": version.id,
        "instance_id": _instance_id_of(spec, root),
        "xml": instance_to_xml(root).decode(),
        "data": stored,
        "content_sha256": content_digest(spec, stored),
        "org_unit_id": org_unit.id if org_unit else None,
        "submitter_id": user.id,
        "test": test,
    }
    after = None if test else _entity_work(user, form.project_id, step, values, lang)
    return _insert_once(values, user, after, file=not test and form.has_reporting_cycles)


def _entity_work(
    user: User, project_id: int, step: EntityStep, values: Mapping[str, Any], lang: str
) -> Callable[[int], None] | None:
    """What to do to entities once the submission has its id, in its transaction (None: nothing)."""
    if step.action is None and not step.datasets:
        return None

    def work(submission_id: int) -> None:
        try:
            apply_entity_step(user, project_id, step, submission_id, values["org_unit_id"], values["data"])
        except EntityError as exc:
            db.session.rollback()
            raise SubmissionInvalid([FieldError("meta/entity", exc.message(lang))]) from exc

    return work


def content_digest(spec: FormSpec, data: Mapping[str, Any]) -> str:
    """A digest of what the person answered, so a resent submission is recognised whatever its serialisation.

    Calculated and preloaded values (start and end times, today()) are left out: the server recomputes
    them on each arrival, so they would make the very same submission look different.
    """
    return answers_digest(spec, data)


def _version_to_fill(form: Form) -> FormVersion:
    version = published_version_with_attachments(form)
    if version is None:
        raise SubmissionRefused(_("This form has no published version yet."), status=409)
    return version


def _submitting_unit(user: User, form: Form, code: str | None) -> OrgUnit | None:
    """The org unit the record belongs to: the one named (inside the user's scope) or the user's own."""
    scope = fill_scope(user, form)
    if scope.empty:
        raise SubmissionRefused(_("You cannot fill in forms of this project."), status=403)
    if code:
        unit = db.session.scalars(
            select(OrgUnit).where(OrgUnit.code == code, org_unit_condition(scope, OrgUnit.id))
        ).first()
        if unit is None:
            message = _("Unknown org unit, or one outside your scope: %(code)s.", code=code)
            raise SubmissionRefused(message, field="org_unit")
        return unit
    units = [a.org_unit for a in user.assignments if a.role in roles_with(Permission.FILL_FORMS)]
    own = {u.id: u for u in units if u is not None}
    if len(own) == 1 and not scope.everywhere:
        return next(iter(own.values()))
    raise SubmissionRefused(
        _("Say which org unit this record belongs to (field “org_unit”)."), field="org_unit"
    )


def _validated_instance(
    spec: FormSpec,
    data: Mapping[str, Any],
    wanted_id: str | None,
    lang: str,
    datasets: Mapping[str, Any],
    now: datetime,
) -> engine.Evaluation:
    try:
        root = instance_from_data(spec, data, wanted_id)
    except InstanceDataError as exc:
        raise SubmissionInvalid([_field_error(path, en, it, lang) for path, en, it in exc.problems]) from exc
    evaluation = engine.validate(spec, root, now=now, attachments=datasets)
    if evaluation.problems:
        errors = [FieldError(p.path, p.message(lang)) for p in evaluation.problems]
        raise SubmissionInvalid(errors)
    return evaluation


def _field_error(path: str, english: str, italian: str, lang: str) -> FieldError:
    return FieldError(path, italian if lang.startswith("it") else english)


def _instance_id_of(spec: FormSpec, root: Element) -> str:
    found = instance_id(spec, root)
    assert found, "instance_from_data always sets the instanceID"
    return found


def _insert_once(
    values: dict[str, Any], user: User, after: Callable[[int], None] | None = None, file: bool = False
) -> Recorded:
    """Insert with one statement, letting the unique constraint decide: a racing duplicate can never become
    a second row. A Core insert, not the unit of work: this runs for every submission that arrives."""
    if after is not None or file:
        atomic()  # the row, its entities and its filing are stored together or not at all
    try:
        submission_id = audit.insert_audited(
            Submission.__table__,
            values,
            "submission.created",
            "Submission",
            org_unit_id=values["org_unit_id"],
            actor=user,
            form=values["form_id"],
        )
    except IntegrityError:
        db.session.rollback()
        return _existing(values)
    if after is not None:
        after(submission_id)
    if file:
        file_report(submission_id)  # a monitoring report takes its slot of its form's reporting cycles
    db.session.commit()
    return Recorded(submission_id, values["instance_id"], created=True)


def _existing(values: dict[str, Any]) -> Recorded:
    query = select(Submission.id, Submission.content_sha256).where(
        Submission.form_id == values["form_id"], Submission.instance_id == values["instance_id"]
    )
    existing = db.session.execute(query).one()
    if existing.content_sha256 != values["content_sha256"]:
        raise SubmissionConflict(_("A different submission with this instanceID is already stored."))
    return Recorded(existing.id, values["instance_id"], created=False)


def org_units_to_choose(user: User, form: Form, scope: Scope) -> list[OrgUnit]:
    """The units a filler may file a record for, when they must choose one (none when they need not)."""
    units = [a.org_unit for a in user.assignments if a.role in roles_with(Permission.FILL_FORMS)]
    if len({u.id for u in units if u is not None}) == 1 and not scope.everywhere:
        return []
    query = (
        select(OrgUnit)
        .where(
            org_unit_condition(scope, OrgUnit.id), OrgUnit.kind.in_(("ambito", "comune", "agency", "service"))
        )
        .order_by(OrgUnit.path)
    )
    return list(db.session.scalars(query))


def submissions_in_scope(user: User, form: Form) -> list[Submission]:
    """The current, undeleted submissions of a form inside the user's reading scope, oldest first."""
    scope = read_scope(user, form)
    query = (
        select(Submission)
        .where(Submission.form_id == form.id, Submission.current.is_(True), Submission.deleted_at.is_(None))
        .where(Submission.test.is_(False))
        .where(org_unit_condition(scope, Submission.org_unit_id))
        .order_by(Submission.id)
    )
    return list(db.session.scalars(query))


def test_submission_counts(form: Form) -> dict[int, int]:
    """How many test submissions each version of a form has received, by version id."""
    query = (
        select(Submission.form_version_id, func.count())
        .where(Submission.form_id == form.id, Submission.test.is_(True))
        .group_by(Submission.form_version_id)
    )
    return {version_id: count for version_id, count in db.session.execute(query)}
