"""Engine settings: SQLite in WAL mode with a busy timeout and enforced foreign keys; PostgreSQL connections
that fail fast and are checked before use, so an outage answers 503 at once and ends when the server is up."""

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask
from sqlalchemy import Engine, event, make_url
from sqlalchemy.exc import DisconnectionError

from app.extensions import db

# A pooled connection that sat unused this long is checked before a request takes it (see engine_options).
PING_AFTER_IDLE_S = 2.0


def engine_options(uri: str, connect_timeout_s: int) -> dict[str, Any]:
    """Options of the engine of a server database (none for SQLite, which has no connection to lose).

    connect_timeout: a server that does not answer (host down, network cut) costs seconds, and the request
    ends in 503 with Retry-After (app/errors.py) instead of holding the worker until gunicorn kills it. A
    connect_timeout written in DATABASE_URL wins. Connections the server dropped are handled by init_app."""
    url = make_url(uri)
    if url.get_backend_name() != "postgresql":
        return {}
    if "connect_timeout" in url.query:
        return {}
    return {"connect_args": {"connect_timeout": connect_timeout_s}}


def init_app(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            _ping_idle_connections(db.engine)
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


def _ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection before use when it sat unused for PING_AFTER_IDLE_S, replacing it if the
    server dropped it (a restart, a failover, an idle timeout): the first request after is then not a 503.

    SQLAlchemy's pool_pre_ping checks at every checkout, a round trip per request that cost several per
    cent of the API's submissions per second; a connection in steady use needs none. One the server drops
    while in use fails its request with 503 and Retry-After, and the pool replaces it (app/errors.py)."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError() from error  # the pool discards it and takes or opens another


def autocommit_until_atomic(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run a view's statements outside a transaction on PostgreSQL, each committing itself, until it calls
    atomic(): for a view that reads, then writes with one statement (an API submission: the token, the
    form, then the row with its audit event as one INSERT).

    A transaction costs two round trips of its own (BEGIN, COMMIT), a third of such a request's; on two
    cores shared by the workers and the server every round trip is a pair of context switches. Reads
    lose nothing: at READ COMMITTED each statement of a transaction has its own snapshot anyway. A view
    that writes more than once calls atomic() first. SQLite is left as it is: its audited insert is two
    statements."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if db.engine.dialect.name == "postgresql" and not db.session().in_transaction():
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return view(*args, **kwargs)

    return wrapped


def atomic() -> None:
    """Make the statements from here on one transaction, if the request began in autocommit: the session
    lets go of its autocommit connection, and its next statement begins a transaction as usual."""
    if not db.session().in_transaction():
        return
    if db.session.connection().get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        return
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("atomic() comes before the writes it keeps together, not after some of them")
    db.session.commit()  # nothing is pending: this only ends the session's transaction and its connection
