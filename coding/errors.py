"""Errors of the coding package, with messages written to be shown to users."""


class CodingError(Exception):
    """Base of every error raised by coding/."""


class AgreementError(CodingError):
    """Codings that an agreement coefficient cannot be computed from (lengths, empty input, options)."""


class UndefinedAgreementError(AgreementError):
    """A coefficient that is 0/0 on these codings, for instance when every unit got the same category."""


class RefiError(CodingError):
    """A REFI-QDA file (.qdpx project or .qdc codebook) that cannot be read or written."""


class UnsafeArchiveError(RefiError):
    """An archive refused before it is unpacked: too many members, too large, or packed like a zip bomb."""
