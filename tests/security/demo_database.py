"""The demo data of the adversarial tests: loaded once per session and database backend, then copied.

Every module that attacks a whole site needs the demo in a database of its own: its tests add rows, or must
know that nobody else did. Loading the demo takes seconds; a copy of a loaded database takes a fraction of
that (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL). No test uses the loaded original,
so what one module changes never reaches another.
"""

import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import sqlalchemy as sa

from app.demo import DEFAULT_TERRITORY
from app.extensions import db
from app.jobs import queues
from tests.conftest import make_app
from tests.databases import scratch_postgres_database


class DemoDatabases:
    """The demo loaded once per backend (when a module first asks for it), and copies of it for modules."""

    def __init__(self, folder: Path, stack: ExitStack) -> None:
        self._folder, self._stack = folder, stack
        self._loaded: dict[str, str] = {}

    @contextmanager
    def copy(self, backend: str, folder: Path) -> Iterator[str]:
        """The URL of a database holding the demo for the caller alone: a file in `folder`, or a PostgreSQL
        database dropped on exit."""
        original = self._original(backend)
        if backend == "sqlite":
            path = folder / "demo.sqlite"
            shutil.copyfile(sa.make_url(original).database or "", path)
            yield f"sqlite:///{path}"
            return
        with scratch_postgres_database("humus_sec", copy_of=original) as url:
            yield url

    def _original(self, backend: str) -> str:
        if backend not in self._loaded:
            if backend == "sqlite":
                url = f"sqlite:///{self._folder / 'demo.sqlite'}"
            else:
                url = self._stack.enter_context(scratch_postgres_database("humus_demo"))
            load_demo(url, self._folder / f"instance-{backend}")
            self._loaded[backend] = url
        return self._loaded[backend]


def load_demo(url: str, instance: Path) -> None:
    """Create the schema at `url` and run `humus demo` on the default territory, then close every connection:
    SQLite then holds everything in its main file, and PostgreSQL may copy a database nobody is connected to.
    """
    app = make_app(url)
    app.instance_path = str(instance)
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["humus", "demo", "--territory", str(DEFAULT_TERRITORY)])
    assert result.exit_code == 0, result.output
    queues.shutdown_local_runner(wait=True)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
