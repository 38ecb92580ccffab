"""Territory commands: load-territory and assign-ambiti."""

from flask.cli import AppGroup


def register(group: AppGroup) -> None:
    """Attach the territory commands to the humus group."""
