"""The URL map as the adversarial tests read it: which routes change state, which are machine endpoints
(no cookies), and which permission a route's `require` decorator asks for."""

from collections.abc import Callable
from typing import Any

from flask import Flask
from werkzeug.routing import Rule

from app.permissions import Permission

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_BEARER = "JSON API: authenticated by a bearer token on each request, never by the session cookie"
_DEVICE = "OpenRosa: ODK Collect authenticates each request with device credentials (HTTP Basic/Digest)"
# The only state-changing routes without a CSRF token: no cookie authenticates them, so a forged cross-site
# request carries nothing that would let it act as anybody (test_csrf checks that cookies do not open them).
CSRF_EXEMPT = {
    "api.upload_form": _BEARER,
    "api.create_export": _BEARER,
    "api.create_submission": _BEARER,
    "api.create_test_submission": _BEARER,
    "api.upload_attachment": _BEARER,
    "openrosa.submission": _DEVICE,
    "openrosa.project_submission": _DEVICE,
}
# Read-only machine endpoints: they too must not answer to a session cookie alone.
MACHINE_READS = frozenset(
    {
        "api.list_forms",
        "api.get_form",
        "api.list_submissions",
        "api.get_job",
        "api.download_job",
        "api.me",
        "api.statistics",
        "api.standard",
        "openrosa.form_list",
        "openrosa.project_form_list",
        "openrosa.download_form",
        "openrosa.form_manifest",
        "openrosa.download_media",
    }
)
# Routes anyone may call, signed in or not.
PUBLIC = {
    "api.openapi": "the OpenAPI description of the API: documentation, no data",
    "static": "stylesheets, scripts and images",
    "home.healthz": 'the liveness probe: answers {"status": "ok"} and reads nothing',
    "home.readyz": "the readiness probe: says only whether the database answers",
    "auth.login": "the sign-in page",
    "auth.language": "the language switch: stores a choice in the session (and, signed in, in the account)",
}
# Web routes that sign-in alone opens, each checking inside what the user may do: why each is safe.
CHECKED_INSIDE = {
    "home.index": "the home page shows each person their own tasks",
    "auth.logout": "ends one's own session",
    "auth.account": "one's own account",
    "auth.create_token": "one's own API tokens",
    "auth.revoke_token": "one's own API tokens: another's id answers 404",
    "surveys.index": "lists only the forms of the projects the user works in",
    "surveys.detail": "form_or_404: forms of the user's projects only",
    "surveys.receipt": "only the submitter's own receipt",
    "surveys.download_xform": "form_or_404 with the design permission",
    "surveys.download_xlsform": "form_or_404 with the design permission",
    "jobs.index": "one's own jobs",
    "jobs.status": "one's own jobs: another's id answers 404",
    "jobs.progress": "one's own jobs",
    "jobs.download": "one's own jobs",
    "monitoring.index": "readers of statistics or designers of forms only (_readers_only)",
    "monitoring.cycle": "readers of statistics or designers of forms only, units in scope",
    "monitoring.completeness_csv": "readers of statistics or designers of forms only, units in scope",
    "registry.create": "403 unless the user manages the territory or designs forms (registry._manager)",
    "registry.edit": "403 unless the user manages the service's unit",
    "registry.import_registry": "403 unless the user manages the territory or designs forms",
    "registry.import_template": "a blank CSV template, for those who may import",
}
# What a browser form would send: enough for most views to act if a check were missing.
FORM_DATA = {
    "name": "Attacco",
    "title": "Attacco",
    "text": "Attacco",
    "email": "attacco@example.org",
    "password": "Una-password-lunga-e-sicura-1",
    "role": "admin",
    "org_unit": "network",
    "lang": "en",
    "confirm": "yes",
    "state": "approved",
}


def rules(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def state_changing_rules(app: Flask) -> list[Rule]:
    return [r for r in rules(app) if r.methods and r.methods & STATE_CHANGING]


def machine_endpoints() -> set[str]:
    return set(CSRF_EXEMPT) | MACHINE_READS


def required_permissions(view: Callable[..., Any]) -> set[Permission]:
    """The permissions `app.permissions.require` guards a view with, read from the decorator's closures."""
    found: set[Permission] = set()
    seen: set[int] = set()
    stack: list[Any] = [view]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        for cell in getattr(current, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            if isinstance(value, Permission):
                found.add(value)
            elif callable(value):
                stack.append(value)
        if wrapped := getattr(current, "__wrapped__", None):
            stack.append(wrapped)
    return found
