"""Bytes in and out of a path or a binary file object, with a size limit on the way in."""

import os
from typing import IO

from coding.errors import RefiError

Target = str | os.PathLike[str] | IO[bytes]
MiB = 1024 * 1024


def read_bytes(source: Target, max_bytes: int) -> bytes:
    """The whole file, refused when it is larger than `max_bytes`."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as stream:
            data = stream.read(max_bytes + 1)
    else:
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise RefiError(
            f"Il file supera il limite di {max_bytes / MiB:.0f} MB. / "
            f"The file exceeds the {max_bytes / MiB:.0f} MB limit."
        )
    return data


def write_bytes(target: Target, data: bytes) -> None:
    """Write `data` to a path (replacing the file) or to a binary file object."""
    if isinstance(target, str | os.PathLike):
        with open(target, "wb") as stream:
            stream.write(data)
    else:
        target.write(data)
