"""Hostile uploads, sent through every upload route of the app: refused with a clear message in Italian, with
a 4xx status and never a 5xx, with nothing changed in the database, no file written outside the folders the
app keeps, and the content of a file an external entity points at never echoed or stored.

The pure checks behind these routes have unit tests (tests/forms/test_safety.py, tests/coding/
test_refi_hostile.py, tests/coding/test_documents.py); these tests go through HTTP as a browser, an API
client or ODK Collect would, so a route that forgets its guard is caught.
"""

import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from defusedxml.ElementTree import fromstring
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.extensions import db
from tests.conftest import make_app
from tests.security.hostile_files import EVIL, SECRET_MARK, Hostile
from tests.security.hostile_site import Site, site_fixture
from tests.security.support import BOOKKEEPING, changed_tables, fingerprint
from tests.security.upload_targets import ROUTES, Route, Targets, build_targets
from tests.security.view_code import upload_endpoints

site = site_fixture()


@pytest.fixture(scope="module")
def targets(site: Site) -> Targets:
    return build_targets(site)


def test_every_upload_route_is_attacked():
    found = upload_endpoints(make_app("sqlite://"))

    assert found == set(ROUTES), "an upload route is not covered by ROUTES (or a covered one is gone)"


# ---- the checks -------------------------------------------------------------------------------------------

# Function words of each language ("a", "in" and "file" are in both, so neither list has them).
_ITALIAN = re.compile(
    r"\b(non|il|lo|la|gli|le|un|uno|una|di|da|del|dello|della|dei|degli|delle|nel|nella|per|con|su|o|e|è"
    r"|ma|che|troppo|riga|colonna|nulla|niente)\b",
    re.I,
)
_ENGLISH = re.compile(r"\b(the|is|was|not|cannot|could|does|with|this|too|large|of|and|or|be|has)\b", re.I)
_ALERT = re.compile(r'role="alert"[^>]*>(.*?)</(?:div|ul|p)>', re.S)
_PROBLEMS = re.compile(r'<section aria-labelledby="problems-h".*?</section>', re.S)


def message_of(response: TestResponse) -> str:
    """What a refusal says: a page's alerts (or its problems table), a JSON answer's errors, an OpenRosa
    message."""
    if response.mimetype == "application/json":
        document = response.get_json()
        errors = document.get("errors") or [document] if isinstance(document, dict) else []
        return " ".join(str(e.get("message", "")) for e in errors if isinstance(e, dict))
    if response.mimetype in {"text/xml", "application/xml"}:
        return " ".join(part for part in fromstring(response.data).itertext() if part.strip())
    body = response.get_data(as_text=True)
    found = _ALERT.findall(body) or _PROBLEMS.findall(body)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", part) for part in found)).strip()


def is_italian(message: str) -> bool:
    """Whether a message is there and reads as Italian rather than English (by its function words)."""
    italian = len(_ITALIAN.findall(message))
    return italian >= 1 and italian > len(_ENGLISH.findall(message))


def _files_under(folder: Path) -> set[Path]:
    return set(folder.rglob("*")) if folder.exists() else set()


def _evil_files(site: Site) -> list[Path]:
    """Files an archive path trick would have written, wherever it could have landed."""
    tmp = Path("/tmp")  # noqa: S108 - where the absolute member name "/tmp/..." would land
    places = [site.instance, site.instance.parent, site.instance.parent.parent, Path.cwd(), tmp]
    return [path for place in places for path in place.glob(f"{EVIL}*")] + list(
        site.instance.rglob(f"*{EVIL}*")
    )


@dataclass
class Outcome:
    status: int
    redirected: bool
    message: str
    changed: list[str]
    new_files: list[str]
    leaked: bool


# The ODK device's credential row notes when it was last used: bookkeeping, like a login attempt.
_BOOKKEEPING = BOOKKEEPING | {"device_credentials"}


def attack(t: Targets, route: Route, upload: Hostile) -> Outcome:
    site = t.site
    with site.app.app_context():
        before = fingerprint(_BOOKKEEPING)
    files_before = _files_under(site.instance)
    response = route.send(t, upload)
    site.wait_for_jobs()
    with site.app.app_context():
        changed = changed_tables(before, fingerprint(_BOOKKEEPING))
    imports = site.instance / "imports"  # where the case import keeps the file it checks, by a random name
    new_files = [
        str(p)
        for p in _files_under(site.instance) - files_before
        if p != imports and imports not in p.parents
    ]
    redirected = bool(response.history) and response.history[0].status_code in (302, 303)
    body = response.get_data(as_text=True)
    return Outcome(
        response.status_code,
        redirected,
        message_of(response),
        changed,
        sorted(new_files),
        SECRET_MARK in body,
    )


def _wrong(route: Route, outcome: Outcome) -> list[str]:
    """What is wrong with how an attack was answered, if anything."""
    wrong = []
    if route.refusal == "status" and not 400 <= outcome.status < 500:
        wrong.append(f"status {outcome.status}, not 4xx")
    if route.refusal != "status" and not (
        outcome.status == 200 and (outcome.redirected or route.refusal == "report")
    ):
        wrong.append(f"status {outcome.status}, not a page showing the error")
    if not is_italian(outcome.message):
        wrong.append(f"no clear Italian message: {outcome.message[:200]!r}")
    if outcome.changed:
        wrong.append(f"changed {outcome.changed}")
    return wrong


def _kept(route: Route, upload: Hostile) -> bool:
    return upload.attack in route.kept or f"{upload.attack} {upload.filename}" in route.kept


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_hostile_files_are_refused_clearly_and_change_nothing(targets, endpoint):
    route = ROUTES[endpoint]
    problems = {}

    for upload in route.files(targets):
        outcome = attack(targets, route, upload)
        wrong = [] if _kept(route, upload) else _wrong(route, outcome)
        if outcome.status >= 500:
            wrong.append(f"status {outcome.status}")
        if outcome.new_files:
            wrong.append(f"wrote {outcome.new_files}")
        if outcome.leaked:
            wrong.append("echoed the file an entity points at")
        if wrong:
            problems[f"{upload.attack} ({upload.filename})"] = wrong

    assert problems == {}
    assert _evil_files(targets.site) == []


OVERSIZED = Hostile("a body over MAX_CONTENT_LENGTH", "enorme.csv", b"a," * (13 * 1024 * 1024))


def test_the_request_limit_is_the_configured_25_mb(site):
    assert site.app.config["MAX_CONTENT_LENGTH"] == 25 * 1024 * 1024 < len(OVERSIZED.content)


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_a_body_over_the_request_limit_answers_413_in_italian_and_changes_nothing(targets, endpoint):
    with targets.site.app.app_context():
        before = fingerprint(_BOOKKEEPING)

    response = ROUTES[endpoint].send(targets, OVERSIZED)

    assert response.status_code == 413
    message = message_of(response) or html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    assert "più grande del limite" in message or "supera" in message, message[:500]
    with targets.site.app.app_context():
        assert changed_tables(before, fingerprint(_BOOKKEEPING)) == []


def test_no_stored_row_nor_kept_file_holds_what_an_entity_pointed_at(targets):
    """After every attack above: the secret file's content is in no table (bookkeeping ones included) and
    in no file the app keeps."""
    with targets.site.app.app_context():
        for name, table in db.metadata.tables.items():
            for row in db.session.execute(select(table)):
                assert SECRET_MARK not in repr(tuple(row)), name
    for path in _files_under(targets.site.instance):
        if path.is_file():
            assert SECRET_MARK.encode() not in path.read_bytes(), path


# ---- regression: names too long for the database ----------------------------------------------------------


def _form_with(settings: dict[str, str], media: str = "foto.png") -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "survey"
    for row in (["type", "name", "label", "media::image"], ["text", "nome", "Nome", media]):
        book.active.append(row)
    sheet = book.create_sheet("settings")
    sheet.append(list(settings))
    sheet.append(list(settings.values()))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


LONG = "x" * 300
TOO_LONG = {
    "form_title": (_form_with({"form_id": "lungo", "version": "1", "form_title": LONG}), "form_title"),
    "version": (_form_with({"form_id": "lungo", "version": "9" * 300, "form_title": "T"}), "version"),
    "form_id": (_form_with({"form_id": "f" * 300, "version": "1", "form_title": "T"}), "form_id"),
    "media file name": (
        _form_with({"form_id": "lungo", "version": "1"}, media=f"{LONG}.png"),
        "nome di file",
    ),
}


@pytest.mark.parametrize("endpoint", ["surveys.upload", "api.upload_form"])
@pytest.mark.parametrize("name", sorted(TOO_LONG))
def test_a_form_whose_names_are_too_long_to_keep_is_refused_not_failed(targets, endpoint, name):
    """A title, version, id or media file name over 255 characters once made PostgreSQL refuse the row and
    the upload answer 500 (SQLite keeps such text whatever the column's size)."""
    content, named = TOO_LONG[name]
    with targets.site.app.app_context():
        before = fingerprint(_BOOKKEEPING)

    response = ROUTES[endpoint].send(targets, Hostile("a name too long", "lungo.xlsx", content))

    assert response.status_code == 400
    message = (
        message_of(response)
        if endpoint.startswith("api.")
        else html.unescape(response.get_data(as_text=True))
    )
    assert named in message and re.search(r"ha 30[04] caratteri; il massimo è 255", message), message[:300]
    with targets.site.app.app_context():
        assert changed_tables(before, fingerprint(_BOOKKEEPING)) == []
