"""Pseudonymisation of a stored transcript: proposals to review, then the replacements a person ticked,
with every offset of its turns and codings moved to match and the mapping kept encrypted apart.

Decisions:
- proposals come from coding.pseudonyms (patterns for e-mails, phones, codici fiscali and addresses; the
  names of the study's participants, read from the encrypted name mappings of its transcripts; the names
  of the territory's org units as places; capitalised words), relabelled so that a known participant
  becomes their code (as at import) and any other entity keeps the label it got in the study before;
- only the study's leads and whoever uploaded the transcript review and apply them: applying rewrites the
  text under every coder's codings;
- the review is recomputed when applying and must be the one the person saw (a fingerprint of the text and
  the proposals); otherwise nothing changes and the person reviews again;
- codings overlapping a replaced stretch grow to cover the whole replacement (coding.offsets); memos have
  no offsets: those on a coding follow it;
- the mapping (CodingNameMapping) gets each new label with its original and the substitutions with their
  offsets, so coding.pseudonyms.restore can give the original text back; exports never read it.
"""

import hashlib
import json
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.i18n import N_, in_user_language
from app.models import Code, Coding, CodingDocument, CodingNameMapping, OrgUnit, User
from app.transcripts import access
from app.transcripts.assist import AssistError
from coding import pseudonym_mapping, pseudonyms
from coding.errors import PseudonymError
from coding.offsets import OffsetMap, Replacement
from coding.pseudonyms import Proposal
from forms.identity import IdentityError, decrypt_identity, encrypt_identity

CONTEXT = 40
MAX_EXTRA_NAMES = 50
KIND_NAMES = {
    "email": N_("e-mail"),
    "codice_fiscale": N_("codice fiscale"),
    "telefono": N_("phone number"),
    "indirizzo": N_("address"),
    "persona": N_("person"),
    "luogo": N_("place"),
    "nome": N_("name"),
}


@dataclass(frozen=True)
class Shown:
    """A proposal with the text around it."""

    proposal: Proposal
    before: str
    after: str


@dataclass(frozen=True)
class Review:
    items: list[Shown]
    fingerprint: str
    unreadable: int  # name mappings of the study this server's keys cannot read


def may_pseudonymise(user: User, document: CodingDocument) -> bool:
    """The study's leads and the person who uploaded the transcript."""
    return document.created_by_id == user.id or access.is_lead(user, document.coding_project)


def extra_names(text: str) -> list[str]:
    """Names a person typed, one a line, to look for besides the ones found."""
    names = [" ".join(line.split()) for line in text.splitlines()]
    return list(dict.fromkeys(name for name in names if len(name) > 1))[:MAX_EXTRA_NAMES]


def _keys() -> list[str]:
    return list(current_app.config["IDENTITY_KEYS"])


def _mappings(document: CodingDocument) -> tuple[dict[int, dict], int]:
    """The decrypted name mappings of the transcripts of the document's study, and how many failed."""
    query = (
        select(CodingNameMapping)
        .join(CodingDocument, CodingDocument.id == CodingNameMapping.document_id)
        .where(CodingDocument.coding_project_id == document.coding_project_id)
    )
    found, unreadable = {}, 0
    for row in db.session.scalars(query):
        try:
            found[row.document_id] = decrypt_identity(_keys(), row.ciphertext)
        except (IdentityError, ValueError):
            unreadable += 1
    return found, unreadable


def review(user: User, document: CodingDocument, extras: list[str], audited: bool = True) -> Review:
    """What looks identifying in the transcript, with consistent replacements, in text order."""
    mappings, unreadable = _mappings(document)
    people: dict[str, str] = {}
    known: dict[str, str] = {}
    for mapping in mappings.values():
        people.update(pseudonym_mapping.names(mapping))
        known.update(pseudonym_mapping.labelled(mapping))
    done = pseudonym_mapping.records(mappings.get(document.id, {}))
    found = pseudonyms.propose(
        document.text,
        participants=[*people, *(name for name in extras if name not in people)],
        gazetteer=_places(),
        known_words=_codebook_words(document),
    )
    found = [p for p in found if not any(r.start < p.end and p.start < r.end for r in done)]
    proposals = pseudonym_mapping.relabel(found, people, known)
    text = document.text
    items = [
        Shown(p, text[max(0, p.start - CONTEXT) : p.start], text[p.end : p.end + CONTEXT]) for p in proposals
    ]
    if audited:
        audit.record(
            "transcript.pseudonymise.review",
            document,
            org_unit_id=document.coding_project.org_unit_id,
            actor=user,
            proposals=len(proposals),
        )
    return Review(items, _fingerprint(text, proposals), unreadable)


def _places() -> list[str]:
    return list(db.session.scalars(select(OrgUnit.name).where(OrgUnit.kind.in_(access.STUDY_KINDS))))


def _codebook_words(document: CodingDocument) -> list[str]:
    names = db.session.scalars(select(Code.name).where(Code.coding_project_id == document.coding_project_id))
    return [word for name in names for word in name.split()]


def _fingerprint(text: str, proposals: list[Proposal]) -> str:
    described = [[p.start, p.end, p.kind, p.original, p.replacement] for p in proposals]
    payload = json.dumps([hashlib.sha256(text.encode()).hexdigest(), described], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def apply(
    user: User, document: CodingDocument, fingerprint: str, ticked: list[int], extras: list[str]
) -> int:
    """Replace the ticked proposals, move every offset, merge the mapping; returns how many were replaced.
    The caller commits."""
    own = _own_mapping(document)
    current = review(user, document, extras, audited=False)
    if current.fingerprint != fingerprint:
        raise AssistError(
            _("The transcript or what was found in it changed since you reviewed it: review it again.")
        )
    chosen = [current.items[i].proposal for i in sorted(set(ticked)) if 0 <= i < len(current.items)]
    if not chosen:
        raise AssistError(_("Tick at least one replacement."))
    try:
        new_text, applied = pseudonyms.apply(document.text, chosen)
    except PseudonymError as error:
        raise AssistError(in_user_language(str(error))) from None
    offsets = OffsetMap(
        Replacement(p.start, p.end, len(s.replacement))
        for p, s in zip(sorted(chosen, key=lambda p: p.start), applied, strict=True)
    )
    _move(document, offsets)
    document.text = new_text
    document.text_sha256 = hashlib.sha256(new_text.encode("utf-8")).hexdigest()
    _store_mapping(document, pseudonym_mapping.merged(own, offsets, applied))
    kinds: dict[str, int] = {}
    for sub in applied:
        kinds[sub.kind] = kinds.get(sub.kind, 0) + 1
    audit.record(
        "transcript.pseudonymise",
        document,
        org_unit_id=document.coding_project.org_unit_id,
        actor=user,
        replaced=len(applied),
        kinds=kinds,
    )
    return len(applied)


def _own_mapping(document: CodingDocument) -> dict:
    row = db.session.get(CodingNameMapping, document.id)
    if row is None:
        return {}
    try:
        return decrypt_identity(_keys(), row.ciphertext)
    except (IdentityError, ValueError):
        raise AssistError(
            _("The list of names replaced in this transcript cannot be read with this server's keys.")
        ) from None


def _move(document: CodingDocument, offsets: OffsetMap) -> None:
    """Move the turns and every coder's codings of the document to the new text."""
    # Replacements are never empty ("[PERSONA 1]", "P03"), so no span can vanish.
    rows = [*document.turns, *db.session.scalars(select(Coding).where(Coding.document_id == document.id))]
    for row in rows:
        span = offsets.span(row.start, row.end)
        assert span is not None
        row.start, row.end = span


def _store_mapping(document: CodingDocument, mapping: dict) -> None:
    ciphertext = encrypt_identity(_keys(), mapping)
    row = db.session.get(CodingNameMapping, document.id)
    if row is None:
        db.session.add(CodingNameMapping(document_id=document.id, ciphertext=ciphertext))
    else:
        row.ciphertext = ciphertext
