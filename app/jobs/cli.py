"""`flask jobs worker` runs queued jobs from Redis; `flask jobs clean` tidies up after old jobs."""

import click
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from app.extensions import db
from app.jobs import bp, files, queues, running

# Blueprint commands run inside the application context, under `flask jobs ...`.
bp.cli.help = "Background jobs: run the worker, delete expired results."


@bp.cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
def worker(burst: bool) -> None:
    """Run jobs from the app's Redis queue (REDIS_URL), each in a work horse with its own app context."""
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise click.ClickException(
            _("REDIS_URL is not set: jobs run inside the web server and need no worker.")
        )
    db.engine.dispose()  # work horses fork from this process: leave them no connections to share
    queues.make_worker(app).work(burst=burst, with_scheduler=False)


@bp.cli.command("clean")
@click.option("--days", default=files.KEEP_DAYS, show_default=True, help="Keep results younger than this.")
def clean(days: int) -> None:
    """Delete results older than DAYS days; mark failed the jobs a dead runner left unfinished."""
    deleted = files.delete_expired(days)
    click.echo(
        ngettext("Deleted the result of %(num)d job.", "Deleted the results of %(num)d jobs.", deleted)
    )
    stale = running.fail_stale()
    if stale:
        click.echo(
            ngettext(
                "Marked %(num)d abandoned job as failed.", "Marked %(num)d abandoned jobs as failed.", stale
            )
        )
