"""Writing audit events in the transaction of the change they record, and keeping them append-only."""

from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import AuditEvent, User


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


def record(
    action: str,
    target: Any = None,
    *,
    org_unit_id: int | None = None,
    actor: User | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the current session; the caller's commit stores it with the change."""
    if target is not None and getattr(target, "id", 0) is None:
        db.session.flush()  # give a new target its id
    target_type = type(target).__name__ if target is not None else ""
    target_id = getattr(target, "id", "") if target is not None else ""
    return record_row(action, target_type, target_id, org_unit_id=org_unit_id, actor=actor, **details)


def record_row(
    action: str,
    target_type: str,
    target_id: Any,
    *,
    org_unit_id: int | None = None,
    actor: User | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event about a row known by its type and id (one inserted without the unit of work)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    event_row = AuditEvent(
        action=action,
        actor=actor,
        actor_email=actor.email if actor else "",
        target_type=target_type,
        target_id=str(target_id or ""),
        org_unit_id=org_unit_id,
        ip=_client_ip(),
        details=details,
    )
    db.session.add(event_row)
    return event_row


def _client_ip() -> str:
    if not has_request_context():
        return "cli"
    return (request.remote_addr or "")[:64]


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("Audit events cannot be changed or deleted.")
