"""Engine settings: SQLite in WAL mode with a busy timeout and enforced foreign keys."""

from typing import Any

from flask import Flask
from sqlalchemy import event

from app.extensions import db


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
