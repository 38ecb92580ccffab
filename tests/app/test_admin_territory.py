"""The territory admin pages: the tree, org units, Ambiti, uploads, and the scope that bounds them."""

import io
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, OrgUnit
from app.territory.tree import add_org_unit, find_by_code
from tests.conftest import login, post_form

PUGLIA = Path(
    os.environ.get("HUMUS_TERRITORY_FILE", Path(__file__).parents[3] / "shared/domain/puglia_territory.csv")
)
_TOKEN = re.compile(rb'(name="csrf_token"[^>]*value=")[^"]+')


def sign_in(client, email: str) -> None:
    """Sign in and read the pages in English, so assertions do not depend on the Italian catalog."""
    login(client, email)
    post_form(client, "/language", {"lang": "en"})


@pytest.fixture
def root(client, make_user):
    """A client signed in as an administrator of the whole network."""
    make_user("root@example.org", "admin")
    sign_in(client, "root@example.org")
    return client


@pytest.fixture
def bari(client, make_user, territory):
    """A client signed in as an administrator of the Ambito di Bari only."""
    make_user("bari@example.org", "admin", territory.ambito_bari)
    sign_in(client, "bari@example.org")
    return client


def count(app, model=OrgUnit) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def fetch(app, code: str) -> OrgUnit | None:
    with app.app_context():
        unit = find_by_code(code)
        if unit is not None:
            db.session.expunge(unit)
        return unit


def parent_code(app, code: str) -> str:
    with app.app_context():
        return find_by_code(code).parent.code


def upload(client, url: str, field: str, data: bytes, **fields: str):
    payload = {field: (io.BytesIO(data), "file.csv"), **fields}
    return post_form(client, url, payload, content_type="multipart/form-data")


class _Labels(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: set[str] = set()
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if tag in {"input", "select", "textarea"} and found.get("type") not in {"hidden", "submit"}:
            self.inputs.add(found.get("id") or "<no id>")
        if tag == "label" and found.get("for"):
            self.labelled.add(found["for"])


def unlabelled_inputs(html: bytes) -> set[str]:
    parser = _Labels()
    parser.feed(html.decode())
    return parser.inputs - parser.labelled


def test_the_network_administrator_sees_the_whole_tree(root, territory):
    page = root.get("/admin/territory")

    assert page.status_code == 200
    for name in (b"Puglia", b"Bari", b"Lecce", b"Ambito di Bari", b"Ambito di Lecce"):
        assert name in page.data
    assert b'<h2 id="unit-' in page.data and b"<details>" in page.data


def test_an_ambito_administrator_sees_only_their_subtree(bari, territory):
    page = bari.get("/admin/territory")

    assert page.status_code == 200
    assert b"Ambito di Bari" in page.data and b"072006" in page.data
    assert b"Lecce" not in page.data and b"Puglia" not in page.data
    assert b"Load a territory or Ambito file" not in page.data


@pytest.mark.parametrize("unit", ["region", "lecce", "ambito_lecce", "comune_lecce", "bari"])
def test_units_outside_the_scope_answer_404(bari, territory, unit):
    unit_id = getattr(territory, unit).id

    assert bari.get(f"/admin/territory/{unit_id}").status_code == 404
    assert post_form(bari, f"/admin/territory/{unit_id}/rename", {"name": "Preso"}).status_code == 404
    assert fetch(bari.application, getattr(territory, unit).code).name != "Preso"


def test_an_out_of_scope_unit_looks_exactly_like_a_missing_one(bari, territory):
    hidden_url, missing_url = f"/admin/territory/{territory.comune_lecce.id}", "/admin/territory/999999"

    hidden, missing = bari.get(hidden_url), bari.get(missing_url)

    assert hidden.status_code == missing.status_code == 404
    # The pages differ only in the CSRF token and the address the language switch returns to.
    assert _TOKEN.sub(rb"\1", hidden.data).replace(hidden_url.encode(), b"") == _TOKEN.sub(
        rb"\1", missing.data
    ).replace(missing_url.encode(), b"")


def test_the_unit_page_shows_its_children_and_only_the_ancestors_in_scope(bari, territory):
    page = bari.get(f"/admin/territory/{territory.ambito_bari.id}")

    assert page.status_code == 200
    assert f'/admin/territory/{territory.comune_bari.id}"'.encode() in page.data
    assert f'/admin/territory/{territory.bari.id}"'.encode() not in page.data


def test_every_input_on_the_territory_pages_has_a_label(root, territory):
    pages = [
        f"/admin/territory/{territory.bari.id}",
        f"/admin/territory/{territory.comune_bari.id}",
        f"/admin/territory/{territory.ambito_bari.id}/comuni",
        "/admin/territory/upload",
    ]

    for url in pages:
        page = root.get(url)
        assert page.status_code == 200, url
        assert unlabelled_inputs(page.data) == set(), url
        assert b"style=" not in page.data and b"<script>" not in page.data


def test_users_without_the_territory_permission_are_refused(client, make_user, territory):
    make_user("ada@example.org", "operator", territory.ambito_bari)
    sign_in(client, "ada@example.org")

    assert client.get("/admin/territory").status_code == 403
    assert client.get(f"/admin/territory/{territory.comune_bari.id}").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, territory):
    response = client.get("/admin/territory")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_administrator_renames_a_unit_and_the_change_is_audited(bari, territory):
    response = post_form(bari, f"/admin/territory/{territory.comune_bari.id}/rename", {"name": "Bari città"})

    assert response.status_code == 302
    assert fetch(bari.application, "072006").name == "Bari città"
    with bari.application.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "org_unit.renamed")).one()
        assert (event.org_unit_id, event.details) == (
            territory.comune_bari.id,
            {"old": "Bari", "new": "Bari città"},
        )


def test_an_empty_name_is_refused_next_to_the_form(bari, territory):
    response = post_form(bari, f"/admin/territory/{territory.comune_bari.id}/rename", {"name": "  "})

    assert response.status_code == 400
    assert b'id="name-errors"' in response.data and b'role="alert"' in response.data
    assert fetch(bari.application, "072006").name == "Bari"


def test_an_agency_is_added_under_a_comune(bari, territory):
    data = {"kind": "agency", "child_code": "AG-BA-1", "child_name": "Centro per le famiglie"}

    response = post_form(bari, f"/admin/territory/{territory.comune_bari.id}/children", data)

    assert response.status_code == 302
    agency = fetch(bari.application, "AG-BA-1")
    assert (agency.kind, agency.parent_id) == ("agency", territory.comune_bari.id)
    assert agency.path == f"{territory.comune_bari.path}{agency.id}/"


def test_a_code_already_in_use_is_refused_with_a_message(bari, territory, app):
    before = count(app)
    data = {"kind": "service", "child_code": "075035", "child_name": "Doppione"}

    response = post_form(bari, f"/admin/territory/{territory.comune_bari.id}/children", data)

    assert response.status_code == 400
    assert b"The code 075035 is already in use" in response.data
    assert b'class="alert alert-danger" role="alert"' in response.data
    assert count(app) == before


def test_a_comune_cannot_be_added_from_the_page(bari, territory, app):
    data = {"kind": "comune", "child_code": "072999", "child_name": "Nuovo"}

    response = post_form(bari, f"/admin/territory/{territory.ambito_bari.id}/children", data)

    assert response.status_code == 400
    assert fetch(app, "072999") is None


def test_an_ambito_is_created_under_a_province(root, territory):
    data = {"ambito_code": "BA/2", "ambito_name": "Ambito di Modugno"}

    response = post_form(root, f"/admin/territory/{territory.bari.id}/ambiti", data)

    ambito = fetch(root.application, "BA/2")
    assert (ambito.kind, ambito.name, ambito.parent_id) == ("ambito", "Ambito di Modugno", territory.bari.id)
    assert response.headers["Location"] == f"/admin/territory/{ambito.id}/comuni"


def test_an_ambito_can_only_be_created_under_a_province(root, territory, app):
    data = {"ambito_code": "BA/2", "ambito_name": "Ambito di Modugno"}

    response = post_form(root, f"/admin/territory/{territory.ambito_bari.id}/ambiti", data)

    assert response.status_code == 404
    assert fetch(app, "BA/2") is None


def test_an_ambito_administrator_cannot_create_ambiti_in_their_province(bari, territory, app):
    data = {"ambito_code": "BA/2", "ambito_name": "Ambito di Modugno"}

    response = post_form(bari, f"/admin/territory/{territory.bari.id}/ambiti", data)

    assert response.status_code == 404
    assert fetch(app, "BA/2") is None


def test_ticked_comuni_join_the_ambito_and_unticked_ones_leave_it(root, territory, app):
    with app.app_context():
        modugno = add_org_unit("072027", "Modugno", "comune", db.session.get(OrgUnit, territory.bari.id))
        db.session.commit()
        modugno_id = modugno.id

    page = root.get(f"/admin/territory/{territory.ambito_bari.id}/comuni")
    response = post_form(
        root, f"/admin/territory/{territory.ambito_bari.id}/comuni", {"comuni": [modugno_id]}
    )

    assert re.findall(rb'<input checked[^>]* value="(\d+)"', page.data) == [
        str(territory.comune_bari.id).encode()
    ]
    assert response.status_code == 302
    assert parent_code(app, "072027") == "ATS-BA1"
    assert parent_code(app, "072006") == "072"


def test_a_comune_of_another_province_cannot_be_ticked(root, territory, app):
    url = f"/admin/territory/{territory.ambito_bari.id}/comuni"

    response = post_form(root, url, {"comuni": [territory.comune_bari.id, territory.comune_lecce.id]})

    assert response.status_code == 400
    assert b'id="comuni-errors"' in response.data
    assert parent_code(app, "075035") == "ATS-LE1"


def test_an_ambito_administrator_cannot_regroup_the_comuni_of_the_province(bari, territory, app):
    url = f"/admin/territory/{territory.ambito_bari.id}/comuni"

    assert bari.get(url).status_code == 403
    assert post_form(bari, url, {"comuni": []}).status_code == 403
    assert parent_code(app, "072006") == "ATS-BA1"


def test_the_network_administrator_uploads_the_territory_file(root, app):
    fields = {"region_code": "16", "region_name": "Puglia"}

    response = upload(
        root, "/admin/territory/upload/territory", "territory_file", PUGLIA.read_bytes(), **fields
    )

    assert response.status_code == 302
    assert count(app) == 1 + 6 + 257
    assert (
        b"Comuni in the file: 257 (created: 257, updated: 0, unchanged: 0)."
        in root.get("/admin/territory").data
    )


def test_a_bad_territory_file_shows_its_rows_and_changes_nothing(root, app):
    data = (
        b"istat_code,comune,province_code,province,ambito\n071001,Accadia,071,Foggia,\n71002,,071,Foggia,\n"
    )
    fields = {"region_code": "16", "region_name": "Puglia"}

    response = upload(root, "/admin/territory/upload/territory", "territory_file", data, **fields)

    assert response.status_code == 400
    assert b'id="territory-errors" class="alert alert-danger" role="alert"' in response.data
    assert "Row 3: The ISTAT code “71002” must be 6 digits".encode() in response.data
    assert b"Row 3: The comune name is empty." in response.data
    assert count(app) == 0


def test_an_upload_without_a_file_is_refused(root, app):
    response = post_form(
        root, "/admin/territory/upload/territory", {"region_code": "16", "region_name": "Puglia"}
    )

    assert response.status_code == 400
    assert b'id="territory_file-errors"' in response.data
    assert count(app) == 0


def test_the_network_administrator_uploads_an_assignment_file(root, territory, app):
    with app.app_context():
        add_org_unit("072027", "Modugno", "comune", db.session.get(OrgUnit, territory.bari.id))
        db.session.commit()
    data = b"istat_code,ambito,ambito_name\n072027,BA/2,Ambito di Modugno\n"

    response = upload(root, "/admin/territory/upload/ambiti", "assignment_file", data)

    assert response.status_code == 302
    assert parent_code(app, "072027") == "BA/2"
    assert fetch(app, "BA/2").name == "Ambito di Modugno"


def test_a_bad_assignment_file_shows_its_rows(root, territory, app):
    data = b"istat_code,ambito\n999999,BA/2\n"

    response = upload(root, "/admin/territory/upload/ambiti", "assignment_file", data)

    assert response.status_code == 400
    assert b'id="assignment-errors"' in response.data
    assert b"Row 2: No comune has the ISTAT code 999999." in response.data
    assert fetch(app, "BA/2") is None


def test_an_ambito_administrator_cannot_upload_files(bari, app):
    data = PUGLIA.read_bytes()

    assert bari.get("/admin/territory/upload").status_code == 403
    assert upload(bari, "/admin/territory/upload/territory", "territory_file", data).status_code == 403
    assert upload(bari, "/admin/territory/upload/ambiti", "assignment_file", data).status_code == 403
    assert count(app) == 7


def test_a_post_without_the_csrf_token_is_refused(bari, territory, app):
    response = bari.post(f"/admin/territory/{territory.comune_bari.id}/rename", data={"name": "Senza token"})

    assert response.status_code == 400
    assert fetch(app, "072006").name == "Bari"


def test_every_territory_form_carries_the_csrf_token(root, territory):
    page = root.get(f"/admin/territory/{territory.bari.id}")

    forms = page.data.count(b'<form method="post"')
    assert forms >= 3
    assert page.data.count(b'name="csrf_token"') >= forms


def test_a_file_over_2_mb_is_refused_before_it_is_read(root, app):
    data = PUGLIA.read_bytes() * 300

    response = upload(
        root,
        "/admin/territory/upload/territory",
        "territory_file",
        data,
        region_code="16",
        region_name="Puglia",
    )

    assert response.status_code == 400
    assert b"The file is larger than 2 MB." in response.data
    assert count(app) == 0
