"""Protected identities of case records: encrypted at rest, shown only in the owning scope, and transfers.

Direct identifiers (name, surname, codice fiscale, birth date, address) are kept only in the case row,
encrypted with the keys from the environment (`IDENTITY_KEYS`); the pseudonym, a keyed hash of the person,
is what every other place may hold. Who sees the identifiers: people who keep cases in the case's own Ambito
or comune (an assignment at that level or below it covers the case). Province, region and network-wide
roles reach the case but see only its pseudonym: they coordinate, they do not need to know who it is.
"""

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import current_app

from app import audit
from app.extensions import db
from app.models import Entity, OrgUnit, User, utcnow
from app.permissions import Permission, roles_with
from forms.identity import (
    IdentityError,
    check_codice_fiscale,
    decrypt_identity,
    encrypt_identity,
    pseudonym,
)

__all__ = [
    "IDENTITY_FIELDS",
    "can_see_identity",
    "identity_of",
    "person_pseudonym",
    "set_identity",
    "transfer_case",
]

IDENTITY_FIELDS = ("nome", "cognome", "codice_fiscale", "data_nascita", "indirizzo")
LOCAL_KINDS = frozenset({"ambito", "comune", "agency", "service"})


def person_pseudonym(identity: Mapping[str, Any]) -> str | None:
    """The keyed pseudonym of a person: from the codice fiscale, else from surname, name and birth date;
    None when the identity holds neither."""
    key = current_app.config["PSEUDONYM_KEY"].encode()
    if identity.get("codice_fiscale"):
        return pseudonym(key, str(identity["codice_fiscale"]))
    parts = [identity.get("cognome"), identity.get("nome"), identity.get("data_nascita")]
    if all(parts):
        return pseudonym(key, *(str(p) for p in parts))
    return None


def can_see_identity(user: User, case: Entity) -> bool:
    """Whether the user keeps cases at the case's Ambito or comune level, with the case inside."""
    if case.org_unit is None:
        return False
    keepers = roles_with(Permission.KEEP_CASES)
    project_id = case.entity_list.project_id
    for assignment in user.assignments:
        unit = assignment.org_unit
        if assignment.role not in keepers or assignment.project_id not in (None, project_id):
            continue
        if unit is not None and unit.kind in LOCAL_KINDS and case.org_unit.path.startswith(unit.path):
            return True
    return False


def identity_of(case: Entity) -> dict[str, Any]:
    """The decrypted identifiers of a case ({} when none were recorded); IdentityError if unreadable."""
    if not case.identity:
        return {}
    return decrypt_identity(list(current_app.config["IDENTITY_KEYS"]), case.identity)


def identity_version(case: Entity) -> str:
    """A short digest of the stored (encrypted) identity: it changes with every save, says nothing of it."""
    return hashlib.sha256(bytes(case.identity or b"")).hexdigest()[:32]


def set_identity(user: User, case: Entity, values: Mapping[str, str]) -> None:
    """Store the identifiers of a case, encrypted, and its pseudonym; IdentityError for a bad codice fiscale
    or birth date. The audit event says that they changed, never what they are."""
    identity = {name: (values.get(name) or "").strip() for name in IDENTITY_FIELDS}
    if identity["codice_fiscale"]:
        identity["codice_fiscale"] = check_codice_fiscale(identity["codice_fiscale"])
    if identity["data_nascita"]:
        try:
            born = date.fromisoformat(identity["data_nascita"])
        except ValueError:
            raise IdentityError("birth_date", value=identity["data_nascita"]) from None
        if born > date.today():
            raise IdentityError("birth_date", value=identity["data_nascita"])
    kept = {name: value for name, value in identity.items() if value}
    case.identity = encrypt_identity(list(current_app.config["IDENTITY_KEYS"]), kept) if kept else None
    case.pseudonym = person_pseudonym(kept)
    audit.record(
        "case.identity_updated",
        case,
        org_unit_id=case.org_unit_id,
        actor=user,
        fields=sorted(kept),
    )
    db.session.commit()


def transfer_case(user: User, case: Entity, target: OrgUnit, reason: str) -> None:
    """Move a case to another comune or Ambito (the family moved): its scope follows, with audit."""
    source = case.org_unit
    case.org_unit_id = target.id
    case.updated_at = utcnow()  # the scoped entity lists change on both sides
    audit.record(
        "case.transferred",
        case,
        org_unit_id=target.id,
        actor=user,
        source=source.code if source else None,
        source_id=source.id if source else None,
        destination=target.code,
        reason=reason[:500],
    )
    db.session.commit()
