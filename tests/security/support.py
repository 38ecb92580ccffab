"""What the adversarial tests compare before and after an attack: every table's row count and content hash."""

import hashlib

from sqlalchemy import select

from app.extensions import db

# Tables an attempt may legitimately touch: refusals are audited, login attempts are counted, sessions and
# tokens record when they were last used, jobs record that they ran.
BOOKKEEPING = frozenset({"audit_events", "login_attempts", "user_sessions", "api_tokens", "jobs"})


def fingerprint(exclude: frozenset[str] = BOOKKEEPING) -> dict[str, tuple[int, str]]:
    """Per table (but the bookkeeping ones): (row count, sha256 of its rows in primary-key order).

    Run inside an app context. Two fingerprints are equal when no row was added, removed or changed."""
    db.session.expire_all()
    result: dict[str, tuple[int, str]] = {}
    for name, table in sorted(db.metadata.tables.items()):
        if name in exclude:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        digest = hashlib.sha256()
        count = 0
        for row in db.session.execute(select(table).order_by(*order)):
            digest.update(repr(tuple(row)).encode())
            count += 1
        result[name] = (count, digest.hexdigest())
    db.session.rollback()
    return result


def changed_tables(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    """The tables whose rows differ between two fingerprints, for a readable assertion message."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
