"""Hostile text for the adversarial tests, and how a page is checked for it: parsed, never string-matched.

A payload that reaches a page unescaped shows up as markup the app never writes itself: a <script> without
a src (other than the JSON data blocks), an on* attribute, a javascript: URL, a JSON block that no longer
parses because something closed it early. Escaped, the same payload is plain text a reader can see.
"""

import io
import json
import re
from collections.abc import Callable
from html.parser import HTMLParser

import openpyxl

SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
LINK = "[clic](javascript:alert(1))"
TEMPLATE = "tpl{{7*7}}end"
TEMPLATE_RENDERED = "tpl49end"  # what a template engine would make of TEMPLATE
CORE = f"{SCRIPT} {IMAGE} {LINK} {TEMPLATE}"


def hostile(tag: str, limit: int | None = None) -> str:
    """The payload, led by a tag naming where it was put, so a page can be asked which ones it shows; within
    `limit` characters, the script and the image alone (or what fits of the script)."""
    text = f"{tag} {CORE}"
    if limit is not None and len(text) > limit:
        text = f"{tag} {SCRIPT}{IMAGE}"
    return text[:limit] if limit is not None else text


# Text a spreadsheet would run as a formula (OWASP "CSV injection"): each starts with = + - @, a tab or a
# carriage return; the tag goes inside, so an export can be asked where each one went.
FORMULAS = (
    '=HYPERLINK("http://evil.example/{tag}","x")',
    "@SUM(1+1) {tag}",
    "+cmd|' /C calc'!A0 {tag}",
    "-2+3 {tag}",
    "\t=1+1 {tag}",
    "\r=1+1 {tag}",
)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def formula(tag: str, limit: int | None = None) -> str:
    """A formula holding `tag`, the same one for the same tag (seeding takes it where hostile() goes)."""
    text = FORMULAS[sum(map(ord, tag)) % len(FORMULAS)].format(tag=tag)
    return text[:limit] if limit is not None else text


_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc"})
_BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
_FOREIGN_ELEMENTS = frozenset({"iframe", "object", "embed", "base", "frame", "frameset", "applet"})
_INVISIBLE = re.compile(r"[\x00-\x20]+")


class _Audit(HTMLParser):
    """Collect what a page would run or load, and the text a reader would see."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self._json_block: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>: an event handler")
            scheme = _INVISIBLE.sub("", value).lower()
            if name in _URL_ATTRIBUTES and scheme.startswith(_BAD_SCHEMES):
                self.problems.append(f"<{tag} {name}={value!r}>: a script URL")
            if name == "http-equiv" and value.lower() == "refresh":
                self.problems.append(f"<{tag} http-equiv=refresh>")
        if tag in _FOREIGN_ELEMENTS:
            self.problems.append(f"<{tag}>: an element the app never writes")
        if tag == "script":
            self._script(values)

    def _script(self, values: dict[str, str]) -> None:
        if values.get("type") == "application/json":
            self._json_block = []
        elif not values.get("src", "").startswith("/static/"):
            self.problems.append(f"<script {values}>: a script that is not one of the app's files")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._json_block is not None:
            try:
                json.loads("".join(self._json_block))
            except ValueError:
                self.problems.append("a JSON data block that does not parse: something closed it early")
            self._json_block = None

    def handle_data(self, data: str) -> None:
        if self._json_block is not None:
            self._json_block.append(data)
        else:
            self.text.append(data)


def audit(html: str) -> tuple[list[str], str]:
    """(what on the page could run, the page's visible text with entities decoded)."""
    parser = _Audit()
    parser.feed(html)
    parser.close()
    problems = list(parser.problems)
    if TEMPLATE_RENDERED in html:
        problems.append(f"{TEMPLATE!r} was rendered by a template engine")
    for raw in (SCRIPT, SCRIPT.replace("/", ""), "<img src=x onerror"):
        if raw in html:  # escaped text and JSON blocks (tojson escapes "<") never hold it as it is
            problems.append(f"{raw!r} is in the page's source unescaped")
    return problems, "".join(parser.text)


def injections(html: str) -> list[str]:
    return audit(html)[0]


def shows_escaped(html: str, tag: str) -> bool:
    """Whether the page shows the payload put under `tag` as text: its tag, then its <script> element as
    characters a reader sees (pages may shorten the rest, and reflow whitespace)."""
    text = " ".join(audit(html)[1].split())
    return f"{tag} {SCRIPT}" in text or f"{tag} {SCRIPT.replace('/', '')}" in text  # file names lose "/"


def json_holds(value: object, tag: str) -> bool:
    """Whether a decoded JSON document holds hostile(tag) verbatim somewhere, as data."""
    if isinstance(value, str):
        return hostile(tag) in value
    if isinstance(value, dict):
        return any(json_holds(v, tag) for v in value.values())
    if isinstance(value, list):
        return any(json_holds(v, tag) for v in value)
    return False


# ---- a hostile form ---------------------------------------------------------------------------------------


def hostile_xlsform(text: Callable[[str], str], form_id: str = "ostile", version: str = "1") -> bytes:
    """An XLSForm whose every free-text cell is text(slot): labels, hints, guidance, messages, choices,
    group labels and the title; its media file names are hostile too (within what an XForm URI can hold)."""
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    columns = [
        "type",
        "name",
        "label",
        "hint",
        "guidance_hint",
        "constraint",
        "constraint_message",
        "required",
        "required_message",
        "media::image",
        "appearance",
    ]
    survey.append(columns)
    rows = [
        {"type": "begin group", "name": "gruppo", "label": text("group label")},
        {
            "type": "text",
            "name": "nome",
            "label": text("question label"),
            "hint": text("hint"),
            "guidance_hint": text("guidance"),
            "constraint": "string-length(.) < 2000",
            "constraint_message": text("constraint message"),
            "required": "yes",
            "required_message": text("required message"),
            "media::image": MEDIA_NAMES[0],
        },
        {"type": "select_one colori", "name": "colore", "label": text("select label")},
        {"type": "select_multiple colori", "name": "colori", "label": text("select multiple label")},
        {
            "type": "integer",
            "name": "numero",
            "label": "Numero",
            "constraint": ". > -1000",
            "constraint_message": text("number message"),
        },
        {"type": "text", "name": "note_libere", "label": "Note", "media::image": MEDIA_NAMES[1]},
        {"type": "note", "name": "avviso", "label": text("note")},
        {"type": "end group", "name": ""},
        {"type": "begin repeat", "name": "figli", "label": text("repeat label")},
        {"type": "text", "name": "nome_figlio", "label": text("repeat question")},
        {"type": "end repeat", "name": ""},
    ]
    for row in rows:
        survey.append([row.get(column, "") for column in columns])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    choices.append(["colori", "rosso", text("choice label")])
    choices.append(["colori", "blu", text("other choice label")])
    settings = book.create_sheet("settings")
    settings.append(["form_id", "version", "form_title"])
    settings.append([form_id, version, text("form title")])
    for sheet in book.worksheets:  # text, even where it looks like a formula (openpyxl would make it one)
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Media names a form may declare: an XForm URI holds no quote, angle bracket or space, so these are the
# hostile ones that survive (a script URL, a path leaving the folder).
MEDIA_NAMES = ("javascript:alert(1).png", "../../evil.png")
