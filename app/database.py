"""Engine settings: SQLite in WAL mode with a busy timeout and enforced foreign keys; PostgreSQL connections
that fail fast and are checked before use, so an outage answers 503 at once and ends when the server is up."""

from typing import Any

from flask import Flask
from sqlalchemy import event, make_url

from app.extensions import db


def engine_options(uri: str, connect_timeout_s: int) -> dict[str, Any]:
    """Options of the engine of a server database (none for SQLite, which has no connection to lose).

    pool_pre_ping: a pooled connection the server dropped (a restart, a failover, an idle timeout) is replaced
    before a request uses it, so the first requests after the database comes back do not fail.
    connect_timeout: a server that does not answer (host down, network cut) costs seconds, and the request
    ends in 503 with Retry-After (app/errors.py) instead of holding the worker until gunicorn kills it. A
    connect_timeout written in DATABASE_URL wins."""
    url = make_url(uri)
    if url.get_backend_name() != "postgresql":
        return {}
    options: dict[str, Any] = {"pool_pre_ping": True}
    if "connect_timeout" not in url.query:
        options["connect_args"] = {"connect_timeout": connect_timeout_s}
    return options


def init_app(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    timeout_ms = int(app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000))

    def configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
        _configure_sqlite(dbapi_connection, timeout_ms)

    with app.app_context():
        event.listen(db.engine, "connect", configure_sqlite)


def _configure_sqlite(dbapi_connection: Any, timeout_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()
