"""OpenRosa HTTP responses: the protocol headers, the message envelope and the language they speak."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - only builds XML; nothing is parsed here

from flask import Response, current_app, request
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from werkzeug.http import http_date

from app.models import User

OPENROSA_VERSION = "1.0"
RESPONSE_NS = "http://openrosa.org/http/response"
XML_MIMETYPE = "text/xml"
REALM = "Humus"
DEFAULT_ACCEPT_CONTENT_LENGTH = 100 * 1024 * 1024


def accept_content_length() -> int:
    """The largest POST body the server takes: Collect splits a bigger submission over several POSTs."""
    return int(current_app.config.get("MAX_CONTENT_LENGTH") or DEFAULT_ACCEPT_CONTENT_LENGTH)


def with_protocol_headers(response: Response) -> Response:
    """Add the headers every OpenRosa response carries (X-OpenRosa-Version, Date, Content-Language)."""
    response.headers["X-OpenRosa-Version"] = OPENROSA_VERSION
    response.headers["X-OpenRosa-Accept-Content-Length"] = str(accept_content_length())
    response.headers["Date"] = http_date()
    response.headers["Content-Language"] = str(get_locale() or "it")
    return response


def xml_response(body: bytes, status: int = 200) -> Response:
    response = Response(body, status=status, content_type=f"{XML_MIMETYPE}; charset=utf-8")
    return with_protocol_headers(response)


def message_response(message: str, status: int, nature: str = "error") -> Response:
    """The OpenRosaResponse envelope with one message, which ODK Collect shows to the person sending."""
    root = ET.Element("OpenRosaResponse", {"xmlns": RESPONSE_NS, "items": "0"})
    ET.SubElement(root, "message", {"nature": nature}).text = message
    return xml_response(ET.tostring(root, encoding="utf-8", xml_declaration=True), status)


def no_content() -> Response:
    return with_protocol_headers(Response(status=204))


def challenge(message: str | None = None) -> Response:
    """401 asking for device credentials: Collect answers it by sending them with HTTP Basic."""
    response = message_response(message or _("Sign in with the credentials of this device."), 401)
    response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return response


def protocol_language(user: User | None = None) -> str:
    """The phone's language when it says one we speak, else the user's own choice, else Italian."""
    languages = current_app.config["LANGUAGES"]
    if request.headers.get("Accept-Language"):
        best = request.accept_languages.best_match(languages)
        if best:
            return best
    if user is not None and user.locale in languages:
        return user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def openrosa_request(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse a request without `X-OpenRosa-Version: 1.0`, as the OpenRosa request standard requires."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        with force_locale(protocol_language()):
            if request.headers.get("X-OpenRosa-Version", "").strip() != OPENROSA_VERSION:
                message = _("This address serves ODK Collect: send the header X-OpenRosa-Version: 1.0.")
                return message_response(message, 400)
            return view(*args, **kwargs)

    return checked
