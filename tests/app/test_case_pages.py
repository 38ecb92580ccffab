"""The case pages: scope, audited reads, the protected identity, transfers and follow-up links."""

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Entity, OrgUnit
from tests.app.cases_support import case_by_code, intake, post_json
from tests.conftest import login, post_form

VALID_CF = "RSSMRA80A01H501U"


def _case_id(app) -> int:
    with app.app_context():
        return case_by_code().id


def test_the_case_list_shows_only_the_cases_of_the_operator_s_org_units(app, client, casework):
    intake(client, casework)

    login(client, "lecce@example.org")
    mine = client.get("/cases/").get_data(as_text=True)
    client.get("/auth/logout")
    login(client, "bari@example.org")
    theirs = client.get("/cases/").get_data(as_text=True)

    assert "LE2025A017 (f, 2013)" in mine
    assert "LE2025A017" not in theirs


def test_the_case_list_searches_by_code_and_status(app, client, casework):
    intake(client, casework)
    intake(client, casework, code="LE2025B002")
    login(client, "lecce@example.org")

    found = client.get("/cases/?q=B002").get_data(as_text=True)
    closed = client.get("/cases/?status=chiusa").get_data(as_text=True)
    wildcard = client.get("/cases/?q=%25").get_data(as_text=True)  # a literal %, not "anything"

    assert "LE2025B002" in found and "LE2025A017" not in found
    assert "LE2025" not in wildcard
    assert "LE2025" not in closed


def test_a_case_page_shows_intake_household_interventions_and_history_and_is_audited(app, client, casework):
    intake(client, casework)
    case_id = _case_id(app)
    login(client, "lecce@example.org")

    response = client.get(f"/cases/{case_id}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in (
        "LE2025A017 (f, 2013)",
        "Segnalazione e presa in carico",
        "Situazione giuridica",
        "Tribunale",
    ):
        assert text in page, text
    assert "3 componenti" in page or "3 members" in page
    assert "Coop. Il Melograno" in page
    assert "aggiornamento di un intervento" in page  # a follow-up form to open from here
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "case.viewed")).one()
        assert (event.target_id, event.actor_email) == (str(case_id), "lecce@example.org")


def test_a_case_outside_the_operator_s_scope_answers_404(app, client, casework):
    intake(client, casework)
    case_id = _case_id(app)
    login(client, "bari@example.org")

    assert client.get(f"/cases/{case_id}").status_code == 404
    assert client.get("/cases/999999").status_code == 404


def test_the_identity_is_stored_encrypted_with_a_stable_pseudonym(app, client, casework):
    intake(client, casework)
    case_id = _case_id(app)
    login(client, "lecce@example.org")
    values = {
        "cognome": "Rossi",
        "nome": "Maria",
        "codice_fiscale": VALID_CF.lower(),
        "data_nascita": "2013-05-20",
    }

    post_form(client, f"/cases/{case_id}/identity", values)

    with app.app_context():
        case = db.session.get(Entity, case_id)
        assert case.identity and b"Rossi" not in case.identity and VALID_CF.encode() not in case.identity
        assert case.pseudonym.startswith("MIN-")
        first = case.pseudonym
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case.identity_updated")
        ).one()
        assert "Rossi" not in str(event.details) and VALID_CF not in str(event.details)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Rossi" in page and VALID_CF in page
    post_form(client, f"/cases/{case_id}/identity", {**values, "indirizzo": "Via Roma 1"})
    with app.app_context():
        assert db.session.get(Entity, case_id).pseudonym == first


def test_a_wrong_codice_fiscale_is_refused_in_italian_and_nothing_changes(app, client, casework):
    intake(client, casework)
    case_id = _case_id(app)
    login(client, "lecce@example.org")

    response = post_form(
        client, f"/cases/{case_id}/identity", {"cognome": "Rossi", "codice_fiscale": VALID_CF[:-1] + "A"}
    )

    assert response.status_code == 303
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "probabilmente un carattere" in page
    with app.app_context():
        assert db.session.get(Entity, case_id).identity is None


def test_a_regional_case_keeper_reaches_the_case_but_not_its_identity(
    app, client, casework, make_user, territory
):
    intake(client, casework)
    case_id = _case_id(app)
    login(client, "lecce@example.org")
    post_form(client, f"/cases/{case_id}/identity", {"cognome": "Rossi", "codice_fiscale": VALID_CF})
    client.get("/auth/logout")
    make_user("regione@example.org", "operator", territory.region)
    login(client, "regione@example.org")

    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    refused = post_form(client, f"/cases/{case_id}/identity", {"cognome": "Bianchi"})

    assert "LE2025A017" in page and "Rossi" not in page and VALID_CF not in page
    assert refused.status_code == 403


def test_a_transfer_moves_the_case_to_the_other_ambito_with_audit(app, client, casework):
    intake(client, casework)
    case_id = _case_id(app)
    login(client, "lecce@example.org")

    post_form(
        client, f"/cases/{case_id}/transfer", {"target": "ATS-BA1", "reason": "Trasferimento del nucleo"}
    )

    assert client.get(f"/cases/{case_id}").status_code == 404
    with app.app_context():
        case = db.session.get(Entity, case_id)
        assert case.org_unit.code == "ATS-BA1"
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "case.transferred")).one()
        assert (event.details["source"], event.details["destination"]) == ("ATS-LE1", "ATS-BA1")
    client.get("/auth/logout")
    login(client, "bari@example.org")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "ATS-LE1 → ATS-BA1" in page


def test_a_follow_up_opens_with_the_case_already_chosen(app, client, casework):
    forms, _tokens = casework
    intake(client, casework)
    with app.app_context():
        case_uuid = case_by_code().uuid
    login(client, "lecce@example.org")

    page = client.get(f"/forms/{forms['chiusura_cartella']}/fill?d[/data/caso]={case_uuid}").get_data(
        as_text=True
    )

    assert f'value="{case_uuid}" selected' in page or f'value="{case_uuid}" checked' in page


def test_an_unknown_transfer_target_is_refused(app, client, casework):
    intake(client, casework)
    case_id = _case_id(app)
    login(client, "lecce@example.org")

    post_form(client, f"/cases/{case_id}/transfer", {"target": "XX-NOPE", "reason": "prova"})

    with app.app_context():
        assert (
            db.session.get(Entity, case_id).org_unit_id
            == db.session.scalars(select(OrgUnit.id).where(OrgUnit.code == "ATS-LE1")).one()
        )


def test_a_long_list_is_paged_and_counted_up_to_a_cap(app, client, casework, monkeypatch):
    from app.cases import pages

    monkeypatch.setattr(pages, "COUNT_CAP", 1)
    monkeypatch.setattr(pages, "PER_PAGE", 1)
    intake(client, casework)
    intake(client, casework, code="LE2025B002")
    login(client, "lecce@example.org")

    first = client.get("/cases/").get_data(as_text=True)
    second = client.get("/cases/?page=2").get_data(as_text=True)

    assert "Più di 1 cartelle corrispondono." in first and "page=2" in first
    assert ("LE2025B002" in first) != ("LE2025B002" in second)
    assert "page=3" not in second


def test_a_closed_case_shows_its_closure_and_outcome(app, client, casework):
    forms, tokens = casework
    intake(client, casework)
    with app.app_context():
        case_uuid, case_id = case_by_code().uuid, case_by_code().id
    data = {"caso": case_uuid, "data_chiusura": "2025-09-30", "esito": "rientro_famiglia"}
    assert post_json(client, tokens["lecce@example.org"], forms["chiusura_cartella"], data).status_code == 201
    login(client, "lecce@example.org")

    page = client.get(f"/cases/{case_id}", headers={"Accept-Language": "it"}).get_data(as_text=True)

    assert (
        'id="closure-h"' in page and "2025-09-30" in page and "Rientro nella famiglia d&#39;origine" in page
    )


def test_the_case_page_lists_each_version_with_what_it_sent(app, client, casework):
    forms, tokens = casework
    intake(client, casework)
    with app.app_context():
        case_uuid, case_id = case_by_code().uuid, case_by_code().id
    data = {"caso": case_uuid, "data_chiusura": "2025-09-30", "esito": "rientro_famiglia"}
    post_json(client, tokens["lecce@example.org"], forms["chiusura_cartella"], data)
    login(client, "lecce@example.org")

    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    versions = page[page.index('id="versions-h"') : page.index('id="transfer-h"')]

    assert versions.index("<td>2") < versions.index("<td>1")  # newest first
    assert "<code>esito</code> = rientro_famiglia" in versions
    assert "<code>codice</code> = LE2025A017" in versions
