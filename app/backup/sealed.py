"""The encrypted envelope of a backup: a passphrase-derived key and AES-256-GCM in authenticated chunks.

Layout of the file:

    header     magic "HUMUSBAK", format, scrypt log2(n), r, p, 16-byte salt, chunk size (big-endian)
    key check  the 16-byte GCM tag of an empty message, under a nonce no chunk uses
    chunks     `chunk size` bytes of plaintext each (the last may be shorter, or empty), each + 16-byte tag

Each chunk is sealed with its index as nonce and with the header, its index and a final flag as associated
data. A reordered, dropped, altered or appended chunk fails authentication, and so does a file cut exactly
at a chunk boundary: the last chunk left was sealed as not final. The key check tells a wrong passphrase
(or an altered header) from a damaged body. The salt is random per archive, so every archive has its own
key and counter nonces never repeat under one key. Large archives stream: one chunk is in memory at a time.

Pure: no Flask, no database.
"""

import os
import struct
import unicodedata
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from app.backup.errors import DamagedArchive, NotABackup, TruncatedArchive, WeakPassphrase, WrongPassphrase

MAGIC = b"HUMUSBAK"
FORMAT = 1
HEADER = struct.Struct(">8sBBBB16sI")  # magic, format, log2(n), r, p, salt, chunk size
TAG = 16
KEY_CHECK_NONCE = b"\xff" * 12  # chunk nonces are the index on 12 bytes: they never reach this one

MIN_PASSPHRASE = 12
DEFAULT_LOG_N = 17  # scrypt n = 2**17, r = 8, p = 1: 128 MiB and a fraction of a second per derivation
DEFAULT_CHUNK_SIZE = 1024 * 1024
# Limits a reader accepts, so a forged header cannot ask for gigabytes of memory.
LOG_N_RANGE = range(10, 21)
R_RANGE = range(1, 17)
P_RANGE = range(1, 5)
CHUNK_RANGE = range(1024, 16 * 1024 * 1024 + 1)


def check_passphrase(passphrase: str) -> None:
    """Refuse a passphrase too short to protect personal data."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise WeakPassphrase(f"The passphrase must be at least {MIN_PASSPHRASE} characters long.")


def _derive(passphrase: str, salt: bytes, log_n: int, r: int, p: int) -> AESGCM:
    # NFC: the same passphrase typed on another system may arrive in another Unicode normal form.
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    key = Scrypt(salt=salt, length=32, n=2**log_n, r=r, p=p).derive(secret)
    return AESGCM(key)


def _associated(header: bytes, index: int, final: bool) -> bytes:
    return header + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


def _nonce(index: int) -> bytes:
    return index.to_bytes(12, "big")


class SealedWriter:
    """A write-only binary stream that encrypts what is written to `target` chunk by chunk.

    Nothing is complete until `close()`, which seals the final chunk; a writer abandoned without closing
    leaves a file every reader refuses as truncated."""

    def __init__(
        self,
        target: BinaryIO,
        passphrase: str,
        *,
        log_n: int = DEFAULT_LOG_N,
        r: int = 8,
        p: int = 1,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        check_passphrase(passphrase)
        self._target = target
        self._chunk_size = chunk_size
        salt = os.urandom(16)
        self._header = HEADER.pack(MAGIC, FORMAT, log_n, r, p, salt, chunk_size)
        self._aead = _derive(passphrase, salt, log_n, r, p)
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        target.write(self._header)
        target.write(self._aead.encrypt(KEY_CHECK_NONCE, b"", self._header))

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        if self._closed:
            raise ValueError("write to a closed SealedWriter")
        self._buffer += data
        # Keep at least one byte back: only close() knows which chunk is the final one.
        while len(self._buffer) > self._chunk_size:
            self._seal(bytes(self._buffer[: self._chunk_size]), final=False)
            del self._buffer[: self._chunk_size]
        return len(data)

    def flush(self) -> None:
        self._target.flush()

    def close(self) -> None:
        """Seal what is left as the final chunk (possibly empty)."""
        if self._closed:
            return
        self._seal(bytes(self._buffer), final=True)
        self._buffer.clear()
        self._closed = True
        self._target.flush()

    def _seal(self, chunk: bytes, *, final: bool) -> None:
        associated = _associated(self._header, self._index, final)
        self._target.write(self._aead.encrypt(_nonce(self._index), chunk, associated))
        self._index += 1


def open_sealed(source: BinaryIO, passphrase: str) -> Iterator[bytes]:
    """Yield the plaintext of an archive chunk by chunk, each one authenticated before it is yielded.

    Raises NotABackup, WrongPassphrase, DamagedArchive or TruncatedArchive. A consumer must read to the
    end: only then is the whole file known to be complete."""
    header = _read_exactly(source, HEADER.size)
    _magic, _version, log_n, r, p, salt, chunk_size = _parse_header(header)
    key_check = _read_exactly(source, TAG)
    if len(key_check) < TAG:
        raise TruncatedArchive("The archive is truncated: it ends inside its header.")
    aead = _derive(passphrase, salt, log_n, r, p)
    try:
        aead.decrypt(KEY_CHECK_NONCE, key_check, header)
    except InvalidTag:
        raise WrongPassphrase(
            "Wrong passphrase, or the archive's header is damaged (passphrase errata o file danneggiato)."
        ) from None
    block = chunk_size + TAG
    current = _read_exactly(source, block)
    index = 0
    while True:
        following = _read_exactly(source, block)
        final = not following
        yield _open_chunk(aead, header, index, current, final)
        if final:
            return
        current, index = following, index + 1


def _parse_header(header: bytes) -> tuple[bytes, int, int, int, int, bytes, int]:
    if not header.startswith(MAGIC):
        raise NotABackup("Not a Humus backup archive (it does not start with the Humus backup header).")
    if len(header) < HEADER.size:
        raise TruncatedArchive("The archive is truncated: it ends inside its header.")
    fields = HEADER.unpack(header)
    _magic, version, log_n, r, p, _salt, chunk_size = fields
    if version != FORMAT:
        raise NotABackup(
            f"Backup format {version} is not supported by this Humus (it reads format {FORMAT})."
        )
    if log_n not in LOG_N_RANGE or r not in R_RANGE or p not in P_RANGE or chunk_size not in CHUNK_RANGE:
        raise DamagedArchive("The archive's header holds impossible parameters: the file is damaged.")
    return fields


def _open_chunk(aead: AESGCM, header: bytes, index: int, sealed: bytes, final: bool) -> bytes:
    if len(sealed) < TAG:
        raise TruncatedArchive(f"The archive is truncated: chunk {index} is missing or cut short.")
    try:
        return aead.decrypt(_nonce(index), sealed, _associated(header, index, final))
    except InvalidTag:
        pass
    if final:
        try:
            aead.decrypt(_nonce(index), sealed, _associated(header, index, False))
        except InvalidTag:
            pass
        else:
            raise TruncatedArchive(
                f"The archive is truncated: it ends after chunk {index}, which is not its last one."
            )
    raise DamagedArchive(f"The archive is damaged or truncated: chunk {index} fails authentication.")


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    """Read `size` bytes, fewer only at the end of the file (a pipe may return short reads)."""
    parts = []
    missing = size
    while missing:
        part = source.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)
