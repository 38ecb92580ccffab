"""`humus demo`: a demo project with one user per role and a few Ambiti."""

from flask.cli import AppGroup


def register(group: AppGroup) -> None:
    """Attach the demo command to the humus group."""
