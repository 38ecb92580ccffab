"""Constraints the database itself enforces, so that races between requests cannot break them."""

import pytest
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import OrgUnit, RoleAssignment, User


def _user(email: str) -> User:
    return User(email=email, password_hash="x")


def test_two_users_cannot_share_an_email_that_differs_only_in_case(app_ctx):
    db.session.add(_user("ada@example.org"))
    db.session.commit()

    db.session.add(_user("ADA@example.org"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("org_unit", [None, "072"])
def test_the_same_role_cannot_be_granted_twice_even_network_wide(app_ctx, org_unit):
    user = _user("ada@example.org")
    unit = OrgUnit(code="072", name="Bari", kind="province", path="/1/") if org_unit else None
    db.session.add_all([user, RoleAssignment(user=user, role="admin", org_unit=unit)])
    db.session.commit()

    db.session.add(RoleAssignment(user=user, role="admin", org_unit=unit))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_an_unknown_role_is_refused_by_the_database(app_ctx):
    user = _user("ada@example.org")
    db.session.add_all([user, RoleAssignment(user=user, role="superuser")])

    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
