"""Cross-site scripting: hostile text in form definitions and in data reaches every page as text, never as
markup, script or template.

The demo site gets the payloads of tests/security/hostile.py through its own pages, uploads and API
(tests/security/hostile_seed.py); then every page a signed-in person can reach by following links is parsed,
and must hold no script, event handler or javascript: URL of the payloads' making, and no evaluated template.
"""

import html as html_lib
import re

import pytest
from defusedxml.ElementTree import fromstring

from tests.security.browse import Crawl, crawl, forms_on
from tests.security.hostile import SCRIPT, hostile, injections, json_holds, shows_escaped
from tests.security.hostile_seed import Seeded, seed
from tests.security.hostile_site import ADMIN, OPERATOR_LECCE, RESEARCHER, Site, site_fixture
from tests.security.support import changed_tables, fingerprint

site = site_fixture(seed)


def _seeded(site: Site) -> Seeded:
    return site.seeded


@pytest.fixture(scope="module")
def pages(site: Site) -> Crawl:
    """Every page reached from the home page and from the hostile rows' own pages, by a network-wide
    administrator (who may open every page) and by the Lecce operator (whose receipt only they may see)."""
    starts = ["/", *_seeded(site).pages]
    found = crawl(site.client(ADMIN), starts, limit=900)
    operator = crawl(site.client(OPERATOR_LECCE), ["/", *_seeded(site).pages], limit=300)
    found.pages.update({f"{url} (operator)": page for url, page in operator.pages.items()})
    return found


def test_the_crawl_reaches_the_pages_of_every_part_of_the_site(pages):
    reached = {re.sub(r"\d+", "N", url.split("?")[0]) for url in pages.pages}

    for part in (
        "/forms/",
        "/cases/",
        "/admin/",
        "/services/",
        "/training/",
        "/programme/",
        "/monitoring/",
        "/transcripts/",
        "/statistics/",
        "/odk/",
        "/jobs/",
    ):
        assert any(path.startswith(part) for path in reached), part
    assert len(pages.pages) > 250


def test_no_page_fails_on_hostile_text(pages):
    failed = [url for url, (status, _mimetype, _body) in pages.pages.items() if status >= 500]

    assert failed == []


def test_no_page_runs_or_evaluates_hostile_text(pages):
    found = {url: problems for url, html in pages.html() if (problems := injections(html))}

    assert found == {}


# Where each piece of hostile text must show, as text: (tag, a page that shows it). The tags are those
# tests/security/hostile_seed.py gave the text; a page is matched as a regular expression on its URL.
SHOWN = [
    # form definitions
    ("form title", r"^/forms/$"),
    ("v2 form title", r"^/forms/\d+$"),
    ("version", r"^/forms/\d+$"),
    ("version", r"^/forms/\d+/versions/\d+/test$"),
    ("question label", r"^/forms/\d+/fill"),
    ("hint", r"^/forms/\d+/fill"),
    ("group label", r"^/forms/\d+/fill"),
    ("repeat label", r"^/forms/\d+/fill"),
    ("choice label", r"^/forms/\d+/fill"),
    ("note", r"^/forms/\d+/fill"),
    ("v2 question label", r"^/forms/\d+/versions/\d+/test$"),
    ("question label", r"^/forms/\d+/submissions$"),
    ("select label", r"^/forms/\d+/summary$"),
    ("choice label", r"^/forms/\d+/summary$"),
    ("group label", r"^/forms/\d+/submissions/\d+$"),
    ("choice label", r"^/statistics/\?source=form"),
    ("select label", r"^/statistics/standard\?source=form"),
    ("v2 form title", r"^/statistics/report\?source=form"),
    # answers, comments, reviews
    ("answer", r"^/forms/\d+/submissions$"),
    ("api answer", r"^/forms/\d+/submissions/\d+$"),
    ("repeat answer", r"^/forms/\d+/submissions/\d+$"),
    ("comment", r"^/forms/\d+/submissions/\d+/history$"),
    ("review note", r"^/forms/\d+/submissions/\d+$"),
    # case records
    ("case ambito", r"^/cases/\d+"),
    ("case provider", r"^/cases/\d+"),
    ("case provider", r"^/statistics/standard\?source=cases"),
    # administration, territory, registry
    ("user name", r"^/admin/users"),
    ("territory name", r"^/admin/territory"),
    ("territory name", r"^/statistics/"),
    ("service name", r"^/services/\d+$"),
    ("registry name", r"^/services/"),
    ("registry provider", r"^/services/"),
    ("cycle name", r"^/monitoring/\d+$"),
    # training
    ("training title", r"^/training/$"),
    ("training title", r"^/training/\d+/report$"),
    ("edition place", r"^/training/editions/\d+$"),
    ("participant name", r"^/training/editions/\d+$"),
    ("csv participant", r"^/training/editions/\d+$"),
    ("session topic", r"^/training/editions/\d+$"),
    # programme
    ("event title", r"^/programme/events/\d+$"),
    ("event title", r"^/programme/events\?"),
    ("event title", r"^/programme/report"),
    ("event notes", r"^/programme/events/\d+$"),
    ("attachment file", r"^/programme/events/\d+$"),
    ("action title", r"^/programme/actions/\d+$"),
    ("voucher name", r"^/programme/vouchers"),
    # coding workbench
    ("study name", r"^/transcripts/$"),
    ("document name", r"^/transcripts/documents/\d+$"),
    ("speaker", r"^/transcripts/documents/\d+$"),
    ("transcript text", r"^/transcripts/documents/\d+$"),
    ("memo text", r"^/transcripts/documents/\d+$"),
    ("code name", r"^/transcripts/studies/\d+/codebook$"),
    ("code definition", r"^/transcripts/codes/\d+$"),
    ("new code", r"^/transcripts/studies/\d+/analysis$"),
    ("transcript text", r"^/transcripts/studies/\d+/retrieve\?"),
    ("speaker", r"^/transcripts/studies/\d+/participants$"),
]


@pytest.mark.parametrize(("tag", "page"), SHOWN, ids=[f"{tag} on {page}" for tag, page in SHOWN])
def test_hostile_text_is_shown_as_text(pages, tag, page):
    showing = [url for url, html in pages.html() if re.search(page, url) and shows_escaped(html, tag)]

    assert showing, f"no page matching {page} shows {tag!r} as text"


# The answers the site gave while it took the hostile text in: forms shown again with their errors, import
# reports quoting the cells, the QR code page of a device, the workbench's JSON fragments.
ANSWERS = {
    "fill page refreshed by htmx, with messages": ["number message", "question label"],
    "fill page refused": ["required message", "number message"],
    "receipt": [],
    "refused case import": ["import code", "import state", "import header", "import file"],
    "refused registry import": ["registry kind", "registry capacity"],
    "new ODK device with its QR code": ["device label"],
    "codings applied (JSON)": ["speaker"],
    "new code applied (JSON)": ["speaker"],
    "memo saved (JSON)": ["memo title", "memo text"],
    "memos listed": ["memo title", "memo text"],
}


@pytest.mark.parametrize("name", ANSWERS)
def test_answers_to_hostile_input_hold_it_as_text(site, name):
    response = _seeded(site).answers[name]

    if response.mimetype == "application/json":
        fragments = _html_in(response.get_json())
    else:
        assert response.mimetype == "text/html"
        fragments = [response.get_data(as_text=True)]
    assert fragments and [problem for html in fragments for problem in injections(html)] == []
    for tag in ANSWERS[name]:
        assert any(shows_escaped(html, tag) for html in fragments), tag


def test_messages_flashed_after_saving_hostile_text_hold_it_as_text(site):
    landings = _seeded(site).landings
    flashing = [page for page in landings if 'role="status"' in page.get_data(as_text=True)]

    for page in landings:
        assert injections(page.get_data(as_text=True)) == [], page.request.path
    assert len(flashing) >= 10
    assert any(SCRIPT in html_lib.unescape(_status_text(page)) for page in flashing)


def _status_text(page) -> str:
    return " ".join(re.findall(r'role="status"[^>]*>(.*?)</div>', page.get_data(as_text=True), re.S))


def _html_in(document: object) -> list[str]:
    """The HTML fragments a JSON answer carries for the page to insert (its "html" values)."""
    if isinstance(document, dict):
        own = [value for key, value in document.items() if key == "html" and isinstance(value, str)]
        return own + [html for value in document.values() for html in _html_in(value)]
    if isinstance(document, list):
        return [html for value in document for html in _html_in(value)]
    return []


def test_json_endpoints_return_hostile_text_as_json_data(site):
    seeded, client = _seeded(site), site.client()
    headers = {"Authorization": f"Bearer {site.token(RESEARCHER)}"}

    form = client.get(f"/api/v1/forms/{seeded.form_id}", headers=headers)
    submissions = client.get(f"/api/v1/forms/{seeded.form_id}/submissions", headers=headers)

    for response, tag in ((form, "v2 form title"), (submissions, "answer"), (submissions, "api answer")):
        assert response.status_code == 200 and response.mimetype == "application/json"
        assert json_holds(response.get_json(), tag), tag
        # Raw "<" is fine in JSON: a browser told the type, and not to sniff another, never renders it.
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_query_strings_come_back_as_text(site, pages):
    """Every search and filter form (GET) sent with hostile text in each of its fields: the page that comes
    back may show the text, never run it."""
    client, sent, found = site.client(ADMIN), set(), {}
    for url, html in pages.html():
        for form in forms_on(html, url.removesuffix(" (operator)")):
            action = re.sub(r"\d+", "N", form.action.split("?")[0])
            if form.method != "get" or action in sent:
                continue
            sent.add(action)
            query = {name: hostile(f"query {name}") for name in form.kinds if name != "csrf_token"}
            response = client.get(form.action.split("?")[0], query_string=query)
            if response.status_code >= 500 or (problems := injections(response.get_data(as_text=True))):
                found[form.action] = response.status_code if response.status_code >= 500 else problems
    assert len(sent) >= 5
    assert found == {}


def test_a_hostile_address_comes_back_as_text(site):
    client = site.client(ADMIN)

    for url in (f"/forms/{SCRIPT}", f"/cases/?q={SCRIPT}", f"/login?next={hostile('next')}"):
        response = client.get(url)
        assert response.status_code < 500
        assert injections(response.get_data(as_text=True)) == [], url


def test_the_population_loader_refuses_hostile_cells_and_stores_nothing(site, tmp_path):
    csv = tmp_path / "popolazione.csv"
    csv.write_text(
        "org_unit,year,sex,age_band,count\n"
        f'"{hostile("population unit")}",2025,,,1300\n'
        f'ATS-LECCE,2025,"{hostile("population sex")}",,"=HYPERLINK(""http://evil"",""x"")"\n',
        encoding="utf-8",
    )
    with site.app.app_context():
        before = fingerprint()

    result = site.app.test_cli_runner().invoke(args=["humus", "load-population", str(csv)])

    assert result.exit_code != 0
    assert "Non è stato modificato nulla" in result.output or "Nothing was changed" in result.output
    with site.app.app_context():
        assert changed_tables(before, fingerprint()) == []


_SVG_SOURCE = re.compile(r'\ssrc="(/[^"]+?\.svg[^"]*)"')


def test_svg_charts_of_hostile_labels_hold_no_markup(site, pages):
    """Charts drawn from hostile labels are SVG documents: opened on their own they must carry no script,
    handler, foreign HTML or script URL (the labels are drawn as shapes or escaped text)."""
    client = site.client(ADMIN)
    everywhere = {html_lib.unescape(src) for _url, html in pages.html() for src in _SVG_SOURCE.findall(html)}
    hostile_charts = [src for src in everywhere if f"/forms/{_seeded(site).form_id}/summary/chart/" in src]
    one_of_each = {re.sub(r"\d+", "N", src.split("?")[0]): src for src in sorted(everywhere)}
    sources = set(hostile_charts) | set(one_of_each.values())  # others draw the demo's own labels

    found = {}
    for src in sorted(sources):
        response = client.get(src)
        if response.status_code == 404:  # a chart with nothing to draw
            continue
        assert response.status_code == 200 and response.mimetype == "image/svg+xml", src
        root = fromstring(response.data)
        problems = [
            f"<{element.tag} {name}={value!r}>"
            for element in root.iter()
            for name, value in (
                [("element", "")] if _local(element.tag) in ("script", "foreignObject") else []
            )
            + [(n, v) for n, v in element.attrib.items() if _local(n).startswith("on")]
            + [(n, v) for n, v in element.attrib.items() if v.strip().lower().startswith("javascript:")]
        ]
        if problems:
            found[src] = problems
    assert len(hostile_charts) >= 3
    assert found == {}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# ---- the checks themselves ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [
        f"<p>{SCRIPT}</p>",
        '<input value="x"><img src=x onerror=alert(1)>">',
        '<a href=" javascript:alert(1)">x</a>',
        '<script type="application/json">{"a": "</script><script>alert(1)</script>"}</script>',
        "<p>tpl49end</p>",
        '<iframe src="https://evil.example"></iframe>',
    ],
)
def test_the_audit_finds_markup_that_hostile_text_would_make(page):
    assert injections(f"<!doctype html><html><body>{page}</body></html>") != []


def test_the_audit_accepts_the_payloads_escaped():
    escaped = html_lib.escape(hostile("x"))

    page = f'<p>{escaped}</p><input value="{escaped}"><script src="/static/js/humus.js"></script>'

    assert injections(page) == [] and shows_escaped(page, "x")
