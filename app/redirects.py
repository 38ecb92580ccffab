"""Where a form may send the browser next: only a path on this site, never another site (open redirects)."""

from urllib.parse import urlsplit


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None.

    Refused: a scheme or host, "//", any backslash (browsers read it as a slash), and any white space or
    control character. Browsers, and urlsplit which builds the Location header, drop tabs and line breaks,
    so "/<tab>/evil.example" would leave as "//evil.example": another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(char.isspace() or not char.isprintable() for char in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None
