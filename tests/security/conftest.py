"""Fixtures of the adversarial tests: one seeded app per module and database, shared by attacks that must
change nothing."""

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.conftest import _database_backends
from tests.security.demo_database import DemoDatabases
from tests.security.demo_world import SeededApp, seeded_app


@pytest.fixture(scope="session")
def demo_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoDatabases]:
    """The demo loaded once per backend, copied for each module that attacks a whole site."""
    with ExitStack() as stack:
        yield DemoDatabases(tmp_path_factory.mktemp("demo"), stack)


@pytest.fixture(scope="module", params=_database_backends())
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, demo_databases: DemoDatabases
) -> Iterator[SeededApp]:
    """The demo data and one row of every kind a route names by id, in a database of this module's own.

    Module-scoped: a test using it must leave the data as it found it (attacks that are refused do)."""
    with seeded_app(demo_databases, request.param, tmp_path_factory.mktemp("seeded")) as world:
        yield world
