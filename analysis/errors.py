"""Errors of the analysis package, with messages written to be shown to users."""


class AnalysisError(Exception):
    """Base of every error raised by analysis/."""
