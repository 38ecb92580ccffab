"""Demo programme: HUMUS-like actions and activities with targets and dates, events across the provinces of
Puglia with their participants, the INSIEME family vouchers (base, medium, high: 74, 20 and 5) with some
given out and spent, and the links to the demo course and the monitoring form.

Every figure is invented. Records carry the dates they would have been entered on, so a progress report as
of an earlier date shows what was known then. Running it again changes nothing: actions, activities,
events, voucher types and vouchers are found by their codes, titles and dates.
"""

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from analysis.programme_vouchers import expiry
from app.auth.services import find_user_by_email
from app.extensions import db
from app.models import (
    CodingDocument,
    CodingProject,
    Entity,
    EntityList,
    EventParticipation,
    EventTranscript,
    Form,
    OrgUnit,
    ProgrammeAction,
    ProgrammeActivity,
    ProgrammeActivityForm,
    ProgrammeActivityTraining,
    ProgrammeEvent,
    ProgrammeTarget,
    Project,
    TrainingIntervention,
    User,
    VoucherAssignment,
    VoucherSpending,
    VoucherStatusChange,
    VoucherType,
)
from app.training.demo import TITLE as COURSE_TITLE

PLANNED_AT = datetime(2024, 1, 15, 9, 0)  # when the plan and its targets were entered
D = date.fromisoformat

# (action code, title, [(activity code, title, partner, planned, actual, targets)])
PLAN = (
    ("Azione 1", "Governance, analisi dei bisogni e mappatura dei servizi", (
        ("1.2", "Analisi dei bisogni delle famiglie e dei servizi",
         "Università degli Studi di Bari, Dipartimento di Scienze della Formazione",
         ("2024-03-01", "2025-06-30"), ("2024-04-15", "2025-09-30"),
         {"events": 5, "focus_group": 5, "participants": 60, "forms": 20, "transcripts": 5}),
        ("1.3", "Mappatura dei servizi e delle risorse territoriali",
         "Regione Puglia, Sezione Inclusione sociale attiva",
         ("2024-03-01", "2024-12-31"), ("2024-05-01", "2025-02-28"),
         {"events": 3, "technical_table": 3, "participants": 45}),
    )),
    ("Azione 2", "Formazione e aggiornamento degli operatori", (
        ("2.2", "Percorsi formativi per fasce di anzianità di servizio", "Ente di formazione accreditato",
         ("2025-01-01", "2026-06-30"), ("2025-03-04", None), {"trainees": 75, "trained": 60}),
    )),
    ("Azione 3", "Animazione territoriale, reti e sostegno alle famiglie", (
        ("3.2", "Eventi e animazione territoriale", "Consorzio di cooperative sociali partner",
         ("2024-09-01", "2026-08-31"), ("2024-10-01", None),
         {"events": 12, "focus_group": 4, "seminar": 4, "other": 4, "participants": 400}),
        ("3.3", "Tavoli tecnici e interistituzionali", "Ambiti Territoriali Sociali capofila",
         ("2024-06-01", "2026-06-30"), ("2024-07-01", None),
         {"events": 8, "technical_table": 8, "participants": 120}),
        ("3.4", "Voucher per l'autonomia delle famiglie (INSIEME)", "Ambiti Territoriali Sociali",
         ("2025-01-01", "2026-12-31"), ("2025-02-01", None), {"vouchers": 99}),
    )),
    ("Azione 4", "Comunicazione e disseminazione", (
        ("4.3", "Laboratori tematici ed eventi di disseminazione", "Regione Puglia con i partner",
         ("2025-03-01", "2026-12-31"), ("2025-05-01", None),
         {"events": 12, "workshop": 6, "dissemination": 6, "participants": 600}),
    )),
)  # fmt: skip

# People by category as (women, men); every event also has a few whose gender was not given.
P, T, F, S, H, J = "public_services", "third_sector", "families", "schools", "health", "justice"
# (activity, kind, title, date, org unit code, place, organiser, {category: (women, men)})
EVENTS = (
    ("1.2", "focus_group", "Focus group con gli operatori dei servizi", "2024-05-21", "ATS-BARI",
     "Bari, sede dell'Ambito", "Università di Bari", {P: (7, 2), T: (2, 1)}),
    ("1.2", "focus_group", "Focus group con le famiglie", "2024-06-18", "ATS-LECCE",
     "Lecce, Centro per le famiglie", "Università di Bari", {F: (6, 3)}),
    ("1.2", "focus_group", "Focus group con la scuola e la sanità", "2024-09-24", "ATS-BR1",
     "Brindisi, Istituto comprensivo", "Università di Bari", {S: (4, 1), H: (3, 1)}),
    ("1.2", "focus_group", "Focus group con il terzo settore", "2024-11-12", "071",
     "Foggia, Casa del volontariato", "Università di Bari", {T: (5, 3), P: (1, 1)}),
    ("1.3", "technical_table", "Tavolo per la mappatura dei servizi (Taranto)", "2024-06-27", "ATS-TA2",
     "Taranto, sede dell'Ambito", "Regione Puglia", {P: (8, 4), T: (3, 2)}),
    ("1.3", "technical_table", "Tavolo per la mappatura dei servizi (BAT)", "2024-10-08", "110",
     "Barletta, Palazzo di città", "Regione Puglia", {P: (6, 5), T: (2, 2), H: (1, 1)}),
    ("1.3", "technical_table", "Restituzione regionale della mappatura", "2025-02-26", "16",
     "Bari, Regione Puglia", "Regione Puglia", {P: (12, 6), T: (4, 3), J: (1, 1)}),
    ("3.2", "focus_group", "Focus group con i genitori del quartiere", "2025-03-13", "ATS-LECCE",
     "Lecce, centro sociale di quartiere", "Cooperativa partner", {F: (7, 2)}),
    ("3.2", "seminar", "Seminario: essere genitori oggi", "2025-04-10", "ATS-BARI",
     "Bari, biblioteca comunale", "Cooperativa partner", {F: (31, 12), P: (6, 2), S: (5, 1)}),
    ("3.2", "other", "Festa in piazza delle famiglie", "2025-05-24", "ATS-BR1",
     "Mesagne, piazza principale", "Cooperativa partner", {F: (48, 35), T: (6, 4), S: (3, 2)}),
    ("3.2", "seminar", "Seminario: la rete dei servizi per l'infanzia", "2025-10-16", "ATS-TA2",
     "Martina Franca, sala consiliare", "Cooperativa partner", {P: (14, 5), T: (6, 3), S: (4, 2)}),
    ("3.2", "other", "Laboratorio autogestito con i ragazzi", "2026-03-07", "071",
     "Foggia, centro diurno", "Cooperativa partner", {F: (9, 11), T: (2, 1)}),
    ("3.2", "focus_group", "Focus group con gli adolescenti", "2026-05-19", "110",
     "Andria, centro giovani", "Cooperativa partner", {F: (4, 5)}),
    ("3.3", "technical_table", "Tavolo interistituzionale regionale", "2024-09-19", "16",
     "Bari, Regione Puglia", "Regione Puglia", {P: (9, 5), J: (2, 2), H: (2, 1)}),
    ("3.3", "technical_table", "Tavolo con l'Autorità giudiziaria minorile", "2025-01-22", "ATS-BARI",
     "Bari, Tribunale per i minorenni", "Ambito di Bari", {P: (6, 2), J: (3, 3)}),
    ("3.3", "technical_table", "Tavolo servizi, scuole e ASL", "2025-06-05", "ATS-LECCE",
     "Lecce, ASL", "Ambito di Lecce", {P: (5, 2), S: (3, 1), H: (3, 2)}),
    ("3.3", "technical_table", "Tavolo tecnico di Ambito", "2025-11-20", "ATS-TA2",
     "Taranto, sede dell'Ambito", "Ambito TA/2", {P: (7, 3), T: (3, 2)}),
    ("3.3", "technical_table", "Tavolo interistituzionale regionale", "2026-04-15", "16",
     "Bari, Regione Puglia", "Regione Puglia", {P: (10, 6), J: (2, 1), H: (2, 2), T: (3, 2)}),
    ("4.3", "workshop", "Laboratorio tematico: affido familiare", "2025-06-12", "ATS-LECCE",
     "Lecce, Officine Cantelmo", "Regione Puglia", {P: (12, 3), F: (8, 4), T: (4, 2)}),
    ("4.3", "dissemination", "Convegno di metà progetto", "2025-09-25", "ATS-BARI",
     "Bari, Fiera del Levante", "Regione Puglia",
     {P: (58, 21), T: (24, 12), S: (9, 3), H: (7, 4), J: (3, 2)}),
    ("4.3", "workshop", "Laboratorio tematico: tutela e partecipazione", "2026-02-19", "071",
     "Foggia, Università", "Regione Puglia", {P: (11, 4), T: (5, 2), S: (3, 1)}),
    ("4.3", "dissemination", "Evento di disseminazione nel Salento", "2026-06-11", "ATS-LECCE",
     "Lecce, Castello Carlo V", "Regione Puglia", {P: (30, 11), F: (22, 14), T: (9, 5)}),
    ("4.3", "workshop", "Laboratorio tematico: comunità educanti", "2026-10-08", "ATS-BR1",
     "Brindisi, Palazzo Nervegna", "Regione Puglia", {P: (9, 3), S: (6, 2), F: (4, 3)}),
)  # fmt: skip

# (name, level, euros, quantity, rules, ISEE threshold, months of validity)
VOUCHER_TYPES = (
    ("INSIEME base", "base", 500, 74, ["disadvantage", "minors"], 15_000, 12),
    ("INSIEME medio", "medium", 1_000, 20, ["in_care", "disadvantage", "minors"], 9_360, 12),
    ("INSIEME alto", "high", 2_000, 5, ["in_care", "disadvantage", "minors"], 6_000, 12),
)
# (type, Ambito, spent, in use, expired, assigned): 40 base, 12 medium and 3 high given out.
GIVEN = (
    ("INSIEME base", "ATS-BARI", 8, 4, 1, 1),
    ("INSIEME base", "ATS-LECCE", 7, 3, 1, 1),
    ("INSIEME base", "ATS-BR1", 4, 2, 0, 2),
    ("INSIEME base", "ATS-TA2", 3, 2, 1, 0),
    ("INSIEME medio", "ATS-BARI", 3, 1, 0, 1),
    ("INSIEME medio", "ATS-LECCE", 2, 1, 0, 1),
    ("INSIEME medio", "ATS-BR1", 1, 1, 0, 0),
    ("INSIEME medio", "ATS-TA2", 0, 0, 0, 1),
    ("INSIEME alto", "ATS-BARI", 1, 1, 0, 0),
    ("INSIEME alto", "ATS-LECCE", 0, 1, 0, 0),
)
# Two vouchers go to demo cases of the cartella sociale rather than to households known by a code.
CASE_VOUCHERS = {
    ("INSIEME medio", "ATS-LECCE", 0): "LE2025A017",
    ("INSIEME alto", "ATS-BARI", 0): "BA2025C004",
}
SPENT_ON = ("Libri e materiale scolastico", "Attività sportive", "Centro estivo", "Trasporto", "Doposcuola")


def load_demo_programme(project: Project, today: date | None = None) -> None:
    """Create (or find) the demo plan, events, vouchers and links."""
    today = today or date.today()
    activities = _plan(project)
    _links(project, activities)
    _events(project, activities, today)
    _vouchers(project, activities["3.4"], today)
    db.session.commit()


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour))


def _plan(project: Project) -> dict[str, ProgrammeActivity]:
    found: dict[str, ProgrammeActivity] = {}
    for position, (code, title, rows) in enumerate(PLAN):
        action = db.session.scalars(
            select(ProgrammeAction).where(
                ProgrammeAction.project_id == project.id, ProgrammeAction.code == code
            )
        ).first()
        if action is None:
            action = ProgrammeAction(
                project_id=project.id, code=code, title=title, position=position, created_at=PLANNED_AT
            )
            db.session.add(action)
            db.session.flush()
        for index, row in enumerate(rows):
            found[row[0]] = _activity(action, index, *row)
    return found


def _activity(
    action: ProgrammeAction,
    position: int,
    code: str,
    title: str,
    partner: str,
    planned: tuple[str, str],
    actual: tuple[str, str | None],
    targets: dict[str, int],
) -> ProgrammeActivity:
    found = next((a for a in action.activities if a.code == code), None)
    if found is not None:
        return found
    activity = ProgrammeActivity(
        action_id=action.id,
        code=code,
        title=title,
        responsible_partner=partner,
        planned_start=D(planned[0]),
        planned_end=D(planned[1]),
        actual_start=D(actual[0]),
        actual_end=D(actual[1]) if actual[1] else None,
        position=position,
        created_at=PLANNED_AT,
    )
    for metric, value in targets.items():
        activity.targets.append(ProgrammeTarget(metric=metric, value=value, set_at=PLANNED_AT))
    db.session.add(activity)
    db.session.flush()
    return activity


def _links(project: Project, activities: dict[str, ProgrammeActivity]) -> None:
    course = db.session.scalars(
        select(TrainingIntervention).where(
            TrainingIntervention.project_id == project.id, TrainingIntervention.title == COURSE_TITLE
        )
    ).first()
    if course is not None and db.session.get(ProgrammeActivityTraining, course.id) is None:
        db.session.add(ProgrammeActivityTraining(intervention_id=course.id, activity_id=activities["2.2"].id))
    form = db.session.scalars(
        select(Form).where(Form.project_id == project.id, Form.xml_form_id == "monitoraggio_servizi")
    ).first()
    if form is not None and db.session.get(ProgrammeActivityForm, (activities["1.2"].id, form.id)) is None:
        db.session.add(ProgrammeActivityForm(activity_id=activities["1.2"].id, form_id=form.id))
    db.session.flush()


def _events(project: Project, activities: dict[str, ProgrammeActivity], today: date) -> None:
    organiser = find_user_by_email("ricerca@humus.demo")
    focus_groups = []
    for code, kind, title, day, unit_code, place, by, people in EVENTS:
        held_on = D(day)
        if held_on > today:
            continue
        activity = activities[code]
        event = db.session.scalars(
            select(ProgrammeEvent).where(
                ProgrammeEvent.activity_id == activity.id,
                ProgrammeEvent.title == title,
                ProgrammeEvent.held_on == held_on,
            )
        ).first()
        if event is None:
            event = _event(activity, kind, title, held_on, unit_code, place, by, people, organiser)
        if kind == "focus_group" and code == "1.2":
            focus_groups.append(event)
    _transcripts(project, focus_groups)
    db.session.flush()


def _event(
    activity: ProgrammeActivity,
    kind: str,
    title: str,
    held_on: date,
    unit_code: str,
    place: str,
    by: str,
    people: dict[str, tuple[int, int]],
    organiser: User | None,
) -> ProgrammeEvent:
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == unit_code)).first()
    recorded = _at(held_on + timedelta(days=1), 9)
    event = ProgrammeEvent(
        activity_id=activity.id,
        kind=kind,
        title=title,
        held_on=held_on,
        org_unit_id=unit.id if unit else None,
        place=place,
        organiser=by,
        created_by_id=organiser.id if organiser else None,
        created_at=recorded,
    )
    db.session.add(event)
    db.session.flush()
    total = 0
    for category, (women, men) in people.items():
        for gender, count in (("female", women), ("male", men)):
            db.session.add(
                EventParticipation(
                    event_id=event.id, category=category, gender=gender, count=count, created_at=recorded
                )
            )
            total += count
    if total >= 20:
        unspecified = total // 20
        db.session.add(
            EventParticipation(
                event_id=event.id,
                category="other",
                gender="unspecified",
                count=unspecified,
                created_at=recorded,
            )
        )
    return event


def _transcripts(project: Project, events: list[ProgrammeEvent]) -> None:
    """Link the coding workbench's demo transcripts, if any, to the needs-analysis focus groups."""
    documents = db.session.scalars(
        select(CodingDocument)
        .join(CodingProject, CodingProject.id == CodingDocument.coding_project_id)
        .where(CodingProject.project_id == project.id)
        .order_by(CodingDocument.id)
    ).all()
    for event, document in zip(events, documents, strict=False):
        if db.session.get(EventTranscript, (event.id, document.id)) is None:
            db.session.add(
                EventTranscript(event_id=event.id, document_id=document.id, created_at=event.created_at)
            )


def _vouchers(project: Project, activity: ProgrammeActivity, today: date) -> None:
    types = {row[0]: _voucher_type(project, activity, *row) for row in VOUCHER_TYPES}
    rng = random.Random(2025)  # noqa: S311 - demo figures, not secrets
    for name, ambito, spent, in_use, expired, assigned in GIVEN:
        unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == ambito)).first()
        if unit is None:
            continue
        plan = ["spent"] * spent + ["in_use"] * in_use + ["expired"] * expired + ["assigned"] * assigned
        for index, status in enumerate(plan):
            case = CASE_VOUCHERS.get((name, ambito, index))
            household = (
                ""
                if case
                else f"NF-{ambito.removeprefix('ATS-')}-{types[name].level[0].upper()}{index + 1:03d}"
            )
            _voucher(project, types[name], unit, household, case, status, rng, today)
    db.session.flush()


def _voucher_type(
    project: Project,
    activity: ProgrammeActivity,
    name: str,
    level: str,
    euros: int,
    quantity: int,
    rules: list[str],
    isee: int,
    months: int,
) -> VoucherType:
    found = db.session.scalars(
        select(VoucherType).where(VoucherType.project_id == project.id, VoucherType.name == name)
    ).first()
    if found is None:
        found = VoucherType(
            project_id=project.id,
            activity_id=activity.id,
            name=name,
            level=level,
            amount_cents=euros * 100,
            quantity=quantity,
            rules=rules,
            isee_max=isee,
            months_valid=months,
            description="Voucher di autonomia per le famiglie con figli minori (progetto INSIEME, demo).",
            created_at=PLANNED_AT,
        )
        db.session.add(found)
        db.session.flush()
    return found


def _voucher(
    project: Project,
    vtype: VoucherType,
    unit: OrgUnit,
    household: str,
    case: str | None,
    status: str,
    rng: random.Random,
    today: date,
) -> None:
    entity = _case(project, case) if case else None
    if case and entity is None:
        household = f"NF-{case}"
    if _given(vtype, entity, household):
        return
    assigned_on = _assigned_on(status, rng, today)
    voucher = VoucherAssignment(
        voucher_type_id=vtype.id,
        entity_id=entity.id if entity else None,
        household=household if entity is None else "",
        org_unit_id=entity.org_unit_id if entity and entity.org_unit_id else unit.id,
        status=status,
        assigned_on=assigned_on,
        expires_on=_expiry(assigned_on),
        facts={"in_care": True, "isee": rng.randrange(3_000, 6_000, 100), "minors": rng.randint(1, 3)},
        created_at=_at(assigned_on),
    )
    voucher.changes.append(
        VoucherStatusChange(status="assigned", on=assigned_on, created_at=_at(assigned_on))
    )
    _history(voucher, vtype, status, assigned_on, rng, today)
    db.session.add(voucher)


def _case(project: Project, code: str) -> Entity | None:
    query = (
        select(Entity)
        .join(EntityList, EntityList.id == Entity.entity_list_id)
        .where(EntityList.project_id == project.id, Entity.label == code)
    )
    return db.session.scalars(query).first()


def _given(vtype: VoucherType, entity: Entity | None, household: str) -> bool:
    query = select(VoucherAssignment.id).where(VoucherAssignment.voucher_type_id == vtype.id)
    if entity is not None:
        query = query.where(VoucherAssignment.entity_id == entity.id)
    else:
        query = query.where(VoucherAssignment.household == household)
    return db.session.scalar(query) is not None


def _assigned_on(status: str, rng: random.Random, today: date) -> date:
    """Expired ones early (their year ran out), recent ones still waiting, the rest in between."""
    if status == "expired":
        return date(2025, 2, 1) + timedelta(days=rng.randint(0, 90))
    if status == "assigned":
        return today - timedelta(days=rng.randint(10, 60))
    if status == "in_use":  # still valid: assigned within the last year
        return today - timedelta(days=rng.randint(60, 300))
    return min(date(2025, 2, 15) + timedelta(days=rng.randint(0, 420)), today - timedelta(days=150))


def _expiry(assigned_on: date) -> date:
    return expiry(assigned_on, 12)  # type: ignore[return-value]


def _history(
    voucher: VoucherAssignment,
    vtype: VoucherType,
    status: str,
    assigned_on: date,
    rng: random.Random,
    today: date,
) -> None:
    if status == "expired":
        on = voucher.expires_on + timedelta(days=1)
        voucher.changes.append(
            VoucherStatusChange(status="expired", on=on, note="Non utilizzato", created_at=_at(on))
        )
        return
    if status == "assigned":
        return
    first = assigned_on + timedelta(days=rng.randint(10, 40))
    part = vtype.amount_cents // 2 if status == "spent" else vtype.amount_cents // 4
    voucher.spendings.append(_spending(first, part, rng))
    voucher.changes.append(VoucherStatusChange(status="in_use", on=first, created_at=_at(first, 12)))
    if status == "spent":
        second = min(first + timedelta(days=rng.randint(20, 90)), today)
        voucher.spendings.append(_spending(second, vtype.amount_cents - part, rng))
        voucher.changes.append(VoucherStatusChange(status="spent", on=second, created_at=_at(second, 12)))


def _spending(on: date, cents: int, rng: random.Random) -> VoucherSpending:
    return VoucherSpending(
        spent_on=on, amount_cents=cents, description=rng.choice(SPENT_ON), created_at=_at(on, 12)
    )
