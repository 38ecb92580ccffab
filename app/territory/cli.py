"""Territory commands: load-territory and assign-ambiti."""

from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.territory import csvfile, services
from app.territory.tree import TerritoryError

FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


def register(group: AppGroup) -> None:
    """Attach the territory commands to the humus group."""
    # AppGroup.command runs each command inside the application context.
    group.command("load-territory")(load_territory)
    group.command("assign-ambiti")(assign_ambiti)


@click.argument("file", type=FILE)
@click.option("--region-code", default="16", show_default=True, help="ISTAT code of the region.")
@click.option("--region-name", default="Puglia", show_default=True, help="Name of the region.")
def load_territory(file: Path, region_code: str, region_name: str) -> None:
    """Create or update the region, provinces, Ambiti and comuni of an ISTAT territory CSV."""

    def load() -> str:
        parsed = csvfile.parse_territory_file(_read(file))
        report = services.load_territory(parsed, region_code=region_code, region_name=region_name)
        return report.summary()

    _run(load)


@click.argument("file", type=FILE)
def assign_ambiti(file: Path) -> None:
    """Put comuni in Ambiti from a CSV with istat_code, ambito and optional ambito_name."""

    def assign() -> str:
        return services.assign_ambiti(csvfile.parse_assignment_file(_read(file))).summary()

    _run(assign)


def _read(file: Path) -> bytes:
    # One byte past the limit is enough for the parser to refuse the file without reading it all.
    with file.open("rb") as handle:
        return handle.read(csvfile.MAX_BYTES + 1)


def _run(action: Callable[[], str]) -> None:
    # Messages come out in the site's default language: there is no browser to choose another.
    try:
        summary = action()
    except TerritoryError as exc:
        raise click.ClickException(_("Nothing was changed.") + "\n" + str(exc)) from exc
    click.echo(summary)
