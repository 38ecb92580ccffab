"""The audit log is append-only and written in the transaction of the change it records."""

import pytest

from app import accounts, audit
from app.audit import AuditLogIsAppendOnly
from app.extensions import db
from app.models import AuditEvent, User
from tests.conftest import PASSWORD


def test_an_audit_event_names_actor_action_target_and_origin(app, make_user):
    admin = make_user("root@example.org", "admin")

    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        actor = db.session.get(User, admin.id)
        user = accounts.create_user("new@example.org", PASSWORD)
        audit.record("user.touched", user, actor=actor, reason="test")
        db.session.commit()
        event = db.session.query(AuditEvent).filter_by(action="user.touched").one()

        assert (event.actor_email, event.target_type, event.target_id, event.ip) == (
            "root@example.org",
            "User",
            str(user.id),
            "10.1.2.3",
        )
        assert event.details == {"reason": "test"}


def test_an_event_is_not_kept_when_its_change_rolls_back(app_ctx):
    accounts.create_user("new@example.org", PASSWORD)

    db.session.rollback()

    assert db.session.query(AuditEvent).count() == 0
    assert db.session.query(User).count() == 0


def test_audit_events_cannot_be_changed(app_ctx):
    audit.record("something.done")
    db.session.commit()
    event = db.session.query(AuditEvent).one()

    event.action = "something.else"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()


def test_audit_events_cannot_be_deleted(app_ctx):
    audit.record("something.done")
    db.session.commit()

    db.session.delete(db.session.query(AuditEvent).one())
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
