"""The plaintext inside a backup: JSON lines for tables, rows and files, then the manifest, gzip-compressed.

    {"humus_backup": 1}
    {"table": "users", "columns": [["id", "int"], ["email", "str"], ...]}
    [1, "ada@example.org", ...]                       one array per row, in primary-key order
    {"file": "jobs/3/export.csv"}
    "aGVsbG8..."                                        the file's bytes, base64, in pieces
    {"manifest": {"format": 1, "tables": [...], "files": [...], ...}}

The manifest comes last because its counts and hashes are known only once everything is written; the
restore decrypts the whole archive before reading it. Each table's sha256 is over its row lines exactly as
written (see rows.py), so a restored table can be hashed the same way and compared.

Pure: no Flask, no database.
"""

import base64
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from app.backup.errors import DamagedArchive
from app.backup.rows import KINDS, json_line

FORMAT = 1
FILE_PIECE = 48 * 1024  # raw bytes per base64 line


@dataclass(frozen=True)
class TableStart:
    name: str
    columns: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Row:
    line: bytes
    values: list[Any]


@dataclass(frozen=True)
class FileStart:
    path: str


@dataclass(frozen=True)
class FileData:
    data: bytes


@dataclass(frozen=True)
class Manifest:
    content: dict[str, Any]


Record = TableStart | Row | FileStart | FileData | Manifest


@dataclass
class _Tally:
    count: int = 0
    size: int = 0
    digest: Any = field(default_factory=hashlib.sha256)


class ArchiveWriter:
    """Writes tables, rows and files to a binary stream and, at the end, the manifest describing them."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._tables: list[dict[str, Any]] = []
        self._files: list[dict[str, Any]] = []
        self._current: _Tally | None = None
        out.write(json_line({"humus_backup": FORMAT}))

    def begin_table(self, name: str, columns: Sequence[tuple[str, str]]) -> None:
        self._close_table()
        self._tables.append({"name": name, "columns": [list(c) for c in columns]})
        self._current = _Tally()
        self._out.write(json_line({"table": name, "columns": [list(c) for c in columns]}))

    def add_row(self, line: bytes) -> None:
        """Add a row already encoded by rows.row_line."""
        if self._current is None:
            raise RuntimeError("add_row before begin_table")
        self._current.count += 1
        self._current.digest.update(line)
        self._out.write(line)

    def add_file(self, path: str, source: BinaryIO) -> None:
        """Stream a file into the archive in pieces; its size and hash are those of the bytes read."""
        self._close_table()
        tally = _Tally()
        self._out.write(json_line({"file": safe_path(path)}))
        while piece := source.read(FILE_PIECE):
            tally.size += len(piece)
            tally.digest.update(piece)
            self._out.write(json_line(base64.b64encode(piece).decode("ascii")))
        self._files.append({"path": path, "size": tally.size, "sha256": tally.digest.hexdigest()})

    def finish(self, meta: dict[str, Any]) -> dict[str, Any]:
        """Write the manifest (meta plus every table's and file's counts and hashes) and return it."""
        self._close_table()
        manifest = {"format": FORMAT, **meta, "tables": self._tables, "files": self._files}
        self._out.write(json_line({"manifest": manifest}))
        return manifest

    def _close_table(self) -> None:
        if self._current is not None:
            self._tables[-1].update(rows=self._current.count, sha256=self._current.digest.hexdigest())
            self._current = None


def read_records(stream: BinaryIO) -> Iterator[Record]:
    """Parse the plaintext lines into records; the first must be the format marker."""
    lines = iter(stream)
    first = _parse(next(lines, b""))
    if first != {"humus_backup": FORMAT}:
        raise DamagedArchive(f"The archive's content does not start with the format {FORMAT} marker.")
    for line in lines:
        value = _parse(line)
        if isinstance(value, list):
            yield Row(line, value)
        elif isinstance(value, str):
            yield FileData(_base64(value))
        elif isinstance(value, dict) and "table" in value:
            yield TableStart(value["table"], tuple((str(n), str(k)) for n, k in value["columns"]))
        elif isinstance(value, dict) and "file" in value:
            yield FileStart(safe_path(value["file"]))
        elif isinstance(value, dict) and "manifest" in value:
            yield Manifest(value["manifest"])
        else:
            raise DamagedArchive("The archive holds a line of an unknown kind.")


def check_archive(stream: BinaryIO, sink: Callable[[str], BinaryIO | None] | None = None) -> dict[str, Any]:
    """Read the whole plaintext, recount and rehash every table and file, and return the manifest once
    everything agrees with it. `sink(path)` may return an open file to extract a file's bytes into."""
    checker = _Checker(sink)
    for record in read_records(stream):
        checker.take(record)
    return checker.result()


class _Checker:
    """Recomputes what the manifest claims, one record at a time."""

    def __init__(self, sink: Callable[[str], BinaryIO | None] | None) -> None:
        self._sink = sink
        self.tables: list[dict[str, Any]] = []
        self.files: list[dict[str, Any]] = []
        self.manifest: dict[str, Any] | None = None
        self._section: str | None = None  # "table" or "file": what rows or file data belong to
        self._tally = _Tally()
        self._width = 0
        self._target: BinaryIO | None = None

    def take(self, record: Record) -> None:
        if self.manifest is not None:
            raise DamagedArchive("The archive has content after its manifest.")
        if isinstance(record, Row):
            if self._section != "table" or len(record.values) != self._width:
                raise DamagedArchive("The archive holds a row outside a table, or of the wrong width.")
            self._tally.count += 1
            self._tally.digest.update(record.line)
        elif isinstance(record, FileData):
            if self._section != "file":
                raise DamagedArchive("The archive holds file content outside a file.")
            self._tally.size += len(record.data)
            self._tally.digest.update(record.data)
            if self._target is not None:
                self._target.write(record.data)
        else:
            self._end_section()
            self._start(record)

    def _start(self, record: TableStart | FileStart | Manifest) -> None:
        if isinstance(record, TableStart):
            if any(kind not in KINDS for _name, kind in record.columns):
                raise DamagedArchive(f"Table {record.name} has a column of an unknown kind.")
            self.tables.append({"name": record.name, "columns": [list(c) for c in record.columns]})
            self._section, self._width = "table", len(record.columns)
        elif isinstance(record, FileStart):
            self.files.append({"path": record.path})
            self._section = "file"
            self._target = self._sink(record.path) if self._sink else None
        else:
            self.manifest = record.content

    def _end_section(self) -> None:
        if self._section == "table":
            self.tables[-1].update(rows=self._tally.count, sha256=self._tally.digest.hexdigest())
        elif self._section == "file":
            self.files[-1].update(size=self._tally.size, sha256=self._tally.digest.hexdigest())
            if self._target is not None:
                self._target.close()
                self._target = None
        self._section, self._tally = None, _Tally()

    def result(self) -> dict[str, Any]:
        if self.manifest is None:
            raise DamagedArchive("The archive has no manifest: it was not written to the end.")
        if self.manifest.get("format") != FORMAT:
            raise DamagedArchive(f"The manifest is not of format {FORMAT}.")
        if self.manifest.get("tables") != self.tables:
            raise DamagedArchive(_difference("table", self.manifest.get("tables") or [], self.tables))
        if self.manifest.get("files") != self.files:
            raise DamagedArchive(_difference("file", self.manifest.get("files") or [], self.files))
        return self.manifest


def _difference(what: str, claimed: list[dict[str, Any]], found: list[dict[str, Any]]) -> str:
    key = "name" if what == "table" else "path"
    claimed_by = {item.get(key): item for item in claimed}
    for item in found:
        if claimed_by.get(item[key]) != item:
            return f"The manifest does not match the archive's content for {what} {item[key]}."
    return f"The manifest lists {what}s the archive does not hold."


def safe_path(path: str) -> str:
    """A relative POSIX path inside the instance folder, or DamagedArchive."""
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts or "\\" in path or str(pure) != path:
        raise DamagedArchive(f"The archive names a file outside the instance folder: {path!r}.")
    return path


def _parse(line: bytes) -> Any:
    try:
        return json.loads(line)
    except (ValueError, UnicodeDecodeError):
        raise DamagedArchive("The archive holds a line that is not JSON.") from None


def _base64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise DamagedArchive("The archive holds file content that is not base64.") from None
