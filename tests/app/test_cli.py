"""The humus commands: create-user and create-token."""

from app.extensions import db
from app.models import User
from tests.conftest import PASSWORD


def test_create_user_then_create_token_gives_a_working_api_token(app, territory):
    runner = app.test_cli_runner()

    created = runner.invoke(
        args=[
            "humus",
            "create-user",
            "ada@example.org",
            "--role",
            "operator",
            "--org-unit",
            "ATS-BA1",
            "--password",
            PASSWORD,
        ]
    )
    issued = runner.invoke(args=["humus", "create-token", "ada@example.org"])

    assert created.exit_code == 0, created.output
    token = issued.output.strip()
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.json["roles"][0]["org_unit"] == "ATS-BA1"


def test_create_user_refuses_a_duplicate_email_whatever_the_case(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["humus", "create-user", "ada@example.org", "--role", "admin", "--password", PASSWORD])

    again = runner.invoke(
        args=["humus", "create-user", "ADA@example.org", "--role", "admin", "--password", PASSWORD]
    )

    assert again.exit_code != 0
    assert "already exists" in again.output or "Esiste già" in again.output
    with app.app_context():
        assert db.session.query(User).count() == 1


def test_create_user_refuses_a_weak_password_and_stores_nothing(app):
    result = app.test_cli_runner().invoke(
        args=["humus", "create-user", "ada@example.org", "--role", "admin", "--password", "corta"]
    )

    assert result.exit_code != 0
    with app.app_context():
        assert db.session.query(User).count() == 0


def test_create_user_refuses_an_unknown_org_unit(app):
    result = app.test_cli_runner().invoke(
        args=[
            "humus",
            "create-user",
            "ada@example.org",
            "--role",
            "admin",
            "--org-unit",
            "NOPE",
            "--password",
            PASSWORD,
        ]
    )

    assert result.exit_code != 0 and "NOPE" in result.output
    with app.app_context():
        assert db.session.query(User).count() == 0


def test_create_token_for_an_unknown_user_fails(app):
    result = app.test_cli_runner().invoke(args=["humus", "create-token", "nobody@example.org"])

    assert result.exit_code != 0
