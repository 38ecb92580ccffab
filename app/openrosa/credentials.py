"""What a person does with their device credentials: create one (password shown once), list, revoke."""

import re
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.accounts import home_org_unit_id
from app.auth import passwords
from app.extensions import db
from app.models import DeviceCredential, OrgUnit, User, utcnow
from app.permissions import Permission, roles_with
from app.scoping import subtree_condition, user_scope

# No 0/o, 1/l/i: the password is typed on a phone keyboard when the QR code cannot be scanned.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_GROUPS, _GROUP_LENGTH = 4, 5  # 20 characters from 31: about 99 bits
_FILING_KINDS = ("ambito", "comune", "agency", "service")


class CredentialError(ValueError):
    """A credential that cannot be created as asked; the message is for the person who asked."""


@dataclass(frozen=True)
class Issued:
    """A new credential and its password, which is never stored and so can be shown only now."""

    credential: DeviceCredential
    password: str


def user_credentials(user: User) -> list[DeviceCredential]:
    query = select(DeviceCredential).where(DeviceCredential.user_id == user.id)
    return list(db.session.scalars(query.order_by(DeviceCredential.created_at.desc(), DeviceCredential.id)))


def issue_credential(user: User, label: str, org_unit_id: int | None = None) -> Issued:
    """Create device credentials for the user, optionally filing records under one of their units."""
    unit = _filing_unit(user, org_unit_id)
    password = "-".join(_random(_GROUP_LENGTH) for _ in range(_GROUPS))
    row = DeviceCredential(
        user=user,
        label=label.strip()[:100],
        username=_new_username(user),
        password_hash=passwords.hash_password(password),
        org_unit=unit,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "device_credential.created",
        row,
        org_unit_id=home_org_unit_id(user),
        actor=user,
        username=row.username,
        label=row.label,
        files_under=unit.code if unit else None,
    )
    db.session.commit()
    return Issued(row, password)


def revoke_credential(user: User, credential_id: int) -> bool:
    """Revoke one of the user's own credentials at once; False when it is not theirs."""
    row = db.session.get(DeviceCredential, credential_id)
    if row is None or row.user_id != user.id:
        return False
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(
            "device_credential.revoked",
            row,
            org_unit_id=home_org_unit_id(user),
            actor=user,
            username=row.username,
        )
        db.session.commit()
    return True


def units_to_choose(user: User) -> list[OrgUnit]:
    """The units a device may file records under, when the user fills forms for more than one (else none)."""
    fillers = roles_with(Permission.FILL_FORMS)
    scope = user_scope(user, roles=fillers)
    own = {a.org_unit_id for a in user.assignments if a.role in fillers}
    if len(own) == 1 and not scope.everywhere:
        return []
    query = select(OrgUnit).where(subtree_condition(scope, OrgUnit.path), OrgUnit.kind.in_(_FILING_KINDS))
    return list(db.session.scalars(query.order_by(OrgUnit.path)))


def _filing_unit(user: User, org_unit_id: int | None) -> OrgUnit | None:
    if org_unit_id is None:
        return None
    unit = next((u for u in units_to_choose(user) if u.id == org_unit_id), None)
    if unit is None:
        raise CredentialError(_("Choose one of the org units you fill in forms for."))
    return unit


def _new_username(user: User) -> str:
    base = re.sub(r"[^a-z0-9]+", ".", user.email.split("@", 1)[0].lower()).strip(".")[:40] or "humus"
    while True:
        candidate = f"{base}-{_random(4)}"
        taken = db.session.scalar(select(DeviceCredential.id).where(DeviceCredential.username == candidate))
        if taken is None:
            return candidate


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
