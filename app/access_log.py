"""gunicorn's access log with every control character of a request escaped, so no request can forge a line.

gunicorn writes the request's own text into the access log as it came: the user name of an HTTP Basic
Authorization header (which ODK Collect sends, and anyone can), the User-Agent and the Referer. A Basic user
name is base64, so it can hold a line break: `Authorization: Basic <"x\\n10.0.0.1 - admin ... 200">` would
add a forged line to the log, and an ANSI escape would rewrite the terminal of whoever reads it. nginx
escapes such bytes as \\xHH in its own log; this logger does the same for gunicorn's. Select it with
`logger_class = "app.access_log.AccessLogger"` (docs/deploy.md).
"""

import re
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

# C0 controls (line breaks, tabs, ESC), DEL, the C1 controls, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """`text` with each control character written as \\xHH (\\uHHHH above 0xFF), and backslashes doubled so
    an escape in the log can be told from the same characters typed by the client."""
    return _CONTROL.sub(_escaped, text.replace("\\", "\\\\"))


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


class AccessLogger(Logger):
    """gunicorn's Logger, its access-log atoms escaped."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> dict[str, Any]:
        found = super().atoms(resp, req, environ, request_time)
        return {
            key: escape_controls(value) if isinstance(value, str) else value for key, value in found.items()
        }
