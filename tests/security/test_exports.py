"""Formula injection, identifiers and scope in every export: text that would run as a spreadsheet formula is
neutralised in every CSV and XLSX cell while numbers stay numbers, Word documents hold it as plain text,
statistics exports name nobody, and an export holds only the rows of its reader's scope.

The demo site gets formulas (tests/security/hostile.py FORMULAS: = + - @ tab CR) wherever people type text,
through its own pages (tests/security/hostile_seed.py); then every export route is downloaded and read.
"""

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import openpyxl
import pytest
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.accounts import create_user, grant_role
from app.extensions import db
from app.models import Form, OrgUnit, ReportingCycle, TrainingEdition, TrainingIntervention
from tests.conftest import PASSWORD, csrf_token, login, make_app
from tests.security.hostile import FORMULA_TRIGGERS, formula
from tests.security.hostile_seed import Seeded, seed
from tests.security.hostile_site import ADMIN, EVALUATOR, OPERATOR_BARI, RESEARCHER, Site, site_fixture
from tests.security.view_code import download_endpoints

site = site_fixture(lambda built: seed(built, formula))
OUTSIDER = "valutatore.bari@example.org"  # an evaluator of the Ambito di Bari, made by the fixture below


def _seeded(site: Site) -> Seeded:
    return site.seeded


# ---- the export routes ----------------------------------------------------------------------------

# Downloads that are not tables of the app's data, and why formula injection does not apply to them.
NOT_TABLES = {
    "surveys.summary_chart": "a chart (PNG or SVG), drawn by matplotlib: no cells",
    "training.intervention_chart": "a chart (PNG or SVG): no cells",
    "training.edition_chart": "a chart (PNG or SVG): no cells",
    "surveys.download_xlsform": "the researcher's own XLSForm, byte for byte as uploaded",
    "surveys.download_xform": "the XForm XML pyxform made of it, for ODK tools",
    "programme.attachment": "a document as it was uploaded, downloaded under a sandbox CSP",
    "transcripts.export_qdpx": "a REFI-QDA project: XML for QDA software, text kept exact (tested below)",
    "transcripts.export_qdc": "a REFI-QDA codebook: XML for QDA software, text kept exact (tested below)",
}


# ---- downloading every export -----------------------------------------------------------------------------


@dataclass
class Context:
    site: Site
    seeded: Seeded
    token: str  # the researcher's

    def client(self, email: str):
        return self.site.client(email)

    def one(self, statement):
        [(value,)] = self.site.query(statement)
        return value


def _job(ctx: Context, form_id: int, options: dict, token: str | None = None) -> TestResponse:
    """A submissions export through the API: start the job, wait, download its file."""
    headers = {"Authorization": f"Bearer {token or ctx.token}"}
    client = ctx.site.client()
    started = client.post(f"/api/v1/forms/{form_id}/exports", json=options, headers=headers)
    assert started.status_code == 202, started.get_json()
    ctx.site.wait_for_jobs()
    return client.get(f"/api/v1/jobs/{started.get_json()['id']}/download", headers=headers)


def _page_job(ctx: Context, form_id: int, fmt: str, email: str = RESEARCHER) -> TestResponse:
    """A submissions export from the export page: the job's page, then its download link."""
    client = ctx.client(email)
    data = {"csrf_token": csrf_token(client), "format": fmt, "values": "labels", "versions": "all"}
    started = client.post(f"/forms/{form_id}/export", data=data)
    assert started.status_code == 302, started.get_data(as_text=True)[-500:]
    ctx.site.wait_for_jobs()
    return client.get(started.headers["Location"].rstrip("/") + "/download")


def _cartella(ctx: Context) -> int:
    return ctx.one(select(Form.id).where(Form.xml_form_id == "cartella_sociale"))


def _training(ctx: Context) -> tuple[int, int]:
    [(intervention, edition)] = ctx.site.query(
        select(TrainingIntervention.id, TrainingEdition.id)
        .join(TrainingEdition, TrainingEdition.intervention_id == TrainingIntervention.id)
        .where(TrainingIntervention.evaluation_form_id.is_not(None))
        .order_by(TrainingEdition.id)
        .limit(1)
    )
    return intervention, edition


def _statistics(ctx: Context, path: str) -> list[tuple[str, TestResponse]]:
    admin, form = ctx.client(ADMIN), ctx.seeded.form_id
    queries = [f"source=form&form={form}&by=colore", "source=cases&by=comune", "source=cases&by=ambito,sesso"]
    return [(f"{path}?{query}", admin.get(f"{path}?{query}")) for query in queries]


Downloads = Callable[[Context], list[tuple[str, TestResponse]]]
EXPORTS: dict[str, Downloads] = {
    "api.download_job": lambda ctx: [
        ("survey CSV", _job(ctx, ctx.seeded.form_id, {"format": "csv"})),
        ("survey XLSX with labels", _job(ctx, ctx.seeded.form_id, {"format": "xlsx", "labels": True})),
        ("case records CSV", _job(ctx, _cartella(ctx), {"format": "csv", "labels": True})),
    ],
    "jobs.download": lambda ctx: [
        ("survey XLSX from the page", _page_job(ctx, ctx.seeded.form_id, "xlsx")),
        ("survey CSV from the page", _page_job(ctx, ctx.seeded.form_id, "csv")),
    ],
    "monitoring.completeness_csv": lambda ctx: [
        (
            "completeness",
            ctx.client(ADMIN).get(f"/monitoring/{ctx.one(select(ReportingCycle.id))}/completeness.csv"),
        )
    ],
    "programme.report_download": lambda ctx: [
        (
            f"programme {fmt}",
            ctx.client(ADMIN).get(f"/programme/report.{fmt}?project={ctx.site.project_id()}"),
        )
        for fmt in ("xlsx", "docx")
    ],
    "statistics.export_csv": lambda ctx: _statistics(ctx, "/statistics/export.csv"),
    "statistics.export_xlsx": lambda ctx: _statistics(ctx, "/statistics/export.xlsx"),
    "statistics.standard_xlsx": lambda ctx: _statistics(ctx, "/statistics/standard.xlsx"),
    "training.intervention_download": lambda ctx: [
        (f"intervention {fmt}", ctx.client(EVALUATOR).get(f"/training/{_training(ctx)[0]}/report.{fmt}"))
        for fmt in ("xlsx", "docx")
    ],
    "training.edition_download": lambda ctx: [
        (f"edition {fmt}", ctx.client(EVALUATOR).get(f"/training/editions/{_training(ctx)[1]}/report.{fmt}"))
        for fmt in ("xlsx", "docx")
    ],
    "training.completion_csv": lambda ctx: [
        ("completion", ctx.client(EVALUATOR).get(f"/training/editions/{_training(ctx)[1]}/completion.csv"))
    ],
    "transcripts.export_codings": lambda ctx: [
        (
            f"codings {fmt}",
            ctx.client(RESEARCHER).get(f"/transcripts/studies/{ctx.seeded.study_id}/codings.{fmt}"),
        )
        for fmt in ("csv", "xlsx")
    ],
    "transcripts.report_docx": lambda ctx: [
        (
            "codebook report",
            ctx.client(RESEARCHER).get(f"/transcripts/studies/{ctx.seeded.study_id}/report.docx"),
        )
    ],
    "registry.import_template": lambda ctx: [
        ("registry template", ctx.client(ADMIN).get("/services/import/template.csv"))
    ],
}

# Where the seeded formulas must turn up (by their tags), so a check that finds nothing proves something.
EXPECTED = {
    "survey CSV": ["answer", "api answer", "second answer", "repeat answer"],
    "survey XLSX with labels": ["answer", "choice label"],
    "case records CSV": ["case ambito", "case provider"],
    "survey XLSX from the page": ["answer", "choice label"],
    "survey CSV from the page": ["answer"],
    "completeness": ["territory name"],
    "programme xlsx": ["event title", "voucher name"],
    "programme docx": ["event title"],
    "/statistics/export.csv?source=cases&by=comune": ["territory name"],
    "/statistics/standard.xlsx?source=form": ["choice label"],
    "intervention docx": ["demo training title"],
    "edition docx": ["demo training title"],
    "completion": ["demo participant name"],
    "codings csv": ["code name", "transcript text", "speaker"],
    "codings xlsx": ["code name", "transcript text", "speaker"],
    "codebook report": ["code name", "code definition", "transcript text"],
}


@pytest.fixture(scope="module")
def context(site: Site) -> Context:
    with site.app.app_context():
        outsider = create_user(OUTSIDER, PASSWORD, name="Valutatore di Bari")
        grant_role(
            outsider, "evaluator", db.session.scalars(select(OrgUnit).where(OrgUnit.code == "ATS-BARI")).one()
        )
        db.session.commit()
    return Context(site, _seeded(site), site.token(RESEARCHER))


@pytest.fixture(scope="module")
def downloads(context: Context) -> dict[str, tuple[str, TestResponse]]:
    """Every export, downloaded once: label -> (endpoint, response)."""
    found = {}
    for endpoint, download in EXPORTS.items():
        for label, response in download(context):
            assert response.status_code == 200, (label, response.status_code)
            found[label] = (endpoint, response)
    return found


def test_every_export_route_is_checked_or_is_not_a_table():
    found = download_endpoints(make_app("sqlite://"))

    assert found == set(EXPORTS) | set(NOT_TABLES), "a download route is in neither EXPORTS nor NOT_TABLES"


# ---- reading what was downloaded --------------------------------------------------------------------------


@dataclass
class Cell:
    where: str
    value: object
    is_formula: bool = False  # an XLSX cell holding a formula, or an error value


def _csv_cells(name: str, data: bytes) -> list[Cell]:
    text = data.decode("utf-8-sig")
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    return [
        Cell(f"{name} row {r}", value)
        for r, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        for value in row
    ]


def _xlsx_cells(name: str, data: bytes) -> list[Cell]:
    cells = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.namelist():
            if member.startswith("xl/worksheets/") and re.search(rb"<f[ >]", archive.read(member)):
                cells.append(Cell(f"{name} {member}", "<f> element", is_formula=True))
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    where = f"{name} {sheet.title}!{cell.coordinate}"
                    cells.append(Cell(where, cell.value, is_formula=cell.data_type in ("f", "e")))
    return cells


_FIELD_CODES = re.compile(rb"<w:(?:instrText|fldSimple)\b[^>]*>(.*?)<", re.S)


def _docx_cells(name: str, data: bytes) -> list[Cell]:
    """A Word document's text as one cell per paragraph; a field code (which Word can run) as a formula."""
    from docx import Document

    document = Document(io.BytesIO(data))
    cells = [Cell(name, paragraph.text) for paragraph in document.paragraphs]
    cells += [Cell(name, cell.text) for table in document.tables for row in table.rows for cell in row.cells]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        body = archive.read("word/document.xml")
    cells += [Cell(name, code.decode(), is_formula=True) for code in _FIELD_CODES.findall(body)]
    return cells


def cells_of(label: str, response: TestResponse) -> list[Cell]:
    data = response.data
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [
                c
                for n in archive.namelist()
                if n.endswith(".csv")
                for c in _csv_cells(f"{label} {n}", archive.read(n))
            ]
    if response.mimetype.startswith("text/csv"):
        return _csv_cells(label, data)
    if "spreadsheetml" in response.mimetype:
        return _xlsx_cells(label, data)
    if "wordprocessingml" in response.mimetype:
        return _docx_cells(label, data)
    raise AssertionError(f"{label}: an export of type {response.mimetype} this test cannot read")


_NUMBER = re.compile(r"[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?%?")


def _holds(cells: list[Cell], tag: str) -> bool:
    """Whether a cell holds the formula seeded under `tag` (neutralised or not; forms strip its blanks)."""
    seeded = formula(tag).strip()
    return any(isinstance(cell.value, str) and seeded in cell.value for cell in cells)


def _unsafe(cell: Cell, csv_text: bool) -> bool:
    """A cell a spreadsheet would run: an XLSX formula (or error) cell, a Word field code, or CSV text that
    starts with a trigger without the apostrophe that makes it text (numbers may start with - or +).

    XLSX text is safe as a string-typed cell whatever it starts with: that is how the app writes it."""
    if cell.is_formula:
        return True
    if not csv_text or not isinstance(cell.value, str) or not cell.value.startswith(FORMULA_TRIGGERS):
        return False
    return _NUMBER.fullmatch(cell.value.strip()) is None


@pytest.mark.parametrize("endpoint", sorted(EXPORTS))
def test_no_exported_cell_would_run_as_a_formula(downloads, endpoint):
    for label, (owner, response) in downloads.items():
        if owner != endpoint:
            continue
        cells = cells_of(label, response)
        csv_text = response.mimetype in ("application/zip", "text/csv")

        unsafe = [f"{c.where}: {c.value!r}" for c in cells if _unsafe(c, csv_text)]

        assert unsafe == [], label
        expected = next((tags for key, tags in EXPECTED.items() if label.startswith(key)), [])
        missing = [tag for tag in expected if not _holds(cells, tag)]
        assert missing == [], f"{label} lacks seeded formulas, so its check proves nothing"


def test_neutralised_formulas_keep_their_text_after_an_apostrophe_in_csv(downloads):
    _endpoint, response = downloads["survey CSV"]
    values = [c.value for c in cells_of("survey CSV", response)]

    assert formula("answer") not in values and "'" + formula("answer") in values


def test_a_negative_number_stays_a_number(downloads):
    _endpoint, csv_export = downloads["survey CSV"]
    _endpoint, xlsx_export = downloads["survey XLSX with labels"]

    csv_values = [c.value for c in cells_of("csv", csv_export)]
    xlsx_values = [c.value for c in cells_of("xlsx", xlsx_export)]

    assert "-3" in csv_values and "'-3" not in csv_values
    assert -3 in xlsx_values and "-3" not in xlsx_values


def test_refi_exports_keep_the_text_exactly(context):
    """The REFI-QDA exchange files are XML: the formulas are data there, kept character for character."""
    client, study = context.client(RESEARCHER), context.seeded.study_id

    codebook = client.get(f"/transcripts/studies/{study}/export.qdc")
    project = client.get(f"/transcripts/studies/{study}/export.qdpx")

    from defusedxml.ElementTree import fromstring

    names = {code.get("name") for code in fromstring(codebook.data).iter() if code.tag.endswith("Code")}
    assert formula("code name") in names
    with zipfile.ZipFile(io.BytesIO(project.data)) as archive:
        assert formula("code name") in {e.get("name") for e in fromstring(archive.read("project.qde")).iter()}


# ---- who is in an export ----------------------------------------------------------------------------------

IDENTIFIERS = ("RSSMRA80A01H501U", "minor name", "minor surname", "import surname", "import name", "address")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def test_statistics_exports_name_nobody(downloads, context):
    api = context.site.client().get(
        "/api/v1/statistics?source=cases&by=ambito", headers={"Authorization": f"Bearer {context.token}"}
    )
    texts = [json.dumps(api.get_json())]
    for label, (endpoint, response) in downloads.items():
        if endpoint.startswith("statistics."):
            texts.append(" ".join(str(c.value) for c in cells_of(label, response)))

    for text in texts:
        assert [i for i in IDENTIFIERS if i in text] == []
        assert _EMAIL.findall(text) == []
    assert len(texts) == 10


def _sign_in(site: Site, email: str, password: str):
    client = site.client()
    assert login(client, email, password).status_code == 302
    return client


def test_an_export_holds_only_the_rows_of_its_readers_scope(context):
    """The Lecce operator's answers and the Lecce cases are out of the Bari operator's scope."""
    bari = context.site.token(OPERATOR_BARI)

    surveys = _job(context, context.seeded.form_id, {"format": "csv"}, token=bari)
    cases = _job(context, _cartella(context), {"format": "csv"}, token=bari)
    page = _page_job(context, context.seeded.form_id, "xlsx", email=OPERATOR_BARI)
    statistics = context.client(OPERATOR_BARI).get("/statistics/export.csv?source=cases&by=comune")

    for label, response in (
        ("surveys", surveys),
        ("cases", cases),
        ("page", page),
        ("statistics", statistics),
    ):
        assert response.status_code == 200, label
        cells = cells_of(label, response)
        out_of_scope = ("answer", "api answer", "case ambito", "case provider", "territory name")
        assert [tag for tag in out_of_scope if _holds(cells, tag)] == [], label
    assert "Lecce" not in statistics.get_data(as_text=True)


def test_an_export_out_of_scope_answers_404(context):
    outsider = _sign_in(context.site, OUTSIDER, PASSWORD)
    study = context.seeded.study_id

    for url in (
        f"/transcripts/studies/{study}/codings.csv",
        f"/transcripts/studies/{study}/report.docx",
        f"/transcripts/studies/{study}/export.qdpx",
    ):
        assert outsider.get(url).status_code == 404, url


# ---- the checks themselves ------------------------------------------------------------------------------


def test_the_cell_check_finds_formulas_left_as_they_are():
    raw_csv = _csv_cells("raw", b'nome,numero\n"=HYPERLINK(""http://evil"",""x"")",-3\n@SUM(1+1),+4\n')
    book = openpyxl.Workbook()
    book.active.append(["=1+1", -3])
    buffer = io.BytesIO()
    book.save(buffer)
    raw_xlsx = _xlsx_cells("raw", buffer.getvalue())

    assert [c.value for c in raw_csv if _unsafe(c, csv_text=True)] == [
        '=HYPERLINK("http://evil","x")',
        "@SUM(1+1)",
    ]
    assert [c.value for c in raw_xlsx if _unsafe(c, csv_text=False)] == ["<f> element", "=1+1"]
