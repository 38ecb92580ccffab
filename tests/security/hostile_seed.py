"""Hostile text put into the demo site the way people put text in: through its pages, uploads and API.

Every piece is text(tag): hostile(tag) for the XSS tests, formula(tag) for the export tests (both in
tests/security/hostile.py), its tag naming where it went, so a test can ask which page or export shows which.
What the site answers while taking the text in (a form re-shown with its errors, an import report, a JSON
fragment, the page after saving) is kept too: those answers are pages of their own.
"""

import copy
import io
import re
import uuid
from dataclasses import dataclass, field

from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.models import (
    Code,
    CodingDocument,
    CodingParticipant,
    Entity,
    EntityList,
    Form,
    TrainingEdition,
    TrainingIntervention,
)
from tests.conftest import csrf_token, post_form
from tests.forms.test_engine_domain import CARTELLA
from tests.security.browse import Text, forms_on, submit_hostile
from tests.security.hostile import hostile, hostile_xlsform
from tests.security.hostile_site import ADMIN, EVALUATOR, OPERATOR_LECCE, RESEARCHER, Site


@dataclass
class Seeded:
    """Where the hostile text went, and what the site answered on the way."""

    form_id: int = 0
    draft_version_id: int = 0
    submission_id: int = 0
    case_id: int = 0
    study_id: int = 0
    document_id: int = 0
    answers: dict[str, TestResponse] = field(default_factory=dict)  # what -> the site's answer
    pages: list[str] = field(default_factory=list)  # pages of the hostile rows, where a crawl starts
    text: Text = hostile  # text(tag, limit=None): what is put in each place

    landings: list[TestResponse] = field(default_factory=list)  # pages shown right after saving, with a flash

    def landed(self, response: TestResponse) -> TestResponse:
        """Keep the page a successful post redirected to: it shows the row just made (and, the first time,
        a message naming it)."""
        _expect(response, 302)
        self.pages.append(response.headers["Location"])
        if hasattr(response, "landing"):
            self.landings.append(response.landing)
        return response


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _file_name(text: str, extension: str) -> str:
    """An upload's name is text its sender chose too: without what a multipart header cannot carry (double
    quotes, control characters) and what the app rightly reads as folders (slashes)."""
    return re.sub(r"[\x00-\x1f/]", "", text.replace('"', "'")) + extension


def _expect(response: TestResponse, *statuses: int) -> TestResponse:
    body = "" if response.status_code in (302, 303) else response.get_data(as_text=True)[-1500:]
    assert response.status_code in statuses, f"{response.request.path}: {response.status_code} {body}"
    return response


def seed(site: Site, text: Text = hostile) -> Seeded:
    """Put text(tag) everywhere people put text in the site (hostile(tag) unless told otherwise)."""
    seeded = Seeded(text=text)
    _forms(site, seeded)
    _cases(site, seeded)
    _administration(site, seeded)
    _registry(site, seeded)
    _training(site, seeded)
    _programme(site, seeded)
    _monitoring(site, seeded)
    _transcripts(site, seeded)
    site.wait_for_jobs()
    return seeded


# ---- forms ------------------------------------------------------------------------------------------------


def _upload(client: FlaskClient, content: bytes, project_id: int, publish: bool) -> TestResponse:
    data = {"csrf_token": csrf_token(client), "xlsform": (io.BytesIO(content), "ostile.xlsx")}
    data |= {"project": str(project_id)} | ({"publish": "y"} if publish else {})
    return client.post("/forms/upload", data=data, content_type="multipart/form-data")


def _forms(site: Site, seeded: Seeded) -> None:
    """The hostile form, published; a second version left as a draft (its diff and test page); answers
    through the fill page and the API; a comment and a review note."""
    researcher = site.client(RESEARCHER)
    created = _expect(_upload(researcher, hostile_xlsform(seeded.text), site.project_id(), True), 302)
    seeded.form_id = int(created.headers["Location"].rsplit("/", 1)[1])
    second = hostile_xlsform(lambda slot: seeded.text(f"v2 {slot}"), version=seeded.text("version"))
    _expect(_upload(researcher, second, site.project_id(), False), 302)
    detail = researcher.get(f"/forms/{seeded.form_id}").get_data(as_text=True)
    seeded.draft_version_id = int(re.findall(r"/versions/(\d+)/test", detail)[0])
    operator = site.client(OPERATOR_LECCE)
    seeded.submission_id = _fill(operator, seeded)
    admin = site.client(ADMIN)
    url = f"/forms/{seeded.form_id}/submissions/{seeded.submission_id}"
    _expect(post_form(admin, f"{url}/comment", {"comment": seeded.text("comment")}), 302)
    _expect(
        post_form(admin, f"{url}/review", {"state": "has_issues", "comment": seeded.text("review note")}), 302
    )
    body = {"data": {"gruppo": {"nome": seeded.text("api answer"), "numero": -3}}, "instanceID": _uuid()}
    headers = {"Authorization": f"Bearer {site.token(OPERATOR_LECCE)}"}
    _expect(operator.post(f"/api/v1/forms/{seeded.form_id}/submissions", json=body, headers=headers), 201)
    form = f"/forms/{seeded.form_id}"
    seeded.pages += [
        form,
        f"{form}/versions/{seeded.draft_version_id}/test",
        url,
        f"{url}/history",
        f"{url}/edit",
        f"{form}/submissions",
        f"{form}/summary",
        f"{form}/export",
    ]
    seeded.pages += [
        f"/statistics/{page}?source=form&form={seeded.form_id}&by=colore" for page in ("", "report")
    ]


def _uuid() -> str:
    return f"uuid:{uuid.uuid4()}"


def _fill(operator: FlaskClient, seeded: Seeded) -> int:
    url = f"/forms/{seeded.form_id}/fill"
    page = operator.get(url).get_data(as_text=True)
    fields = {
        "csrf_token": csrf_token(operator),
        "_instance_id": re.search(r'name="_instance_id" value="([^"]+)"', page).group(1),
        "/data/gruppo/nome": seeded.text("answer"),
        "/data/gruppo/colore": "rosso",
        "/data/gruppo/colori": ["rosso", "blu"],
        "/data/gruppo/numero": "-3",
        "/data/gruppo/note_libere": seeded.text("second answer"),
        "_entry": ["/data/figli[1]"],
        "/data/figli[1]/nome_figlio": seeded.text("repeat answer"),
    }
    wrong = fields | {"/data/gruppo/nome": "", "/data/gruppo/numero": "-5000"}
    live = operator.post(url, data=wrong | {"_action": "refresh"}, headers={"HX-Request": "true"})
    seeded.answers["fill page refreshed by htmx, with messages"] = _expect(live, 200)
    seeded.answers["fill page refused"] = _expect(operator.post(url, data=wrong | {"_action": "submit"}), 422)
    done = _expect(operator.post(url, data=fields | {"_action": "submit"}), 302)
    seeded.answers["receipt"] = _expect(operator.get(done.headers["Location"]), 200)
    return int(done.headers["Location"].rsplit("/", 1)[1])


# ---- case records -----------------------------------------------------------------------------------------


def _cases(site: Site, seeded: Seeded) -> None:
    """An intake through the API with hostile free text, a hostile identity, and historical imports: one
    refused (its report quotes the cells), one accepted (the names land in case records)."""
    operator = site.client(OPERATOR_LECCE)
    [(form_id,)] = site.query(select(Form.id).where(Form.xml_form_id == "cartella_sociale"))
    data = copy.deepcopy(CARTELLA)
    data["minore"]["codice_minore"] = "LE2025X999"
    data["ente"]["ambito"] = seeded.text("case ambito")
    data["interventi"][0]["ente_erogatore"] = seeded.text("case provider")
    headers = {"Authorization": f"Bearer {site.token(OPERATOR_LECCE)}"}
    body = {"data": data, "instanceID": _uuid()}
    _expect(operator.post(f"/api/v1/forms/{form_id}/submissions", json=body, headers=headers), 201)
    [(seeded.case_id,)] = site.query(select(Entity.id).where(Entity.label.startswith("LE2025X999")))
    identity = {
        "nome": seeded.text("minor name"),
        "cognome": seeded.text("minor surname"),
        "indirizzo": seeded.text("address"),
        "codice_fiscale": "RSSMRA80A01H501U",
    }
    _expect(post_form(operator, f"/cases/{seeded.case_id}/identity", identity), 302)
    seeded.pages.append(f"/cases/{seeded.case_id}")
    header = "Cognome;Nome;Codice;Sesso;Comune;Data presa in carico;Stato;" + _csv_cell(
        seeded.text("import header")
    )
    refused = (
        f"{header}\nBianchi;Anna;{_csv_cell(seeded.text('import code'))};F;075035;10/09/2021;"
        f"{_csv_cell(seeded.text('import state'))};x\n"
    )
    named = _file_name(seeded.text("import file"), ".csv")
    seeded.answers["refused case import"] = _case_import(site, operator, refused, named)
    accepted = (
        f"{header}\n{_csv_cell(seeded.text('import surname'))};{_csv_cell(seeded.text('import name'))};"
        "LE2020Z001;M;075035;15/03/2020;aperta;x\n"
    )
    report = _case_import(site, operator, accepted)
    _expect(post_form(operator, report.request.path, {"action": "commit"}), 302)
    site.wait_for_jobs()


def _case_import(site: Site, operator: FlaskClient, content: str, name: str = "storico.csv") -> TestResponse:
    [(list_id,)] = site.query(select(EntityList.id).where(EntityList.name == "minori"))
    data = {
        "csrf_token": csrf_token(operator),
        "data_file": (io.BytesIO(content.encode()), name),
        "kind": "minori",
        "entity_list": str(list_id),
        "org_unit": str(site.unit_id("ATS-LECCE")),
    }
    started = _expect(operator.post("/cases/import", data=data, content_type="multipart/form-data"), 302)
    site.wait_for_jobs()
    return _expect(operator.get(started.headers["Location"]), 200)


# ---- administration, registry, training, programme, monitoring ------------------------------------------


def _administration(site: Site, seeded: Seeded) -> None:
    """A user with a hostile name, a comune renamed, an ODK device labelled (its page shows a QR code)."""
    admin = site.client(ADMIN)
    password = "Passw0rd-lunga-e-sicura"
    _form, created = submit_hostile(
        admin,
        "/admin/users/new",
        "/admin/users/new",
        "user",
        email="ostile@example.org",
        password=password,
        text=seeded.text,
    )
    seeded.landed(created)
    comune = site.unit_id("075035")
    seeded.landed(
        submit_hostile(admin, f"/admin/territory/{comune}", "/rename", "territory", text=seeded.text)[1]
    )
    _form, device = submit_hostile(admin, "/odk/devices", "/odk/devices", "device", text=seeded.text)
    seeded.answers["new ODK device with its QR code"] = _expect(device, 200)


REGISTRY_HEADER = "code;name;kind;legal_reference;org_unit;provider_type;provider_name;targets;capacity\n"


def _registry(site: Site, seeded: Seeded) -> None:
    admin = site.client(ADMIN)
    seeded.landed(
        submit_hostile(
            admin,
            "/services/new",
            "/services/new",
            "service",
            code="SEC-LE-01",
            capacity="5",
            text=seeded.text,
        )[1]
    )
    good = (
        f"SEC-LE-02;{_csv_cell(seeded.text('registry name'))};csf;;ATS-LECCE;terzo_settore;"
        f"{_csv_cell(seeded.text('registry provider'))};{_csv_cell(seeded.text('registry targets'))};3\n"
    )
    seeded.landed(_registry_import(admin, REGISTRY_HEADER + good))
    bad = f"SEC-LE-03;x;{_csv_cell(seeded.text('registry kind'))};;ATS-LECCE;terzo_settore;p;t;" + _csv_cell(
        seeded.text("registry capacity")
    )
    seeded.answers["refused registry import"] = _expect(_registry_import(admin, REGISTRY_HEADER + bad), 422)


def _registry_import(client: FlaskClient, content: str) -> TestResponse:
    data = {"csrf_token": csrf_token(client), "registry_file": (io.BytesIO(content.encode()), "registro.csv")}
    return client.post("/services/import", data=data, content_type="multipart/form-data")


def _training(site: Site, seeded: Seeded) -> None:
    """An intervention, an edition, a session and participants (by hand and from a CSV), all hostile."""
    evaluator = site.client(EVALUATOR)
    created = seeded.landed(
        submit_hostile(evaluator, "/training/", "/training/", "training", hours="8", text=seeded.text)[1]
    )
    intervention = created.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    page = f"/training/{intervention}"
    seeded.landed(
        submit_hostile(
            evaluator, page, page, "edition", code="SEC-2025-01", completion_percent="70", text=seeded.text
        )[1]
    )
    [(edition,)] = site.query(select(TrainingEdition.id).where(TrainingEdition.code == "SEC-2025-01"))
    page = f"/training/editions/{edition}"
    seeded.landed(
        submit_hostile(
            evaluator, page, "/enrolments", "participant", code="SEC001", years="4", text=seeded.text
        )[1]
    )
    seeded.landed(
        submit_hostile(
            evaluator, page, "/sessions", "session", day="2025-03-01", hours="2", text=seeded.text
        )[1]
    )
    content = (
        f"codice,nome,ruolo,anni_servizio\nSEC002,{_csv_cell(seeded.text('csv participant'))},educatore,5\n"
    )
    data = {"csrf_token": csrf_token(evaluator), "data_file": (io.BytesIO(content.encode()), "iscritti.csv")}
    seeded.landed(evaluator.post(f"{page}/enrolments.csv", data=data, content_type="multipart/form-data"))
    _demo_training(site, seeded, evaluator)


def _demo_training(site: Site, seeded: Seeded, evaluator: FlaskClient) -> None:
    """The demo's intervention (the one with pre/post questionnaires, so reports) renamed, and a participant
    enrolled in its edition."""
    [(intervention, edition)] = site.query(
        select(TrainingIntervention.id, TrainingEdition.id)
        .join(TrainingEdition, TrainingEdition.intervention_id == TrainingIntervention.id)
        .where(TrainingIntervention.evaluation_form_id.is_not(None))
        .order_by(TrainingEdition.id)
        .limit(1)
    )
    page = f"/training/{intervention}/edit"
    seeded.landed(submit_hostile(evaluator, page, "/edit", "demo training", text=seeded.text)[1])
    page = f"/training/editions/{edition}"
    enrol = {"code": "SEC003", "years": "12"}
    seeded.landed(
        submit_hostile(evaluator, page, "/enrolments", "demo participant", text=seeded.text, **enrol)[1]
    )
    seeded.pages += [f"/training/{intervention}/report", f"{page}/report"]


def _programme(site: Site, seeded: Seeded) -> None:
    evaluator = site.client(EVALUATOR)
    project = site.project_id()
    page = f"/programme/events/new?project={project}"
    event = seeded.landed(
        submit_hostile(
            evaluator, page, "/programme/events/new", "event", held_on="2025-03-01", text=seeded.text
        )[1]
    ).headers["Location"]
    named = (io.BytesIO(b"Verbale dell'incontro."), _file_name(seeded.text("attachment file"), ".txt"))
    data = {"csrf_token": csrf_token(evaluator), "kind": "minutes", "upload": named}
    _expect(evaluator.post(f"{event}/attachments", data=data, content_type="multipart/form-data"), 302)
    seeded.landed(
        submit_hostile(
            evaluator, "/programme/", "/programme/actions", "action", code="Azione 77", text=seeded.text
        )[1]
    )
    page = "/programme/vouchers"
    seeded.landed(
        submit_hostile(
            evaluator, page, "/vouchers/types", "voucher", amount="100", quantity="3", text=seeded.text
        )[1]
    )


def _monitoring(site: Site, seeded: Seeded) -> None:
    admin = site.client(ADMIN)
    [(form_id,)] = site.query(select(Form.id).where(Form.xml_form_id == "monitoraggio_servizi"))
    page = f"/monitoring/new?form_id={form_id}"
    # The comune renamed by _administration and a unit of Bari: the cycle's grid shows both names.
    units = [str(site.unit_id("075035")), str(site.unit_id("072006"))]
    periods = {"first_period": "2024-S1", "last_period": "2025-S1", "units": units}
    seeded.landed(submit_hostile(admin, page, "/monitoring/new", "cycle", **periods, text=seeded.text)[1])


# ---- the coding workbench -------------------------------------------------------------------------------


SPEAKER_PATTERN = r"(?P<speaker>[^:\n]{1,200}):"  # a study's own pattern, so any speaker name is taken


def _transcripts(site: Site, seeded: Seeded) -> None:
    """A study, a transcript whose speakers and text are hostile, a code, codings and memos (their JSON
    answers kept), participants' attributes."""
    researcher = site.client(RESEARCHER)
    lecce = str(site.unit_id("ATS-LECCE"))
    _form, study = submit_hostile(
        researcher,
        "/transcripts/",
        "/transcripts/",
        "study",
        org_unit=lecce,
        turn_pattern=SPEAKER_PATTERN,
        text=seeded.text,
    )
    seeded.study_id = int(seeded.landed(study).headers["Location"].rsplit("/", 1)[1])
    _upload_transcript(researcher, seeded, lecce)
    [(seeded.document_id,)] = site.query(
        select(CodingDocument.id).where(CodingDocument.coding_project_id == seeded.study_id)
    )
    seeded.pages.append(f"/transcripts/documents/{seeded.document_id}")
    page = f"/transcripts/studies/{seeded.study_id}/codebook"
    seeded.landed(
        submit_hostile(researcher, page, "/codebook", "code", colour="#d9364f", text=seeded.text)[1]
    )
    [(code,)] = site.query(select(Code.id).where(Code.coding_project_id == seeded.study_id))
    url, json_headers = f"/transcripts/documents/{seeded.document_id}", _json_headers(researcher)
    codings = researcher.post(
        f"{url}/codings", json={"code_ids": [code], "start": 0, "end": 40}, headers=json_headers
    )
    seeded.answers["codings applied (JSON)"] = _expect(codings, 200)
    named = {"new_code_name": seeded.text("new code"), "start": 0, "end": 30}
    seeded.answers["new code applied (JSON)"] = _expect(
        researcher.post(f"{url}/codings", json=named, headers=json_headers), 200
    )
    memo = {
        "csrf_token": csrf_token(researcher),
        "about": "document",
        "title": seeded.text("memo title"),
        "text": seeded.text("memo text"),
    }
    answer = researcher.post(f"{url}/memos", data=memo, headers={"Accept": "application/json"})
    seeded.answers["memo saved (JSON)"] = _expect(answer, 200)
    seeded.answers["memos listed"] = _expect(researcher.get(f"{url}/memos"), 200)
    page = f"/transcripts/studies/{seeded.study_id}/participants"
    people = site.query(
        select(CodingParticipant.id).where(CodingParticipant.coding_project_id == seeded.study_id)
    )
    participant = {"participant": str(people[0][0]), "seniority_years": "3"}
    seeded.landed(
        submit_hostile(researcher, page, "/participants", "attribute", **participant, text=seeded.text)[1]
    )


def _json_headers(client: FlaskClient) -> dict[str, str]:
    return {"X-CSRFToken": csrf_token(client), "Accept": "application/json"}


def _upload_transcript(researcher: FlaskClient, seeded: Seeded, unit: str) -> None:
    speaker = seeded.text("speaker")
    said = seeded.text("transcript text")
    text = f"{speaker}: {said}\nP01: Il servizio è aperto tre giorni.\n{speaker}: Sì.\n"
    page = f"/transcripts/studies/{seeded.study_id}/upload"
    [upload] = [
        f for f in forms_on(researcher.get(page).get_data(as_text=True), page) if "/upload" in f.action
    ]
    data: dict[str, object] = {
        name: values for name, values in upload.fields.items() if name != "replace_names"
    }
    data |= {
        "name": seeded.text("document name", upload.limits.get("name")),
        "macro_area": seeded.text("area", 100),
        "service_type": seeded.text("service type", 100),
        "org_unit": unit,
        "date": "2025-03-04",
        "file": (io.BytesIO(text.encode()), "fg.txt"),
    }
    _expect(researcher.post(page, data=data, content_type="multipart/form-data"), 302)
