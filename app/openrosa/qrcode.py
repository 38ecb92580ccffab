"""The project configuration QR code that ODK Collect scans: its settings payload, drawn as SVG."""

import base64
import json
import zlib

import segno
from markupsafe import Markup


def settings_payload(server_url: str, username: str, project_name: str, password: str | None = None) -> str:
    """ODK Collect's settings as JSON, zlib-compressed then base64-encoded, as Collect expects to scan.

    Forms match the server exactly (removed forms leave the phone), and finalised forms are sent as soon as
    the phone is online, over any network: operators on home visits should not have to remember."""
    general: dict[str, str] = {"server_url": server_url, "username": username}
    if password is not None:
        general["password"] = password
    general |= {"form_update_mode": "match_exactly", "autosend": "wifi_and_cellular"}
    settings = {"general": general, "admin": {}, "project": {"name": project_name}}
    compact = json.dumps(settings, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.b64encode(zlib.compress(compact)).decode("ascii")


def read_payload(payload: str) -> dict[str, object]:
    """The settings inside a payload (what Collect reads when it scans the code)."""
    return json.loads(zlib.decompress(base64.b64decode(payload)))


def qr_svg(payload: str, title: str) -> Markup:
    """The payload as an inline SVG QR code (no script, no style attribute: the CSP allows it)."""
    code = segno.make(payload, error="m", micro=False)
    svg = code.svg_inline(scale=4, border=4, dark="#000", light="#fff", title=title, svgclass="humus-qr")
    return Markup(svg)  # noqa: S704 - segno's own markup; it escapes the title
