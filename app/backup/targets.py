"""Where a restore may write, and the transaction it writes in, so a failure leaves the target as it was.

SQLite: the target is a file that must not exist yet (or be empty, 0 bytes). The restore builds the
database in a temporary file beside it and renames it into place only after it has committed and been
verified. PostgreSQL: the target is a database without Humus data: no Humus tables, or Humus tables without
a row (an empty database that `flask db upgrade` has prepared). The whole restore, schema included, is
one transaction: a failure rolls everything back.
"""

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from app.backup import schema
from app.backup.errors import BackupError, TargetNotEmpty
from app.backup.instance_files import SQLITE_COMPANIONS
from app.extensions import db


def refuse_if_not_empty(url: sa.URL, revision: str | None) -> None:
    """Raise TargetNotEmpty unless `url` names an empty place to restore into (see the module)."""
    if url.get_backend_name() == "sqlite":
        _sqlite_path(url)
        return
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            _refuse_postgres(connection, revision)
    except sa.exc.OperationalError as exc:
        raise BackupError(f"Cannot connect to the target database: {str(exc).splitlines()[0]}") from exc
    finally:
        engine.dispose()


@contextmanager
def open_target(url: sa.URL, revision: str | None) -> Iterator[sa.Connection]:
    """A connection in a transaction on the empty target, committed only if the block succeeds."""
    if url.get_backend_name() == "sqlite":
        with _sqlite_target(_sqlite_path(url)) as connection:
            yield connection
        return
    engine = _engine(url)
    try:
        with engine.connect() as connection, connection.begin():
            _refuse_postgres(connection, revision)
            yield connection
    finally:
        engine.dispose()


def _engine(url: sa.URL) -> sa.Engine:
    backend = url.get_backend_name()
    if backend != "postgresql":
        raise BackupError(f"Restore supports SQLite and PostgreSQL databases, not {backend}.")
    return sa.create_engine(url, poolclass=NullPool)


def _refuse_postgres(connection: sa.Connection, revision: str | None) -> None:
    present = set(sa.inspect(connection).get_table_names())
    ours = [table for table in db.metadata.sorted_tables if table.name in present]
    with_rows = [
        t.name for t in ours if connection.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first()
    ]
    if with_rows:
        raise TargetNotEmpty(
            f"The target database already holds Humus data (in {', '.join(with_rows[:6])}): "
            "restore only into an empty database, for example one made with createdb."
        )
    current = schema.database_revision(connection) if "alembic_version" in present else None
    if revision is not None and current is not None and current != revision:
        raise TargetNotEmpty(
            f"The target database is stamped with schema revision {current}, the backup with {revision}: "
            "restore into an empty database."
        )


def _sqlite_path(url: sa.URL) -> Path:
    """The target file, after checking that it is new or empty and its folder exists."""
    if not url.database or url.database == ":memory:":
        raise BackupError("Restore needs a SQLite database file, not an in-memory database.")
    path = Path(url.database).resolve()
    if not path.parent.is_dir():
        raise BackupError(f"The folder of the target database, {path.parent}, does not exist.")
    for companion in (Path(str(path) + suffix) for suffix in SQLITE_COMPANIONS):
        if companion.exists() and companion.stat().st_size > 0:
            raise TargetNotEmpty(
                f"The target database file {companion} already exists and is not empty: "
                "restore into a new file (DATABASE_URL or --database-url)."
            )
    return path


@contextmanager
def _sqlite_target(path: Path) -> Iterator[sa.Connection]:
    """Build the database in a temporary file beside `path`; rename it into place once committed."""
    building = path.with_name(f".{path.name}.restoring-{secrets.token_hex(6)}")
    engine = sa.create_engine(f"sqlite:///{building}", poolclass=NullPool)
    # A file nobody else opens and that is thrown away on failure needs no journal on disk nor a sync per
    # statement (pysqlite runs each CREATE TABLE in its own transaction); it is synced once, at the end.
    sa.event.listen(engine, "connect", _fast_build)
    try:
        with engine.begin() as connection:
            yield connection
        engine.dispose()
        _sync(building)
        _sqlite_path(sa.make_url(f"sqlite:///{path}"))  # still new or empty: nobody wrote it meanwhile
        os.replace(building, path)
        _sync(path.parent)
    finally:
        engine.dispose()
        for suffix in SQLITE_COMPANIONS:
            Path(str(building) + suffix).unlink(missing_ok=True)


def _fast_build(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode = MEMORY")
    cursor.execute("PRAGMA synchronous = OFF")
    cursor.close()


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
