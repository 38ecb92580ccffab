"""A study as a REFI-QDA project (coding.refi dataclasses), for export as .qdpx, and its codebook as .qdc.

What goes where:
- documents are plain-text sources with their attributes as variables (and the org unit by its code);
- codes keep their tree, colour and, in the description, definition, when to use, when not, example and
  whether they mark a training need (coding.exchange.describe_code, in the study's language);
- each coding is one selection holding one REFI coding, by its coder as a REFI user (name and e-mail, so
  an import finds the same person again); the selection has the coding's GUID, so a memo on a coding is a
  note on its selection;
- memos are notes, referred to by the project (study memos), a source, a selection or a code;
- participants are cases with their attributes as variables, referring to the sources they speak in and
  to their speaker turns, which are selections without codings (coding.exchange.turn_description);
- the encrypted name mapping (CodingNameMapping) is never read.
Only the codings the exporting user may see are written: in a blind study, their own.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Code,
    Coding,
    CodingDocument,
    CodingMemo,
    CodingParticipant,
    CodingProject,
    CodingTurn,
    OrgUnit,
    User,
)
from app.transcripts import access
from app.transcripts.codebook import codes_of
from coding import refi
from coding.documents import DOCUMENT_VARIABLES
from coding.exchange import CodeText, describe_code, refi_value, turn_description, variable_type
from coding.participants import CASE_VARIABLES

ORIGIN = "Humus"
ORG_UNIT_VARIABLE = "org_unit"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://humus.example.org/refi-qda")


def derived_guid(*parts: object) -> str:
    """A GUID that is the same at every export for the same parts (users, turns, variables)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(part) for part in parts)))


def user_guid(user: User) -> str:
    """A user's REFI GUID, from their e-mail address, so the same person has the same GUID in every export."""
    return derived_guid("user", user.email.strip().lower())


def study_codebook(study: CodingProject) -> refi.Codebook:
    """The study's codes as a REFI codebook tree (without memos: a .qdc has no notes)."""
    return _codebook(study, {})


def study_project(user: User, study: CodingProject) -> refi.Project:
    """The study as a REFI-QDA project, with the codings `user` may see."""
    documents = list(
        db.session.scalars(
            select(CodingDocument)
            .where(CodingDocument.coding_project_id == study.id)
            .order_by(CodingDocument.name, CodingDocument.id)
        )
    )
    codings = list(
        db.session.scalars(
            select(Coding)
            .join(CodingDocument, Coding.document_id == CodingDocument.id)
            .where(CodingDocument.coding_project_id == study.id, access.visible_codings(user, study))
            .order_by(Coding.document_id, Coding.start, Coding.end, Coding.id)
        )
    )
    memos = list(
        db.session.scalars(
            select(CodingMemo).where(CodingMemo.coding_project_id == study.id).order_by(CodingMemo.id)
        )
    )
    visible = {coding.id for coding in codings}
    memos = [memo for memo in memos if memo.coding_id is None or memo.coding_id in visible]
    people = list(
        db.session.scalars(
            select(CodingParticipant)
            .where(CodingParticipant.coding_project_id == study.id)
            .order_by(CodingParticipant.code)
        )
    )
    users = _users({c.coder_id for c in codings} | {m.author_id for m in memos} | {study.created_by_id})
    notes_of = _note_refs(memos)
    case_variables = _variables(study, "case", [p.attributes for p in people], CASE_VARIABLES)
    source_variables = _variables(
        study, "source", [_document_attributes(d) for d in documents], DOCUMENT_VARIABLES
    )
    return refi.Project(
        name=study.name,
        origin=ORIGIN,
        description=study.description or None,
        users=tuple(refi.User(user_guid(u), u.name or u.email, u.email) for u in users.values()),
        codebook=_codebook(study, notes_of),
        variables=tuple(case_variables.values()) + tuple(source_variables.values()),
        cases=_cases(people, documents, case_variables),
        sources=tuple(_source(d, codings, users, notes_of, source_variables) for d in documents),
        notes=tuple(_note(memo, users) for memo in memos),
        note_refs=tuple(memo.guid for memo in memos if _is_study_memo(memo)),
        creating_user=user_guid(users[study.created_by_id]) if study.created_by_id in users else None,
        creation_datetime=_utc(study.created_at),
    )


def _users(ids: Iterable[int | None]) -> dict[int, User]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)).order_by(User.id))}


def _codebook(study: CodingProject, notes_of: dict[tuple[str, int], list[str]]) -> refi.Codebook:
    codes = codes_of(study)
    children: dict[int | None, list[Code]] = defaultdict(list)
    for code in codes:  # parents come first, siblings in order
        children[code.parent_id].append(code)

    def build(code: Code) -> refi.Code:
        text = CodeText(code.definition, code.when_to_use, code.when_not, code.example, code.marks_need)
        return refi.Code(
            code.guid,
            code.name,
            color=code.colour,
            description=describe_code(text, study.language),
            children=tuple(build(child) for child in children[code.id]),
            note_refs=tuple(notes_of.get(("code", code.id), ())),
        )

    return refi.Codebook(tuple(build(code) for code in children[None]), origin=ORIGIN)


def _is_study_memo(memo: CodingMemo) -> bool:
    return memo.document_id is None and memo.coding_id is None and memo.code_id is None


def _note_refs(memos: list[CodingMemo]) -> dict[tuple[str, int], list[str]]:
    """The GUIDs of the memos on each coding, document and code (a memo on a coding is on its selection)."""
    found: dict[tuple[str, int], list[str]] = defaultdict(list)
    for memo in memos:
        if memo.coding_id is not None:
            found["coding", memo.coding_id].append(memo.guid)
        elif memo.code_id is not None:
            found["code", memo.code_id].append(memo.guid)
        elif memo.document_id is not None:
            found["document", memo.document_id].append(memo.guid)
    return found


def _document_attributes(document: CodingDocument) -> dict[str, object]:
    attributes = dict(document.attributes or {})
    if document.org_unit_id is not None:
        unit = db.session.get(OrgUnit, document.org_unit_id)
        if unit is not None:
            attributes[ORG_UNIT_VARIABLE] = unit.code
    return attributes


def _variables(
    study: CodingProject, kind: str, attributes: list[dict[str, object]], declared: dict[str, str]
) -> dict[str, refi.Variable]:
    """One variable per attribute name, typed from its values; a GUID of its own for cases and sources."""
    values: dict[str, list[object]] = defaultdict(list)
    for row in attributes:
        for name, value in (row or {}).items():
            values[name].append(value)
    return {
        name: refi.Variable(
            derived_guid(study.guid, kind, name),
            name,
            variable_type(values[name], declared.get(name)),  # type: ignore[arg-type]
        )
        for name in sorted(values)
    }


def _values(
    attributes: dict[str, object], variables: dict[str, refi.Variable]
) -> tuple[refi.VariableValue, ...]:
    return tuple(
        refi.VariableValue(variables[name].guid, refi_value(value, variables[name].type))
        for name, value in sorted(attributes.items())
        if name in variables and value not in (None, "")
    )


def _cases(
    people: list[CodingParticipant], documents: list[CodingDocument], variables: dict[str, refi.Variable]
) -> tuple[refi.Case, ...]:
    turns_of: dict[int, list[tuple[CodingDocument, CodingTurn]]] = defaultdict(list)
    for document in documents:
        for turn in document.turns:
            if turn.participant_id is not None:
                turns_of[turn.participant_id].append((document, turn))
    cases = []
    for person in people:
        spoken = turns_of[person.id]
        sources = list(dict.fromkeys(document.guid for document, _ in spoken))
        cases.append(
            refi.Case(
                person.guid,
                person.code,
                variable_values=_values(person.attributes or {}, variables),
                source_refs=tuple(sources),
                selection_refs=tuple(_turn_guid(document, turn) for document, turn in spoken),
            )
        )
    return tuple(cases)


def _turn_guid(document: CodingDocument, turn: CodingTurn) -> str:
    return derived_guid(document.guid, "turn", turn.position)


def _source(
    document: CodingDocument,
    codings: list[Coding],
    users: dict[int, User],
    notes_of: dict[tuple[str, int], list[str]],
    variables: dict[str, refi.Variable],
) -> refi.TextSource:
    turns = [
        refi.PlainTextSelection(
            _turn_guid(document, turn),
            turn.start,
            turn.end,
            name=turn.speaker,
            description=turn_description(turn.role, turn.time_start, turn.time_end),
        )
        for turn in document.turns
    ]
    code_guids = dict(
        db.session.execute(
            select(Code.id, Code.guid).where(Code.coding_project_id == document.coding_project_id)
        ).all()
    )
    coded = [
        _selection(coding, users, notes_of, code_guids)
        for coding in codings
        if coding.document_id == document.id
    ]
    return refi.TextSource(
        document.guid,
        document.name,
        document.text,
        selections=tuple(turns + coded),
        variable_values=_values(_document_attributes(document), variables),
        note_refs=tuple(notes_of.get(("document", document.id), ())),
        creating_user=user_guid(users[document.created_by_id]) if document.created_by_id in users else None,
        creation_datetime=_utc(document.created_at),
    )


def _selection(
    coding: Coding,
    users: dict[int, User],
    notes_of: dict[tuple[str, int], list[str]],
    code_guids: dict[int, str],
) -> refi.PlainTextSelection:
    coder = user_guid(users[coding.coder_id]) if coding.coder_id in users else None
    when = _utc(coding.created_at)
    inner = refi.Coding(
        derived_guid(coding.guid, "coding"),
        code_guids[coding.code_id],
        creating_user=coder,
        creation_datetime=when,
    )
    return refi.PlainTextSelection(
        coding.guid,
        coding.start,
        coding.end,
        codings=(inner,),
        note_refs=tuple(notes_of.get(("coding", coding.id), ())),
        creating_user=coder,
        creation_datetime=when,
    )


def _note(memo: CodingMemo, users: dict[int, User]) -> refi.Note:
    author = user_guid(users[memo.author_id]) if memo.author_id in users else None
    return refi.Note(
        memo.guid,
        memo.title or None,
        memo.text,
        creating_user=author,
        creation_datetime=_utc(memo.created_at),
        modified_datetime=_utc(memo.updated_at),
    )


def _utc(value: datetime | None) -> datetime | None:
    """A stored time (naive, in UTC) as an aware one, so REFI files say it is UTC."""
    return value.replace(tzinfo=UTC) if value is not None else None
