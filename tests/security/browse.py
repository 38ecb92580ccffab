"""Going through the app as a person does: following its links page after page, and filling in its forms.

The crawl gives the XSS tests every page a signed-in person can reach; the form filler puts hostile text
(tests/security/hostile.py) in every free-text field of a page's form, so seeding needs no field list.
"""

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from flask.testing import FlaskClient

from tests.security.hostile import hostile

# ---- crawling -------------------------------------------------------------------------------------------


@dataclass
class Crawl:
    """Every page reached, by URL: its status and, for HTML and JSON, its body."""

    pages: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # url -> (status, mimetype, body)

    def html(self) -> Iterator[tuple[str, str]]:
        for url, (_status, mimetype, body) in self.pages.items():
            if mimetype == "text/html":
                yield url, body


# Downloads, charts and actions that a GET link reaches but that are not pages; the export tests read them.
_NOT_PAGES = re.compile(
    r"\.(png|svg|xlsx|xls|ods|csv|docx|odt|pdf|qdpx|qdc|xml|css|js|zip|txt)$|/download$|/static/|/media/"
)
_HREF = re.compile(r"""\shref="(/[^"#]*)""")
_NUMBER = re.compile(r"\d+")


def crawl(client: FlaskClient, starts: Iterable[str], limit: int = 600, per_template: int = 4) -> Crawl:
    """Follow the app's own links (GET only) from `starts`, breadth first, up to `limit` pages.

    Pages of one template (the same path but for its ids and query) repeat the same markup with other rows,
    so after `per_template` of them the rest are skipped; the starts are always visited, so list there the
    pages of the rows under test."""
    found, queue, seen, templates = Crawl(), list(starts), set(), {}
    starting = set(queue)
    while queue and len(found.pages) < limit:
        url = queue.pop(0)
        path = urlsplit(url).path
        template = _NUMBER.sub("N", path)
        if url in seen or _NOT_PAGES.search(path):
            continue
        if url not in starting and templates.get(template, 0) >= per_template:
            continue
        seen.add(url)
        templates[template] = templates.get(template, 0) + 1
        response = client.get(url)
        body = (
            response.get_data(as_text=True) if response.mimetype in {"text/html", "application/json"} else ""
        )
        found.pages[url] = (response.status_code, response.mimetype, body)
        if response.mimetype == "text/html":
            queue.extend(urljoin(url, _unescape(link)) for link in _HREF.findall(body))
    return found


def _unescape(link: str) -> str:
    return link.replace("&amp;", "&")


# ---- filling in the app's own forms -------------------------------------------------------------------


@dataclass
class HtmlForm:
    """A <form> of a page: where it posts and the fields a browser would send, with their first values."""

    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> values sent as they stand
    kinds: dict[str, str] = field(default_factory=dict)  # name -> input type, "select" or "textarea"
    options: dict[str, list[str]] = field(default_factory=dict)  # select name -> option values
    limits: dict[str, int] = field(default_factory=dict)  # name -> maxlength


class _Forms(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base, self.forms, self._select, self._textarea = base, [], None, None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            action = urljoin(self.base, values.get("action") or self.base)
            self.forms.append(HtmlForm(action, values.get("method", "get").lower()))
        elif tag == "option" and self._select is not None:
            self._option(values)
        elif not self.forms or not values.get("name"):
            return
        elif tag == "input":
            self._input(values)
        elif tag == "select":
            self._select = values["name"]
            self.forms[-1].kinds[self._select] = "select"
            self.forms[-1].options.setdefault(self._select, [])
        elif tag == "textarea":
            self._textarea = values["name"]
            self.forms[-1].kinds[self._textarea] = "textarea"
            self.forms[-1].fields.setdefault(self._textarea, [""])

    def _option(self, values: dict[str, str]) -> None:
        """A select sends its selected option, else (as a person would pick) its first one with a value."""
        value, current = values.get("value", ""), self.forms[-1]
        current.options[self._select].append(value)
        if "selected" in values or (value and not any(current.fields.get(self._select, [""]))):
            current.fields[self._select] = [value]

    def _input(self, values: dict[str, str]) -> None:
        kind, name = values.get("type", "text").lower(), values["name"]
        current = self.forms[-1]
        current.kinds.setdefault(name, kind)
        if values.get("maxlength", "").isdigit():
            current.limits[name] = int(values["maxlength"])
        if kind in {"checkbox", "radio"}:
            current.options.setdefault(name, []).append(values.get("value", "on"))
            if "checked" not in values:
                return
        if kind not in {"submit", "button", "file", "image", "reset"}:
            current.fields.setdefault(name, []).append(values.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_on(html: str, url: str) -> list[HtmlForm]:
    parser = _Forms(url)
    parser.feed(html)
    return parser.forms


_TEXT_KINDS = frozenset({"text", "textarea", "search"})


Text = Callable[..., str]  # text(tag, limit=None): the hostile text to put where `tag` says


def submit_hostile(
    client: FlaskClient, page: str, action: str, tag: str, text: Text = hostile, **values: str | list[str]
) -> tuple[HtmlForm, object]:
    """Fill in the form of `page` posting to a URL containing `action` as a person would, every free-text
    field holding text(f"{tag} {field}") unless given in `values`, and post it; return form and response."""
    html = client.get(page).get_data(as_text=True)
    matching = [f for f in forms_on(html, page) if action in f.action and f.method == "post"]
    assert matching, f"no form posting to {action} on {page}"
    form = matching[0]
    data: dict[str, list[str]] = {name: list(v) for name, v in form.fields.items()}
    for name, kind in form.kinds.items():
        if kind in _TEXT_KINDS and name not in values and name != "csrf_token":
            data[name] = [text(f"{tag} {name}", form.limits.get(name))]
    data.update({name: [v] if isinstance(v, str) else list(v) for name, v in values.items()})
    response = client.post(urlsplit(form.action).path + _query(form.action), data=data)
    if response.status_code in (302, 303):  # the page it lands on flashes what was saved, names included
        response.landing = client.get(response.headers["Location"])  # type: ignore[attr-defined]
    return form, response


def _query(url: str) -> str:
    query = urlsplit(url).query
    return f"?{query}" if query else ""
