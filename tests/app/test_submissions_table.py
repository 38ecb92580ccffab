"""The table of a form's submissions: filters in scope, typed comparisons, labels, pages, the detail page."""

import io
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import JSON, Column, MetaData, Table, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from werkzeug.datastructures import MultiDict

from app import accounts
from app.auth.tokens import issue_token
from app.extensions import db
from app.models import AuditEvent, Form, OrgUnit, Project, Submission, User
from app.surveys import table as table_module
from app.surveys.filtering import (
    FieldCondition,
    answer_conditions,
    filter_from_args,
    filter_to_args,
    filtered_query,
)
from app.surveys.table import form_table
from tests.conftest import PASSWORD, csrf_token, login

FORM = """
| survey   |
|          | type                     | name        | label::Italiano (it)  | label::English (en) |
|          | text                     | nome        | Nome                  | Name                |
|          | integer                  | eta         | Età                   | Age                 |
|          | select_one tipi          | tipo        | Tipo di servizio      | Type of service     |
|          | select_multiple attivita | attivita    | Attività              | Activities          |
|          | date                     | data_visita | Data della visita     | Visit date          |
|          | begin group              | servizio    | Servizio              | Service             |
|          | text                     | ente        | Ente gestore          | Managing body       |
|          | decimal                  | ore         | Ore settimanali       | Weekly hours        |
|          | end group                |             |                       |                     |
|          | begin repeat             | figli       | Figli                 | Children            |
|          | text                     | nome_figlio | Nome del figlio       | Child's name        |
|          | integer                  | eta_figlio  | Età del figlio        | Child's age         |
|          | end repeat               |             |                       |                     |
| choices  |
|          | list_name | name | label::Italiano (it)   | label::English (en) |
|          | tipi      | cd   | Centro diurno          | Day centre          |
|          | tipi      | ed   | Educativa domiciliare  | Home education      |
|          | attivita  | a1   | Laboratori             | Workshops           |
|          | attivita  | a2   | Sostegno scolastico    | School support      |
|          | attivita  | a3   | Sport                  | Sport               |
| settings |
|          | form_id | version | form_title | default_language |
|          | visite  | 1       | Visite     | Italiano (it)    |
"""

ANNA = {
    "nome": "Anna Rossi",
    "eta": 10,
    "tipo": "cd",
    "attivita": ["a1", "a2"],
    "data_visita": "2025-03-01",
    "servizio": {"ente": "Coop Stella", "ore": 12.5},
    "figli": [{"nome_figlio": "Luca", "eta_figlio": 3}, {"nome_figlio": "Sara", "eta_figlio": 12}],
}
BRUNO = {
    "nome": "Bruno Bianchi",
    "eta": 9,
    "tipo": "ed",
    "attivita": ["a3"],
    "data_visita": "2025-04-15",
    "servizio": {"ente": "Il Faro", "ore": 4},
    "figli": [{"nome_figlio": "Marco", "eta_figlio": 7}],
}
CARLA = {"nome": "carla verdi", "eta": 100, "tipo": "cd", "attivita": ["a2"]}
LUCIA = {
    "nome": "Lucia Neri",
    "eta": 10,
    "tipo": "cd",
    "attivita": ["a1"],
    "data_visita": "2025-03-01",
    "figli": [{"nome_figlio": "Luca", "eta_figlio": 20}],
}
SUBMITTED = {
    "anna": datetime(2025, 1, 10, 10),
    "bruno": datetime(2025, 2, 10, 10),
    "carla": datetime(2025, 3, 10, 10),
    "lucia": datetime(2025, 2, 10, 10),
}
ROW_LINK = re.compile(r'<th scope="row"><a href="/forms/\d+/submissions/(\d+)')


def _member(app, email: str, role: str, project_id: int, unit_id: int | None) -> tuple[int, str]:
    with app.app_context():
        user = accounts.create_user(email, PASSWORD, name=email.split("@")[0])
        unit = db.session.get(OrgUnit, unit_id) if unit_id else None
        accounts.grant_role(user, role, unit, db.session.get(Project, project_id))
        _row, token = issue_token(user, "test")
        db.session.commit()
        return user.id, token


@pytest.fixture
def world(app, client, territory) -> dict:
    """A form with four submissions: three in the Ambito of Bari (two operators), one in Lecce."""
    with app.app_context():
        project = Project(code="humus", name="HUMUS")
        db.session.add(project)
        db.session.commit()
        project_id = project.id
    researcher, researcher_token = _member(app, "rita@example.org", "researcher", project_id, None)
    bari, bari_token = _member(app, "op.bari@example.org", "operator", project_id, territory.ambito_bari.id)
    bari2, bari2_token = _member(
        app, "op2.bari@example.org", "operator", project_id, territory.ambito_bari.id
    )
    lecce, lecce_token = _member(
        app, "op.lecce@example.org", "operator", project_id, territory.ambito_lecce.id
    )
    response = client.post(
        "/api/v1/forms",
        data={"xlsform": (io.BytesIO(FORM.encode()), "visite.md")},
        headers={"Authorization": f"Bearer {researcher_token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    form_id = response.json["id"]
    ids = {}
    for name, token, data in (
        ("anna", bari_token, ANNA),
        ("bruno", bari_token, BRUNO),
        ("carla", bari2_token, CARLA),
        ("lucia", lecce_token, LUCIA),
    ):
        posted = client.post(
            f"/api/v1/forms/{form_id}/submissions",
            json={"data": data},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert posted.status_code == 201, posted.json
        ids[name] = posted.json["id"]
    with app.app_context():
        for name, moment in SUBMITTED.items():
            db.session.execute(update(Submission).where(Submission.id == ids[name]).values(created_at=moment))
        db.session.commit()
    users = {"researcher": researcher, "bari": bari, "bari2": bari2, "lecce": lecce}
    return {"form": form_id, "ids": ids, "users": users, "territory": territory}


def _kept(app, world, user: str, query: str | list[tuple[str, str]]) -> set[str]:
    """The names of the submissions `user` sees through the filter of a query string."""
    args = MultiDict(query) if isinstance(query, list) else MultiDict(_pairs(query))
    names = {v: k for k, v in world["ids"].items()}
    with app.test_request_context():
        form = db.session.get(Form, world["form"])
        user = db.session.get(User, world["users"][user])
        f = filter_from_args(args, form_table(form).layout)
        assert f.problems == (), f.problems
        found = db.session.scalars(filtered_query(user, form, f).with_only_columns(Submission.id))
        return {names[i] for i in found}


def _pairs(query: str) -> list[tuple[str, str]]:
    return [tuple(part.split("=", 1)) for part in query.split("&") if part]  # type: ignore[misc]


def _condition(field: str, op: str, value: str = "") -> list[tuple[str, str]]:
    return [("field", field), ("op", op), ("value", value)]


def login_in_english(client, email: str) -> None:
    """Sign in and switch the interface to English (the form's labels then default to English too)."""
    login(client, email)
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client)})


# --- scope ---------------------------------------------------------------------------------------------


def test_an_operator_sees_only_the_rows_of_his_scope(app, world):
    assert _kept(app, world, "bari", "") == {"anna", "bruno", "carla"}
    assert _kept(app, world, "lecce", "") == {"lucia"}
    assert _kept(app, world, "researcher", "") == {"anna", "bruno", "carla", "lucia"}


def test_filtering_by_an_org_unit_outside_the_scope_shows_nothing_of_it(app, world):
    lecce = world["territory"].ambito_lecce.id

    assert _kept(app, world, "bari", f"org_unit={lecce}") == set()
    assert _kept(app, world, "bari", f"org_unit={world['territory'].lecce.id}") == set()
    assert _kept(app, world, "researcher", f"org_unit={lecce}") == {"lucia"}


def test_filtering_by_an_org_unit_keeps_its_whole_subtree(app, world):
    province = world["territory"].bari.id

    assert _kept(app, world, "researcher", f"org_unit={province}") == {"anna", "bruno", "carla"}


def test_a_filter_on_answers_never_reaches_rows_outside_the_scope(app, world):
    assert _kept(app, world, "bari", _condition("figli/nome_figlio", "equals", "Luca")) == {"anna"}
    assert _kept(app, world, "researcher", _condition("figli/nome_figlio", "equals", "Luca")) == {
        "anna",
        "lucia",
    }


# --- answers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (("nome", "equals", "anna rossi"), {"anna"}),
        (("nome", "contains", "BIAN"), {"bruno"}),
        (("nome", "contains", "%"), set()),
        (("nome", "empty", ""), set()),
        (("servizio/ente", "contains", "faro"), {"bruno"}),
    ],
)
def test_a_text_field_matches_whatever_the_case(app, world, condition, expected):
    assert _kept(app, world, "bari", _condition(*condition)) == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (("eta", "greater", "9"), {"anna", "carla"}),  # as text, "9" would beat "10" and "100"
        (("eta", "less", "10"), {"bruno"}),
        (("eta", "equals", "10"), {"anna"}),
        (("servizio/ore", "greater", "5,5"), {"anna"}),  # a decimal comma, as Italians write it
        (("servizio/ore", "equals", "12.5"), {"anna"}),
        (("servizio/ore", "empty", ""), {"carla"}),
    ],
)
def test_a_number_field_compares_as_a_number(app, world, condition, expected):
    assert _kept(app, world, "bari", _condition(*condition)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("cd", {"anna", "carla"}), ("Educativa domiciliare", {"bruno"}), ("day centre", {"anna", "carla"})],
)
def test_a_select_one_matches_by_code_or_by_label_in_any_language(app, world, value, expected):
    assert _kept(app, world, "bari", _condition("tipo", "equals", value)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("a2", {"anna", "carla"}), ("a3", {"bruno"}), ("Workshops", {"anna"}), ("a", set())],
)
def test_a_select_multiple_matches_when_the_choice_is_among_those_chosen(app, world, value, expected):
    assert _kept(app, world, "bari", _condition("attivita", "equals", value)) == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (("data_visita", "greater", "2025-03-15"), {"bruno"}),
        (("data_visita", "less", "2025-03-15"), {"anna"}),
        (("data_visita", "equals", "2025-03-01"), {"anna"}),
        (("data_visita", "empty", ""), {"carla"}),
    ],
)
def test_a_date_field_compares_as_a_date(app, world, condition, expected):
    assert _kept(app, world, "bari", _condition(*condition)) == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (("figli/eta_figlio", "greater", "10"), {"anna"}),
        (("figli/eta_figlio", "less", "5"), {"anna"}),
        (("figli/nome_figlio", "equals", "marco"), {"bruno"}),
        (("figli/nome_figlio", "contains", "ar"), {"anna", "bruno"}),
    ],
)
def test_a_field_inside_a_repeat_matches_when_any_entry_does(app, world, condition, expected):
    assert _kept(app, world, "bari", _condition(*condition)) == expected


def test_conditions_on_answers_all_apply(app, world):
    query = _condition("tipo", "equals", "cd") + _condition("eta", "less", "50")

    assert _kept(app, world, "bari", query) == {"anna"}


# --- submission fields ---------------------------------------------------------------------------------


def test_the_submission_dates_are_whole_days_both_included(app, world):
    assert _kept(app, world, "bari", "from=2025-02-01&to=2025-02-10") == {"bruno"}
    assert _kept(app, world, "bari", "from=2025-02-11") == {"carla"}
    assert _kept(app, world, "bari", "to=2025-01-10") == {"anna"}


def test_the_submitter_filter_keeps_what_that_person_sent(app, world):
    assert _kept(app, world, "bari", f"submitter={world['users']['bari2']}") == {"carla"}
    assert _kept(app, world, "bari", f"submitter={world['users']['lecce']}") == set()


def test_the_review_state_filter_keeps_any_of_the_states_asked(app, world):
    with app.app_context():
        db.session.execute(
            update(Submission).where(Submission.id == world["ids"]["bruno"]).values(review_state="approved")
        )
        db.session.commit()

    assert _kept(app, world, "bari", "review=approved") == {"bruno"}
    assert _kept(app, world, "bari", "review=approved&review=received") == {"anna", "bruno", "carla"}


def test_test_submissions_never_appear_and_deleted_ones_only_in_the_trash(app, world):
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.id == world["ids"]["anna"]).values(test=True))
        db.session.execute(
            update(Submission)
            .where(Submission.id == world["ids"]["bruno"])
            .values(deleted_at=datetime(2025, 5, 1))
        )
        db.session.commit()

    assert _kept(app, world, "researcher", "") == {"carla", "lucia"}
    assert _kept(app, world, "researcher", "trash=1") == {"bruno"}
    assert _kept(app, world, "bari", "trash=1") == set()  # the trash is the reviewers'


def test_a_filter_goes_back_to_the_same_query_string(app, world):
    query = _condition("eta", "greater", "9,5") + [
        ("review", "approved"),
        ("from", "2025-01-01"),
        ("trash", "1"),
    ]
    with app.test_request_context():
        layout = form_table(db.session.get(Form, world["form"])).layout
        f = filter_from_args(MultiDict(query), layout)

        again = filter_from_args(MultiDict(list(_flat(filter_to_args(f)))), layout)

    assert again == f
    assert f.conditions[0].value == "9.5"


def _flat(args: dict) -> list[tuple[str, str]]:
    return [(k, item) for k, v in args.items() for item in (v if isinstance(v, list) else [v])]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (_condition("eta", "greater", "dieci"), "is not a number"),
        (_condition("eta", "contains", "1"), "does not apply"),
        (_condition("sconosciuto", "equals", "1"), "There is no field"),
        (_condition("nome", "equals", ""), "Give a value"),
        (_condition("data_visita", "equals", "01/03/2025"), "is not a date"),
        ([("from", "2025-13-45")], "is not a date"),
        ([("submitter", "abc")], "Unknown submitter"),
        ([("org_unit", "-1")], "Unknown org unit"),
        ([("review", "bogus")], "Unknown review state"),
    ],
)
def test_a_bad_filter_is_ignored_with_a_message_not_an_error(app, client, world, query, message):
    login_in_english(client, "op.bari@example.org")

    response = client.get(f"/forms/{world['form']}/submissions", query_string=MultiDict(query))

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert len(ROW_LINK.findall(response.get_data(as_text=True))) == 3  # nothing was filtered out


# --- the page ------------------------------------------------------------------------------------------


def _page(client, world, **query) -> str:
    response = client.get(f"/forms/{world['form']}/submissions", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_table_shows_choice_labels_in_the_interface_language_by_default(client, world):
    login(client, "op.bari@example.org")

    page = _page(client, world, cols=["tipo", "attivita"])

    assert "Centro diurno" in page and "Laboratori; Sostegno scolastico" in page
    assert "<td>cd</td>" not in page


def test_the_table_shows_codes_when_asked(client, world):
    login(client, "op.bari@example.org")

    page = _page(client, world, cols=["tipo", "attivita"], show="codes")

    assert "<td>cd</td>" in page and "a1 a2" in page and "Centro diurno" not in page


def test_the_table_shows_labels_in_the_form_language_asked(client, world):
    login(client, "op.bari@example.org")

    page = _page(client, world, cols=["tipo"], lang="English (en)")

    assert "Day centre" in page and "Type of service" in page


def test_the_chosen_columns_are_shown_and_a_repeat_as_its_number_of_entries(client, world):
    login_in_english(client, "op.bari@example.org")

    page = _page(client, world, cols=["eta", "figli"])

    headers = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', page)
    assert headers == ["Submitted", "Age", "Children", "Submitter", "Org unit", "Review state"]
    anna = world["ids"]["anna"]
    assert f'/forms/{world["form"]}/submissions/{anna}#a-figli">2 entries</a>' in page


def test_the_default_columns_are_the_first_fields(client, world):
    login(client, "op.bari@example.org")

    page = _page(client, world)

    headers = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', page)
    first = "Nome Età Tipo_di_servizio Attività Data_della_visita Ente_gestore Ore_settimanali Figli"
    assert headers[1 : 1 + table_module.DEFAULT_COLUMNS] == [h.replace("_", " ") for h in first.split()]


def test_the_table_pages_fifty_rows_newest_first(app, client, world):
    _add_copies(app, world, 117)  # 120 in Bari
    login_in_english(client, "op.bari@example.org")

    first, third = _page(client, world), _page(client, world, page=3)

    assert len(ROW_LINK.findall(first)) == 50 and len(ROW_LINK.findall(third)) == 20
    assert "120 submissions match." in first
    assert "page=2" in first and "page=4" not in third
    newest = max(int(i) for i in ROW_LINK.findall(first + third))
    assert int(ROW_LINK.findall(first)[0]) == newest


def test_the_count_stops_at_its_cap(app, client, world, monkeypatch):
    _add_copies(app, world, 117)
    monkeypatch.setattr(table_module, "COUNT_CAP", 100)
    login_in_english(client, "op.bari@example.org")

    page = _page(client, world, page=2)

    assert "More than 100 submissions match." in page


def test_the_count_reads_only_the_newest_submissions_of_a_large_form(app, client, world, monkeypatch):
    _add_copies(app, world, 117)  # copies of Anna's, newer than the others
    monkeypatch.setattr(table_module, "COUNT_WINDOW", 20)
    login_in_english(client, "op.bari@example.org")

    page = _page(client, world, page=2, field="nome", op="contains", value="anna")

    assert re.search(r"20 submissions since [^<]+ match; older ones were not counted\.", page)
    assert len(ROW_LINK.findall(page)) == 50  # the rows themselves are all there


def _add_copies(app, world, count: int) -> None:
    with app.app_context():
        row = db.session.get(Submission, world["ids"]["anna"])
        values = {c.name: getattr(row, c.key) for c in Submission.__table__.columns if c.name != "id"}
        db.session.execute(
            insert(Submission.__table__),
            [
                {
                    **values,
                    "instance_id": f"uuid:copy-{n}",
                    "created_at": datetime(2025, 6, 1) + timedelta(minutes=n),
                }
                for n in range(count)
            ],
        )
        db.session.commit()


def test_an_htmx_request_gets_the_table_area_and_the_clean_address(client, world):
    login(client, "op.bari@example.org")
    query = MultiDict(_condition("eta", "greater", "9") + _condition("", "equals", "") + [("from", "")])

    response = client.get(
        f"/forms/{world['form']}/submissions",
        query_string=query,
        headers={"HX-Request": "true", "HX-Target": "submissions-area"},
    )

    page = response.get_data(as_text=True)
    assert "<html" not in page and len(ROW_LINK.findall(page)) == 2
    assert (
        response.headers["HX-Push-Url"] == f"/forms/{world['form']}/submissions?field=eta&op=greater&value=9"
    )


def test_a_user_without_read_data_cannot_open_the_table(app, client, world, make_user):
    make_user("viewer@example.org", "viewer", None)
    login(client, "viewer@example.org")

    assert client.get(f"/forms/{world['form']}/submissions").status_code == 403


# --- the detail page -----------------------------------------------------------------------------------


def test_the_detail_page_shows_groups_and_numbered_repeat_entries(client, world):
    login(client, "op.bari@example.org")

    response = client.get(f"/forms/{world['form']}/submissions/{world['ids']['anna']}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<section id="a-servizio".*?Servizio.*?Ente gestore.*?Coop Stella', page, re.S)
    assert re.search(r'id="a-figli-1".*?Figli 1.*?Luca.*?id="a-figli-2".*?Figli 2.*?Sara', page, re.S)
    assert "Laboratori; Sostegno scolastico" in page and "Centro diurno" in page
    assert world["ids"]["anna"] and "op.bari" in page and "Ambito di Bari" in page


def test_the_detail_page_shows_an_empty_answer_as_a_dash(client, world):
    login(client, "op.bari@example.org")

    page = client.get(f"/forms/{world['form']}/submissions/{world['ids']['carla']}").get_data(as_text=True)

    assert re.search(r"Data della visita</dt>\s*<dd[^>]*><span aria-hidden=\"true\">—</span>", page)


def test_the_detail_page_shows_codes_and_other_languages_when_asked(client, world):
    login(client, "op.bari@example.org")
    url = f"/forms/{world['form']}/submissions/{world['ids']['anna']}"

    english = client.get(url, query_string={"lang": "English (en)"}).get_data(as_text=True)
    codes = client.get(url, query_string={"show": "codes"}).get_data(as_text=True)

    assert "Day centre" in english and "Managing body" in english
    assert "Centro diurno" not in codes and re.search(r"Tipo di servizio</dt>\s*<dd[^>]*>cd</dd>", codes)


def test_reading_a_submission_is_audited_with_its_org_unit(app, client, world):
    login(client, "op.bari@example.org")

    client.get(f"/forms/{world['form']}/submissions/{world['ids']['anna']}")

    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "submission.read")).one()
        assert (event.target_type, event.target_id) == ("Submission", str(world["ids"]["anna"]))
        assert event.org_unit_id == world["territory"].ambito_bari.id
        assert event.actor_id == world["users"]["bari"]


def test_a_submission_outside_the_scope_answers_404_and_is_not_audited(app, client, world):
    login(client, "op.bari@example.org")

    outside = client.get(f"/forms/{world['form']}/submissions/{world['ids']['lucia']}")
    missing = client.get(f"/forms/{world['form']}/submissions/987654")

    assert outside.status_code == missing.status_code == 404
    with app.app_context():
        assert (
            db.session.scalars(select(AuditEvent).where(AuditEvent.action == "submission.read")).all() == []
        )


def test_a_test_submission_has_no_detail_page(app, client, world):
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.id == world["ids"]["anna"]).values(test=True))
        db.session.commit()
    login(client, "rita@example.org")

    assert client.get(f"/forms/{world['form']}/submissions/{world['ids']['anna']}").status_code == 404


def test_the_form_page_links_to_its_submissions(client, world):
    login(client, "op.bari@example.org")

    page = client.get(f"/forms/{world['form']}").get_data(as_text=True)

    assert f'href="/forms/{world["form"]}/submissions"' in page


def test_conditions_on_answers_use_the_jsonb_functions_on_a_jsonb_column():
    # Should `data` become jsonb on PostgreSQL (17 times faster to read), the SQL follows the column's type.
    table = Table("rows", MetaData(), Column("data", JSON().with_variant(JSONB(), "postgresql")))
    inside = FieldCondition("figli/eta_figlio", "greater", "10", "number", (("figli",), ("eta_figlio",)))

    sql = str(
        select(table).where(*answer_conditions(table.c.data, (inside,))).compile(dialect=postgresql.dialect())
    )

    assert "jsonb_array_elements(" in sql and "jsonb_typeof(" in sql and "json_typeof(" not in sql
