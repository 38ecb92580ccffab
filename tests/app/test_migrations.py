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
