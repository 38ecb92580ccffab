"""The backup commands: `humus backup FILE`, `humus verify-backup FILE`, `humus restore FILE`.

The passphrase comes from --passphrase-file, else the HUMUS_BACKUP_PASSPHRASE environment variable, else
a prompt; never from the command line, where other users could read it in the process list.
"""

import os
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from app.backup import restore as restoring
from app.backup import snapshot
from app.backup.errors import BackupError
from app.backup.sealed import check_passphrase
from app.config import normalise_database_url

PASSPHRASE_ENV = "HUMUS_BACKUP_PASSPHRASE"  # noqa: S105 - the name of the variable
PASSPHRASE_FILE = click.option(
    "--passphrase-file",
    type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
    help=f"File holding the passphrase (default: ${PASSPHRASE_ENV}, else a prompt).",
)
ARCHIVE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


def register(group: AppGroup) -> None:
    """Attach the backup commands to the humus group."""
    group.command("backup")(backup)
    group.command("verify-backup")(verify_backup)
    group.command("restore")(restore)


@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@PASSPHRASE_FILE
def backup(file: Path, passphrase_file: Path | None) -> None:
    """Write an encrypted backup of the database and the instance files to FILE (a new file)."""
    passphrase = _passphrase(passphrase_file, confirm=True)
    summary = _run(snapshot.make_backup, file, passphrase)
    click.echo(f"Backup written to {summary.path} ({summary.size} bytes).")
    _describe(summary.manifest)
    click.echo(f"sha256 of the archive: {summary.sha256}")


@click.argument("file", type=ARCHIVE)
@PASSPHRASE_FILE
def verify_backup(file: Path, passphrase_file: Path | None) -> None:
    """Decrypt FILE and check every chunk, table and file against its manifest, without restoring it."""
    manifest = _run(restoring.verify_archive, file, _passphrase(passphrase_file, confirm=False))
    click.echo(f"{file}: the archive is complete and intact.")
    _describe(manifest)


@click.argument("file", type=ARCHIVE)
@PASSPHRASE_FILE
@click.option(
    "--database-url",
    help="Database to restore into (default: the configured DATABASE_URL). It must be empty.",
)
@click.option(
    "--instance-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the instance files (default: the instance folder).",
)
def restore(
    file: Path, passphrase_file: Path | None, database_url: str | None, instance_dir: Path | None
) -> None:
    """Restore FILE into an empty database, verifying every table and file against the backup."""
    url = sa.make_url(normalise_database_url(database_url or current_app.config["SQLALCHEMY_DATABASE_URI"]))
    instance = instance_dir or Path(current_app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    passphrase = _passphrase(passphrase_file, confirm=False)
    summary = _run(restoring.restore, file, passphrase, url, instance)
    click.echo(
        f"Restored {summary.rows} rows in {len(summary.manifest['tables'])} tables and {summary.files} files "
        f"into {url.render_as_string(hide_password=True)}; every table matches the backup."
    )


def _passphrase(source: Path | None, *, confirm: bool) -> str:
    if source is not None:
        passphrase = source.read_text(encoding="utf-8").rstrip("\r\n")
    elif os.environ.get(PASSPHRASE_ENV):
        passphrase = os.environ[PASSPHRASE_ENV]
    else:
        passphrase = click.prompt("Backup passphrase", hide_input=True, confirmation_prompt=confirm)
    if confirm:
        _run(check_passphrase, passphrase)
    return passphrase


def _run(action: Any, *args: Any) -> Any:
    """Call `action`, turning a backup error into a clean failure (message, exit status 1)."""
    try:
        return action(*args)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc


def _describe(manifest: dict[str, Any]) -> None:
    rows = sum(table["rows"] for table in manifest["tables"])
    revision = manifest.get("alembic_revision") or "not stamped"
    click.echo(
        f"Made {manifest.get('created_at')} by Humus {manifest.get('humus_version')} "
        f"(schema {revision}, from {manifest.get('source_database')}): "
        f"{rows} rows in {len(manifest['tables'])} tables, {len(manifest['files'])} instance files."
    )
