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


class NlpError(CodingError):
    """A language the text pipeline does not support, or a pipeline that cannot be built offline."""


class SearchError(CodingError):
    """A search query that cannot be run: empty, an invalid regular expression, or an unknown unit."""


class SuggestionError(CodingError):
    """Codings that a suggestion model cannot be trained or evaluated on (no codes, too few segments)."""


class ThemeError(CodingError):
    """Texts that topics cannot be discovered in (too few texts or words for the themes asked)."""


class PseudonymError(CodingError):
    """Replacements that cannot be applied to a transcript (overlapping or outside the text)."""


class DocumentError(CodingError):
    """A document that cannot be imported: unknown format, damaged, encrypted, or a PDF without text."""


class UnsafeDocumentError(DocumentError):
    """A document refused before it is parsed: too large, too many pages or members, or like a zip bomb."""


class TurnPatternError(CodingError):
    """A speaker-turn pattern that cannot be used: not a regular expression, or without a speaker group."""


class ParticipantError(CodingError):
    """Participants that cannot be used together: a code or a name twice, a negative seniority."""
