"""Who sees which studies, transcripts, codes and codings, and lookups that answer 404 outside that.

Decisions:
- a study (CodingProject) belongs to a project and an org unit: whoever holds the code-transcripts
  permission in that project over a scope covering the unit works on it; a study with no unit is open only
  to network-wide coders (scoping.org_unit_condition's rule for rows without a unit);
- its leads are its creator and the admins and researchers of that scope: they release blind codings,
  delete transcripts and restructure the codebook (merge, split, delete);
- in a blind study each coder sees only their own codings until a lead releases them, leads included, so a
  lead who also codes stays blind; agreement and the disagreement view need the release;
- out-of-scope ids answer 404 exactly like missing ones.
"""

from flask import abort
from sqlalchemy import ColumnElement, select, true

from app.extensions import db
from app.models import (
    Code,
    Coding,
    CodingDocument,
    CodingMemo,
    CodingProject,
    OrgUnit,
    OrgUnitKind,
    Project,
    Role,
    User,
)
from app.permissions import Permission, roles_with
from app.scoping import Scope, org_unit_condition, user_scope
from app.surveys.services import projects_for

LEAD_ROLES = frozenset({Role.ADMIN, Role.RESEARCHER})
STUDY_KINDS = (OrgUnitKind.REGION, OrgUnitKind.PROVINCE, OrgUnitKind.AMBITO, OrgUnitKind.COMUNE)


def coding_scope(user: User, project_id: int) -> Scope:
    return user_scope(user, roles=roles_with(Permission.CODE_TRANSCRIPTS), project_id=project_id)


def coding_projects(user: User) -> list[Project]:
    """The projects where the user codes transcripts, by name."""
    return [p for p in projects_for(user, Permission.CODE_TRANSCRIPTS) if not coding_scope(user, p.id).empty]


def studies(user: User) -> list[CodingProject]:
    """The studies the user works on, by project then name."""
    found: list[CodingProject] = []
    for project in coding_projects(user):
        scope = coding_scope(user, project.id)
        query = (
            select(CodingProject)
            .where(
                CodingProject.project_id == project.id, org_unit_condition(scope, CodingProject.org_unit_id)
            )
            .order_by(CodingProject.name)
        )
        found.extend(db.session.scalars(query))
    return found


def can_work_on(user: User, study: CodingProject) -> bool:
    scope = coding_scope(user, study.project_id)
    if study.org_unit_id is None:
        return scope.everywhere
    return scope.covers_path(study.org_unit.path if study.org_unit else None)


def is_lead(user: User, study: CodingProject) -> bool:
    """The study's creator, or an admin or researcher whose scope covers it."""
    if study.created_by_id == user.id:
        return True
    scope = user_scope(user, roles=LEAD_ROLES, project_id=study.project_id)
    if study.org_unit_id is None:
        return scope.everywhere
    return scope.covers_path(study.org_unit.path if study.org_unit else None)


def is_blind_for(study: CodingProject) -> bool:
    """Whether coders of the study still see only their own codings."""
    return study.blind and study.released_at is None


def study_or_404(user: User, study_id: int) -> CodingProject:
    study = db.session.get(CodingProject, study_id)
    if study is None or not can_work_on(user, study):
        abort(404)
    return study


def lead_study_or_404(user: User, study_id: int) -> CodingProject:
    """A study the user leads; 404 when they cannot see it, 403 when they can but do not lead it."""
    study = study_or_404(user, study_id)
    if not is_lead(user, study):
        abort(403)
    return study


def document_or_404(user: User, document_id: int) -> CodingDocument:
    document = db.session.get(CodingDocument, document_id)
    if document is None or not can_work_on(user, document.coding_project):
        abort(404)
    return document


def code_or_404(user: User, code_id: int, study: CodingProject | None = None) -> Code:
    """A code of a study the user works on (of `study` when given)."""
    code = db.session.get(Code, code_id)
    if code is None or (study is not None and code.coding_project_id != study.id):
        abort(404)
    study_or_404(user, code.coding_project_id)
    return code


def visible_codings(user: User, study: CodingProject) -> ColumnElement[bool]:
    """A condition on Coding rows: the user's own in a blind study, every coder's otherwise."""
    if is_blind_for(study):
        return Coding.coder_id == user.id
    return true()


def coding_or_404(user: User, coding_id: int) -> Coding:
    """A coding the user may see; someone else's coding in a blind study answers 404."""
    coding = db.session.get(Coding, coding_id)
    if coding is None:
        abort(404)
    document = document_or_404(user, coding.document_id)
    if is_blind_for(document.coding_project) and coding.coder_id != user.id:
        abort(404)
    return coding


def memo_or_404(user: User, memo_id: int) -> CodingMemo:
    """A memo of a study the user works on. Memos are shared with the team, blind or not."""
    memo = db.session.get(CodingMemo, memo_id)
    if memo is None:
        abort(404)
    study_or_404(user, memo.coding_project_id)
    return memo


def units_in_scope(user: User, project_id: int) -> list[OrgUnit]:
    """The territorial units (region to comune) inside the user's coding scope, in tree order."""
    scope = coding_scope(user, project_id)
    query = (
        select(OrgUnit)
        .where(org_unit_condition(scope, OrgUnit.id), OrgUnit.kind.in_(STUDY_KINDS))
        .order_by(OrgUnit.path)
    )
    return list(db.session.scalars(query))


def unit_in_scope_or_404(user: User, project_id: int, unit_id: int | None) -> OrgUnit | None:
    """The unit with this id if the user may use it; None for none, allowed to network-wide coders only."""
    if not unit_id:
        if not coding_scope(user, project_id).everywhere:
            abort(404)
        return None
    found = [unit for unit in units_in_scope(user, project_id) if unit.id == unit_id]
    if not found:
        abort(404)
    return found[0]
