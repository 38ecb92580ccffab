"""The training pages: catalogue, editions, enrolment, attendance and completion, the pre/post impact report
with its downloads, scope and permissions, and the demo."""

import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from sqlalchemy import func, select

from analysis.impact import paired_effect_sizes, paired_ttest, wilcoxon_signed_rank
from app.extensions import db
from app.models import (
    AuditEvent,
    Enrolment,
    Project,
    Submission,
    TrainingEdition,
    TrainingIntervention,
    TrainingSession,
    User,
)
from app.surveys import services
from tests.conftest import login, post_form

FORM = Path(__file__).resolve().parents[3] / "shared" / "domain" / "forms" / "valutazione_formazione.xlsx"
KEY = ("b", "c", "d", "a", "b", "b", "c", "a", "d", "b")
T0 = datetime(2025, 3, 4, 9, 0)


@dataclass
class Setup:
    project_id: int
    form_id: int
    version_id: int
    intervention_id: int
    network: int  # edition ids
    lecce: int
    bari: int


@pytest.fixture
def training(app, make_user, territory) -> Setup:
    """An evaluation form, an intervention with a network-wide, a Lecce and a Bari edition, and users."""
    researcher = make_user("ricerca@example.org", "researcher")
    make_user("valuta@example.org", "evaluator")
    make_user("valuta.lecce@example.org", "evaluator", territory.ambito_lecce)
    make_user("viewer@example.org", "viewer")
    with app.app_context():
        project = Project(code="humus", name="HUMUS")
        db.session.add(project)
        db.session.commit()
        upload = services.upload_form(
            db.session.get(User, researcher.id), project, FORM.read_bytes(), FORM.name
        )
        intervention = TrainingIntervention(
            project_id=project.id,
            kind="corso",
            title="Tutela minori",
            hours=16,
            evaluation_form_id=upload.version.form_id,
        )
        editions = [
            TrainingEdition(intervention=intervention, code="NET-2025-01"),
            TrainingEdition(
                intervention=intervention, code="LE-2025-01", org_unit_id=territory.ambito_lecce.id
            ),
            TrainingEdition(
                intervention=intervention, code="BA-2025-01", org_unit_id=territory.ambito_bari.id
            ),
        ]
        db.session.add_all(editions)
        db.session.commit()
        return Setup(
            project.id, upload.version.form_id, upload.version.id, intervention.id, *(e.id for e in editions)
        )


def answers(code, phase, right, efficacy, course="NET-2025-01", years=5):
    """A questionnaire with the first `right` knowledge questions answered right, and the 8 Likert answers."""
    knowledge = {}
    for index, key in enumerate(KEY, start=1):
        choice = key if index <= right else ("a" if key != "a" else "c")
        knowledge[f"k{index:02d}"] = choice
        knowledge[f"p_k{index:02d}"] = "1" if index <= right else "0"
    return {
        "codice_corso": course,
        "fase": phase,
        "codice_operatore": code,
        "anni_servizio": years,
        "conoscenze": knowledge,
        "punteggio_conoscenze": str(right),
        "autoefficacia": {f"ae{i}": str(v) for i, v in enumerate(efficacy, start=1)},
    }


def file(app, setup, data, minutes=0, **flags):
    """Store a submission as the form would have: straight into the table, at a chosen time."""
    with app.app_context():
        db.session.add(
            Submission(
                form_id=setup.form_id,
                form_version_id=setup.version_id,
                instance_id=f"uuid:{uuid.uuid4()}",
                xml="<data/>",
                data=data,
                content_sha256="x" * 64,
                created_at=T0 + timedelta(minutes=minutes),
                **flags,
            )
        )
        db.session.commit()


# (code, years, right pre, right post, efficacy pre, efficacy post)
PEOPLE = [
    ("AA0001", 1, 3, 6, [2, 2, 3, 2, 3, 2, 2, 3], [4, 3, 4, 4, 3, 4, 4, 4]),
    ("BB0002", 2, 4, 8, [3, 3, 3, 2, 2, 3, 3, 3], [4, 4, 4, 3, 4, 4, 4, 5]),
    ("CC0003", 5, 5, 7, [3, 2, 2, 3, 3, 3, 2, 2], [3, 3, 4, 4, 3, 3, 4, 3]),
    ("DD0004", 7, 2, 6, [2, 2, 2, 2, 3, 2, 2, 2], [3, 4, 3, 3, 4, 3, 3, 4]),
    ("EE0005", 12, 6, 9, [4, 3, 4, 3, 4, 4, 3, 4], [5, 4, 5, 4, 5, 4, 5, 5]),
    ("FF0006", 15, 5, 5, [3, 3, 4, 3, 3, 3, 4, 3], [4, 3, 4, 4, 3, 4, 4, 3]),
]


def file_people(app, setup, people=PEOPLE, course="NET-2025-01"):
    for n, (code, years, pre, post, e_pre, e_post) in enumerate(people):
        file(app, setup, answers(code, "pre", pre, e_pre, course, years), minutes=n)
        file(app, setup, answers(code, "post", post, e_post, course, years), minutes=100 + n)


def english(client, email):
    login(client, email)
    post_form(client, "/language", {"lang": "en"})


def workbook_rows(response):
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    return [list(row) for row in book[book.sheetnames[0]].iter_rows(values_only=True)]


# --- catalogue and editions


def test_an_evaluator_adds_an_intervention_to_the_catalogue(app, client, training):
    login(client, "valuta@example.org")

    response = post_form(
        client,
        "/training/",
        {
            "project": training.project_id,
            "kind": "laboratorio",
            "title": "Co-progettazione con il Terzo Settore",
            "work_package": "Azione 2 / Attività 2.3",
            "editions_planned": "2",
            "hours": "12",
            "recipients_planned": "40",
            "recipient_type": "Responsabili di servizio",
            "selection": "y",
            "tier": "aggiornamento",
            "evaluation_form": training.form_id,
        },
    )

    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalars(
            select(TrainingIntervention).where(TrainingIntervention.kind == "laboratorio")
        ).one()
        assert (created.hours, created.editions_planned, created.selection, created.tier) == (
            12,
            2,
            True,
            "aggiornamento",
        )
        assert created.evaluation_form_id == training.form_id
        assert (
            db.session.scalar(
                select(func.count()).where(AuditEvent.action == "training.intervention_created")
            )
            == 1
        )
    assert "Co-progettazione con il Terzo Settore" in client.get("/training/").get_data(as_text=True)


def test_an_edition_code_is_stored_in_capitals_and_must_be_unique(app, client, training):
    login(client, "valuta@example.org")
    url = f"/training/{training.intervention_id}"

    created = post_form(client, url, {"code": "tm-2025-02", "org_unit": "0", "completion_percent": "75"})
    again = post_form(client, url, {"code": "TM-2025-02", "org_unit": "0", "completion_percent": "70"})

    assert created.status_code == 302 and again.status_code == 422
    with app.app_context():
        edition = db.session.scalars(
            select(TrainingEdition).where(TrainingEdition.code == "TM-2025-02")
        ).one()
        assert edition.completion_share == 0.75 and edition.org_unit_id is None


def test_a_local_evaluator_cannot_create_a_network_wide_edition(app, client, training):
    login(client, "valuta.lecce@example.org")

    response = post_form(
        client, f"/training/{training.intervention_id}", {"code": "XX-2025-09", "org_unit": "0"}
    )

    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(TrainingEdition.code == "XX-2025-09")) == 0


# --- scope and permissions


@pytest.mark.parametrize(
    "url",
    [
        "/training/",
        "/training/{i}",
        "/training/editions/{e}",
        "/training/editions/{e}/report",
        "/training/{i}/report",
    ],
)
def test_a_viewer_is_refused_every_training_page(client, training, url):
    login(client, "viewer@example.org")

    response = client.get(url.format(i=training.intervention_id, e=training.network))

    assert response.status_code == 403


def test_a_local_evaluator_sees_only_editions_in_their_scope(client, training):
    login(client, "valuta.lecce@example.org")

    page = client.get(f"/training/{training.intervention_id}").get_data(as_text=True)

    assert "LE-2025-01" in page
    assert "BA-2025-01" not in page and "NET-2025-01" not in page
    assert client.get(f"/training/editions/{training.lecce}").status_code == 200
    assert client.get(f"/training/editions/{training.bari}").status_code == 404
    assert client.get(f"/training/editions/{training.network}").status_code == 404
    assert client.get(f"/training/editions/{training.network}/report.xlsx").status_code == 404


def test_a_network_wide_evaluator_sees_every_edition(client, training):
    login(client, "valuta@example.org")

    page = client.get(f"/training/{training.intervention_id}").get_data(as_text=True)

    assert all(code in page for code in ("LE-2025-01", "BA-2025-01", "NET-2025-01"))


# --- sessions, enrolment, attendance, completion


def test_enrolling_computes_the_tier_from_the_years_of_service(app, client, training):
    login(client, "valuta@example.org")
    url = f"/training/editions/{training.network}/enrolments"

    for code, years in (("AA0002", 2), ("BB0003", 3), ("CC0010", 10), ("DD0011", 11)):
        post_form(client, url, {"code": code, "name": "N", "years": str(years), "org_unit": "0"})
    twice = post_form(client, url, {"code": "AA0002", "years": "4", "org_unit": "0"})

    assert twice.status_code == 422
    with app.app_context():
        tiers = dict(db.session.execute(select(Enrolment.participant_code, Enrolment.tier)).all())
    assert tiers == {
        "AA0002": "start_up",
        "BB0003": "miglioramento",
        "CC0010": "miglioramento",
        "DD0011": "aggiornamento",
    }


def test_a_csv_of_participants_is_enrolled_whole_or_not_at_all(app, client, training):
    login(client, "valuta@example.org")
    url = f"/training/editions/{training.network}/enrolments.csv"
    good = b"codice;nome;ruolo;anni_servizio\nMA0734;Maria Rossi;assistente sociale;4\nGI1215;Gino Bianchi;educatore;15\n"
    bad = b"codice;nome;anni_servizio\nZZ0001;Zoe;1\nZZ0002;Zeno;tanti\n"

    refused = post_form(
        client, url, {"data_file": (io.BytesIO(bad), "bad.csv")}, content_type="multipart/form-data"
    )
    taken = post_form(
        client, url, {"data_file": (io.BytesIO(good), "ok.csv")}, content_type="multipart/form-data"
    )

    assert refused.status_code == 422 and taken.status_code == 302
    with app.app_context():
        enrolled = dict(db.session.execute(select(Enrolment.participant_code, Enrolment.tier)).all())
    assert enrolled == {"MA0734": "miglioramento", "GI1215": "aggiornamento"}


def _edition_with_sessions_and_people(app, edition_id):
    with app.app_context():
        edition = db.session.get(TrainingEdition, edition_id)
        edition.sessions.extend(
            [TrainingSession(day=date(2025, 3, d), hours=h) for d, h in ((4, 4.0), (11, 3.0), (18, 3.0))]
        )
        for code in ("AA0001", "BB0002", "CC0003"):
            edition.enrolments.append(
                Enrolment(participant_code=code, years_of_service=4, tier="miglioramento")
            )
        db.session.commit()
        return {e.participant_code: e.id for e in edition.enrolments}, [s.id for s in edition.sessions]


def test_the_register_is_saved_in_one_post_and_exactly_70_percent_completes(app, client, training):
    enrolments, sessions = _edition_with_sessions_and_people(app, training.network)
    login(client, "valuta@example.org")
    hours = {
        ("AA0001", 0): "4",
        ("AA0001", 1): "3",  # 7 of 10 hours: exactly 70%
        ("BB0002", 0): "4",
        ("BB0002", 1): "2,75",  # 6.75 of 10
        ("CC0003", 0): "4",
        ("CC0003", 1): "3",
        ("CC0003", 2): "3",
    }
    grid = {f"hours-{enrolments[c]}-{sessions[s]}": v for (c, s), v in hours.items()}

    response = post_form(client, f"/training/editions/{training.network}/attendance", grid)

    assert response.status_code == 302
    csv = client.get(f"/training/editions/{training.network}/completion.csv").data.decode("utf-8-sig")
    lines = {line.split(";")[0]: line.split(";") for line in csv.splitlines()[1:]}
    assert lines["AA0001"][4:] == ["7", "10", "0.700", "si"]
    assert lines["BB0002"][4:] == ["6.75", "10", "0.675", "no"]
    assert lines["CC0003"][-1] == "si"


def test_an_impossible_number_of_hours_saves_nothing(app, client, training):
    enrolments, sessions = _edition_with_sessions_and_people(app, training.network)
    login(client, "valuta@example.org")
    grid = {
        f"hours-{enrolments['AA0001']}-{sessions[0]}": "4",
        f"hours-{enrolments['BB0002']}-{sessions[1]}": "5",
    }

    response = post_form(client, f"/training/editions/{training.network}/attendance", grid)

    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Enrolment, enrolments["AA0001"]).attendances == []


def test_a_session_is_added_to_an_edition(app, client, training):
    login(client, "valuta@example.org")

    post_form(
        client,
        f"/training/editions/{training.lecce}/sessions",
        {"day": "2025-04-02", "hours": "3.5", "topic": "Ascolto del minore"},
    )

    page = client.get(f"/training/editions/{training.lecce}").get_data(as_text=True)
    assert "2025-04-02" in page and "Ascolto del minore" in page


# --- the impact report


def test_the_report_s_headline_equals_analysis_impact_on_the_same_data(client, app, training):
    file_people(app, training)
    english(client, "valuta@example.org")

    response = client.get(f"/training/editions/{training.network}/report.xlsx")

    rows = workbook_rows(response)
    header = rows.index(next(r for r in rows if r[:2] == ["Group", "Measure"]))
    everyone = {r[1]: r for r in rows[header + 1 :] if r[0] == "All participants"}
    pre = [p[2] for p in PEOPLE]
    post = [p[3] for p in PEOPLE]
    knowledge = everyone["Knowledge (right answers)"]
    assert knowledge[2] == 6
    assert knowledge[3] == pytest.approx(sum(pre) / 6) and knowledge[4] == pytest.approx(sum(post) / 6)
    assert knowledge[5] == pytest.approx(paired_ttest(pre, post).mean_diff)
    assert knowledge[7] == pytest.approx(paired_ttest(pre, post).p_value)
    assert knowledge[8] == pytest.approx(wilcoxon_signed_rank(pre, post).p_value)
    effects = paired_effect_sizes(pre, post)
    assert knowledge[9:12] == pytest.approx([effects.d_z, effects.d_z_ci_low, effects.d_z_ci_high])
    efficacy_pre = [sum(p[4]) / 8 for p in PEOPLE]
    efficacy_post = [sum(p[5]) / 8 for p in PEOPLE]
    efficacy = everyone["Self-efficacy (mean 1–5)"]
    assert efficacy[7] == pytest.approx(paired_ttest(efficacy_pre, efficacy_post).p_value)


def test_the_report_page_shows_the_headline_attrition_items_and_charts(client, app, training):
    file_people(app, training)
    file(app, training, answers("GG0007", "pre", 3, [3] * 8), minutes=50)  # never came back
    english(client, "valuta@example.org")

    response = client.get(f"/training/editions/{training.network}/report")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Summary of the change" in page and 'id="headline-table"' in page
    attrition = page[page.index('id="attrition"') :]
    assert "<td>7</td><td>6</td><td>6</td><td>1</td><td>14.3%</td>" in attrition.replace("\n", "")
    assert "k01" in page and "p (Holm)" in page
    for chart in ("slopes", "distributions", "forest"):
        assert f"/report/{chart}.svg" in page
        image = client.get(f"/training/editions/{training.network}/report/{chart}.svg")
        assert image.status_code == 200 and image.mimetype == "image/svg+xml"


def test_groups_under_five_pairs_are_flagged_not_interpretable(client, app, training):
    file_people(app, training)
    english(client, "valuta@example.org")

    rows = workbook_rows(client.get(f"/training/editions/{training.network}/report.xlsx"))
    page = client.get(f"/training/editions/{training.network}/report").get_data(as_text=True)

    flags = {r[0]: r[15] for r in rows if r[1] == "Knowledge (right answers)"}
    # 6 pairs in all; by years: start up 2, miglioramento 2, aggiornamento 2
    assert flags["All participants"] == "interpretable"
    assert flags["Start up (under 3 years)"] == "not interpretable (fewer than 5 pairs)"
    assert page.count("not interpretable (fewer than 5 pairs)") == 3


def test_the_latest_questionnaire_of_a_person_and_phase_counts(client, app, training):
    file_people(app, training, PEOPLE[:5])
    file(app, training, answers("AA0001", "post", 10, [5] * 8), minutes=500)  # a later, better post
    english(client, "valuta@example.org")

    rows = workbook_rows(client.get(f"/training/editions/{training.network}/report.xlsx"))

    knowledge = next(r for r in rows if r[:2] == ["All participants", "Knowledge (right answers)"])
    assert knowledge[4] == pytest.approx((10 + 8 + 7 + 6 + 9) / 5)
    assert "Submissions replaced by a later one: 1." in " ".join(str(r[0]) for r in rows)


def test_deleted_test_and_replaced_submissions_and_other_courses_are_left_out(client, app, training):
    file_people(app, training, PEOPLE[:5])
    file(app, training, answers("ZZ0001", "pre", 1, [1] * 8), deleted_at=T0)
    file(app, training, answers("ZZ0002", "pre", 1, [1] * 8), test=True)
    file(app, training, answers("ZZ0003", "pre", 1, [1] * 8), current=False)
    file(app, training, answers("ZZ0004", "pre", 1, [1] * 8, course="LE-2025-01"))
    english(client, "valuta@example.org")

    response = client.get(f"/training/editions/{training.network}/report.xlsx")

    book = openpyxl.load_workbook(io.BytesIO(response.data))
    knowledge = next(
        r
        for r in book["Summary"].iter_rows(values_only=True)
        if r[:2] == ("All participants", "Knowledge (right answers)")
    )
    everyone = next(r for r in book["Attrition"].iter_rows(values_only=True) if r[0] == "All participants")
    assert knowledge[2] == 5
    assert everyone[1:5] == (5, 5, 5, 0)


def test_the_word_download_opens_and_holds_the_headline_table_and_the_charts(client, app, training):
    file_people(app, training)
    english(client, "valuta@example.org")

    response = client.get(f"/training/editions/{training.network}/report.docx")

    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    document = Document(io.BytesIO(response.data))
    cells = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert cells[0][:3] == ["Group", "Measure", "Pairs"]
    assert cells[1][:3] == ["All participants", "Knowledge (right answers)", "6"]
    assert len(document.inline_shapes) == 3
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "training.report_exported")
        ).one()
        assert event.details == {"format": "docx"}


def test_reverse_keyed_items_chosen_on_the_page_change_the_self_efficacy_score(client, app, training):
    file_people(app, training)
    english(client, "valuta@example.org")
    url = f"/training/editions/{training.network}/report.xlsx"

    plain = workbook_rows(client.get(url))
    reversed_ = workbook_rows(client.get(url + "?keyed=1&reverse=ae1"))

    def pre_mean(rows):
        return next(r for r in rows if r[:2] == ["All participants", "Self-efficacy (mean 1–5)"])[3]

    expected = sum((6 - p[4][0] + sum(p[4][1:])) / 8 for p in PEOPLE) / 6
    assert pre_mean(plain) == pytest.approx(sum(sum(p[4]) / 8 for p in PEOPLE) / 6)
    assert pre_mean(reversed_) == pytest.approx(expected)


def test_the_intervention_report_groups_by_edition_and_by_tier(client, app, training):
    file_people(app, training)
    file_people(app, training, PEOPLE[:2], course="BA-2025-01")
    english(client, "valuta@example.org")

    rows = workbook_rows(client.get(f"/training/{training.intervention_id}/report.xlsx"))

    groups = [r[0] for r in rows if r[1] == "Knowledge (right answers)"]
    assert groups[:4] == [
        "All participants",
        "Edition BA-2025-01",
        "Edition LE-2025-01",
        "Edition NET-2025-01",
    ]
    assert "Start up (under 3 years)" in groups


def test_an_intervention_without_an_evaluation_form_has_no_report(client, app, training):
    with app.app_context():
        db.session.get(TrainingIntervention, training.intervention_id).evaluation_form_id = None
        db.session.commit()
    english(client, "valuta@example.org")

    page = client.get(f"/training/editions/{training.network}/report")
    download = client.get(f"/training/editions/{training.network}/report.xlsx")

    assert "has no pre/post evaluation form" in page.get_data(as_text=True)
    assert download.status_code == 404


# --- the demo


def test_the_demo_training_loads_twice_without_duplicates_and_reports(app, client):
    from app.demo import DEFAULT_TERRITORY, DEMO_PASSWORD, load_demo
    from app.training.demo import EDITION_CODE, load_demo_training

    with app.app_context():
        project = load_demo(DEFAULT_TERRITORY.read_bytes())
        load_demo_training(project)
        counts = [
            db.session.scalar(select(func.count()).select_from(m))
            for m in (Submission, Enrolment, TrainingSession)
        ]
        load_demo_training(db.session.get(Project, project.id))
        again = [
            db.session.scalar(select(func.count()).select_from(m))
            for m in (Submission, Enrolment, TrainingSession)
        ]
        edition = db.session.scalars(
            select(TrainingEdition).where(TrainingEdition.code == EDITION_CODE)
        ).one()
        edition_id = edition.id
        enrolled = {e.tier for e in edition.enrolments}
    assert again == counts and counts[1] == 24
    assert enrolled == {"start_up", "miglioramento", "aggiornamento"}
    login(client, "valutazione@humus.demo", DEMO_PASSWORD)
    post_form(client, "/language", {"lang": "en"})

    rows = workbook_rows(client.get(f"/training/editions/{edition_id}/report.xlsx"))

    knowledge = next(r for r in rows if r[:2] == ["All participants", "Knowledge (right answers)"])
    assert knowledge[2] == 20 and knowledge[5] > 0
    assert any("Submissions replaced by a later one: 1." in str(r[0]) for r in rows)
