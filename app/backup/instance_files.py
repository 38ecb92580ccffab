"""Which files of the instance folder go into a backup, and how a restore puts them back.

Most content lives in the database; the instance folder adds job results, trained suggestion models and
uploads waiting for a case import. Left out: `config.py`, which may hold the keys that decrypt identities
(a backup must never carry them: they are backed up separately), the SQLite database and its journal files
(taken through the backup API instead), files being written (`*.part`), caches and symbolic links.
"""

import hashlib
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from app.backup.errors import TargetNotEmpty
from app.backup.layout import safe_path

CONFIG_FILES = frozenset({"config.py", "config.pyc"})
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")
SKIPPED_DIRS = frozenset({"__pycache__"})
STAGING_PREFIX = ".restore-"


def data_files(instance: Path, excluded: Iterable[Path] = ()) -> Iterator[tuple[str, Path]]:
    """(relative POSIX path, absolute path) of every data file under `instance`, sorted by path."""
    instance = instance.resolve()
    skipped = {Path(p).resolve() for p in excluded}
    found = []
    for folder, dirs, files in os.walk(instance):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(STAGING_PREFIX)]
        for name in files:
            path = Path(folder, name)
            relative = path.relative_to(instance).as_posix()
            if relative in CONFIG_FILES or name.endswith(".part") or path.is_symlink() or path in skipped:
                continue
            found.append((relative, path))
    return iter(sorted(found))


def database_files(database: str | None) -> list[Path]:
    """The SQLite database file and its journals, which the backup reads through SQLite instead."""
    if not database or database == ":memory:":
        return []
    return [Path(database + suffix) for suffix in SQLITE_COMPANIONS]


class Staging:
    """A hidden folder inside the instance folder where restored files wait until the database is in.

    Same file system as their destination, so installing them is a rename each."""

    def __init__(self, instance: Path) -> None:
        self.instance = instance
        self.folder = instance / f"{STAGING_PREFIX}{secrets.token_hex(6)}"
        self.paths: list[str] = []

    def sink(self, path: str) -> BinaryIO:
        """An open file for the restored content of `path` (called once per archived file)."""
        target = self.folder / safe_path(path)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.paths.append(path)
        return target.open("wb")

    def check_destinations(self, files: list[dict[str, str | int]]) -> list[str]:
        """Refuse when an instance file would be overwritten by different content; return those to install
        (a file already there with the same content is left alone)."""
        installing, clashes = [], []
        for entry in files:
            path = str(entry["path"])
            existing = self.instance / path
            if not existing.exists():
                installing.append(path)
            elif _sha256(existing) != entry["sha256"]:
                clashes.append(path)
        if clashes:
            raise TargetNotEmpty(
                "The instance folder already holds different versions of files in the backup: "
                + ", ".join(clashes[:10])
                + ". Restore into an empty instance folder (--instance-dir)."
            )
        return installing

    def install(self, paths: Iterable[str]) -> None:
        for path in paths:
            destination = self.instance / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.folder / path, destination)
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()
