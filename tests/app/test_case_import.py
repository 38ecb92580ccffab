"""Historical import of case records: dry run with per-row problems, all-or-nothing commit, scope, audit."""

import io
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import undefer

from app.extensions import db
from app.jobs import queues
from app.models import AuditEvent, CaseIntervention, Entity, EntityList, Job, OrgUnit
from tests.app.cases_support import intake
from tests.app.test_jobs import wait_for
from tests.conftest import csrf_token, login, post_form

GOOD_CF = "RSSMRA80A01H501U"
MINORS = (
    "Cognome;Nome;Codice fiscale;Data di nascita;Codice;Sesso;Comune;Data presa in carico;Stato\n"
    "Rossi;Mario;{cf};01/01/2012;LE2020A001;M;075035;15/03/2020;aperta\n"
    "Bianchi;Anna;;05/06/2014;LE2021A002;F;075035;10/09/2021;aperta\n"
)


@pytest.fixture(autouse=True)
def _own_instance_folder(app, tmp_path):
    app.instance_path = str(tmp_path / "instance")
    yield
    queues.shutdown_local_runner(wait=True)


def _upload(
    app, client, content: str, kind: str = "minori", unit_code: str = "ATS-LE1", name: str = "storico.csv"
):
    with app.app_context():
        list_id = db.session.scalars(select(EntityList.id)).one()
        unit_id = db.session.scalars(select(OrgUnit.id).where(OrgUnit.code == unit_code)).one()
    data = {
        "csrf_token": csrf_token(client),
        "data_file": (io.BytesIO(content.encode("utf-8")), name),
        "kind": kind,
        "entity_list": str(list_id),
        "org_unit": str(unit_id),
    }
    response = client.post("/cases/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    url = response.headers["Location"]
    _wait_last_job(app)
    return url


def _wait_last_job(app) -> Job:
    with app.app_context():
        job_id = db.session.scalars(select(Job.id).order_by(Job.id.desc())).first()
    return wait_for(app, job_id)


def _cases(app) -> list[Entity]:
    with app.app_context():
        rows = db.session.scalars(select(Entity).options(undefer(Entity.identity)).order_by(Entity.id)).all()
        db.session.expunge_all()
        return rows


def test_a_clean_file_is_checked_then_imported_with_encrypted_identities(app, client, casework):
    login(client, "lecce@example.org")
    url = _upload(app, client, MINORS.format(cf=GOOD_CF))

    report = client.get(url).get_data(as_text=True)
    assert "2 righe lette" in report or "2 rows read" in report
    assert _cases(app) == []  # the check writes nothing

    post_form(client, url, {"action": "commit"})
    job = _wait_last_job(app)

    assert job.status == "done", job.message
    cases = _cases(app)
    assert [c.properties["codice"] for c in cases] == ["LE2020A001", "LE2021A002"]
    assert all(c.identity and b"Rossi" not in c.identity for c in cases)
    assert cases[0].pseudonym.startswith("MIN-") and cases[0].org_unit_id is not None
    assert cases[0].properties["fascia_eta"] == "6_10" and cases[0].properties["anno_nascita"] == "2012"
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cases.imported")).one()
        assert (event.details["written"], event.actor_email) == (2, "lecce@example.org")
    assert "Rossi" not in str(event.details)


def test_a_file_with_bad_rows_lists_row_column_and_reason_and_cannot_be_imported(app, client, casework):
    login(client, "lecce@example.org")
    bad = (
        MINORS.format(cf=GOOD_CF[:-1] + "A")
        + "Verdi;Luca;;31/02/2015;LE2022A003;M;075035;01/01/2022;aperta\n"
    )
    url = _upload(app, client, bad)

    report = client.get(url).get_data(as_text=True)
    assert re.search(r"<td>2</td><td>Codice fiscale</td><td>[^<]*carattere", report), report[-3000:]
    assert re.search(r"<td>4</td><td>Data di nascita</td>", report)
    assert 'value="commit"' not in report

    post_form(client, url, {"action": "commit"})  # refused: the report has problems
    assert _cases(app) == []


def test_the_same_person_twice_is_a_duplicate_and_an_existing_case_is_skipped(app, client, casework):
    login(client, "lecce@example.org")
    twice = (
        MINORS.format(cf=GOOD_CF)
        + f"Rossi;Mario;{GOOD_CF};01/01/2012;LE2020A009;M;075035;15/03/2020;aperta\n"
    )
    url = _upload(app, client, twice)
    report = client.get(url).get_data(as_text=True)
    assert "riga 2" in report or "row 2" in report

    url = _upload(app, client, MINORS.format(cf=GOOD_CF))
    post_form(client, url, {"action": "commit"})
    _wait_last_job(app)
    again = _upload(app, client, MINORS.format(cf=GOOD_CF))
    post_form(client, again, {"action": "commit"})
    _wait_last_job(app)

    assert len(_cases(app)) == 2  # the second import skipped both: same people


def test_interventions_attach_to_cases_found_by_service_code(app, client, casework):
    intake(client, casework)  # LE2025A017, in Lecce
    login(client, "lecce@example.org")
    content = (
        "Codice;Tipo intervento;Tipo erogatore;Ente;Data inizio;Data fine;Stato\n"
        "LE2025A017;csf;terzo_settore;Centro per la famiglia;01/03/2025;;attivo\n"
    )
    url = _upload(app, client, content, kind="interventi")
    post_form(client, url, {"action": "commit"})
    job = _wait_last_job(app)

    assert job.status == "done", job.message
    with app.app_context():
        kinds = sorted(db.session.scalars(select(CaseIntervention.kind)).all())
        assert kinds == ["ade", "csf"]


def test_an_operator_cannot_import_into_another_ambito(app, client, casework):
    login(client, "lecce@example.org")
    with app.app_context():
        list_id = db.session.scalars(select(EntityList.id)).one()
        bari = db.session.scalars(select(OrgUnit.id).where(OrgUnit.code == "ATS-BA1")).one()
    data = {
        "csrf_token": csrf_token(client),
        "data_file": (io.BytesIO(MINORS.format(cf=GOOD_CF).encode()), "storico.csv"),
        "kind": "minori",
        "entity_list": str(list_id),
        "org_unit": str(bari),
    }

    response = client.post("/cases/import", data=data, content_type="multipart/form-data")

    assert response.status_code == 422
    assert _cases(app) == []


def test_someone_else_s_import_answers_404(app, client, casework):
    login(client, "lecce@example.org")
    url = _upload(app, client, MINORS.format(cf=GOOD_CF))
    client.get("/auth/logout")
    login(client, "bari@example.org")

    assert client.get(url).status_code == 404
