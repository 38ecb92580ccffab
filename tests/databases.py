"""Scratch PostgreSQL databases for tests: named uniquely, so parallel sessions never meet, and dropped even
when the test fails."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.pool import NullPool


@contextmanager
def scratch_postgres_database(prefix: str, copy_of: str | None = None) -> Iterator[str]:
    """The URL of a new database on the TEST_DATABASE_URL server, empty or a copy of the database at
    `copy_of` (which nobody may be connected to), dropped on exit.

    The drop uses WITH (FORCE): a connection the test left open must not keep the database alive. The admin
    engine pools nothing, so no idle connection of ours sits on the server while the test runs."""
    server = sa.make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    template = f' TEMPLATE "{sa.make_url(copy_of).database}"' if copy_of else ""
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"{template}'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
