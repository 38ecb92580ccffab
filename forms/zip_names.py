"""Names of zip members no upload may hold, and how a refusal shows them: one check for every zip Humus reads
(XLSForms, .docx and .odt transcripts, REFI-QDA projects, programme attachments)."""

import re

SHOWN_CHARS = 80
_SEPARATOR = re.compile(r"[\\/]")
_DRIVE = re.compile(r"[A-Za-z]:")


def is_unsafe_member_name(name: str) -> bool:
    """Whether a member's name climbs ("a/../../b"), is absolute ("/x", "\\x"), names a drive ("C:x") or holds
    a NUL byte.

    Humus never unpacks an upload to disk, but such a name is only there to escape the folder something
    unpacks into: the whole file is refused. Pass `ZipInfo.orig_filename`: zipfile cuts `filename` at a NUL.
    """
    return (
        name.startswith(("/", "\\"))
        or _DRIVE.match(name) is not None
        or ".." in _SEPARATOR.split(name)
        or "\x00" in name
    )


def shown_member_name(name: str) -> str:
    """A member's name fit for a message: control and invisible characters escaped, cut after SHOWN_CHARS."""
    visible = "".join(char if char.isprintable() else ascii(char)[1:-1] for char in name)
    return visible if len(visible) <= SHOWN_CHARS else visible[:SHOWN_CHARS] + "…"
