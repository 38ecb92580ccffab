"""How a row of any table is written in a backup: one JSON array per row, each value encoded by its kind.

The same function writes a row into the archive and re-encodes a restored row for verification, so equal
lines mean equal values, whatever the database engine on either side. Encodings are exact: bytes as
base64, datetimes and dates in ISO 8601 with microseconds (and the offset when there is one), floats as
Python's shortest round-tripping repr, JSON columns as the exact text the database holds (so key order,
number spelling and SQL NULL versus JSON null all survive).

Pure: no Flask, no database.
"""

import base64
import decimal
import json
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

KINDS = frozenset({"int", "bool", "float", "decimal", "str", "json", "bytes", "datetime", "date", "time"})


def encode(value: Any, kind: str) -> Any:
    """A JSON-ready form of a column value of the given kind (None stays None)."""
    if value is None:
        return None
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind in ("datetime", "date", "time"):
        return value.isoformat()
    if kind == "decimal":
        return str(value)
    if kind == "bool":
        return bool(value)
    if kind not in KINDS:
        raise ValueError(f"unknown column kind {kind!r}")
    return value


def decode(value: Any, kind: str) -> Any:
    """The Python value to store for an encoded value of the given kind."""
    if value is None:
        return None
    if kind == "bytes":
        return base64.b64decode(value, validate=True)
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "time":
        return time.fromisoformat(value)
    if kind == "decimal":
        return decimal.Decimal(value)
    if kind not in KINDS:
        raise ValueError(f"unknown column kind {kind!r}")
    return value


def row_line(values: Sequence[Any], kinds: Sequence[str]) -> bytes:
    """The archive line of a row: its encoded values as a compact JSON array, newline-terminated."""
    encoded = [encode(value, kind) for value, kind in zip(values, kinds, strict=True)]
    return json_line(encoded)


def json_line(value: Any) -> bytes:
    """One compact JSON value on one line; non-ASCII text kept as UTF-8, NaN and infinities allowed."""
    return (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=True).encode("utf-8") + b"\n"
    )


def decode_row(encoded: Sequence[Any], names: Sequence[str], kinds: Sequence[str]) -> dict[str, Any]:
    """The column values of a parsed archive row, keyed by column name."""
    return {name: decode(value, kind) for name, value, kind in zip(names, encoded, kinds, strict=True)}
