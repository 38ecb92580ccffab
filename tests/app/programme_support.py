"""Programme rows in one org unit, for tests that need an event, an attachment and a voucher somewhere."""

from datetime import date

from app.extensions import db
from app.models import (
    EventAttachment,
    ProgrammeAction,
    ProgrammeActivity,
    ProgrammeEvent,
    Project,
    VoucherAssignment,
    VoucherStatusChange,
    VoucherType,
)


def programme_rows(project: Project, unit_id: int) -> dict[str, int]:
    """An action, an activity, an event with an attachment, a voucher type and a voucher, in `unit_id`."""
    action = ProgrammeAction(project=project, code="Azione 9", title="Azione")
    activity = ProgrammeActivity(action=action, code="9.1", title="Attività")
    event = ProgrammeEvent(
        activity=activity,
        kind="focus_group",
        title="Focus group",
        held_on=date(2025, 3, 1),
        org_unit_id=unit_id,
    )
    db.session.add_all([action, activity, event])
    db.session.flush()
    attachment = EventAttachment(
        event_id=event.id,
        kind="sign_in",
        name="firme.txt",
        content_type="text/plain; charset=utf-8",
        size=5,
        sha256="0" * 64,
        content=b"firme",
    )
    vtype = VoucherType(project_id=project.id, name="Base", level="base", amount_cents=50_000, quantity=5)
    db.session.add_all([attachment, vtype])
    db.session.flush()
    voucher = VoucherAssignment(
        voucher_type_id=vtype.id, household="NF-LE-1", org_unit_id=unit_id, assigned_on=date(2025, 3, 1)
    )
    voucher.changes.append(VoucherStatusChange(status="assigned", on=date(2025, 3, 1)))
    db.session.add(voucher)
    db.session.flush()
    return {
        "action": action.id,
        "activity": activity.id,
        "event": event.id,
        "attachment": attachment.id,
        "voucher_type": vtype.id,
        "voucher": voucher.id,
    }
