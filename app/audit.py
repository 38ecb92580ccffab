"""Writing audit events in the transaction of the change they record, and keeping them append-only."""

from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import AuditEvent, User, utcnow

# Built once: a statement made per call with .values() costs four times its execution.
_INSERT_EVENT = insert(AuditEvent.__table__)


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


def record(
    action: str,
    target: Any = None,
    *,
    org_unit_id: int | None = None,
    actor: User | None = None,
    **details: Any,
) -> None:
    """Add an audit event to the current transaction; the caller's commit stores it with the change."""
    if target is not None and getattr(target, "id", 0) is None:
        db.session.flush()  # give a new target its id
    target_type = type(target).__name__ if target is not None else ""
    target_id = getattr(target, "id", "") if target is not None else ""
    record_row(action, target_type, target_id, org_unit_id=org_unit_id, actor=actor, **details)


def record_row(
    action: str,
    target_type: str,
    target_id: Any,
    *,
    org_unit_id: int | None = None,
    actor: User | None = None,
    **details: Any,
) -> None:
    """Add an audit event about a row known by its type and id, inside the current transaction.

    One INSERT statement rather than an object for the unit of work: an event is never read back in the
    request that writes it, and every submission writes one. Pending changes are flushed first, so the
    actor, the target and the org unit the event names are already rows."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    db.session.flush()
    event = {
        "at": utcnow(),
        "action": action,
        "actor_id": actor.id if actor else None,
        "actor_email": actor.email if actor else "",
        "target_type": target_type,
        "target_id": str(target_id or ""),
        "org_unit_id": org_unit_id,
        "ip": _client_ip(),
        "details": details,
    }
    db.session.execute(_INSERT_EVENT, event)


def _client_ip() -> str:
    if not has_request_context():
        return "cli"
    return (request.remote_addr or "")[:64]


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("Audit events cannot be changed or deleted.")
