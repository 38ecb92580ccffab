"""The audit log is append-only and written in the transaction of the change it records."""

import pytest
from sqlalchemy.exc import IntegrityError

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


def test_an_audited_insert_stores_the_row_and_one_event_naming_it(app_ctx):
    actor = accounts.create_user("writer@example.org", PASSWORD)
    db.session.commit()
    values = {"email": "row@example.org", "password_hash": "x", "active": True}

    row_id = audit.insert_audited(User.__table__, values, "user.inserted", "User", actor=actor, why="test")
    db.session.commit()

    event = db.session.query(AuditEvent).filter_by(action="user.inserted").one()
    assert db.session.get(User, row_id).email == "row@example.org"
    assert (event.target_type, event.target_id, event.actor_email) == (
        "User",
        str(row_id),
        "writer@example.org",
    )
    assert event.details == {"why": "test"}


def test_an_audited_insert_that_breaks_a_constraint_leaves_no_event(app_ctx):
    accounts.create_user("taken@example.org", PASSWORD)
    db.session.commit()
    values = {"email": "taken@example.org", "password_hash": "x", "active": True}

    with pytest.raises(IntegrityError):
        audit.insert_audited(User.__table__, values, "user.inserted", "User")
    db.session.rollback()

    assert db.session.query(AuditEvent).filter_by(action="user.inserted").count() == 0
    assert db.session.query(User).filter_by(email="taken@example.org").count() == 1
