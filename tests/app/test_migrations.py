"""The Alembic migrations build the same schema as the models, on SQLite and PostgreSQL."""

import warnings

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import SAWarning

from app.extensions import db
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
