"""Writing audit events in the transaction of the change they record, and keeping them append-only."""

from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import Integer, String, Table, bindparam, cast, event, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

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
    db.session.flush()
    db.session.connection().execute(
        _INSERT_EVENT, _event_values(action, target_type, target_id, org_unit_id, actor, details)
    )


def insert_audited(
    table: Table,
    values: dict[str, Any],
    action: str,
    target_type: str,
    *,
    org_unit_id: int | None = None,
    actor: User | None = None,
    **details: Any,
) -> int:
    """Insert one row of `table` and the audit event about it in the current transaction; return its id.

    On PostgreSQL both go in one statement (the row's insert as a CTE feeding the event's), which saves a
    round trip on the paths that write a row per request; elsewhere they are two statements. The caller
    handles IntegrityError as for a plain insert: the event is written only with its row.
    Both run on the session's connection, in its transaction, once pending changes are flushed."""
    db.session.flush()
    connection = db.session.connection()
    event = _event_values(action, target_type, "", org_unit_id, actor, details)
    if connection.dialect.name != "postgresql":
        row_id = connection.execute(_plain_insert(table), values).inserted_primary_key[0]
        event["target_id"] = str(row_id)
        connection.execute(_INSERT_EVENT, event)
        return row_id
    parameters = {**values, **{f"event_{key}": value for key, value in event.items()}}
    return int(connection.execute(_audited_statement(table, tuple(values)), parameters).scalar_one())


_PLAIN: dict[str, Insert] = {}
_AUDITED: dict[tuple[str, tuple[str, ...]], Insert] = {}


def _plain_insert(table: Table) -> Insert:
    if table.name not in _PLAIN:
        _PLAIN[table.name] = insert(table)
    return _PLAIN[table.name]


def _audited_statement(table: Table, columns: tuple[str, ...]) -> Insert:
    """INSERT the row RETURNING id as a CTE, then INSERT the event selecting that id: built once per shape."""
    key = (table.name, columns)
    if key not in _AUDITED:
        new_row = (
            insert(table)
            .values({name: bindparam(name, type_=table.c[name].type) for name in columns})
            .returning(table.c.id)
            .cte(f"new_{table.name}")
        )
        events = AuditEvent.__table__
        event_columns = [name for name in events.c.keys() if name != "id"]  # noqa: SIM118 - a column collection
        selected = [
            cast(new_row.c.id, String(64))
            if name == "target_id"
            else bindparam(f"event_{name}", type_=events.c[name].type)
            for name in event_columns
        ]
        _AUDITED[key] = (
            insert(events)
            .from_select(event_columns, select(*selected))
            .returning(cast(events.c.target_id, Integer))
        )
    return _AUDITED[key]


def _event_values(
    action: str,
    target_type: str,
    target_id: Any,
    org_unit_id: int | None,
    actor: User | None,
    details: dict[str, Any],
) -> dict[str, Any]:
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    return {
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


def _client_ip() -> str:
    if not has_request_context():
        return "cli"
    return (request.remote_addr or "")[:64]


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("Audit events cannot be changed or deleted.")
