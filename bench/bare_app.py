"""The baseline of benchmark (c): a bare Flask endpoint that parses a submission's JSON and inserts it.

No authentication, no validation, no ORM: one POST route, SQLAlchemy Core, one INSERT per request into a
plain table of the same database Humus uses. Served by gunicorn as 'bench.bare_app:create_app()' with
DATABASE_URL set; the benchmark creates the table beforehand (`metadata.create_all`).
"""

import os
from datetime import UTC, datetime
from typing import Any

from flask import Flask, jsonify, request
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, create_engine, event, insert

metadata = MetaData()
bare_submissions = Table(
    "bare_submissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("form_id", Integer, nullable=False),
    Column("instance_id", String(100), nullable=False, unique=True),
    Column("data", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
)


def make_engine(url: str):
    """An engine set up as Humus sets up its own (WAL, busy timeout, foreign keys on SQLite)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    engine = create_engine(url)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _sqlite(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout = 5000")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.close()

    return engine


def create_app() -> Flask:
    app = Flask(__name__)
    engine = make_engine(os.environ["DATABASE_URL"])

    @app.post("/forms/<int:form_id>/submissions")
    def submit(form_id: int):
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            return jsonify(error="bad body"), 422
        with engine.begin() as connection:
            row_id = connection.execute(
                insert(bare_submissions).values(
                    form_id=form_id,
                    instance_id=body["instanceID"],
                    data=body["data"],
                    created_at=datetime.now(UTC).replace(tzinfo=None),
                )
            ).inserted_primary_key[0]
        return jsonify(id=row_id, instanceID=body["instanceID"]), 201

    return app
