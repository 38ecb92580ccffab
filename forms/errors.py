"""Errors of the forms package, with messages written to be shown to users."""


class FormError(Exception):
    """Base of every error raised by forms/."""
