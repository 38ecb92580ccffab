"""The `flask --app wsgi humus ...` commands."""

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app import accounts
from app.auth import tokens
from app.auth.passwords import WeakPassword
from app.extensions import db
from app.models import OrgUnit, Project, Role

humus = AppGroup("humus", help="Humus administration commands.")


def init_app(app: Flask) -> None:
    from app import demo
    from app.backup import cli as backup_cli
    from app.statistics import population
    from app.territory import cli as territory_cli

    territory_cli.register(humus)
    backup_cli.register(humus)
    population.register(humus)
    demo.register(humus)
    app.cli.add_command(humus)


def _org_unit(code: str | None) -> OrgUnit | None:
    if code is None:
        return None
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).first()
    if unit is None:
        raise click.ClickException(f"No org unit with code {code!r}: load the territory first.")
    return unit


def _project(code: str | None) -> Project | None:
    if code is None:
        return None
    project = db.session.scalars(select(Project).where(Project.code == code)).first()
    if project is None:
        raise click.ClickException(f"No project with code {code!r}.")
    return project


@humus.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--org-unit", "org_unit_code", help="Code of the org unit (default: whole network).")
@click.option("--project", "project_code", help="Project code (default: all projects).")
@click.option("--name", default="", help="Full name.")
@click.password_option(help="Password (asked for when not given).")
def create_user(
    email: str,
    role: str,
    org_unit_code: str | None,
    project_code: str | None,
    name: str,
    password: str,
) -> None:
    """Create a user with a role over an org unit and its subtree."""
    try:
        unit = _org_unit(org_unit_code)
        user = accounts.create_user(email, password, name=name, org_unit_id=unit.id if unit else None)
        accounts.grant_role(user, role, unit, _project(project_code))
    except (accounts.AccountError, WeakPassword) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    except click.ClickException:
        db.session.rollback()
        raise
    db.session.commit()
    click.echo(f"Created {user.email} ({role}).")


@humus.command("create-token")
@click.argument("email")
@click.option("--name", default="cli", help="A name to recognise the token by.")
def create_token(email: str, name: str) -> None:
    """Create an API token for a user and print it (it is shown only once)."""
    from app.auth.services import find_user_by_email

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with email {email!r}.")
    _row, plain = tokens.issue_token(user, name)
    db.session.commit()
    click.echo(plain)
