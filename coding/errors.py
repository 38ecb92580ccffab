"""Errors of the coding package, with messages written to be shown to users."""


class CodingError(Exception):
    """Base of every error raised by coding/."""
