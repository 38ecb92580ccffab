"""Stale edits: two people open the same edit page and both save; the second save, based on what its page
showed, is refused (409) instead of silently undoing the first one, and the page shows the values stored.

Every edit page of the codebook, memos, services registry, training plan and programme carries the version
of the row it showed (app.edits). A save without one (an older page, a script) is still stored. On
PostgreSQL the same two saves also run at once, from threads, the way two workers would receive them."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField

from app import edits
from app.extensions import db
from app.models import (
    Code,
    CodingMemo,
    ProgrammeAction,
    ProgrammeActivity,
    ProgrammeEvent,
    Service,
    TrainingEdition,
    TrainingIntervention,
    VoucherType,
)
from tests.app.test_programme import programme as programme  # noqa: F401 - a fixture
from tests.app.test_registry import registry as registry  # noqa: F401 - a fixture
from tests.app.test_training import training as training  # noqa: F401 - a fixture
from tests.conftest import csrf_token, login, post_form
from tests.security.test_concurrency import at_once
from tests.security.test_concurrency import postgres_only as postgres_only  # noqa: F401 - a fixture

SEEN = re.compile(r'<input[^>]*name="seen"[^>]*>')
VALUE = re.compile(r'value="([0-9a-f]*)"')
STALE = "Qualcun altro ha modificato"  # the start of the refusal, in Italian


@dataclass(frozen=True)
class MemoSetup:
    workbench: Any
    memo: int


@pytest.fixture
def memo(app, workbench) -> MemoSetup:
    """A memo of Anna's on the workbench's transcript."""
    with app.app_context():
        row = CodingMemo(
            coding_project_id=workbench.study_id,
            document_id=workbench.document_id,
            author_id=workbench.users["anna"],
            text="Prima stesura.",
        )
        db.session.add(row)
        db.session.commit()
        return MemoSetup(workbench, row.id)


@dataclass(frozen=True)
class Edit:
    """An edit page: who opens it, where, the fields that save a value, and the value stored."""

    fixture: str
    user: str
    page: Callable[[Any], str]
    fields: Callable[[Any, str], dict[str, Any]]
    stored: Callable[[Any], str]  # read inside an app context
    action: Callable[[Any], str] | None = None  # where the form posts, when not to its page

    def post_url(self, setup: Any) -> str:
        return (self.action or self.page)(setup)


def _event_fields(setup, value: str) -> dict[str, Any]:
    return {
        "activity": setup.events_activity,
        "kind": "focus_group",
        "title": value,
        "held_on": "2025-03-01",
        "org_unit": setup.territory.comune_lecce.id,
    }


EDITS = {
    "code": Edit(
        "workbench",
        "anna@example.org",
        lambda s: f"/transcripts/codes/{s.codes['Criticità']}",
        lambda s, value: {"name": "Criticità", "parent": "0", "colour": "#d9364f", "definition": value},
        lambda s: db.session.get(Code, s.codes["Criticità"]).definition,
    ),
    "memo": Edit(
        "memo",
        "anna@example.org",
        lambda s: f"/transcripts/documents/{s.workbench.document_id}",
        lambda s, value: {"document_id": s.workbench.document_id, "title": "", "text": value},
        lambda s: db.session.get(CodingMemo, s.memo).text,
        lambda s: f"/transcripts/memos/{s.memo}",
    ),
    "service": Edit(
        "registry",
        "admin.lecce@example.org",
        lambda s: f"/services/{s.cd_lecce}/edit",
        lambda s, value: {
            "name": "Centro diurno Il Girasole",
            "kind": "centro_diurno",
            "org_unit": "075035",
            "provider_type": "third_sector",
            "provider_name": value,
            "capacity": "30",
            "active": "y",
        },
        lambda s: db.session.get(Service, s.cd_lecce).provider_name,
    ),
    "intervention": Edit(
        "training",
        "valuta@example.org",
        lambda s: f"/training/{s.intervention_id}/edit",
        lambda s, value: {
            "project": s.project_id,
            "kind": "corso",
            "title": value,
            "work_package": "",
            "recipient_type": "",
            "editions_planned": "1",
            "hours": "16",
            "recipients_planned": "0",
            "tier": "all",
            "evaluation_form": "0",
        },
        lambda s: db.session.get(TrainingIntervention, s.intervention_id).title,
    ),
    "edition": Edit(
        "training",
        "valuta@example.org",
        lambda s: f"/training/editions/{s.network}/edit",
        lambda s, value: {"code": "NET-2025-01", "org_unit": "0", "completion_percent": "70", "place": value},
        lambda s: db.session.get(TrainingEdition, s.network).place,
    ),
    "action": Edit(
        "programme",
        "coord@example.org",
        lambda s: f"/programme/actions/{s.action}",
        lambda s, value: {"code": "Azione 3", "title": value, "position": "0"},
        lambda s: db.session.get(ProgrammeAction, s.action).title,
    ),
    "activity": Edit(
        "programme",
        "coord@example.org",
        lambda s: f"/programme/activities/{s.events_activity}",
        lambda s, value: {
            "code": "3.2",
            "title": value,
            "planned_start": "2025-01-01",
            "planned_end": "2025-12-31",
            "actual_start": "2025-02-01",
            "target_events": "4",
            "target_participants": "50",
        },
        lambda s: db.session.get(ProgrammeActivity, s.events_activity).title,
    ),
    "event": Edit(
        "programme",
        "coord@example.org",
        lambda s: f"/programme/events/{s.lecce_event}",
        _event_fields,
        lambda s: db.session.get(ProgrammeEvent, s.lecce_event).title,
    ),
    "voucher type": Edit(
        "programme",
        "coord@example.org",
        lambda s: f"/programme/vouchers/types/{s.voucher_type}",
        lambda s, value: {
            "name": value,
            "level": "base",
            "amount": "500,00",
            "quantity": "3",
            "activity": s.vouchers_activity,
            "rules": ["disadvantage", "minors"],
            "isee_max": "15000",
            "months_valid": "12",
        },
        lambda s: db.session.get(VoucherType, s.voucher_type).name,
    ),
}


@pytest.fixture(params=list(EDITS))
def edit(request) -> tuple[Edit, Any]:
    """One of the edit pages, with the set-up it needs."""
    chosen = EDITS[request.param]
    return chosen, request.getfixturevalue(chosen.fixture)


def seen_on(page: str) -> str:
    """The version of the row that the page's edit form carries."""
    inputs = SEEN.findall(page)
    assert len(inputs) == 1, inputs
    match = VALUE.search(inputs[0])
    assert match and len(match.group(1)) == 32, inputs[0]
    return match.group(1)


def open_page(app, chosen: Edit, setup: Any) -> tuple[FlaskClient, str]:
    """Someone signing in and opening the edit page: their client and the version their page shows."""
    client = app.test_client()
    login(client, chosen.user)
    page = client.get(chosen.page(setup))
    assert page.status_code == 200
    return client, seen_on(page.get_data(as_text=True))


def save(client: FlaskClient, chosen: Edit, setup: Any, value: str, seen: str | None, **kwargs):
    """Post the edit form saving `value`, from a page that showed version `seen` (None: no version)."""
    fields = chosen.fields(setup, value) | ({"seen": seen} if seen is not None else {})
    if "token" in kwargs:
        fields["csrf_token"] = kwargs.pop("token")
    return post_form(client, chosen.post_url(setup), fields, **kwargs)


def stored(app, chosen: Edit, setup: Any) -> str:
    with app.app_context():
        return chosen.stored(setup)


def test_a_save_based_on_a_page_opened_before_another_save_is_refused(app, edit):
    chosen, setup = edit
    first, first_seen = open_page(app, chosen, setup)
    second, second_seen = open_page(app, chosen, setup)
    assert save(second, chosen, setup, "Valore di Bruno", second_seen).status_code == 302

    refused = save(first, chosen, setup, "Valore di Anna", first_seen)

    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert stored(app, chosen, setup) == "Valore di Bruno"
    assert STALE in page
    assert "Valore di Bruno" in page  # the current value, in the form
    assert "Valore di Anna" in page  # what was typed, listed apart so it is not lost
    assert seen_on(page) not in (first_seen, "")  # saving from this page again is not stale


def test_a_save_from_the_page_drawn_after_the_other_save_is_stored(app, edit):
    chosen, setup = edit
    first, _seen = open_page(app, chosen, setup)
    second, second_seen = open_page(app, chosen, setup)
    assert save(second, chosen, setup, "Valore di Bruno", second_seen).status_code == 302
    _again, fresh = open_page(app, chosen, setup)

    saved = save(first, chosen, setup, "Valore di Anna", fresh)

    assert saved.status_code == 302
    assert stored(app, chosen, setup) == "Valore di Anna"


def test_a_save_without_a_version_is_stored_as_before(app, edit):
    chosen, setup = edit
    first, _seen = open_page(app, chosen, setup)
    second, second_seen = open_page(app, chosen, setup)
    assert save(second, chosen, setup, "Valore di Bruno", second_seen).status_code == 302

    saved = save(first, chosen, setup, "Valore di Anna", None)

    assert saved.status_code == 302
    assert stored(app, chosen, setup) == "Valore di Anna"


def test_a_stale_memo_sent_by_the_workbench_answers_409_with_the_memos_as_they_are(app, memo):
    chosen = EDITS["memo"]
    first, first_seen = open_page(app, chosen, memo)
    second, second_seen = open_page(app, chosen, memo)
    as_json = {"headers": {"Accept": "application/json"}}
    assert save(second, chosen, memo, "Valore di Bruno", second_seen, **as_json).status_code == 200

    refused = save(first, chosen, memo, "Valore di Anna", first_seen, **as_json)

    answer = refused.get_json()
    assert refused.status_code == 409
    assert answer["error"].startswith(STALE)
    assert "Valore di Bruno" in answer["html"] and "Valore di Anna" in answer["html"]
    assert seen_on(answer["html"]) != first_seen
    assert stored(app, chosen, memo) == "Valore di Bruno"


def test_moving_a_code_in_the_tree_does_not_make_its_definition_page_stale(app, workbench):
    chosen = EDITS["code"]
    client, seen = open_page(app, chosen, workbench)
    risorse = workbench.codes["Risorse"]
    moved = post_form(client, f"/transcripts/codes/{workbench.codes['Criticità']}/move", {"parent": risorse})
    assert moved.status_code == 302

    saved = save(client, chosen, workbench, "Definizione nuova", seen)

    assert saved.status_code == 302
    assert stored(app, chosen, workbench) == "Definizione nuova"


def test_two_saves_of_one_version_at_once_keep_one_and_refuse_the_other(app, edit, postgres_only):
    chosen, setup = edit
    editors = [open_page(app, chosen, setup) for _ in range(2)]
    names = ["Valore di Anna", "Valore di Bruno"]
    tokens = [csrf_token(client) for client, _seen in editors]  # fetched now: the saves alone run at once

    answers = at_once(
        [
            lambda client=client, seen=seen, name=name, token=token: (
                save(client, chosen, setup, name, seen, token=token).status_code
            )
            for (client, seen), name, token in zip(editors, names, tokens, strict=True)
        ]
    )

    assert sorted(answers) == [302, 409], answers
    assert stored(app, chosen, setup) == names[answers.index(302)]


class Sample(edits.SeenForm, FlaskForm):
    name = StringField("Name")
    notes = TextAreaField("Notes")
    kind = SelectField("Kind", choices=[("a", "Alfa"), ("b", "Beta")])
    tags = SelectMultipleField("Tags", choices=[("x", "Ics"), ("y", "Ipsilon")])
    active = BooleanField("Active")
    code = StringField("Code")  # shown, not sent (a code that cannot change)


def test_what_was_entered_is_listed_by_label_where_it_differs_from_the_stored_values(app):
    sent = {"name": "Nuovo", "notes": "riga 1\r\nriga 2", "kind": "b", "tags": ["x", "y"], "seen": "0" * 32}
    stored = {
        "name": "Vecchio",
        "notes": "riga 1\nriga 2",
        "kind": "a",
        "tags": ["x"],
        "active": True,
        "code": "C1",
    }

    with app.test_request_context(method="POST", data=sent):
        entered = Sample(meta={"csrf": False})
        unsaved = edits.unsaved(entered, Sample(formdata=None, data=stored, meta={"csrf": False}))

    assert unsaved == [("Name", "Nuovo"), ("Kind", "Beta"), ("Tags", "Ics, Ipsilon"), ("Active", "no")]


def test_a_row_version_changes_with_any_stored_value_but_those_left_out():
    code = Code(id=1, coding_project_id=1, name="Risorse", definition="", position=0, parent_id=None)
    before = edits.row_version(code, exclude=("parent_id", "position"))

    code.parent_id, code.position = 2, 3
    moved = edits.row_version(code, exclude=("parent_id", "position"))
    code.definition = "Ciò che serve alle famiglie."
    defined = edits.row_version(code, exclude=("parent_id", "position"))

    assert re.fullmatch(r"[0-9a-f]{32}", before)
    assert moved == before
    assert defined != before
    assert edits.row_version(code, extra={"targets": {"events": 4}}) != edits.row_version(code)
