"""ODK Collect gets the entity list of cases filtered to its user's scope, and updates cases offline."""

from sqlalchemy import select

from app.extensions import db
from app.models import Entity, Form, User
from app.surveys import services
from forms.instance import instance_from_data, instance_to_xml
from tests.app.cases_support import case_by_code, intake, update_data
from tests.app.openrosa_client import CollectClient, device, md5, parse_manifest


def _collect(app, client, email: str) -> CollectClient:
    with app.app_context():
        user_id = db.session.scalars(select(User.id).where(User.email == email)).one()
    username, password = device(app, user_id)
    return CollectClient(client, username=username, password=password)


def _minori(collect: CollectClient, form_xml_id: str) -> tuple[str, bytes]:
    listed = {f.form_id: f for f in collect.forms()}[form_xml_id]
    manifest = parse_manifest(collect.request("GET", listed.manifest_url).data)
    digest, url = manifest["minori.csv"]
    content = collect.request("GET", url).data
    return digest, content


def test_collect_downloads_only_the_cases_of_its_user_s_scope(app, client, casework):
    intake(client, casework)
    with app.app_context():
        case_uuid = case_by_code().uuid

    lecce_digest, lecce_csv = _minori(_collect(app, client, "lecce@example.org"), "chiusura_cartella")
    bari_digest, bari_csv = _minori(_collect(app, client, "bari@example.org"), "chiusura_cartella")

    assert lecce_csv.splitlines()[0].startswith(b"name,label,__version,")
    assert case_uuid.encode() in lecce_csv and case_uuid.encode() not in bari_csv
    assert (lecce_digest, bari_digest) == (f"md5:{md5(lecce_csv)}", f"md5:{md5(bari_csv)}")


def test_the_entity_list_hash_changes_when_a_case_changes(app, client, casework):
    intake(client, casework)
    collect = _collect(app, client, "lecce@example.org")
    before, _csv = _minori(collect, "chiusura_cartella")

    intake(client, casework, code="LE2025B002")

    after, csv = _minori(collect, "chiusura_cartella")
    assert before != after and b"LE2025B002" in csv


def test_a_case_update_sent_from_collect_is_applied(app, client, casework):
    forms, _tokens = casework
    intake(client, casework)
    with app.app_context():
        case_uuid = case_by_code().uuid
        form = db.session.get(Form, forms["aggiornamento_intervento"])
        spec = services.spec_of(form.versions[0])
        root = instance_from_data(spec, update_data(case_uuid), "uuid:5b1e4b7e-7a4e-4c59-9b8e-1f0f3c1d2e01")
        xml = instance_to_xml(root)
    collect = _collect(app, client, "lecce@example.org")

    response = collect.submit(xml)

    assert response.status_code == 201, response.data
    with app.app_context():
        case = db.session.scalars(select(Entity).where(Entity.uuid == case_uuid)).one()
        assert case.version == 2
