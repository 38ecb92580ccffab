"""The upload routes under attack: what each is given (rows to upload to, who may), how a file is posted to
it, which hostile files it is sent, how it says no, and which attacks it may take in because they are harmless.
"""

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from werkzeug.test import TestResponse

from app.extensions import db
from app.models import (
    CodingProject,
    EntityList,
    Form,
    FormAttachment,
    FormVersion,
    ProgrammeEvent,
    TrainingEdition,
    User,
)
from app.openrosa import credentials
from tests.conftest import csrf_token
from tests.security.browse import forms_on
from tests.security.hostile_files import (
    EXE,
    HTML,
    LAUGHS_DOCTYPE,
    PDF,
    XXE_DOCTYPE,
    Hostile,
    csv_attacks,
    docx_attacks,
    odt_attacks,
    qdc_attacks,
    qdpx_attacks,
    submission_xml,
    xlsx_attacks,
)
from tests.security.hostile_site import ADMIN, EVALUATOR, OPERATOR_LECCE, RESEARCHER, Site

# ---- what the routes are given ----------------------------------------------------------------------------


@dataclass
class Targets:
    """The rows the routes upload to, and who may upload there."""

    site: Site
    token: str
    project_id: int
    attachment: tuple[int, int, str, str]  # form id, version id, version, name of a CSV it expects
    entity_list_id: int
    lecce_id: int
    edition_id: int
    study_id: int
    event_id: int
    device: tuple[str, str]  # username, password of the Lecce operator's ODK device
    monitoring: tuple[str, str]  # xml form id, version
    clients: dict[str, object] = field(default_factory=dict)

    def client(self, email: str):
        if email not in self.clients:
            self.clients[email] = self.site.client(email)
        return self.clients[email]


def build_targets(site: Site) -> Targets:
    """The rows of the demo site the routes upload to; a study of the researcher's own is made for them."""
    with site.app.app_context():
        form_id, version_id, version, name = db.session.execute(
            select(Form.id, FormVersion.id, FormVersion.version, FormAttachment.name)
            .join(FormVersion, FormVersion.form_id == Form.id)
            .join(FormAttachment, FormAttachment.form_version_id == FormVersion.id)
            .where(FormAttachment.kind == "csv", FormAttachment.md5.is_not(None))
            .order_by(Form.id)
        ).first()
        operator = db.session.scalars(select(User).where(User.email == OPERATOR_LECCE)).one()
        issued = credentials.issue_credential(operator, "tablet", None)
        device = (issued.credential.username, issued.password)
        monitoring = db.session.execute(
            select(Form.xml_form_id, FormVersion.version)
            .join(FormVersion, FormVersion.form_id == Form.id)
            .where(Form.xml_form_id == "monitoraggio_servizi", FormVersion.status == "published")
        ).one()
        db.session.commit()
        ids = {
            "entity_list_id": db.session.scalars(
                select(EntityList.id).where(EntityList.name == "minori")
            ).one(),
            "edition_id": db.session.scalars(select(TrainingEdition.id).order_by(TrainingEdition.id)).first(),
            "event_id": db.session.scalars(select(ProgrammeEvent.id).order_by(ProgrammeEvent.id)).first(),
        }
    targets = Targets(
        site=site,
        token=site.token(RESEARCHER),
        project_id=site.project_id(),
        attachment=(form_id, version_id, version, name),
        lecce_id=site.unit_id("ATS-LECCE"),
        study_id=0,
        device=device,
        monitoring=tuple(monitoring),
        **ids,
    )
    targets.study_id = _own_study(targets)
    return targets


def _own_study(targets: Targets) -> int:
    """A study the researcher leads (codebooks are imported by a study's lead)."""
    researcher = targets.client(RESEARCHER)
    data = {
        "csrf_token": csrf_token(researcher),
        "project": str(targets.project_id),
        "name": "Studio per gli attacchi",
        "org_unit": str(targets.lecce_id),
        "language": "it",
    }
    created = researcher.post("/transcripts/", data=data)
    assert created.status_code == 302, created.get_data(as_text=True)[-2000:]
    with targets.site.app.app_context():
        return db.session.scalars(select(CodingProject.id).where(CodingProject.name == data["name"])).one()


# ---- how each route is sent a file ------------------------------------------------------------------------


def _multipart(client, url: str, fields: dict, file_field: str, upload: Hostile, **kwargs) -> TestResponse:
    data = {**fields, file_field: (io.BytesIO(upload.content), upload.filename)}
    return client.post(url, data=data, content_type="multipart/form-data", **kwargs)


def _page_form(client, page: str, action: str) -> dict:
    """The fields of the page's form as a browser would send them (CSRF token included)."""
    html = client.get(page).get_data(as_text=True)
    [form] = [f for f in forms_on(html, page) if action in f.action and f.method == "post"][:1]
    return {name: values for name, values in form.fields.items()}


def send_xlsform_ui(t: Targets, upload: Hostile) -> TestResponse:
    client = t.client(RESEARCHER)
    fields = {"csrf_token": csrf_token(client), "project": str(t.project_id)}
    return _multipart(client, "/forms/upload", fields, "xlsform", upload)


def send_xlsform_api(t: Targets, upload: Hostile) -> TestResponse:
    headers = {"Authorization": f"Bearer {t.token}", "Accept-Language": "it"}
    return _multipart(t.site.client(), "/api/v1/forms", {}, "xlsform", upload, headers=headers)


def send_attachment_ui(t: Targets, upload: Hostile) -> TestResponse:
    """The form's page answers, redirected to with the error (or the success) above it."""
    client = t.client(RESEARCHER)
    form_id, version_id, _version, name = t.attachment
    url = f"/forms/{form_id}/versions/{version_id}/attachments/{name}"
    return _multipart(client, url, {"csrf_token": csrf_token(client)}, "file", upload, follow_redirects=True)


def send_attachment_api(t: Targets, upload: Hostile) -> TestResponse:
    form_id, _version_id, version, name = t.attachment
    headers = {"Authorization": f"Bearer {t.token}", "Accept-Language": "it"}
    url = f"/api/v1/forms/{form_id}/versions/{version}/attachments/{name}"
    return _multipart(t.site.client(), url, {}, "file", upload, headers=headers)


def _openrosa(t: Targets, url: str, upload: Hostile) -> TestResponse:
    pair = base64.b64encode(f"{t.device[0]}:{t.device[1]}".encode()).decode()
    headers = {"X-OpenRosa-Version": "1.0", "Authorization": f"Basic {pair}", "Accept-Language": "it"}
    return _multipart(t.site.client(), url, {}, "xml_submission_file", upload, headers=headers)


def send_submission(t: Targets, upload: Hostile) -> TestResponse:
    return _openrosa(t, "/submission", upload)


def send_project_submission(t: Targets, upload: Hostile) -> TestResponse:
    return _openrosa(t, f"/odk/projects/{t.project_id}/submission", upload)


def send_territory(t: Targets, upload: Hostile) -> TestResponse:
    client = t.client(ADMIN)
    fields = {"csrf_token": csrf_token(client), "region_code": "16", "region_name": "Puglia"}
    return _multipart(client, "/admin/territory/upload/territory", fields, "territory_file", upload)


def send_assignment(t: Targets, upload: Hostile) -> TestResponse:
    client = t.client(ADMIN)
    fields = {"csrf_token": csrf_token(client)}
    return _multipart(client, "/admin/territory/upload/ambiti", fields, "assignment_file", upload)


def send_case_import(t: Targets, upload: Hostile) -> TestResponse:
    """The import answers with its report page once the dry run (a job) has read the file."""
    client = t.client(OPERATOR_LECCE)
    fields = {
        "csrf_token": csrf_token(client),
        "kind": "minori",
        "entity_list": str(t.entity_list_id),
        "org_unit": str(t.lecce_id),
    }
    response = _multipart(client, "/cases/import", fields, "data_file", upload)
    if response.status_code != 302:
        return response
    t.site.wait_for_jobs()
    return client.get(response.headers["Location"])  # the report: no commit button, the reason shown


def send_registry(t: Targets, upload: Hostile) -> TestResponse:
    client = t.client(ADMIN)
    return _multipart(client, "/services/import", {"csrf_token": csrf_token(client)}, "registry_file", upload)


def send_enrolments(t: Targets, upload: Hostile) -> TestResponse:
    client = t.client(EVALUATOR)
    url = f"/training/editions/{t.edition_id}/enrolments.csv"
    return _multipart(client, url, {"csrf_token": csrf_token(client)}, "data_file", upload)


def send_transcript(t: Targets, upload: Hostile) -> TestResponse:
    client = t.client(RESEARCHER)
    page = f"/transcripts/studies/{t.study_id}/upload"
    fields = _page_form(client, page, "/upload") | {"org_unit": str(t.lecce_id)}
    return _multipart(client, page, fields, "file", upload)


def send_refi_project(t: Targets, upload: Hostile) -> TestResponse:
    client = t.client(RESEARCHER)
    fields = {"csrf_token": csrf_token(client), "project": str(t.project_id), "org_unit": str(t.lecce_id)}
    return _multipart(client, "/transcripts/import", fields, "file", upload)


def send_codebook(t: Targets, upload: Hostile) -> TestResponse:
    client = t.client(RESEARCHER)
    url = f"/transcripts/studies/{t.study_id}/import-codebook"
    return _multipart(client, url, {"csrf_token": csrf_token(client)}, "file", upload)


def send_event_attachment(t: Targets, upload: Hostile) -> TestResponse:
    client = t.client(EVALUATOR)
    url = f"/programme/events/{t.event_id}/attachments"
    return _multipart(client, url, {"csrf_token": csrf_token(client), "kind": "sign_in"}, "upload", upload)


# ---- which files each route is sent -----------------------------------------------------------------------

XLSFORM_ROWS = [["type", "name", "label"], ["text", "nome", "Nome"]]
XLSFORM_CSV = b"survey,type,name,label\n,text,nome,Nome\n"
TERRITORY_CSV = b"istat_code,comune,province_code,province,ambito\n075035,Lecce,075,Lecce,\n"
ASSIGNMENT_CSV = b"istat_code,ambito,ambito_name\n075035,ATS-LECCE,Ambito di Lecce\n"
CASES_ROWS = [
    ["Codice", "Sesso", "Comune", "Data presa in carico", "Stato"],
    ["LE2020Z009", "M", "075035", "15/03/2020", "aperta"],
]
REGISTRY_ROWS = [["code", "name", "kind", "org_unit"], ["SEC-LE-09", "Centro", "csf", "ATS-LECCE"]]
ENROLMENTS_CSV = b"codice,nome,ruolo,anni_servizio\nSEC009,Anna,educatrice,4\n"


def _csv_of(rows: list[list[str]]) -> bytes:
    return "".join(";".join(row) + "\n" for row in rows).encode()


def _submissions(t: Targets) -> list[Hostile]:
    form_id, version = t.monitoring
    return [
        Hostile(
            "an external entity (XXE)", "submission.xml", submission_xml(form_id, version, XXE_DOCTYPE, "xxe")
        ),
        Hostile(
            "entity expansion (billion laughs)",
            "submission.xml",
            submission_xml(form_id, version, LAUGHS_DOCTYPE, "l9"),
        ),
        Hostile("an empty file", "submission.xml", b""),
        Hostile("a program renamed", "submission.xml", EXE),
        Hostile("a PDF renamed", "submission.xml", PDF),
        Hostile("an HTML page renamed", "submission.xml", HTML),
    ]


def _transcripts(_t: Targets) -> list[Hostile]:
    text_files = [
        Hostile("a program renamed", "programma.txt", EXE),
        Hostile("a program renamed", "programma.vtt", EXE),
        Hostile("an empty file", "vuoto.txt", b""),
        Hostile("a program renamed", "programma.pdf", EXE),
    ]
    return [*docx_attacks(), *odt_attacks(), *text_files]


@dataclass(frozen=True)
class Route:
    """How a route is attacked, and how it says no: with a 4xx status ("status"), by redirecting to a page
    that shows the error ("flash"), or with the report of a check run on the file ("report")."""

    send: Callable[[Targets, Hostile], TestResponse]
    files: Callable[[Targets], list[Hostile]]
    refusal: str = "status"
    # attacks the route takes in, each with why that is harmless (the tests still check for leaks)
    kept: dict[str, str] = field(default_factory=dict)


_PREFIXED_ZIP = (
    "a zip is read from its directory at the end, as every zip reader does: a PDF header before it is "
    "ignored, and what is read is the valid archive"
)
_VERBATIM = "stored as it came and never unpacked or parsed: downloaded as an attachment under a sandbox CSP"

ROUTES: dict[str, Route] = {
    "surveys.upload": Route(send_xlsform_ui, lambda t: xlsx_attacks(XLSFORM_ROWS) + csv_attacks(XLSFORM_CSV)),
    "api.upload_form": Route(
        send_xlsform_api, lambda t: xlsx_attacks(XLSFORM_ROWS) + csv_attacks(XLSFORM_CSV)
    ),
    "surveys.upload_attachment": Route(
        send_attachment_ui,
        lambda t: csv_attacks(b"name,label\na,A\n"),
        refusal="flash",
    ),
    "api.upload_attachment": Route(
        send_attachment_api,
        lambda t: csv_attacks(b"name,label\na,A\n"),
    ),
    "openrosa.submission": Route(send_submission, _submissions),
    "openrosa.project_submission": Route(send_project_submission, _submissions),
    "admin.territory_upload_territory": Route(send_territory, lambda t: csv_attacks(TERRITORY_CSV)),
    "admin.territory_upload_ambiti": Route(send_assignment, lambda t: csv_attacks(ASSIGNMENT_CSV)),
    "cases.import_start": Route(
        send_case_import,
        lambda t: xlsx_attacks(CASES_ROWS, "Foglio") + csv_attacks(_csv_of(CASES_ROWS)),
        refusal="report",
    ),
    "registry.import_registry": Route(
        send_registry, lambda t: xlsx_attacks(REGISTRY_ROWS, "Foglio") + csv_attacks(_csv_of(REGISTRY_ROWS))
    ),
    "training.upload_enrolments": Route(send_enrolments, lambda t: csv_attacks(ENROLMENTS_CSV)),
    "transcripts.upload": Route(
        send_transcript,
        _transcripts,
        kept={"a PDF and valid file in one (polyglot) poliglotta.docx": _PREFIXED_ZIP},
    ),
    "transcripts.import_project": Route(
        send_refi_project,
        lambda t: qdpx_attacks(),
        kept={"a PDF and valid file in one (polyglot)": _PREFIXED_ZIP},
    ),
    "transcripts.import_codebook": Route(send_codebook, lambda t: qdc_attacks() + qdpx_attacks()[:2]),
    "programme.add_attachment": Route(
        send_event_attachment,
        lambda t: docx_attacks(),
        kept={
            "an external entity (XXE)": _VERBATIM,
            "entity expansion (billion laughs)": _VERBATIM,
            "a zip bomb": _VERBATIM,
            "a PDF renamed": "a PDF without scripts is accepted whatever its name, and stored as a PDF",
            "a PDF and valid file in one (polyglot)": "read as the PDF it starts as, which holds no script: "
            + _VERBATIM,
        },
    ),
}
