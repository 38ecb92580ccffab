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


def _form_with_version():
    from app.models import Form, FormVersion, Project

    project = Project(code="p", name="P")
    form = Form(project=project, xml_form_id="monitoraggio", title="Monitoraggio")
    version = FormVersion(
        form=form,
        version="1",
        xlsform=b"x",
        xlsform_filename="m.xlsx",
        xform="<h:html/>",
        spec={},
        sha256="0",
    )
    db.session.add_all([project, form, version])
    db.session.flush()
    return form, version


def test_a_form_cannot_store_two_submissions_with_the_same_instance_id(app_ctx):
    from app.models import Submission

    form, version = _form_with_version()

    def submission() -> Submission:
        return Submission(
            form=form, form_version=version, instance_id="uuid:1", xml="<data/>", data={}, content_sha256="0"
        )

    db.session.add(submission())
    db.session.commit()
    db.session.add(submission())
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_form_cannot_have_two_versions_with_the_same_version_string(app_ctx):
    from app.models import FormVersion

    form, version = _form_with_version()
    db.session.commit()

    db.session.add(
        FormVersion(
            form=form, version="1", xlsform=b"y", xlsform_filename="m.xlsx", xform="", spec={}, sha256="1"
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
