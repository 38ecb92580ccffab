"""OpenRosa submissions: recorded once, validated by the engine, edited through deprecatedID, with files."""

import io

import pytest

from app.extensions import db
from app.models import AuditEvent, Submission, SubmissionAttachment
from tests.app.openrosa_client import (
    CollectClient,
    device,
    make_member,
    make_project,
    md5,
    response_message,
    upload,
)

VISITS = """
| survey   |
|          | type    | name    | label           | required | constraint | constraint_message      |
|          | integer | bambini | Bambini seguiti | yes      | . >= 0     | Non può essere negativo |
|          | image   | foto    | Foto            |          |            |                         |
|          | start   | start   |                 |          |            |                         |
| settings |
|          | form_id | version | form_title |
|          | visite  | 1       | Visite     |
"""

UUID = "uuid:6f0c1f6e-2b1a-4c7e-9d51-00000000000{}"
PHOTO = b"\xff\xd8\xff\xe0" + b"jpeg" * 100


def instance(bambini="3", n=1, version="1", form_id="visite", foto="", deprecated=None, new_id=None) -> str:
    meta = f"<instanceID>{new_id or UUID.format(n)}</instanceID>"
    if deprecated:
        meta += f"<deprecatedID>{deprecated}</deprecatedID>"
    return (
        '<?xml version="1.0"?>'
        f'<data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" id="{form_id}" '
        f'version="{version}"><bambini>{bambini}</bambini><foto>{foto}</foto>'
        f"<start>2026-11-20T10:00:00.000+01:00</start><meta>{meta}</meta></data>"
    )


@pytest.fixture
def field(app, territory):
    humus = make_project(app, "humus", "HUMUS")
    researcher = make_member(app, "rita@example.org", "researcher", None, None)
    form_id = upload(app, researcher, humus, VISITS, "visite.md")
    bari = make_member(app, "op.bari@example.org", "operator", humus, territory.ambito_bari.id)
    lecce = make_member(app, "op.lecce@example.org", "operator", humus, territory.ambito_lecce.id)
    return {"project": humus, "form": form_id, "researcher": researcher, "bari": bari, "lecce": lecce}


def _collect(app, client, user_id, **device_options) -> CollectClient:
    username, password = device(app, user_id, **device_options)
    return CollectClient(client, username=username, password=password)


@pytest.fixture
def collect(app, client, field):
    return _collect(app, client, field["bari"])


def _rows(app) -> list[Submission]:
    with app.app_context():
        rows = db.session.query(Submission).order_by(Submission.id).all()
        db.session.expunge_all()
        return rows


def _files(app) -> dict[str, tuple[int, bytes, str]]:
    """(submission id, content, md5) of every stored file, by name."""
    with app.app_context():
        return {a.name: (a.submission_id, a.content, a.md5) for a in db.session.query(SubmissionAttachment)}


def test_the_collect_flow_from_an_empty_phone_to_an_edit(app, client, field, collect):
    assert client.head("/submission", headers={"X-OpenRosa-Version": "1.0"}).status_code == 401
    assert collect.head_submission().status_code == 204
    [listed] = collect.forms()
    assert collect.request("GET", listed.download_url).status_code == 200

    sent = collect.submit(instance("3"))
    again = collect.submit(instance("3"))
    different = collect.submit(instance("4"))
    invalid = collect.submit(instance("-1", n=2))
    edit = collect.submit(instance("5", n=3, deprecated=UUID.format(1)))

    assert [r.status_code for r in (sent, again, different, invalid, edit)] == [201, 201, 409, 422, 201]
    rows = _rows(app)
    assert [(r.instance_id, r.current, r.deprecated_id) for r in rows] == [
        (UUID.format(1), False, None),
        (UUID.format(3), True, UUID.format(1)),
    ]


def test_a_submission_is_answered_201_with_an_openrosa_response(app, collect):
    response = collect.submit(instance("3"))

    assert response.status_code == 201
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert response.headers["X-OpenRosa-Version"] == "1.0"
    assert response.headers["X-OpenRosa-Accept-Content-Length"]
    assert response_message(response.data)[0] == "submit_success"


def test_a_submission_is_stored_under_the_operator_org_unit_as_the_instance_xml(app, collect):
    collect.submit(instance("3"))

    with app.app_context():
        row = db.session.query(Submission).one()
        assert (row.org_unit.code, row.submitter.email, row.data["bambini"]) == (
            "ATS-BA1",
            "op.bari@example.org",
            3,
        )
        assert UUID.format(1) in row.xml and row.current and row.review_state == "received"


def test_every_stored_submission_is_audited_with_its_submitter(app, collect):
    collect.submit(instance("3"))

    with app.app_context():
        event = db.session.query(AuditEvent).filter_by(action="submission.created").one()
        assert event.actor_email == "op.bari@example.org"


def test_the_same_submission_again_answers_201_without_a_second_row(app, collect):
    first = collect.submit(instance("3"))

    again = collect.submit(instance("3"))

    assert (first.status_code, again.status_code) == (201, 201)
    assert response_message(again.data)[0] == "submit_success"
    assert len(_rows(app)) == 1


def test_the_same_instance_id_with_other_answers_answers_409(app, collect):
    collect.submit(instance("3"))

    conflict = collect.submit(instance("4"))

    assert conflict.status_code == 409
    assert response_message(conflict.data)[0] == "error"
    assert [r.data["bambini"] for r in _rows(app)] == [3]


def test_an_invalid_submission_is_refused_with_the_form_s_own_message(app, collect):
    response = collect.submit(instance("-1"))

    assert response.status_code == 422
    nature, text = response_message(response.data)
    assert nature == "error" and "bambini: Non può essere negativo" in text
    assert _rows(app) == []


@pytest.mark.parametrize(
    ("language", "expected"), [("it", "Risposta obbligatoria."), ("en", "This answer is required.")]
)
def test_the_refusal_speaks_the_phone_s_language(app, collect, language, expected):
    collect.language = language

    response = collect.submit(instance(""))

    assert response.status_code == 422
    assert expected in response_message(response.data)[1]
    assert response.headers["Content-Language"] == language


@pytest.mark.parametrize(
    "body",
    [
        b"<data id='visite' version='1'><bambini>3</bambini",
        b"<!DOCTYPE data [<!ENTITY x 'y'>]><data id='visite'/>",
    ],
)
def test_xml_that_is_not_well_formed_or_declares_entities_answers_400(app, collect, body):
    response = collect.submit(body)

    assert response.status_code == 400
    assert response_message(response.data)[0] == "error"
    assert _rows(app) == []


def test_a_body_that_is_not_multipart_answers_400(collect):
    response = collect.request(
        "POST", "http://localhost/submission", data=instance("3"), content_type="text/xml"
    )

    assert response.status_code == 400
    assert "multipart/form-data" in response_message(response.data)[1]


def test_a_multipart_body_without_the_instance_part_answers_400(collect):
    response = collect.request(
        "POST", "http://localhost/submission", data={"other": "x"}, content_type="multipart/form-data"
    )

    assert response.status_code == 400
    assert "xml_submission_file" in response_message(response.data)[1]


def test_a_submission_for_an_unknown_form_answers_404(app, collect):
    response = collect.submit(instance("3", form_id="sconosciuto"))

    assert response.status_code == 404
    assert "sconosciuto" in response_message(response.data)[1]


def test_a_submission_to_a_form_of_another_project_answers_404(app, client, field, territory):
    other = make_project(app, "altro", "Altro")
    upload(app, field["researcher"], other, VISITS.replace("visite ", "privato"), "privato.md")
    collect = _collect(app, client, field["bari"])

    response = collect.submit(instance("3", form_id="privato"))

    assert response.status_code == 404


def test_a_submission_for_an_older_published_version_is_accepted_against_that_version(
    app, client, field, collect
):
    upload(
        app, field["researcher"], field["project"], VISITS.replace("| 1       |", "| 2       |"), "visite.md"
    )

    old = collect.submit(instance("3", n=1, version="1"))
    new = collect.submit(instance("4", n=2, version="2"))

    assert (old.status_code, new.status_code) == (201, 201)
    with app.app_context():
        versions = [r.form_version.version for r in db.session.query(Submission).order_by(Submission.id)]
    assert versions == ["1", "2"]


def test_a_submission_for_a_draft_or_unknown_version_is_refused(app, client, field, collect):
    upload(
        app,
        field["researcher"],
        field["project"],
        VISITS.replace("| 1       |", "| 2       |"),
        "visite.md",
        publish=False,
    )

    draft = collect.submit(instance("3", n=1, version="2"))
    unknown = collect.submit(instance("3", n=2, version="99"))

    assert (draft.status_code, unknown.status_code) == (404, 404)
    assert "99" in response_message(unknown.data)[1]
    assert _rows(app) == []


def test_an_edit_creates_a_new_version_and_keeps_the_old_one(app, collect):
    collect.submit(instance("3", n=1))

    response = collect.submit(instance("5", n=2, deprecated=UUID.format(1)))

    assert response.status_code == 201
    old, new = _rows(app)
    assert (old.current, new.current) == (False, True)
    assert (new.deprecated_id, new.review_state, new.org_unit_id) == (
        UUID.format(1),
        "edited",
        old.org_unit_id,
    )
    assert f"<deprecatedID>{UUID.format(1)}</deprecatedID>" in new.xml
    assert new.data["bambini"] == 5
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="submission.edited").count() == 1


def test_the_same_edit_again_answers_201_without_a_third_row(app, collect):
    collect.submit(instance("3", n=1))
    collect.submit(instance("5", n=2, deprecated=UUID.format(1)))

    again = collect.submit(instance("5", n=2, deprecated=UUID.format(1)))

    assert again.status_code == 201
    assert len(_rows(app)) == 2


def test_an_edit_of_a_version_already_edited_answers_409(app, collect):
    collect.submit(instance("3", n=1))
    collect.submit(instance("5", n=2, deprecated=UUID.format(1)))

    stale = collect.submit(instance("6", n=3, deprecated=UUID.format(1)))

    assert stale.status_code == 409
    assert len(_rows(app)) == 2


def test_an_invalid_edit_is_refused_and_the_old_version_stays_current(app, collect):
    collect.submit(instance("3", n=1))

    response = collect.submit(instance("-5", n=2, deprecated=UUID.format(1)))

    assert response.status_code == 422
    assert [r.current for r in _rows(app)] == [True]


def test_an_edit_of_an_unknown_submission_answers_404(app, collect):
    response = collect.submit(instance("5", n=2, deprecated=UUID.format(9)))

    assert response.status_code == 404
    assert _rows(app) == []


def test_an_edit_from_outside_the_record_s_scope_answers_404(app, client, field, collect):
    collect.submit(instance("3", n=1))
    lecce = _collect(app, client, field["lecce"])

    response = lecce.submit(instance("5", n=2, deprecated=UUID.format(1)))

    assert response.status_code == 404
    assert [r.current for r in _rows(app)] == [True]


def test_a_photo_is_stored_with_its_md5_and_files_not_named_are_ignored(app, collect):
    response = collect.submit(instance("3", foto="foto.jpg"), {"foto.jpg": PHOTO, "intruso.bin": b"x"})

    assert response.status_code == 201
    files = _files(app)
    assert set(files) == {"foto.jpg"}
    assert files["foto.jpg"][1:] == (PHOTO, md5(PHOTO))


def test_a_submission_split_over_two_posts_gets_its_photo_from_the_second(app, collect):
    first = collect.submit(instance("3", foto="foto.jpg"))

    second = collect.submit(instance("3", foto="foto.jpg"), {"foto.jpg": PHOTO})

    assert (first.status_code, second.status_code) == (201, 201)
    assert len(_rows(app)) == 1
    assert _files(app)["foto.jpg"][1] == PHOTO
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="submission.file_received").count() == 1


def test_an_edit_keeps_the_photo_it_does_not_send_again(app, collect):
    collect.submit(instance("3", n=1, foto="foto.jpg"), {"foto.jpg": PHOTO})

    collect.submit(instance("4", n=2, foto="foto.jpg", deprecated=UUID.format(1)))

    old, new = _rows(app)
    with app.app_context():
        names = {(a.submission_id, a.name) for a in db.session.query(SubmissionAttachment)}
    assert names == {(old.id, "foto.jpg"), (new.id, "foto.jpg")}


def test_a_large_photo_is_streamed_and_stored_intact(app, collect):
    large = bytes(range(256)) * 8 * 1024  # 2 MB: spooled to a temporary file while parsed

    response = collect.submit(instance("3", foto="grande.jpg"), {"grande.jpg": large})

    assert response.status_code == 201
    assert _files(app)["grande.jpg"][2] == md5(large)


def test_a_file_over_the_attachment_limit_is_refused_and_nothing_is_stored(app, collect):
    app.config["OPENROSA_MAX_ATTACHMENT_BYTES"] = 100

    response = collect.submit(instance("3", foto="foto.jpg"), {"foto.jpg": PHOTO})

    assert response.status_code == 413
    assert "foto.jpg" in response_message(response.data)[1]
    assert _rows(app) == [] and _files(app) == {}


def test_a_body_over_the_request_limit_answers_413_in_openrosa_xml(app, collect):
    app.config["MAX_CONTENT_LENGTH"] = 2000

    response = collect.submit(instance("3", foto="foto.jpg"), {"foto.jpg": PHOTO * 10})

    assert response.status_code == 413
    assert response.headers["X-OpenRosa-Version"] == "1.0"
    assert response_message(response.data)[0] == "error"
    assert _rows(app) == []


def test_a_submission_sent_with_chunked_transfer_encoding_is_received(app, client, collect):
    body, content_type = _encoded_multipart(instance("3"))
    collect.challenged = True

    response = client.post(
        "/submission",
        headers=collect.headers() | {"Transfer-Encoding": "chunked", "Content-Type": content_type},
        input_stream=io.BytesIO(body),
        environ_overrides={"wsgi.input_terminated": True},  # what a WSGI server says for a chunked body
    )

    assert response.status_code == 201, response.data
    assert len(_rows(app)) == 1


def _encoded_multipart(xml: str) -> tuple[bytes, str]:
    from werkzeug.test import EnvironBuilder

    part = (io.BytesIO(xml.encode()), "submission.xml", "text/xml")
    environ = EnvironBuilder(method="POST", data={"xml_submission_file": part}).get_environ()
    return environ["wsgi.input"].read(), environ["CONTENT_TYPE"]


def test_a_network_wide_operator_needs_credentials_that_name_an_org_unit(app, client, field, territory):
    everywhere = make_member(app, "op.all@example.org", "operator", field["project"], None)
    plain = _collect(app, client, everywhere)
    filed = _collect(app, client, everywhere, label="comune", org_unit_id=territory.comune_lecce.id)

    refused = plain.submit(instance("3", n=1))
    accepted = filed.submit(instance("3", n=2))

    assert refused.status_code == 422
    assert "org unit" in response_message(refused.data)[1] or "unità" in response_message(refused.data)[1]
    assert accepted.status_code == 201
    with app.app_context():
        assert db.session.query(Submission).one().org_unit_id == territory.comune_lecce.id


def test_a_form_id_shared_by_two_projects_needs_the_project_server_url(app, client, field, territory):
    other = make_project(app, "altro", "Altro")
    upload(app, field["researcher"], other, VISITS, "visite.md")
    everywhere = make_member(app, "op.both@example.org", "operator", None, territory.ambito_bari.id)
    collect = _collect(app, client, everywhere)

    ambiguous = collect.submit(instance("3", n=1))
    collect.server_url = f"http://localhost/odk/projects/{other}"
    chosen = collect.submit(instance("3", n=1))

    assert (ambiguous.status_code, chosen.status_code) == (409, 201)
    with app.app_context():
        row = db.session.query(Submission).one()
        assert row.form.project_id == other
