"""The Alembic migrations build the same schema as the models, on SQLite and PostgreSQL."""

import warnings
from types import SimpleNamespace

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import SAWarning

from app.extensions import db
from app.models import has_column_compression
from tests.conftest import make_app

# SQLite cannot reflect expression indexes, so there autogenerate skips them (and says so);
# PostgreSQL, where they are compared, is the check for those.
pytestmark = pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index"
)


def _drop_everything(engine: sa.Engine) -> None:
    db.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def test_upgrade_builds_exactly_the_schema_of_the_models(database_url):
    app = make_app(database_url)
    with app.app_context():
        _drop_everything(db.engine)
        try:
            flask_migrate.upgrade()

            with db.engine.connect() as conn, warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
                differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
        finally:
            _drop_everything(db.engine)
            db.engine.dispose()

    assert differences == []


def test_downgrade_to_base_removes_every_table(database_url):
    app = make_app(database_url)
    with app.app_context():
        _drop_everything(db.engine)
        try:
            flask_migrate.upgrade()
            flask_migrate.downgrade(revision="base")

            tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        finally:
            _drop_everything(db.engine)
            db.engine.dispose()

    assert tables == set()


_COMPRESSION = sa.text(
    "SELECT attname, attcompression FROM pg_attribute "
    "WHERE attrelid = 'submissions'::regclass AND attname IN ('xml', 'data') ORDER BY attname"
)


def test_submissions_store_their_instance_with_lz4_on_postgresql_by_migration_and_by_create_all(database_url):
    """lz4 (PostgreSQL 14+, Debian's is built with it) rather than pglz for the instance's XML and JSON."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL storage setting")
    app = make_app(database_url)
    with app.app_context():
        _drop_everything(db.engine)
        try:
            flask_migrate.upgrade()
            with db.engine.connect() as conn:
                migrated = conn.execute(_COMPRESSION).all()
            flask_migrate.downgrade(revision="c2e4a6b8d0f1")
            with db.engine.connect() as conn:
                downgraded = conn.execute(_COMPRESSION).all()
            _drop_everything(db.engine)
            db.create_all()
            with db.engine.connect() as conn:
                created = conn.execute(_COMPRESSION).all()
        finally:
            _drop_everything(db.engine)
            db.engine.dispose()

    assert migrated == created == [("data", "l"), ("xml", "l")]
    assert downgraded == [("data", ""), ("xml", "")]


def test_column_compression_is_asked_only_of_postgresql_14_and_later():
    """Before 14, SET COMPRESSION is a syntax error that no EXCEPTION clause of the DO block can catch."""

    def dialect(name: str, version: tuple[int, ...] | None) -> SimpleNamespace:
        return SimpleNamespace(name=name, server_version_info=version)

    assert has_column_compression(dialect("postgresql", (15, 20)))
    assert has_column_compression(dialect("postgresql", (14, 0)))
    assert not has_column_compression(dialect("postgresql", (13, 9)))
    assert not has_column_compression(dialect("postgresql", None))
    assert not has_column_compression(dialect("sqlite", (3, 45)))
