"""`humus backup`: a consistent snapshot of the database and the instance files, in one encrypted archive.

Consistency while the application runs: on SQLite the database is first copied with SQLite's online
backup API (`sqlite3.Connection.backup`) into a private temporary file, which is then read; on PostgreSQL
every table is read in one REPEATABLE READ, READ ONLY transaction, the snapshot pg_dump itself uses. Rows
are written table by table through the models' metadata (rows.py says how each type is encoded), which
keeps the archive independent of the engine: the restore runs in one transaction and checks every table
before it commits, and a SQLite backup can be restored into PostgreSQL and back.
"""

import gzip
import hashlib
import importlib.metadata
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.pool import NullPool

from app import audit
from app.backup import schema, tables
from app.backup.errors import BackupError
from app.backup.instance_files import data_files, database_files
from app.backup.layout import ArchiveWriter
from app.backup.sealed import DEFAULT_CHUNK_SIZE, DEFAULT_LOG_N, SealedWriter
from app.extensions import db
from app.models import utcnow


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    sha256: str
    size: int
    manifest: dict[str, Any]


def make_backup(path: Path, passphrase: str) -> BackupSummary:
    """Write the archive to `path` (which must not exist), record it in the audit log, and describe it."""
    if path.exists():
        raise BackupError(f"{path} already exists: choose a new file name.")
    partial = path.with_name(path.name + ".part")
    handle = _private_file(partial)
    try:
        with handle:
            hashing = _HashingWriter(handle)
            manifest = _write_archive(hashing, passphrase, excluded=[path, partial])
            handle.flush()
            os.fsync(handle.fileno())
        os.link(partial, path)  # fails rather than replace a file created meanwhile
    finally:
        partial.unlink(missing_ok=True)
    summary = BackupSummary(path, hashing.digest.hexdigest(), hashing.size, manifest)
    audit.record_row(
        "backup.created",
        "",
        "",
        file=path.name,
        sha256=summary.sha256,
        rows=sum(table["rows"] for table in manifest["tables"]),
        files=len(manifest["files"]),
    )
    db.session.commit()
    return summary


def _write_archive(out: BinaryIO, passphrase: str, excluded: list[Path]) -> dict[str, Any]:
    config = current_app.config
    sealed = SealedWriter(
        out,
        passphrase,
        log_n=int(config.get("BACKUP_SCRYPT_LOG_N", DEFAULT_LOG_N)),
        chunk_size=int(config.get("BACKUP_CHUNK_SIZE", DEFAULT_CHUNK_SIZE)),
    )
    with gzip.GzipFile(fileobj=sealed, mode="wb", mtime=0) as compressed:  # type: ignore[arg-type]
        archive = ArchiveWriter(compressed)  # type: ignore[arg-type]
        with _snapshot() as connection:
            meta = _meta(connection)
            for table in db.metadata.sorted_tables:
                archive.begin_table(table.name, tables.columns_of(table))
                for line in tables.row_lines(connection, table):
                    archive.add_row(line)
        _add_files(archive, excluded)
        manifest = archive.finish(meta)
    sealed.close()
    return manifest


def _add_files(archive: ArchiveWriter, excluded: list[Path]) -> None:
    """The instance files, read after the database snapshot: a job result that expires meanwhile is
    simply not there any more (the application deletes them after a week)."""
    for relative, absolute in data_files(Path(current_app.instance_path), excluded + _database_files()):
        try:
            source = absolute.open("rb")
        except FileNotFoundError:
            continue
        with source:
            archive.add_file(relative, source)


@contextmanager
def _snapshot() -> Iterator[sa.Connection]:
    """A connection that sees the whole database as it was at one instant, for as long as it is open."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        with db.engine.connect().execution_options(**options) as connection, connection.begin():
            yield connection
        return
    if dialect != "sqlite":
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {dialect}.")
    with tempfile.TemporaryDirectory(prefix="humus-backup-") as folder:
        copy = Path(folder, "snapshot.sqlite")
        _sqlite_copy(copy)
        engine = sa.create_engine(f"sqlite:///{copy}", poolclass=NullPool)
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()


def _sqlite_copy(destination: Path) -> None:
    """Copy the live SQLite database with the online backup API (consistent, writers are not blocked)."""
    with db.engine.connect() as connection:
        source = connection.connection.driver_connection
        target = sqlite3.connect(destination)
        try:
            source.backup(target)  # type: ignore[union-attr]
        finally:
            target.close()


def _meta(connection: sa.Connection) -> dict[str, Any]:
    revision = schema.database_revision(connection)
    head = schema.code_revision()
    if revision is not None and revision != head:
        raise BackupError(
            f"The database schema is at revision {revision} but this Humus expects {head}: "
            "run `flask --app wsgi db upgrade` (or use the Humus release that matches the database)."
        )
    return {
        "created_at": utcnow().isoformat() + "Z",
        "humus_version": _version(),
        "alembic_revision": revision,
        "source_database": connection.dialect.name,
    }


def _database_files() -> list[Path]:
    if db.engine.dialect.name != "sqlite":
        return []
    return database_files(db.engine.url.database)


def _version() -> str:
    try:
        return importlib.metadata.version("humus")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _private_file(path: Path) -> BinaryIO:
    """A new file only its owner can read; refuses a name in use (another backup, or a crashed one)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(
            f"{path} exists: another backup is writing it, or remove what a crash left."
        ) from None
    return os.fdopen(descriptor, "wb")


class _HashingWriter:
    """Passes writes through to a file, keeping the sha256 and size of what went by."""

    def __init__(self, target: BinaryIO) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.target.write(data)

    def flush(self) -> None:
        self.target.flush()
