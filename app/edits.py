"""Stale edits: a save based on what a page showed is refused once the stored row has changed since.

Two people open the same edit page and both save: without a check the second save silently undoes the
first one's change. So each edit page carries `seen`, the version of the row it showed (`row_version`), and
a save whose `seen` no longer matches the stored row changes nothing and answers 409: the page shows the
stored values again, and what the user had entered is listed next to them so that nothing typed is lost.

On PostgreSQL the row is locked (SELECT ... FOR UPDATE) before the comparison and stays locked until the
save commits: two saves from the same version arriving at once run one after the other, and the second
sees the first one's values. SQLite has no row locks: there, two saves in the same instant may still both
pass the check (it is the embedded database; PostgreSQL is the one for many users).
"""

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from typing import Any

from flask import flash, g
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import inspect
from wtforms import BooleanField, Field, HiddenField
from wtforms.validators import Length, Optional

from app.extensions import db

Unsaved = list[tuple[str, str]]  # (label, what the user entered) of each value not saved

VERSION_LENGTH = 32
_NOT_ENTERED = ("CSRFTokenField", "HiddenField")  # not typed by the user; `seen` is one of them


class SeenForm:
    """Mixed into an edit form: `seen`, the version of the row the page showed. Create forms leave it
    empty."""

    seen = HiddenField(validators=[Optional(), Length(max=64)])


def row_version(row: object, exclude: Iterable[str] = (), extra: Mapping[str, Any] | None = None) -> str:
    """A short digest of a row's stored columns but `exclude` (values that change without anyone editing
    the row), and of `extra` values kept in other tables: any change to them changes it; it reveals none."""
    skipped = set(exclude)
    columns = {
        attribute.key: getattr(row, attribute.key)
        for attribute in inspect(row).mapper.column_attrs
        if attribute.key not in skipped
    }
    return version_of({"row": columns, "extra": dict(extra or {})})


def version_of(values: object) -> str:
    """A short digest of plain values (JSON, with dates as ISO text and bytes by their own digest)."""
    text = json.dumps(values, sort_keys=True, default=_plain, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:VERSION_LENGTH]


def _plain(value: object) -> object:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    return str(value)


def is_stale(row: object, seen: str | None, version: Callable[[Any], str] = row_version) -> bool:
    """Whether the stored row changed since a page showed it as version `seen`; the row is locked and
    reloaded first, until the transaction ends.

    An empty `seen` is not stale: pages drawn before the check existed, and scripts that post an edit
    without reading its page first, send none, and they keep saving as they always did (the case
    identity's check set this rule first)."""
    if not seen:
        return False
    db.session.refresh(row, with_for_update=True)  # SQLite reads it without a lock
    return seen != version(row)


def stale_message() -> str:
    return _(
        "Someone else changed this after you opened the page, so your changes were not saved. The page "
        "now shows the current values: enter your changes again if they are still right."
    )


def refuse(unsaved: Unsaved, *, flashed: bool = True) -> str:
    """Tell the user their save was refused, flashed unless they get it in a JSON answer; the page (or
    _unsaved.html) lists `unsaved` with it. Returns the message."""
    message = stale_message()
    if flashed:
        flash(message, "error")
    g.unsaved_edit = unsaved
    return message


def unsaved(entered: FlaskForm, stored: FlaskForm) -> Unsaved:
    """What the user entered in `entered` that differs from the form of the stored values, labelled."""
    found = []
    for field in entered:
        if field.type in _NOT_ENTERED or field.name not in stored:
            continue
        if not field.raw_data and not isinstance(field, BooleanField):
            continue  # not on the page (a fixed code): the user did not enter it
        if comparable(field.data) != comparable(stored[field.name].data):
            found.append((str(field.label.text), _shown(field)))
    return found


def comparable(value: object) -> object:
    """A value to compare: text without surrounding spaces, and a browser's CRLF line ends read as LF."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def _shown(field: Field) -> str:
    """A field's value as the user saw it: the labels of the options chosen, else the text typed."""
    if isinstance(field, BooleanField):
        return _("yes") if field.data else _("no")
    if hasattr(field, "iter_choices"):
        chosen = [str(label) for _value, label, selected, *_rest in field.iter_choices() if selected]
        if chosen:
            return ", ".join(chosen)
    return ", ".join(field.raw_data or [])
