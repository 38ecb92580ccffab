"""Reading and writing the rows of a SQLAlchemy table the way a backup needs, on SQLite and PostgreSQL.

Rows are read in primary-key order (every Humus key is an integer, so the order is the same on both
engines) and JSON columns as their text, which the archive keeps verbatim; they are written back with
that text cast to JSON. A table's digest is the sha256 of its rows' archive lines, the same hash the
archive's manifest holds for it.
"""

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import types

from app.backup.rows import row_line

# Checked in this order: Boolean before Integer, DateTime before Date (neither subclasses the other, but
# dialect types may subclass both families), Double before Numeric (Float is a Numeric).
_KINDS: tuple[tuple[type[types.TypeEngine[Any]], str], ...] = (
    (types.JSON, "json"),
    (types.LargeBinary, "bytes"),
    (types.Boolean, "bool"),
    (types.DateTime, "datetime"),
    (types.Date, "date"),
    (types.Time, "time"),
    (types.Integer, "int"),
    (types.Float, "float"),
    (types.Numeric, "decimal"),
    (types.Enum, "unsupported"),  # an Enum is a String; its values would come back as Python enums
    (types.String, "str"),
)

BATCH_ROWS = 500


def column_kind(column: sa.Column[Any]) -> str:
    """The archive kind of a column, from its SQLAlchemy type; anything unforeseen is refused."""
    for type_, kind in _KINDS:
        if isinstance(column.type, type_):
            if kind == "unsupported":
                break
            return kind
    raise TypeError(
        f"Column {column.table.name}.{column.name} has a type backups do not handle: {column.type!r}"
    )


def columns_of(table: sa.Table) -> tuple[tuple[str, str], ...]:
    """(name, kind) of every column of a table, in the table's order."""
    return tuple((column.name, column_kind(column)) for column in table.columns)


def select_rows(table: sa.Table) -> sa.Select[Any]:
    """Every row of a table in primary-key order, JSON columns as text."""
    selected = [
        sa.cast(column, sa.Text).label(column.name) if column_kind(column) == "json" else column
        for column in table.columns
    ]
    return sa.select(*selected).order_by(*table.primary_key.columns)


def row_lines(connection: sa.Connection, table: sa.Table) -> Iterator[bytes]:
    """The archive line of every row of a table, streamed (a server-side cursor on PostgreSQL)."""
    kinds = [kind for _name, kind in columns_of(table)]
    result = connection.execute(select_rows(table).execution_options(yield_per=BATCH_ROWS))
    for row in result:
        yield row_line(row, kinds)


def digest(connection: sa.Connection, table: sa.Table) -> tuple[int, str]:
    """Row count and sha256 of a table as it is in the database, comparable with a manifest entry."""
    count, hashed = 0, hashlib.sha256()
    for line in row_lines(connection, table):
        count += 1
        hashed.update(line)
    return count, hashed.hexdigest()


def insert_rows(table: sa.Table, dialect: str) -> sa.Insert:
    """An INSERT of every column; JSON columns take the archive's text as it is."""
    values: dict[str, Any] = {}
    for column in table.columns:
        if column_kind(column) != "json":
            values[column.name] = sa.bindparam(column.name, type_=column.type)
        elif dialect == "postgresql":
            values[column.name] = sa.cast(sa.bindparam(column.name, type_=sa.Text), column.type)
        else:  # SQLite keeps JSON as text: casting would give it numeric affinity
            values[column.name] = sa.bindparam(column.name, type_=sa.Text)
    return sa.insert(table).values(values)


def self_references(table: sa.Table) -> list[str]:
    """Columns holding a foreign key to the same table (a parent row may come after its child)."""
    return sorted({fk.parent.name for fk in table.foreign_keys if fk.column.table is table})


def defer_self_references(
    rows: Sequence[dict[str, Any]], table: sa.Table, deferred: list[dict[str, Any]]
) -> None:
    """Blank the self-referencing values of `rows` in place, keeping them in `deferred` for an UPDATE."""
    names = self_references(table)
    keys = [column.name for column in table.primary_key.columns]
    for row in rows:
        later = {name: row[name] for name in names if row[name] is not None}
        if later:
            deferred.append(
                {**{f"pk_{k}": row[k] for k in keys}, **{f"new_{n}": v for n, v in later.items()}}
            )
            for name in later:
                row[name] = None


def apply_deferred(connection: sa.Connection, table: sa.Table, deferred: list[dict[str, Any]]) -> None:
    """Set the self-references blanked at insert, now that every row of the table exists."""
    for name in self_references(table):
        updates = [item for item in deferred if f"new_{name}" in item]
        if not updates:
            continue
        condition = sa.and_(*(c == sa.bindparam(f"pk_{c.name}") for c in table.primary_key.columns))
        statement = table.update().where(condition).values({name: sa.bindparam(f"new_{name}")})
        keys = [f"pk_{c.name}" for c in table.primary_key.columns]
        connection.execute(statement, [{k: item[k] for k in [*keys, f"new_{name}"]} for item in updates])


def reset_sequences(connection: sa.Connection, tables: Sequence[sa.Table]) -> None:
    """On PostgreSQL, move each serial key's sequence past the restored rows (SQLite needs nothing)."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or column_kind(keys[0]) != "int" or keys[0].autoincrement is False:
            continue
        sequence = connection.execute(
            sa.select(sa.func.pg_get_serial_sequence(table.name, keys[0].name))
        ).scalar_one()
        if sequence is None:
            continue
        top = connection.execute(sa.select(sa.func.max(keys[0]))).scalar_one()
        connection.execute(sa.select(sa.func.setval(sequence, top or 1, top is not None)))
