"""Open a .qdpx zip defensively: its names and each member checked before inflating it; find the .qde."""

import os
import struct
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO
from zipfile import ZIP_BZIP2, ZIP_DEFLATED, ZIP_LZMA, ZIP_STORED, BadZipFile, ZipFile, ZipInfo

from coding.errors import RefiError, UnsafeArchiveError
from coding.refi.files import MiB
from forms.zip_names import is_unsafe_member_name, shown_member_name

Source = str | os.PathLike[str] | IO[bytes]
_END = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")
_METHODS = (ZIP_STORED, ZIP_DEFLATED, ZIP_BZIP2, ZIP_LZMA)


@dataclass(frozen=True)
class ArchiveLimits:
    """How large a .qdpx and the members Humus inflates (the .qde, text files) may be, as declared.

    Media members (audio, video, pictures, PDF) are never inflated, so they are only counted.
    """

    archive_bytes: int = 4096 * MiB
    members: int = 20_000
    member_bytes: int = 256 * MiB
    total_bytes: int = 1024 * MiB  # all the members inflated for one project
    compression_ratio: int = 100  # text and XML deflate 3 to 20 times; zip bombs about 1000 times
    ratio_min_bytes: int = 1 * MiB  # small members may be all blanks, harmlessly


DEFAULT_LIMITS = ArchiveLimits()


class Archive:
    """A checked .qdpx: its project XML and the files under sources/ (names matched ignoring case)."""

    def __init__(self, source: Source, limits: ArchiveLimits) -> None:
        self._limits, self._inflated = limits, 0
        self._zip = _open_zip(source, limits)
        try:
            infos = [info for info in self._zip.infolist() if not info.is_dir()]
            if len(infos) > limits.members:
                raise UnsafeArchiveError(_too_many(len(infos), limits.members))
            self._members = {info.filename.replace("\\", "/").lower(): info for info in infos}
            self.project_name, self._base = _find_project(self._members)
        except RefiError:
            self._zip.close()
            raise

    def project_xml(self) -> bytes:
        """The bytes of the project's .qde."""
        return self.read(self._members[self._base + self.project_name.lower()])

    def file(self, path: str) -> bytes | None:
        """The bytes of an `internal://` file (or a bare name), or None when it is not in the archive."""
        name = path.strip().replace("\\", "/").lower()
        if name.startswith(("relative://", "absolute://")):
            return None
        name = name.removeprefix("internal://").lstrip("/")
        for candidate in (f"{self._base}sources/{name}", f"{self._base}{name}"):
            if candidate in self._members:
                return self.read(self._members[candidate])
        return None

    def read(self, info: ZipInfo) -> bytes:
        """A member's bytes, checked as declared before inflating, and never more than declared."""
        self._inflated += info.file_size
        _check_member(info, self._limits)
        if self._inflated > self._limits.total_bytes:
            raise UnsafeArchiveError(
                _too_large("del contenuto", "the content", self._inflated, self._limits.total_bytes)
            )
        try:
            with self._zip.open(info) as member:
                data = member.read(info.file_size + 1)
        except (BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as err:
            raise RefiError(_corrupt(f"{info.filename}: {err}")) from err
        if len(data) > info.file_size:
            raise UnsafeArchiveError(_corrupt(f"{info.filename} is larger than declared"))
        return data

    def close(self) -> None:
        """Close the zip file."""
        self._zip.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_zip(source: Source, limits: ArchiveLimits) -> ZipFile:
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as stream:
            _check_end_record(stream, limits)
    else:
        _check_end_record(source, limits)
        source.seek(0)
    try:
        archive = ZipFile(source)
    except (BadZipFile, struct.error, ValueError, EOFError) as err:
        raise RefiError(_not_a_zip()) from err
    try:
        _check_names(archive)
    except UnsafeArchiveError:
        archive.close()
        raise
    return archive


def _check_names(archive: ZipFile) -> None:
    """Refuse the whole file (a .qdpx, .docx or .odt) for one member named to land outside the folder it
    would be unpacked into.

    Humus reads members from memory, by the names it looks for, so such a member would only be ignored; but
    it has no business in a project or a document, and the file is hostile."""
    for info in archive.infolist():
        if is_unsafe_member_name(info.orig_filename):  # orig_filename: zipfile cuts `filename` at a NUL
            name = shown_member_name(info.orig_filename)
            raise UnsafeArchiveError(
                f"Il file contiene un file interno con un nome non sicuro ('{name}'): è rifiutato per "
                f"sicurezza. / The file holds an internal file with an unsafe name ('{name}'): it is refused "
                "for safety."
            )


def _check_end_record(stream: IO[bytes], limits: ArchiveLimits) -> None:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    if size > limits.archive_bytes:
        raise UnsafeArchiveError(_too_large("dell'archivio", "the archive", size, limits.archive_bytes))
    try:
        count = _declared_count(stream, size)
    except (BadZipFile, struct.error, ValueError) as err:
        raise RefiError(_not_a_zip()) from err
    if count > limits.members:
        raise UnsafeArchiveError(_too_many(count, limits.members))


def _declared_count(stream: IO[bytes], size: int) -> int:
    """Members listed in the end record, read before zipfile builds an object for each of them."""
    tail_start = max(0, size - _END.size - 0xFFFF)
    stream.seek(tail_start)
    tail = stream.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _END.size > len(tail):
        raise BadZipFile("no end of central directory")
    count = _END.unpack_from(tail, at)[4]
    if count != 0xFFFF:
        return count
    locator_at = at - _ZIP64_LOCATOR.size  # ZIP64: the count is in a record the locator points to
    if locator_at < 0:
        raise BadZipFile("no ZIP64 locator")
    _, _, record_offset, _ = _ZIP64_LOCATOR.unpack_from(tail, locator_at)
    stream.seek(record_offset)
    return _ZIP64_END.unpack(stream.read(_ZIP64_END.size))[7]  # entries in the whole directory


def _check_member(info: ZipInfo, limits: ArchiveLimits) -> None:
    if info.file_size > limits.member_bytes:
        raise UnsafeArchiveError(
            _too_large(f"di '{info.filename}'", f"'{info.filename}'", info.file_size, limits.member_bytes)
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size >= limits.ratio_min_bytes and ratio > limits.compression_ratio:
        raise UnsafeArchiveError(
            f"'{info.filename}' è compresso {ratio:.0f} volte (limite {limits.compression_ratio}): "
            f"sembra una bomba zip. / '{info.filename}' is compressed {ratio:.0f} times (limit "
            f"{limits.compression_ratio}): it looks like a zip bomb."
        )
    if info.flag_bits & 0x1 or info.compress_type not in _METHODS:
        raise RefiError(_corrupt(f"{info.filename} is encrypted or uses an unsupported compression"))


def _find_project(members: dict[str, ZipInfo]) -> tuple[str, str]:
    """The .qde's file name and its folder ("" at the root): project.qde, or the only .qde there is."""
    paths = [PurePosixPath(members[name].filename.replace("\\", "/")) for name in members]
    found = [
        path
        for path in paths
        if path.suffix.lower() == ".qde" and not path.name.startswith("._") and path.parts[0] != "__MACOSX"
    ]  # macOS adds "__MACOSX/._name" resource forks to the zips it makes
    at_root = [path for path in found if len(path.parts) == 1]
    candidates = at_root or found
    if len(candidates) > 1:
        candidates = [path for path in candidates if path.name.lower() == "project.qde"] or candidates
    if len(candidates) != 1:
        raise RefiError(
            f"L'archivio deve contenere un solo file .qde, ne contiene {len(candidates)}. / "
            f"The archive must hold exactly one .qde file, it holds {len(candidates)}."
        )
    path = candidates[0]
    base = "" if len(path.parts) == 1 else str(path.parent).lower() + "/"
    return path.name, base


def _not_a_zip() -> str:
    return "Il file non è un archivio .qdpx (zip) valido. / The file is not a valid .qdpx (zip) archive."


def _corrupt(detail: str) -> str:
    return f"L'archivio .qdpx è danneggiato ({detail}). / The .qdpx archive is damaged ({detail})."


def _too_many(count: int, limit: int) -> str:
    return (
        f"L'archivio contiene {count} file, il limite è {limit}. / "
        f"The archive holds {count} files, the limit is {limit}."
    )


def _too_large(what_it: str, what_en: str, size: int, limit: int) -> str:
    return (
        f"Dimensione {what_it}: {size / MiB:.1f} MB, il limite è {limit / MiB:.1f} MB. / "
        f"Size of {what_en}: {size / MiB:.1f} MB, the limit is {limit / MiB:.1f} MB."
    )
