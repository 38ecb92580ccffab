"""The schema side of a restore: which revision a database and this code are at, and whether a backup fits.

A backup is restored by the Humus release that made it (as GitLab and most applications require): the
restore creates this code's schema and stamps the archive's Alembic revision, so the two must agree. A
newer release then upgrades the restored database with `flask db upgrade` as usual.
"""

from typing import Any

import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from app import MIGRATIONS_DIR
from app.backup import tables
from app.backup.errors import IncompatibleBackup


def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    return ScriptDirectory.from_config(config)


def code_revision() -> str | None:
    """The head revision of this code's migrations."""
    return _scripts().get_current_head()


def database_revision(connection: sa.Connection) -> str | None:
    """The Alembic revision a database is stamped with, or None (never migrated, e.g. made by create_all)."""
    return MigrationContext.configure(connection).get_current_revision()


def stamp(connection: sa.Connection, revision: str) -> None:
    """Record `revision` in alembic_version, inside the connection's transaction."""
    MigrationContext.configure(connection).stamp(_scripts(), revision)


def check_compatible(manifest: dict[str, Any], metadata: sa.MetaData) -> None:
    """Refuse an archive whose revision or tables differ from this code's schema."""
    revision, head = manifest.get("alembic_revision"), code_revision()
    if revision is not None and revision != head:
        raise IncompatibleBackup(
            f"The backup was made at schema revision {revision} (Humus {manifest.get('humus_version')}), "
            f"this Humus is at {head}: restore it with the release that made it, then upgrade."
        )
    expected = {t.name: [list(c) for c in tables.columns_of(t)] for t in metadata.sorted_tables}
    archived = {t["name"]: t["columns"] for t in manifest["tables"]}
    if archived != expected:
        different = sorted(n for n in set(expected) | set(archived) if expected.get(n) != archived.get(n))
        raise IncompatibleBackup(
            "The backup's tables differ from this Humus's schema (" + ", ".join(different[:8]) + "): "
            "restore it with the release that made it."
        )
