"""Exports through the UI and the API: a background job writes the file from the rows the user may read."""

import csv
import io
import time
import zipfile

import pytest

from app import accounts
from app.auth.tokens import issue_token
from app.extensions import db
from app.jobs import queues
from app.models import AuditEvent, Job, OrgUnit, Project
from tests.conftest import PASSWORD, csrf_token, login

FAMILY = """
| survey   |
|          | type          | name    | label::Italiano (it) | label::English (en) |
|          | integer       | bambini | Bambini seguiti      | Children followed   |
|          | text          | nota    | Nota                 | Note                |
|          | select_one sn | visita  | Visita domiciliare   | Home visit          |
|          | begin_repeat  | figlio  | Figlio               | Child               |
|          | integer       | eta     | Età                  | Age                 |
|          | end_repeat    |         |                      |                     |
| choices  |
|          | list_name | name | label::Italiano (it) | label::English (en) |
|          | sn        | si   | Sì                   | Yes                 |
|          | sn        | no   | No                   | No                  |
| settings |
|          | form_id  | version | form_title | default_language |
|          | famiglie | 1       | Famiglie   | Italiano (it)    |
"""


@pytest.fixture(autouse=True)
def _own_instance_folder(app, tmp_path):
    app.instance_path = str(tmp_path / "instance")
    yield
    queues.shutdown_local_runner(wait=True)


@pytest.fixture
def setup(app, client, territory):
    """A researcher reading all data, operators of Bari and Lecce, and submissions from both Ambiti."""
    with app.app_context():
        project = Project(code="humus", name="HUMUS")
        researcher = accounts.create_user("rita@example.org", PASSWORD)
        accounts.grant_role(researcher, "researcher", None, project)
        tokens = {"researcher": issue_token(researcher, "t")[1]}
        for name, unit in (("bari", territory.ambito_bari), ("lecce", territory.ambito_lecce)):
            operator = accounts.create_user(f"op.{name}@example.org", PASSWORD)
            accounts.grant_role(operator, "operator", db.session.get(OrgUnit, unit.id), project)
            tokens[name] = issue_token(operator, "t")[1]
        db.session.commit()
    upload = client.post(
        "/api/v1/forms",
        data={"xlsform": (io.BytesIO(FAMILY.encode()), "famiglie.md")},
        headers=_auth(tokens["researcher"]),
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.json
    form_id = upload.json["id"]
    answers = [
        (
            "bari",
            {"bambini": 2, "nota": '=HYPERLINK("x")', "visita": "si", "figlio": [{"eta": 4}, {"eta": 9}]},
        ),
        ("bari", {"bambini": 12, "nota": "seconda", "visita": "no", "figlio": [{"eta": 15}]}),
        ("lecce", {"bambini": 1, "nota": "lecce", "visita": "si", "figlio": []}),
    ]
    for who, data in answers:
        response = client.post(
            f"/api/v1/forms/{form_id}/submissions", json={"data": data}, headers=_auth(tokens[who])
        )
        assert response.status_code == 201, response.json
    return form_id, tokens


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


def _finished(client, token: str, job_url: str, timeout: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(job_url, headers=_auth(token)).json
        if job["status"] in ("done", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def _csv_tables(content: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist()
        }


def test_an_api_export_makes_a_csv_zip_with_repeats_joined_and_formulas_neutralised(client, setup):
    form_id, tokens = setup

    started = client.post(
        f"/api/v1/forms/{form_id}/exports", json={"format": "csv"}, headers=_auth(tokens["researcher"])
    )
    job = _finished(client, tokens["researcher"], started.json["url"])
    download = client.get(job["download_url"], headers=_auth(tokens["researcher"]))

    assert started.status_code == 202
    assert job["status"] == "done", job
    tables = _csv_tables(download.data)
    main = next(rows for name, rows in tables.items() if "-" not in name.removesuffix(".csv"))
    children = next(rows for name, rows in tables.items() if name.endswith("-figlio.csv"))
    assert sorted(int(r["bambini"]) for r in main) == [1, 2, 12]
    assert '\'=HYPERLINK("x")' in [r["nota"] for r in main]
    keys = {r["KEY"]: r for r in main}
    assert sorted(int(c["eta"]) for c in children if keys[c["PARENT_KEY"]]["bambini"] == "2") == [4, 9]
    assert download.headers["Cache-Control"] == "private, no-store"


def test_an_export_holds_only_the_rows_in_the_users_scope(client, setup):
    form_id, tokens = setup

    started = client.post(
        f"/api/v1/forms/{form_id}/exports", json={"format": "csv"}, headers=_auth(tokens["bari"])
    )
    job = _finished(client, tokens["bari"], started.json["url"])
    tables = _csv_tables(client.get(job["download_url"], headers=_auth(tokens["bari"])).data)

    main = next(rows for name, rows in tables.items() if "-" not in name.removesuffix(".csv"))
    assert sorted(int(r["bambini"]) for r in main) == [2, 12]


def test_an_export_of_the_filtered_rows_keeps_only_them(client, setup):
    form_id, tokens = setup
    body = {"format": "csv", "filter": {"field": ["bambini"], "op": ["greater"], "value": ["5"]}}

    started = client.post(f"/api/v1/forms/{form_id}/exports", json=body, headers=_auth(tokens["researcher"]))
    job = _finished(client, tokens["researcher"], started.json["url"])
    tables = _csv_tables(client.get(job["download_url"], headers=_auth(tokens["researcher"])).data)

    main = next(rows for name, rows in tables.items() if "-" not in name.removesuffix(".csv"))
    assert [r["bambini"] for r in main] == ["12"]


def test_an_unknown_format_is_refused_with_a_message(client, setup):
    form_id, tokens = setup

    response = client.post(
        f"/api/v1/forms/{form_id}/exports", json={"format": "pdf"}, headers=_auth(tokens["researcher"])
    )

    assert response.status_code == 400
    assert response.json["errors"][0]["message"] == "Unknown export format: pdf."


def test_someone_elses_export_job_answers_404(client, setup):
    form_id, tokens = setup
    started = client.post(
        f"/api/v1/forms/{form_id}/exports", json={"format": "csv"}, headers=_auth(tokens["researcher"])
    )

    response = client.get(started.json["url"], headers=_auth(tokens["bari"]))

    assert response.status_code == 404


def test_the_export_page_starts_a_job_and_the_export_is_audited(app, client, setup):
    form_id, tokens = setup
    login(client, "rita@example.org")

    page = client.get(f"/forms/{form_id}/export")
    response = client.post(
        f"/forms/{form_id}/export",
        data={"csrf_token": csrf_token(client), "format": "xlsx", "values": "labels"},
    )

    assert page.status_code == 200 and "SPSS" in page.get_data(as_text=True)
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    job = _finished(client, tokens["researcher"], f"/api/v1/jobs/{job_id}")
    assert job["status"] == "done", job
    with app.app_context():
        assert db.session.get(Job, job_id).result_name.endswith(".xlsx")
        actions = {e.action for e in db.session.query(AuditEvent)}
        assert {"job.queued", "submissions.exported"} <= actions


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_statistical_formats_come_as_a_zip_when_the_form_has_repeats(client, setup, fmt):
    form_id, tokens = setup

    started = client.post(
        f"/api/v1/forms/{form_id}/exports", json={"format": fmt}, headers=_auth(tokens["researcher"])
    )
    job = _finished(client, tokens["researcher"], started.json["url"])
    download = client.get(job["download_url"], headers=_auth(tokens["researcher"]))

    assert job["status"] == "done", job
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        assert all(name.endswith(f".{fmt}") for name in archive.namelist())
