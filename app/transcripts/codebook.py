"""The codebook of a study: a tree of codes with definitions and colours; create, edit, move, merge, split.

Names are unique among siblings (ignoring case and surrounding spaces), so "Risorse" under "Servizi" and
under "Famiglie" can coexist but not twice under one parent. Merging and splitting keep every coding: a
merge moves the source's codings, sub-codes and memos to the target (a coding the target already has for
the same coder and span is not duplicated) and deletes the source; a split creates sub-codes and moves the
chosen codings to them.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import aliased

from app import audit
from app.edits import row_version
from app.extensions import db
from app.models import Code, Coding, CodingMemo, CodingProject, User

COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
PALETTE = ("#0066cc", "#d9364f", "#008758", "#a66300", "#7a3e9d", "#00838f", "#c2185b", "#5d6f1b")


class CodebookError(ValueError):
    """A codebook change that cannot be made; the message is for the user, in their language."""


@dataclass(frozen=True)
class CodeInput:
    name: str
    definition: str = ""
    when_to_use: str = ""
    when_not: str = ""
    example: str = ""
    colour: str = ""
    marks_need: bool = False


def codes_of(study: CodingProject) -> list[Code]:
    """Every code of the study, parents before children, siblings by position then name."""
    rows = list(db.session.scalars(select(Code).where(Code.coding_project_id == study.id)))
    children: dict[int | None, list[Code]] = {}
    for code in rows:
        children.setdefault(code.parent_id, []).append(code)
    ordered: list[Code] = []

    def walk(parent: int | None) -> None:
        for code in sorted(children.get(parent, []), key=lambda c: (c.position, c.name.casefold())):
            ordered.append(code)
            walk(code.id)

    walk(None)
    return ordered


def depths(codes: Iterable[Code]) -> dict[int, int]:
    """The depth of each code in the tree (roots 0), for indenting lists."""
    by_id = {code.id: code for code in codes}
    found: dict[int, int] = {}
    for code in by_id.values():
        depth, parent = 0, code.parent_id
        while parent is not None and parent in by_id and depth < len(by_id):
            depth, parent = depth + 1, by_id[parent].parent_id
        found[code.id] = depth
    return found


def search(study: CodingProject, text: str) -> list[Code]:
    """Codes whose name or definition contains `text`, ignoring case."""
    pattern = f"%{text.strip()}%"
    query = select(Code).where(
        Code.coding_project_id == study.id,
        or_(Code.name.ilike(pattern, escape="\\"), Code.definition.ilike(pattern, escape="\\")),
    )
    return sorted(db.session.scalars(query), key=lambda c: c.name.casefold())


def create_code(user: User, study: CodingProject, data: CodeInput, parent: Code | None = None) -> Code:
    name = _checked_name(study, data.name, parent.id if parent else None)
    siblings = _siblings(study, parent.id if parent else None)
    code = Code(
        coding_project_id=study.id,
        parent_id=parent.id if parent else None,
        name=name,
        position=len(siblings),
        created_by_id=user.id,
    )
    _set_fields(code, data, default_colour=PALETTE[len(codes_of(study)) % len(PALETTE)])
    db.session.add(code)
    audit.record("code.create", code, org_unit_id=study.org_unit_id, actor=user, name=name)
    return code


def code_version(code: Code) -> str:
    """The version of a code's definition that its edit page shows (app.edits); moving it in the tree is
    another form, which the definition's does not undo."""
    return row_version(code, exclude=("parent_id", "position"))


def update_code(user: User, code: Code, data: CodeInput) -> Code:
    study = db.session.get(CodingProject, code.coding_project_id)
    assert study is not None
    code.name = _checked_name(study, data.name, code.parent_id, exclude=code.id)
    _set_fields(code, data, default_colour=code.colour)
    audit.record("code.update", code, org_unit_id=study.org_unit_id, actor=user, name=code.name)
    return code


def move_code(user: User, code: Code, parent: Code | None) -> Code:
    """Put `code` (with its sub-codes) under `parent`, or at the top when None; never under itself."""
    if parent is not None:
        if parent.coding_project_id != code.coding_project_id:
            raise CodebookError(_("That code belongs to another study."))
        if code.id in _ancestors(parent):
            raise CodebookError(_("A code cannot go under itself or one of its sub-codes."))
    study = db.session.get(CodingProject, code.coding_project_id)
    assert study is not None
    parent_id = parent.id if parent else None
    _checked_name(study, code.name, parent_id, exclude=code.id)
    code.parent_id = parent_id
    code.position = len(_siblings(study, parent_id))
    audit.record("code.move", code, org_unit_id=study.org_unit_id, actor=user, parent=parent_id)
    return code


def merge_codes(user: User, source: Code, target: Code) -> int:
    """Merge `source` into `target`: codings, sub-codes and memos move; returns the codings moved."""
    if source.id == target.id or source.coding_project_id != target.coding_project_id:
        raise CodebookError(_("Choose another code of the same study to merge into."))
    if source.id in _ancestors(target):
        raise CodebookError(_("A code cannot be merged into one of its own sub-codes."))
    theirs = aliased(Coding)
    duplicates = select(Coding.id).where(
        Coding.code_id == source.id,
        select(theirs.id)
        .where(
            theirs.code_id == target.id,
            theirs.document_id == Coding.document_id,
            theirs.coder_id == Coding.coder_id,
            theirs.start == Coding.start,
            theirs.end == Coding.end,
        )
        .exists(),
    )
    for coding_id in list(db.session.scalars(duplicates)):
        db.session.execute(update(CodingMemo).where(CodingMemo.coding_id == coding_id).values(coding_id=None))
        db.session.delete(db.session.get(Coding, coding_id))
    db.session.flush()
    moved = db.session.execute(update(Coding).where(Coding.code_id == source.id).values(code_id=target.id))
    db.session.execute(update(Code).where(Code.parent_id == source.id).values(parent_id=target.id))
    db.session.execute(update(CodingMemo).where(CodingMemo.code_id == source.id).values(code_id=target.id))
    study = db.session.get(CodingProject, source.coding_project_id)
    assert study is not None
    audit.record(
        "code.merge",
        target,
        org_unit_id=study.org_unit_id,
        actor=user,
        source=source.id,
        source_name=source.name,
        moved=moved.rowcount,
    )
    db.session.expire_all()
    db.session.delete(db.session.get(Code, source.id))
    db.session.flush()
    return moved.rowcount or 0


def split_code(user: User, code: Code, parts: dict[str, list[int]]) -> list[Code]:
    """Split `code` into sub-codes named by `parts`, each taking the codings whose ids it lists.

    Codings not listed stay on `code`. Every listed id must be a coding of `code`.
    """
    study = db.session.get(CodingProject, code.coding_project_id)
    assert study is not None
    if not parts:
        raise CodebookError(_("Name at least one new code to split into."))
    own = set(db.session.scalars(select(Coding.id).where(Coding.code_id == code.id)))
    listed = [coding_id for ids in parts.values() for coding_id in ids]
    if not set(listed) <= own or len(listed) != len(set(listed)):
        raise CodebookError(_("Each coding to move must be one of this code's, and go to one new code only."))
    made = []
    for name, ids in parts.items():
        child = create_code(user, study, CodeInput(name=name, colour=code.colour), parent=code)
        db.session.flush()
        if ids:
            db.session.execute(update(Coding).where(Coding.id.in_(ids)).values(code_id=child.id))
        made.append(child)
    audit.record("code.split", code, org_unit_id=study.org_unit_id, actor=user, into=[c.id for c in made])
    return made


def delete_code(user: User, code: Code) -> int:
    """Delete a code with no sub-codes, and its codings; returns how many codings went."""
    if db.session.scalar(select(func.count()).where(Code.parent_id == code.id)):
        raise CodebookError(_("Move or delete its sub-codes first."))
    count = db.session.scalar(select(func.count()).where(Coding.code_id == code.id)) or 0
    study = db.session.get(CodingProject, code.coding_project_id)
    assert study is not None
    audit.record(
        "code.delete", code, org_unit_id=study.org_unit_id, actor=user, name=code.name, codings=count
    )
    db.session.delete(code)
    db.session.flush()
    return count


def _set_fields(code: Code, data: CodeInput, *, default_colour: str) -> None:
    colour = data.colour.strip() or default_colour
    if not COLOUR.fullmatch(colour):
        raise CodebookError(_("A colour is written #RRGGBB, for example #0066cc."))
    code.definition = data.definition.strip()
    code.when_to_use = data.when_to_use.strip()
    code.when_not = data.when_not.strip()
    code.example = data.example.strip()
    code.colour = colour.lower()
    code.marks_need = data.marks_need


def _checked_name(study: CodingProject, name: str, parent_id: int | None, exclude: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise CodebookError(_("A code needs a name."))
    if len(name) > 200:
        raise CodebookError(_("A code's name can be at most 200 characters long."))
    folded = name.casefold()
    clash = [c for c in _siblings(study, parent_id) if c.name.casefold() == folded and c.id != exclude]
    if clash:
        raise CodebookError(_("There is already a code named %(name)s at that place.", name=clash[0].name))
    return name


def _siblings(study: CodingProject, parent_id: int | None) -> list[Code]:
    query = select(Code).where(Code.coding_project_id == study.id, Code.parent_id.is_(parent_id))
    if parent_id is not None:
        query = select(Code).where(Code.coding_project_id == study.id, Code.parent_id == parent_id)
    return list(db.session.scalars(query))


def _ancestors(code: Code) -> set[int]:
    """The ids of `code` and every code above it."""
    found: set[int] = set()
    current: Code | None = code
    while current is not None and current.id not in found:
        found.add(current.id)
        current = db.session.get(Code, current.parent_id) if current.parent_id else None
    return found
