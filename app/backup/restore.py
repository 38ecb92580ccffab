"""`humus restore` and `humus verify-backup`: check an archive end to end, then load it into an empty DB.

The order is what keeps the target untouched on any failure: the archive is decrypted into a private
temporary folder (every chunk authenticated), its content recounted and rehashed against the manifest and
its files staged; only then is the database written, in one transaction that also verifies every table
against the manifest before it commits. On PostgreSQL that transaction includes creating the schema (DDL is
transactional there); on SQLite the database is built in a temporary file next to the target and renamed
into place once committed. The instance files are moved into place last.
"""

import gzip
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa

from app.backup import schema, tables
from app.backup.errors import DamagedArchive, VerificationFailed
from app.backup.instance_files import Staging
from app.backup.layout import FileStart, Manifest, Row, TableStart, check_archive, read_records
from app.backup.rows import decode_row
from app.backup.sealed import open_sealed
from app.backup.targets import open_target, refuse_if_not_empty
from app.extensions import db
from app.models import AuditEvent, utcnow

BATCH_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class RestoreSummary:
    manifest: dict[str, Any]
    rows: int
    files: int


def verify_archive(path: Path, passphrase: str) -> dict[str, Any]:
    """Decrypt and check an archive without restoring it; return its manifest."""
    with tempfile.TemporaryDirectory(prefix="humus-verify-") as folder:
        return _check(_decrypt(path, passphrase, Path(folder)), sink=None)


def restore(path: Path, passphrase: str, url: sa.URL, instance: Path) -> RestoreSummary:
    """Restore an archive into the empty database at `url` and its files into `instance`."""
    refuse_if_not_empty(url, revision=None)  # early, before the long work; checked again in the transaction
    staging = Staging(instance)
    try:
        with tempfile.TemporaryDirectory(prefix="humus-restore-") as folder:
            plain = _decrypt(path, passphrase, Path(folder))
            manifest = _check(plain, staging.sink)
            schema.check_compatible(manifest, db.metadata)
            installing = staging.check_destinations(manifest["files"])
            _restore_database(url, plain, manifest, path)
        staging.install(installing)
    finally:
        staging.discard()
    rows = sum(table["rows"] for table in manifest["tables"])
    return RestoreSummary(manifest, rows, len(manifest["files"]))


def _restore_database(url: sa.URL, plain: Path, manifest: dict[str, Any], path: Path) -> None:
    """Schema, rows, verification and audit event in one transaction on the target."""
    revision = manifest.get("alembic_revision")
    try:
        with open_target(url, revision) as connection:
            _create_schema(connection, revision)
            _load(connection, plain)
            _verify(connection, manifest)
            _record(connection, path, manifest)
    except (sa.exc.SQLAlchemyError, ValueError) as exc:  # rows the database, or a decoder, refuses
        raise VerificationFailed(
            f"The target database refused the backup's content, so nothing was kept: {_first_line(exc)}"
        ) from exc


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _decrypt(path: Path, passphrase: str, folder: Path) -> Path:
    plain = folder / "archive.jsonl.gz"
    with path.open("rb") as source, plain.open("wb") as out:
        for chunk in open_sealed(source, passphrase):
            out.write(chunk)
    return plain


def _check(plain: Path, sink: Callable[[str], BinaryIO] | None) -> dict[str, Any]:
    with gzip.open(plain, "rb") as stream:
        try:
            return check_archive(stream, sink)
        except (gzip.BadGzipFile, EOFError, zlib.error):
            raise DamagedArchive(
                "The archive's content cannot be decompressed: the file is damaged."
            ) from None


def _create_schema(connection: sa.Connection, revision: str | None) -> None:
    """This code's tables (those missing: an empty migrated database keeps its own) and the revision stamp."""
    db.metadata.create_all(connection, checkfirst=True)
    if revision is not None and schema.database_revision(connection) is None:
        schema.stamp(connection, revision)


def _load(connection: sa.Connection, plain: Path) -> None:
    """Insert every archived row, table by table in the archive's (foreign-key) order."""
    with gzip.open(plain, "rb") as stream:
        loader: _TableLoader | None = None
        for record in read_records(stream):
            if isinstance(record, TableStart):
                if loader:
                    loader.finish()
                loader = _TableLoader(connection, db.metadata.tables[record.name], record.columns)
            elif isinstance(record, Row) and loader:
                loader.add(record)
            elif isinstance(record, FileStart | Manifest):
                break
        if loader:
            loader.finish()
    tables.reset_sequences(connection, db.metadata.sorted_tables)


class _TableLoader:
    """Inserts one table's rows in batches; self-references are set once all its rows exist."""

    def __init__(
        self, connection: sa.Connection, table: sa.Table, columns: tuple[tuple[str, str], ...]
    ) -> None:
        self.connection = connection
        self.table = table
        self.names = [name for name, _kind in columns]
        self.kinds = [kind for _name, kind in columns]
        self.statement = tables.insert_rows(table, connection.dialect.name)
        self.batch: list[dict[str, Any]] = []
        self.batch_bytes = 0
        self.deferred: list[dict[str, Any]] = []

    def add(self, row: Row) -> None:
        self.batch.append(decode_row(row.values, self.names, self.kinds))
        self.batch_bytes += len(row.line)
        if len(self.batch) >= tables.BATCH_ROWS or self.batch_bytes >= BATCH_BYTES:
            self._flush()

    def finish(self) -> None:
        self._flush()
        tables.apply_deferred(self.connection, self.table, self.deferred)

    def _flush(self) -> None:
        if self.batch:
            tables.defer_self_references(self.batch, self.table, self.deferred)
            self.connection.execute(self.statement, self.batch)
        self.batch, self.batch_bytes = [], 0


def _verify(connection: sa.Connection, manifest: dict[str, Any]) -> None:
    """Recount and rehash every restored table; any difference aborts the transaction."""
    problems = []
    for entry in manifest["tables"]:
        count, digest = tables.digest(connection, db.metadata.tables[entry["name"]])
        if count != entry["rows"]:
            problems.append(f"{entry['name']} has {count} rows instead of {entry['rows']}")
        elif digest != entry["sha256"]:
            problems.append(f"{entry['name']} does not hold the same values")
    if connection.dialect.name == "sqlite" and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
        problems.append("some rows refer to rows that do not exist")
    if problems:
        raise VerificationFailed(
            "The restored database does not match the backup, so nothing was kept: "
            + "; ".join(problems)
            + "."
        )


def _record(connection: sa.Connection, path: Path, manifest: dict[str, Any]) -> None:
    """The audit event of the restore, by no user (the command line), committed with the restored data."""
    details = {
        "file": path.name,
        "created_at": manifest.get("created_at"),
        "alembic_revision": manifest.get("alembic_revision"),
        "rows": sum(table["rows"] for table in manifest["tables"]),
        "files": len(manifest["files"]),
    }
    event = {"at": utcnow(), "action": "backup.restored", "actor_id": None, "actor_email": "", "ip": "cli"}
    connection.execute(
        sa.insert(AuditEvent.__table__).values(
            **event, target_type="", target_id="", org_unit_id=None, details=details
        )
    )
