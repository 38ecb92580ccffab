"""Zip member names every reader of uploads must refuse, and zips holding them (NUL bytes included)."""

import io
import zipfile

# Names that climb out of the folder a zip is unpacked into, start at its root or on a drive, or hide a NUL.
UNSAFE_NAMES = [
    "../evil.txt",
    "/abs.txt",
    "\\abs.txt",
    "a/../../b.txt",
    "sources\\..\\..\\evil.txt",
    "C:\\x.txt",
    "c:evil.txt",
    "sources/0.txt\x00../../evil.txt",
]


def with_member_named(data: bytes, name: str) -> bytes:
    """The zip plus a member called `name`; zipfile cuts a name it writes at a NUL, so NULs are patched in."""
    placeholder = name.replace("\x00", "#")
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(placeholder, b"x")
    patched = buffer.getvalue().replace(placeholder.encode(), name.encode())
    assert zipfile.ZipFile(io.BytesIO(patched)).infolist()[-1].orig_filename == name
    return patched
