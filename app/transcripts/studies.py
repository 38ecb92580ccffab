"""Create a study and change its settings."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from app import audit
from app.extensions import db
from app.models import Code, Coding, CodingDocument, CodingParticipant, CodingProject, OrgUnit, Project, User
from app.transcripts.documents import ImportError_, check_pattern

LANGUAGES = ("it", "en")


class StudyError(ValueError):
    """A study that cannot be saved; the message is for the user, in their language."""


@dataclass(frozen=True)
class StudyInput:
    name: str
    description: str = ""
    language: str = "it"
    turn_pattern: str = ""
    blind: bool = False


def create_study(user: User, project: Project, unit: OrgUnit | None, data: StudyInput) -> CodingProject:
    study = CodingProject(project_id=project.id, org_unit_id=unit.id if unit else None, created_by_id=user.id)
    _apply(study, data)
    db.session.add(study)
    audit.record("study.create", study, org_unit_id=study.org_unit_id, actor=user, name=study.name)
    return study


def update_study(user: User, study: CodingProject, data: StudyInput) -> CodingProject:
    _apply(study, data)
    audit.record("study.update", study, org_unit_id=study.org_unit_id, actor=user, name=study.name)
    return study


def _apply(study: CodingProject, data: StudyInput) -> None:
    name = " ".join(data.name.split())
    if not name:
        raise StudyError(_("A study needs a name."))
    if data.language not in LANGUAGES:
        raise StudyError(_("Choose Italian or English as the language of the transcripts."))
    study.name = name
    study.description = data.description.strip()
    study.language = data.language
    try:
        study.turn_pattern = check_pattern(data.turn_pattern) if data.turn_pattern else ""
    except ImportError_ as error:
        raise StudyError(str(error)) from None
    if data.blind and not study.blind:
        study.released_at = None
    study.blind = data.blind


@dataclass(frozen=True)
class StudySummary:
    documents: int
    participants: int
    codes: int
    codings: int


def summary(study: CodingProject) -> StudySummary:
    def count(query):
        return db.session.scalar(query) or 0

    documents = select(CodingDocument.id).where(CodingDocument.coding_project_id == study.id)
    return StudySummary(
        documents=count(select(func.count()).select_from(documents.subquery())),
        participants=count(select(func.count()).where(CodingParticipant.coding_project_id == study.id)),
        codes=count(select(func.count()).where(Code.coding_project_id == study.id)),
        codings=count(select(func.count()).where(Coding.document_id.in_(documents))),
    )
