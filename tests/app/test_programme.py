"""The programme pages: plan, events with participants, attachments and transcripts, family vouchers, the
timeline and the progress report with its downloads; permissions, scope, validation and the as-of rule."""

import io
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from docx import Document
from sqlalchemy import func, select

from analysis.programme_vouchers import expiry
from app.demo import DEFAULT_TERRITORY
from app.extensions import db
from app.models import (
    Attendance,
    AuditEvent,
    Code,
    Coding,
    CodingDocument,
    CodingProject,
    Enrolment,
    Entity,
    EntityList,
    EventAttachment,
    EventParticipation,
    EventTranscript,
    Form,
    FormVersion,
    ProgrammeAction,
    ProgrammeActivity,
    ProgrammeActivityForm,
    ProgrammeActivityTraining,
    ProgrammeEvent,
    ProgrammeTarget,
    Project,
    Submission,
    TrainingEdition,
    TrainingIntervention,
    TrainingSession,
    VoucherAssignment,
    VoucherSpending,
    VoucherStatusChange,
    VoucherType,
)
from tests.conftest import csrf_token, login, post_form

PAST = datetime(2025, 1, 10, 9, 0)  # when the fixture's plan and records were entered
RECENT = date.today() - timedelta(days=10)


@dataclass
class Setup:
    project: int
    action: int
    events_activity: int
    vouchers_activity: int
    lecce_event: int
    bari_event: int
    voucher_type: int
    lecce_case: str
    territory: object


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour)


@pytest.fixture
def programme(app, make_user, territory) -> Setup:
    """A plan (Azione 3: 3.2 events, 3.4 vouchers), two events (Lecce, Bari) and a voucher type, entered
    in the past; a coordinator, a Lecce evaluator, a viewer and the operators of both Ambiti."""
    make_user("coord@example.org", "evaluator")
    make_user("eval.lecce@example.org", "evaluator", territory.ambito_lecce)
    make_user("viewer@example.org", "viewer", territory.region)
    make_user("op.lecce@example.org", "operator", territory.ambito_lecce)
    make_user("op.bari@example.org", "operator", territory.ambito_bari)
    with app.app_context():
        project = Project(code="humus", name="HUMUS")
        action = ProgrammeAction(project=project, code="Azione 3", title="Animazione", created_at=PAST)
        events = ProgrammeActivity(
            action=action,
            code="3.2",
            title="Eventi",
            planned_start=date(2025, 1, 1),
            planned_end=date(2025, 12, 31),
            actual_start=date(2025, 2, 1),
            created_at=PAST,
        )
        events.targets += [
            ProgrammeTarget(metric="events", value=4, set_at=PAST),
            ProgrammeTarget(metric="participants", value=50, set_at=PAST),
        ]
        vouchers = ProgrammeActivity(action=action, code="3.4", title="Voucher", position=1, created_at=PAST)
        vouchers.targets.append(ProgrammeTarget(metric="vouchers", value=10, set_at=PAST))
        db.session.add_all([project, action, events, vouchers])
        db.session.flush()
        lecce = add_event(events.id, "focus_group", "FG Lecce", "2025-03-01", territory.comune_lecce.id,
                          {("families", "female"): 6, ("families", "male"): 3})  # fmt: skip
        bari = add_event(events.id, "seminar", "Seminario Bari", "2025-04-10", territory.ambito_bari.id,
                         {("public_services", "female"): 12, ("schools", "male"): 4})  # fmt: skip
        vtype = VoucherType(
            project_id=project.id,
            activity_id=vouchers.id,
            name="Base",
            level="base",
            amount_cents=50_000,
            quantity=3,
            rules=["disadvantage", "minors"],
            isee_max=15_000,
            months_valid=12,
            created_at=PAST,
        )
        entity_list = EntityList(project=project, name="minori")
        case = Entity(entity_list=entity_list, uuid=str(uuid.uuid4()), label="LE0001",
                      org_unit_id=territory.comune_lecce.id)  # fmt: skip
        db.session.add_all([vtype, entity_list, case])
        db.session.commit()
        return Setup(
            project.id, action.id, events.id, vouchers.id, lecce, bari, vtype.id, "LE0001", territory
        )


def add_event(activity_id, kind, title, day, unit_id, people, recorded: datetime | None = None) -> int:
    """An event and its participants as entered the day after it took place (inside an app context)."""
    held_on = date.fromisoformat(day)
    recorded = recorded or datetime.combine(held_on + timedelta(days=1), datetime.min.time()).replace(hour=10)
    event = ProgrammeEvent(
        activity_id=activity_id,
        kind=kind,
        title=title,
        held_on=held_on,
        org_unit_id=unit_id,
        created_at=recorded,
    )
    db.session.add(event)
    db.session.flush()
    for (category, gender), n in people.items():
        db.session.add(
            EventParticipation(
                event_id=event.id, category=category, gender=gender, count=n, created_at=recorded
            )
        )
    db.session.commit()
    return event.id


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def text_of(response) -> str:
    return response.get_data(as_text=True)


# --- the plan ---------------------------------------------------------------------------------------


def test_the_coordinator_adds_an_action_and_an_activity_with_targets(app, client, programme):
    login(client, "coord@example.org")

    added = post_form(
        client,
        "/programme/actions",
        {"project": programme.project, "code": "Azione 4", "title": "Disseminazione"},
    )
    with app.app_context():
        action = db.session.scalars(select(ProgrammeAction).where(ProgrammeAction.code == "Azione 4")).one()
        action_id = action.id
    activity = post_form(
        client,
        f"/programme/actions/{action_id}/activities",
        {"code": "4.3", "title": "Laboratori", "planned_start": "2025-03-01", "planned_end": "2026-12-31",
         "target_workshop": "6", "target_participants": "600"},
    )  # fmt: skip

    assert added.status_code == 302 and activity.status_code == 302
    with app.app_context():
        found = db.session.scalars(select(ProgrammeActivity).where(ProgrammeActivity.code == "4.3")).one()
        assert {t.metric: t.value for t in found.targets} == {"workshop": 6, "participants": 600}
        assert (
            db.session.scalar(select(func.count()).where(AuditEvent.action == "programme.activity_created"))
            == 1
        )
    assert "Laboratori" in text_of(client.get("/programme/"))


def test_an_activity_ending_before_it_starts_is_refused_in_the_users_language(app, client, programme):
    login(client, "coord@example.org")
    url = f"/programme/activities/{programme.events_activity}"
    data = {"code": "3.2", "title": "Eventi", "planned_start": "2025-12-31", "planned_end": "2025-01-01"}

    italian = post_form(client, url, data)
    post_form(client, "/language", {"lang": "en"})
    english = post_form(client, url, data)

    assert italian.status_code == 422
    assert "la fine (2025-01-01) precede l&#39;inizio (2025-12-31)" in text_of(italian)
    assert "the end (2025-01-01) is before the start (2025-12-31)" in text_of(english)
    with app.app_context():
        assert db.session.get(ProgrammeActivity, programme.events_activity).planned_start == date(2025, 1, 1)


def test_a_changed_target_replaces_the_old_one_which_stays_for_earlier_reports(app, client, programme):
    login(client, "coord@example.org")

    post_form(
        client,
        f"/programme/activities/{programme.events_activity}",
        {"code": "3.2", "title": "Eventi", "planned_start": "2025-01-01", "planned_end": "2025-12-31",
         "actual_start": "2025-02-01", "target_events": "6", "target_participants": "50"},
    )  # fmt: skip

    with app.app_context():
        rows = db.session.scalars(
            select(ProgrammeTarget).where(ProgrammeTarget.metric == "events").order_by(ProgrammeTarget.id)
        ).all()
        assert [(r.value, r.replaced_at is not None) for r in rows] == [(4, True), (6, False)]
    earlier = text_of(
        client.get("/programme/report", query_string={"as_of": "2025-12-31", "start": "2025-01-01"})
    )
    today = text_of(client.get("/programme/report", query_string={"start": "2025-01-01"}))
    assert "2 / 4 (50%)" in earlier and "2 / 6 (33%)" in today


def test_only_those_who_run_the_programme_network_wide_change_the_plan(app, client, programme):
    login(client, "eval.lecce@example.org")

    refused = post_form(
        client, "/programme/actions", {"project": programme.project, "code": "X", "title": "X"}
    )
    page = client.get(f"/programme/actions/{programme.action}")

    assert (refused.status_code, page.status_code) == (403, 403)
    assert count(app, ProgrammeAction) == 1


def test_a_viewer_reads_the_plan_timeline_and_report_but_not_the_events(client, programme):
    login(client, "viewer@example.org")

    statuses = [
        client.get(url).status_code for url in ("/programme/", "/programme/timeline", "/programme/report")
    ]
    events = [
        client.get(url).status_code
        for url in ("/programme/events", f"/programme/events/{programme.lecce_event}")
    ]

    assert statuses == [200, 200, 200]
    assert events == [403, 403]
    assert "Programma" in text_of(client.get("/")) or "Programme" in text_of(client.get("/"))


def test_another_projects_plan_answers_404(app, client, make_user, programme):
    from app import accounts
    from app.models import User

    make_user("solo@example.org", "admin", None)
    with app.app_context():
        other = Project(code="altro", name="Altro")
        action = ProgrammeAction(project=other, code="A", title="A")
        activity = ProgrammeActivity(action=action, code="1", title="1")
        db.session.add_all([other, action, activity])
        db.session.flush()
        vtype = VoucherType(project_id=other.id, name="V", level="base", amount_cents=100, quantity=1)
        db.session.add(vtype)
        user = db.session.scalars(select(User).where(User.email == "solo@example.org")).one()
        user.assignments.clear()
        accounts.grant_role(user, "admin", None, db.session.get(Project, programme.project))
        db.session.commit()
        ids = action.id, activity.id, vtype.id
    login(client, "solo@example.org")

    pages = [
        f"/programme/actions/{ids[0]}",
        f"/programme/activities/{ids[1]}",
        f"/programme/vouchers/types/{ids[2]}",
    ]

    assert [client.get(url).status_code for url in pages] == [404, 404, 404]
    assert client.get(f"/programme/activities/{programme.events_activity}").status_code == 200


# --- events -----------------------------------------------------------------------------------------


def event_form(programme, **changes):
    data = {
        "project": programme.project,
        "activity": programme.events_activity,
        "kind": "workshop",
        "title": "Laboratorio genitori",
        "held_on": "2025-05-20",
        "org_unit": programme.territory.comune_lecce.id,
        "place": "Lecce, biblioteca",
    }
    return {**data, **changes}


def test_an_evaluator_records_an_event_in_their_scope(app, client, programme):
    login(client, "eval.lecce@example.org")

    response = post_form(client, "/programme/events/new", event_form(programme))

    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalars(
            select(ProgrammeEvent).where(ProgrammeEvent.title == "Laboratorio genitori")
        ).one()
        assert (event.kind, event.org_unit_id) == ("workshop", programme.territory.comune_lecce.id)
    assert "Laboratorio genitori" in text_of(client.get("/programme/events"))
    assert "Seminario Bari" not in text_of(client.get("/programme/events"))


def test_an_event_in_the_future_is_refused_and_nothing_is_stored(app, client, programme):
    login(client, "eval.lecce@example.org")
    tomorrow = (date.today() + timedelta(days=2)).isoformat()

    response = post_form(client, "/programme/events/new", event_form(programme, held_on=tomorrow))

    assert response.status_code == 422
    assert "è nel futuro: si registra un evento dopo che si è svolto" in text_of(response)
    assert count(app, ProgrammeEvent) == 2


def test_a_place_outside_the_users_scope_cannot_be_chosen(app, client, programme):
    login(client, "eval.lecce@example.org")

    response = post_form(
        client, "/programme/events/new", event_form(programme, org_unit=programme.territory.comune_bari.id)
    )

    assert response.status_code == 422
    assert count(app, ProgrammeEvent) == 2


def test_an_event_outside_the_users_scope_answers_404(client, programme):
    login(client, "eval.lecce@example.org")
    bari = programme.bari_event

    page = client.get(f"/programme/events/{bari}")
    grid = post_form(client, f"/programme/events/{bari}/participation", {"people-families-female": "3"})

    assert (page.status_code, grid.status_code) == (404, 404)
    assert client.get(f"/programme/events/{programme.lecce_event}").status_code == 200


def test_saving_the_participants_grid_replaces_the_counts_and_keeps_the_old_ones(app, client, programme):
    login(client, "eval.lecce@example.org")
    url = f"/programme/events/{programme.lecce_event}/participation"

    response = post_form(
        client, url, {"people-families-female": "7", "people-families-male": "4", "people-schools-female": ""}
    )

    assert response.status_code == 302
    with app.app_context():
        rows = db.session.scalars(
            select(EventParticipation).where(EventParticipation.event_id == programme.lecce_event)
        ).all()
        current = {(r.category, r.gender): r.count for r in rows if r.replaced_at is None}
        assert current == {("families", "female"): 7, ("families", "male"): 4}
        assert len([r for r in rows if r.replaced_at is not None]) == 2


@pytest.mark.parametrize("value", ["-3", "2,5", "dieci", "10001"])
def test_a_bad_cell_in_the_grid_is_refused_and_nothing_changes(app, client, programme, value):
    login(client, "eval.lecce@example.org")

    response = post_form(
        client, f"/programme/events/{programme.lecce_event}/participation", {"people-families-female": value}
    )

    assert response.status_code == 422
    assert "alert" in text_of(response)
    assert count(app, EventParticipation, EventParticipation.replaced_at.is_not(None)) == 0


def upload(client, event_id, data: bytes, name: str, kind="sign_in"):
    return client.post(
        f"/programme/events/{event_id}/attachments",
        data={"csrf_token": csrf_token(client), "kind": kind, "upload": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_a_sign_in_sheet_is_attached_typed_by_its_bytes_and_downloaded_with_an_audit_trail(
    app, client, programme
):
    login(client, "eval.lecce@example.org")

    response = upload(client, programme.lecce_event, b"%PDF-1.4\n% firme\n", "firme presenze.doc")
    with app.app_context():
        attachment = db.session.scalars(select(EventAttachment)).one()
        attachment_id = attachment.id
        assert (attachment.name, attachment.content_type) == ("firme presenze.pdf", "application/pdf")
    download = client.get(f"/programme/events/{programme.lecce_event}/attachments/{attachment_id}")

    assert response.status_code == 302
    assert download.data == b"%PDF-1.4\n% firme\n"
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert count(app, AuditEvent, AuditEvent.action == "programme.attachment_downloaded") == 1


def test_an_html_page_posing_as_a_pdf_is_refused(app, client, programme):
    login(client, "eval.lecce@example.org")

    response = upload(client, programme.lecce_event, b"<html><script>alert(1)</script></html>", "verbale.pdf")

    assert response.status_code == 422
    assert "Tipo di file non accettato" in text_of(response)
    assert count(app, EventAttachment) == 0


def study_with_document(app, project_id, unit_id, name, coded_at: datetime | None = None) -> int:
    with app.app_context():
        study = CodingProject(project_id=project_id, org_unit_id=unit_id, name=f"Studio {name}")
        document = CodingDocument(
            coding_project=study, name=name, text="Testo della trascrizione.", text_sha256="0" * 64
        )
        db.session.add_all([study, document])
        db.session.flush()
        if coded_at is not None:
            code = Code(coding_project_id=study.id, name="Bisogni")
            db.session.add(code)
            db.session.flush()
            db.session.add(
                Coding(document_id=document.id, code_id=code.id, start=0, end=5, created_at=coded_at)
            )
        db.session.commit()
        return document.id


def test_a_transcript_of_a_study_in_scope_is_linked_and_one_outside_is_refused(app, client, programme):
    lecce = study_with_document(app, programme.project, programme.territory.ambito_lecce.id, "FG Lecce.txt")
    bari = study_with_document(app, programme.project, programme.territory.ambito_bari.id, "FG Bari.txt")
    login(client, "eval.lecce@example.org")
    url = f"/programme/events/{programme.lecce_event}/transcripts"

    linked = post_form(client, url, {"document": lecce})
    refused = post_form(client, url, {"document": bari})

    assert (linked.status_code, refused.status_code) == (302, 422)
    with app.app_context():
        assert [t.document_id for t in db.session.scalars(select(EventTranscript))] == [lecce]
    assert "FG Lecce.txt" in text_of(client.get(f"/programme/events/{programme.lecce_event}"))


def test_a_deleted_event_leaves_the_lists(app, client, programme):
    login(client, "eval.lecce@example.org")

    post_form(client, f"/programme/events/{programme.lecce_event}/delete")

    assert "FG Lecce" not in text_of(client.get("/programme/events"))
    assert client.get(f"/programme/events/{programme.lecce_event}").status_code == 404
    assert count(app, ProgrammeEvent) == 2  # kept for reports as of earlier dates


# --- vouchers ---------------------------------------------------------------------------------------


def voucher_type_form(programme, **changes):
    data = {
        "project": programme.project,
        "name": "Alto",
        "level": "high",
        "amount": "1.250,50",
        "quantity": "5",
        "activity": programme.vouchers_activity,
        "rules": ["in_care", "minors"],
        "months_valid": "12",
    }
    return {**data, **changes}


def test_the_coordinator_adds_a_voucher_type_with_an_amount_typed_the_italian_way(app, client, programme):
    login(client, "coord@example.org")

    response = post_form(client, "/programme/vouchers/types", voucher_type_form(programme))

    assert response.status_code == 302
    with app.app_context():
        found = db.session.scalars(select(VoucherType).where(VoucherType.name == "Alto")).one()
        assert (found.amount_cents, found.rules, found.quantity) == (125_050, ["in_care", "minors"], 5)


def test_a_bad_amount_is_refused_in_the_users_language(app, client, programme):
    login(client, "coord@example.org")

    italian = post_form(client, "/programme/vouchers/types", voucher_type_form(programme, amount="12,345"))
    post_form(client, "/language", {"lang": "en"})
    english = post_form(client, "/programme/vouchers/types", voucher_type_form(programme, amount="0"))

    assert italian.status_code == english.status_code == 422
    assert "non è un importo in euro" in text_of(italian)
    assert "The amount must be above zero" in text_of(english)
    assert count(app, VoucherType) == 1


def assign_form(programme, **changes):
    data = {
        "project": programme.project,
        "voucher_type": programme.voucher_type,
        "household": "NF-LE-0001",
        "org_unit": programme.territory.comune_lecce.id,
        "assigned_on": RECENT.isoformat(),
        "isee": "8000",
        "minors": "2",
    }
    return {**data, **changes}


def test_an_operator_assigns_a_voucher_to_an_eligible_household(app, client, programme):
    login(client, "op.lecce@example.org")

    response = post_form(client, "/programme/vouchers/assign", assign_form(programme))

    assert response.status_code == 302
    with app.app_context():
        voucher = db.session.scalars(select(VoucherAssignment)).one()
        assert (voucher.household, voucher.status) == ("NF-LE-0001", "assigned")
        assert voucher.expires_on == expiry(RECENT, 12)
        assert [c.status for c in voucher.changes] == ["assigned"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"isee": "20000"}, "oltre la soglia di 15000 euro"),
        ({"minors": "0"}, "almeno un figlio minore di 18 anni"),
        ({"isee": ""}, "Indicare l&#39;ISEE del nucleo"),
        ({"household": "Maria Rossi"}, "niente nomi"),
    ],
)
def test_an_ineligible_household_gets_no_voucher(app, client, programme, changes, message):
    login(client, "op.lecce@example.org")

    response = post_form(client, "/programme/vouchers/assign", assign_form(programme, **changes))

    assert response.status_code == 422
    assert message in text_of(response)
    assert count(app, VoucherAssignment) == 0


def test_a_voucher_that_would_already_have_expired_is_not_assigned(app, client, programme):
    login(client, "op.lecce@example.org")

    response = post_form(
        client, "/programme/vouchers/assign", assign_form(programme, assigned_on="2024-01-10")
    )

    assert response.status_code == 422
    assert count(app, VoucherAssignment) == 0


def test_no_more_vouchers_are_given_out_than_funded(app, client, programme):
    login(client, "op.lecce@example.org")
    for n in range(3):
        post_form(client, "/programme/vouchers/assign", assign_form(programme, household=f"NF-LE-{n}"))

    fourth = post_form(client, "/programme/vouchers/assign", assign_form(programme, household="NF-LE-9"))

    assert fourth.status_code == 422
    assert "Base" in text_of(fourth)
    assert count(app, VoucherAssignment) == 3


def test_a_case_gets_a_voucher_by_its_code_only_in_the_operators_scope(app, client, programme):
    login(client, "op.bari@example.org")
    outside = post_form(
        client, "/programme/vouchers/assign", assign_form(programme, household="", case="le0001")
    )
    login(client, "op.lecce@example.org")
    inside = post_form(
        client, "/programme/vouchers/assign", assign_form(programme, household="", case="le0001")
    )

    assert outside.status_code == 422 and "LE0001" in text_of(outside)
    assert inside.status_code == 302
    with app.app_context():
        voucher = db.session.scalars(select(VoucherAssignment)).one()
        assert voucher.entity.label == "LE0001" and voucher.org_unit_id == programme.territory.comune_lecce.id
        assert voucher.facts["in_care"] is True


def given_voucher(app, programme, unit_id=None, assigned_on=date(2025, 3, 1)) -> int:
    with app.app_context():
        voucher = VoucherAssignment(
            voucher_type_id=programme.voucher_type,
            household="NF-LE-7",
            org_unit_id=unit_id or programme.territory.comune_lecce.id,
            assigned_on=assigned_on,
            expires_on=assigned_on + timedelta(days=364),
            created_at=datetime.combine(assigned_on, datetime.min.time()),
        )
        voucher.changes.append(
            VoucherStatusChange(
                status="assigned",
                on=assigned_on,
                created_at=datetime.combine(assigned_on, datetime.min.time()),
            )
        )
        db.session.add(voucher)
        db.session.commit()
        return voucher.id


def test_spending_puts_a_voucher_in_use_then_spent_and_never_beyond_its_amount(app, client, programme):
    voucher_id = given_voucher(app, programme, assigned_on=date.today() - timedelta(days=30))
    login(client, "op.lecce@example.org")
    url = f"/programme/vouchers/{voucher_id}/spending"
    today = date.today().isoformat()

    first = post_form(client, url, {"spent_on": today, "amount": "300", "description": "Libri"})
    too_much = post_form(client, url, {"spent_on": today, "amount": "200,01"})
    rest = post_form(client, url, {"spent_on": today, "amount": "200"})

    assert (first.status_code, too_much.status_code, rest.status_code) == (302, 422, 302)
    assert "restano 200,00 euro" in text_of(too_much)
    with app.app_context():
        voucher = db.session.get(VoucherAssignment, voucher_id)
        assert voucher.status == "spent"
        assert [c.status for c in voucher.changes] == ["assigned", "in_use", "spent"]
        assert sum(s.amount_cents for s in voucher.spendings) == 50_000
    after = post_form(client, url, {"spent_on": today, "amount": "1"})
    assert after.status_code == 422 and count(app, VoucherSpending) == 2


def test_a_status_change_against_the_rules_is_refused(app, client, programme):
    voucher_id = given_voucher(app, programme, assigned_on=date.today() - timedelta(days=30))
    login(client, "op.lecce@example.org")

    response = post_form(
        client,
        f"/programme/vouchers/{voucher_id}/status",
        {"status": "spent", "on": date.today().isoformat()},
    )

    assert response.status_code == 422
    assert count(app, VoucherStatusChange) == 1


def test_a_voucher_of_another_ambito_answers_404(client, programme, app):
    voucher_id = given_voucher(app, programme)
    login(client, "op.bari@example.org")

    page = client.get(f"/programme/vouchers/{voucher_id}")
    spend = post_form(
        client, f"/programme/vouchers/{voucher_id}/spending", {"spent_on": "2025-04-01", "amount": "10"}
    )

    assert (page.status_code, spend.status_code) == (404, 404)
    assert "NF-LE-7" not in text_of(client.get("/programme/vouchers"))


# --- the progress report ----------------------------------------------------------------------------


@pytest.fixture
def outputs(app, programme) -> dict[str, int]:
    """Records behind every output of 3.2 and 3.4, all entered in 2025: a course with three trainees (two
    complete), two questionnaires, a coded transcript of the Lecce focus group, and two vouchers spent."""
    with app.app_context():
        course = TrainingIntervention(project_id=programme.project, kind="corso", title="Corso")
        edition = TrainingEdition(
            intervention=course,
            code="LE-2025-01",
            start_date=date(2025, 5, 5),
            end_date=date(2025, 5, 12),
            org_unit_id=programme.territory.ambito_lecce.id,
        )
        db.session.add_all([course, edition])
        db.session.flush()
        sessions = [TrainingSession(edition_id=edition.id, day=date(2025, 5, d), hours=4) for d in (5, 12)]
        db.session.add_all(sessions)
        db.session.flush()
        for n, attended in enumerate((2, 2, 0)):
            enrolment = Enrolment(
                edition_id=edition.id, participant_code=f"P{n}", years_of_service=5, tier="miglioramento",
                created_at=at("2025-04-20"),
            )  # fmt: skip
            db.session.add(enrolment)
            db.session.flush()
            for session in sessions[:attended]:
                db.session.add(Attendance(enrolment_id=enrolment.id, session_id=session.id, hours=4))
        db.session.add(
            ProgrammeActivityTraining(intervention_id=course.id, activity_id=programme.events_activity)
        )
        form = Form(project_id=programme.project, xml_form_id="bisogni", title="Analisi dei bisogni")
        version = FormVersion(
            form=form,
            version="1",
            xlsform=b"x",
            xlsform_filename="b.xlsx",
            xform="<x/>",
            spec={},
            sha256="0" * 64,
        )
        db.session.add_all([form, version])
        db.session.flush()
        for n, day in enumerate(("2025-06-01", "2025-07-01")):
            db.session.add(
                Submission(
                    form_id=form.id, form_version_id=version.id, instance_id=f"uuid:{n}", xml="<d/>", data={},
                    content_sha256="0" * 64, org_unit_id=programme.territory.comune_lecce.id, created_at=at(day),
                )
            )  # fmt: skip
        db.session.add(ProgrammeActivityForm(activity_id=programme.events_activity, form_id=form.id))
        db.session.commit()
    document = study_with_document(
        app, programme.project, programme.territory.ambito_lecce.id, "FG Lecce.txt", coded_at=at("2025-03-20")
    )
    with app.app_context():
        db.session.add(
            EventTranscript(event_id=programme.lecce_event, document_id=document, created_at=at("2025-03-10"))
        )
        for n, unit in enumerate((programme.territory.comune_lecce.id, programme.territory.comune_bari.id)):
            voucher = VoucherAssignment(
                voucher_type_id=programme.voucher_type, household=f"NF-{n}", org_unit_id=unit,
                assigned_on=date(2025, 3, 1), created_at=at("2025-03-01"),
            )  # fmt: skip
            voucher.changes += [
                VoucherStatusChange(status="assigned", on=date(2025, 3, 1), created_at=at("2025-03-01")),
                VoucherStatusChange(status="spent", on=date(2025, 4, 1), created_at=at("2025-04-01")),
            ]
            voucher.spendings.append(
                VoucherSpending(spent_on=date(2025, 4, 1), amount_cents=50_000, created_at=at("2025-04-01"))
            )
            db.session.add(voucher)
        db.session.commit()
    return {"document": document}


PERIOD = {"start": "2025-01-01", "end": "2025-12-31", "as_of": "2025-12-31"}


def headline(response) -> dict[str, list[str]]:
    """The headline table's rows by their header cell, each a list of its figures."""
    table = re.search(
        r'<table class="table table-sm" id="headline">(.*?)</table>', text_of(response), re.S
    ).group(1)
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]:
        cell = re.search(r"<th[^>]*>(.*?)</th>", row, re.S).group(1)
        header = " ".join(re.sub(r"<[^>]+>", "", cell).split())
        rows[header] = [
            c.strip() for c in re.findall(r'<td class="text-end[^"]*"[^>]*>(.*?)</td>', row, re.S)
        ]
    return rows


def test_the_report_counts_every_output_from_known_records(client, programme, outputs, make_user):
    make_user("admin@example.org", "admin")
    login(client, "admin@example.org")

    rows = headline(client.get("/programme/report", query_string={**PERIOD, "project": programme.project}))

    # events, participants, trainees, trained, questionnaires, transcripts, vouchers
    assert rows["3.2 Eventi"] == ["2 / 4 (50%)", "25 / 50 (50%)", "3", "2", "2", "1", "0"]
    assert rows["3.4 Voucher"] == ["0", "0", "0", "0", "0", "0", "2 / 10 (20%)"]
    assert rows["Totale"][-1] == "2 / 10 (20%)"


def test_outside_the_owning_scope_voucher_figures_are_protected(client, programme, outputs):
    login(client, "viewer@example.org")
    viewer = headline(client.get("/programme/report", query_string=PERIOD))
    login(client, "coord@example.org")
    coordinator = text_of(client.get("/programme/vouchers/statistics", query_string=PERIOD))

    assert viewer["3.4 Voucher"][-1] == "n.d. / 10"
    assert viewer["3.2 Eventi"][:2] == ["2 / 4 (50%)", "25 / 50 (50%)"]
    assert "n.d." in coordinator and "Ambito di Lecce" in coordinator


def test_in_the_owning_scope_voucher_figures_are_exact(client, programme, outputs):
    login(client, "op.lecce@example.org")

    rows = headline(client.get("/programme/report", query_string=PERIOD))
    figures = text_of(client.get("/programme/vouchers/statistics", query_string=PERIOD))

    assert rows["3.4 Voucher"][-1] == "1 / 10 (10%)"  # Lecce's own voucher; Bari's is out of scope
    assert "n.d." not in figures and "500,00" in figures


def test_the_downloads_open_and_hold_the_headline_figures(app, client, programme, outputs, make_user):
    make_user("admin@example.org", "admin")
    login(client, "admin@example.org")

    xlsx = client.get("/programme/report.xlsx", query_string=PERIOD)
    docx = client.get("/programme/report.docx", query_string=PERIOD)

    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    summary = [[c.value for c in row] for row in book["Sintesi"].iter_rows()]
    assert next(r for r in summary if r[1] == "3.2")[:10] == [
        "Azione 3",
        "3.2",
        "Eventi",
        2,
        4,
        50.0,
        25,
        50,
        50.0,
        3,
    ]
    document = Document(io.BytesIO(docx.data))
    cells = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert cells[1][:5] == ["Azione 3", "3.2", "Eventi", "2 / 4 (50%)", "25 / 50 (50%)"]
    assert len(document.inline_shapes) == 3  # progress, participants, timeline
    assert xlsx.headers["Content-Disposition"].startswith("attachment")
    assert count(app, AuditEvent, AuditEvent.action == "programme.report_exported") == 2


def fingerprint(client, **period) -> str:
    page = text_of(client.get("/programme/report", query_string=period))
    return re.search(r'<code id="fingerprint">(\w+)</code>', page).group(1)


def test_a_report_as_of_a_past_date_is_the_same_whatever_changed_since(
    app, client, programme, outputs, make_user
):
    make_user("admin@example.org", "admin")
    login(client, "admin@example.org")
    before = fingerprint(client, **PERIOD)
    figures = headline(client.get("/programme/report", query_string=PERIOD))["3.2 Eventi"]
    today_before = fingerprint(client, start="2025-01-01")

    post_form(
        client, f"/programme/events/{programme.lecce_event}/participation", {"people-families-female": "30"}
    )
    post_form(client, f"/programme/events/{programme.bari_event}/delete")
    post_form(client, "/programme/events/new", event_form(programme, held_on="2025-06-01"))

    assert fingerprint(client, **PERIOD) == before
    assert headline(client.get("/programme/report", query_string=PERIOD))["3.2 Eventi"] == figures
    assert fingerprint(client, start="2025-01-01") != today_before
    now = headline(client.get("/programme/report", query_string={"start": "2025-01-01"}))["3.2 Eventi"]
    assert now[:2] == ["2 / 4 (50%)", "30 / 50 (60%)"]  # the Lecce group (30) and the new workshop (0)


def test_a_reference_date_in_the_future_is_refused_in_the_users_language(client, programme):
    login(client, "viewer@example.org")
    future = (date.today() + timedelta(days=3)).isoformat()

    italian = client.get("/programme/report", query_string={"as_of": future})
    post_form(client, "/language", {"lang": "en"})
    english = client.get("/programme/report", query_string={"as_of": future})

    assert italian.status_code == 422
    assert "La data di riferimento non può essere nel futuro" in text_of(italian)
    assert "The reference date cannot be in the future" in text_of(english)


def test_the_timeline_shows_planned_and_actual_months_as_a_table_and_a_chart(client, programme):
    login(client, "viewer@example.org")

    page = text_of(client.get("/programme/timeline"))
    chart = client.get("/programme/timeline.png")

    assert "2025-01: " in page and "humus-bar-planned" in page and "humus-bar-actual" in page
    assert "Azione 3 · 3.2 Eventi" in page
    assert chart.mimetype == "image/png" and chart.data.startswith(b"\x89PNG")


@pytest.mark.parametrize("name", ["progress", "participants", "timeline"])
def test_the_report_charts_are_pngs(client, programme, name):
    login(client, "viewer@example.org")

    response = client.get(f"/programme/report/{name}.png", query_string=PERIOD)

    assert response.status_code == 200 and response.data.startswith(b"\x89PNG")


def test_the_demo_programme_loads_once_with_the_insieme_vouchers(app, client):
    runner = app.test_cli_runner()
    runner.invoke(args=["humus", "demo", "--territory", str(DEFAULT_TERRITORY)])
    tables = (
        ProgrammeAction,
        ProgrammeActivity,
        ProgrammeEvent,
        EventParticipation,
        VoucherType,
        VoucherAssignment,
    )
    before = {model.__tablename__: count(app, model) for model in tables}

    again = runner.invoke(args=["humus", "demo", "--territory", str(DEFAULT_TERRITORY)])

    assert again.exit_code == 0, again.output
    assert {model.__tablename__: count(app, model) for model in tables} == before
    with app.app_context():
        quantities = {t.name: t.quantity for t in db.session.scalars(select(VoucherType))}
        assert quantities == {"INSIEME base": 74, "INSIEME medio": 20, "INSIEME alto": 5}
        codes = set(db.session.scalars(select(ProgrammeActivity.code)))
        assert {"1.2", "1.3", "3.2", "3.3", "4.3"} <= codes
    login(client, "coordinamento@humus.demo", "Humus-demo-2026")
    rows = headline(client.get("/programme/report"))
    assert rows["Totale"][-1] == "29 / 99 (29%)"
