"""Training needs as the plan reads them: passages of transcripts coded as needs, and needs-analysis answers.

Transcripts: in the studies the user codes in, every passage coded with a code marked as a training need, or
with one of its sub-codes, is a mention of that code (a passage coded by two coders counts once). Its service
type is the document's, else its speaker's; its territory is the document's org unit, else the study's.
Blind rules hold: in an unreleased blind study only the user's own codings count.

Forms: the answers to one select field of a form the user reads statistics of, in their statistics scope;
each chosen option is a mention, grouped by the Ambito the submission belongs to and by the form's service
type answer when it has one (a field named tipo_servizio or servizio).
"""

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from analysis.training_needs import NeedMention
from app.extensions import db
from app.models import (
    Code,
    Coding,
    CodingDocument,
    CodingParticipant,
    CodingTurn,
    OrgUnit,
    Submission,
    User,
)
from app.permissions import Permission, roles_with, user_can
from app.scoping import org_unit_condition, user_scope
from app.statistics.form_records import FormFields
from app.transcripts import access as coding_access
from app.transcripts import codebook

SERVICE_FIELDS = ("tipo_servizio", "servizio")
QUOTE = 200  # characters of a passage kept as a quote


def transcript_mentions(user: User) -> list[NeedMention]:
    if not user_can(user, Permission.CODE_TRANSCRIPTS):
        return []
    mentions: list[NeedMention] = []
    for study in coding_access.studies(user):
        needs = _need_codes(codebook.codes_of(study))
        if not needs:
            continue
        mentions.extend(_study_mentions(user, study, needs))
    return mentions


def _need_codes(codes: list[Code]) -> dict[int, str]:
    """Codes marked as needs and their sub-codes, by id, with the name the need is shown by."""
    found: dict[int, str] = {}
    for code in codes:  # parents come before their children
        if code.marks_need or code.parent_id in found:
            found[code.id] = code.name
    return found


def _study_mentions(user: User, study: Any, needs: dict[int, str]) -> Iterator[NeedMention]:
    query = (
        select(Coding.code_id, Coding.start, Coding.end, CodingDocument)
        .join(CodingDocument, CodingDocument.id == Coding.document_id)
        .where(
            CodingDocument.coding_project_id == study.id,
            Coding.code_id.in_(list(needs)),
            coding_access.visible_codings(user, study),
        )
        .order_by(CodingDocument.id, Coding.start)
    )
    seen: set[tuple[int, int, int, int]] = set()
    speakers = _speaker_services(study.id)
    for code_id, start, end, document in db.session.execute(query):
        key = (document.id, code_id, start, end)
        if key in seen:
            continue
        seen.add(key)
        unit = document.org_unit or study.org_unit
        service = document.attributes.get("service_type") or _service_at(speakers, document.id, start)
        words = document.text[start:end]
        yield NeedMention(
            need=needs[code_id],
            service_type=str(service),
            territory=unit.name if unit else "",
            quote=words if len(words) <= QUOTE else words[: QUOTE - 1] + "…",
        )


def _speaker_services(study_id: int) -> dict[int, list[tuple[int, int, str]]]:
    """Per document, each turn's span with the service type of its participant."""
    rows = db.session.execute(
        select(CodingTurn.document_id, CodingTurn.start, CodingTurn.end, CodingParticipant.attributes)
        .join(CodingDocument, CodingDocument.id == CodingTurn.document_id)
        .join(CodingParticipant, CodingParticipant.id == CodingTurn.participant_id)
        .where(CodingDocument.coding_project_id == study_id)
    )
    turns: dict[int, list[tuple[int, int, str]]] = {}
    for document_id, start, end, attributes in rows:
        turns.setdefault(document_id, []).append(
            (start, end, str((attributes or {}).get("service_type") or ""))
        )
    return turns


def _service_at(turns: dict[int, list[tuple[int, int, str]]], document_id: int, offset: int) -> str:
    for start, end, service in turns.get(document_id, ()):
        if start <= offset < end:
            return service
    return ""


def form_mentions(user: User, fields: FormFields, path: str) -> list[NeedMention]:
    """The options chosen in field `path` of the form's current submissions in the user's scope."""
    form = fields.form
    field = fields.selects[path]
    labels = fields.choice_labels(path)
    service_path = next((name for name in SERVICE_FIELDS if name in fields.selects), None)
    service_labels = fields.choice_labels(service_path) if service_path else {}
    scope = user_scope(user, roles_with(Permission.READ_STATISTICS), form.project_id)
    rows = db.session.execute(
        select(Submission.org_unit_id, Submission.data).where(
            Submission.form_id == form.id,
            Submission.current.is_(True),
            Submission.test.is_(False),
            Submission.deleted_at.is_(None),
            org_unit_condition(scope, Submission.org_unit_id),
        )
    )
    ambiti = _ambito_names()
    mentions = []
    for unit_id, data in rows:
        value = _at(data or {}, field.steps[0])
        chosen = (
            value.split()
            if isinstance(value, str)
            else [str(v) for v in value or [] if isinstance(value, list)]
        )
        service = _at(data or {}, fields.selects[service_path].steps[0]) if service_path else ""
        for option in chosen:
            mentions.append(
                NeedMention(
                    need=labels.get(option, option),
                    service_type=service_labels.get(service, service) if isinstance(service, str) else "",
                    territory=ambiti.get(unit_id, ""),
                )
            )
    return mentions


def _ambito_names() -> dict[int, str]:
    """Each org unit's Ambito name (its own for an Ambito, its province's name above Ambiti)."""
    units = {u.id: u for u in db.session.scalars(select(OrgUnit))}
    names: dict[int, str] = {}
    for unit in units.values():
        current: OrgUnit | None = unit
        while current is not None and current.kind not in ("ambito", "province", "region"):
            current = units.get(current.parent_id) if current.parent_id else None
        names[unit.id] = current.name if current is not None else ""
    return names


def _at(data: dict[str, Any], steps: tuple[str, ...]) -> Any:
    value: Any = data
    for step in steps:
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value
