"""Demo training: one course of the plan with an edition, its sessions, 24 participants over the three tiers,
their attendance, and pre/post questionnaires filed through the evaluation form.

Running it again changes nothing: the course and edition are found by title and code, the participants by
code, and every questionnaire has a fixed instanceID. The report of the edition shows a clear gain, four
participants who filled the pre questionnaire only (and attended too little to complete), one resubmitted
post questionnaire (the later one counts), and an aggiornamento tier with four pairs, flagged as not
interpretable.
"""

import random
import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from analysis.training import tier_for_years
from app.auth.services import find_user_by_email
from app.extensions import db
from app.models import (
    Attendance,
    Enrolment,
    Form,
    Project,
    TrainingEdition,
    TrainingIntervention,
    TrainingSession,
    TrainingTier,
)
from app.surveys import submissions as recording

TITLE = "Lavorare con le famiglie: valutazione, progetto quadro e tutela dei dati"
EDITION_CODE = "HUMUS-FORM-2025-01"
SUBMITTER = "operatore.bari@humus.demo"
_NAMESPACE = uuid.UUID("0b5e1f43-7c2d-4c1a-9d0e-5a7b3c2d1e04")
SESSIONS = (
    (date(2025, 3, 4), 4.0, "Il Mondo del Bambino e la valutazione multidimensionale"),
    (date(2025, 3, 11), 4.0, "Progetto quadro e lavoro con la famiglia"),
    (date(2025, 3, 18), 4.0, "Tutela dei minori: cornice giuridica e rapporti con l'Autorità Giudiziaria"),
    (date(2025, 3, 25), 4.0, "Cartella sociale digitale e protezione dei dati"),
)
# (code, name, role, years of service); 9 start up, 9 miglioramento, 6 aggiornamento.
PARTICIPANTS = (
    ("AN0312", "Anna Lorusso", "assistente sociale", 1),
    ("GI1407", "Giulia Carofiglio", "educatrice", 2),
    ("MA2203", "Marco De Santis", "educatore", 0),
    ("FR0918", "Francesca Palmieri", "assistente sociale", 2),
    ("LU2611", "Luca Greco", "psicologo", 1),
    ("SE0525", "Serena Amato", "educatrice", 2),
    ("PA1730", "Paolo Cassano", "educatore", 0),
    ("CH0846", "Chiara Morea", "assistente sociale", 1),
    ("DA3114", "Davide Ricci", "mediatore", 2),
    ("EL0402", "Elena Fanelli", "assistente sociale", 5),
    ("RO1922", "Rosa Tarantini", "educatrice", 7),
    ("VI2809", "Vito Lattanzio", "educatore", 3),
    ("TE0617", "Teresa Colucci", "pedagogista", 9),
    ("NI1133", "Nicola Bellino", "assistente sociale", 10),
    ("IL2441", "Ilaria Stasi", "psicologa", 6),
    ("MI0758", "Michele Lorenzo", "educatore", 4),
    ("CA1226", "Carla Minervini", "assistente sociale", 8),
    ("SA2005", "Sara Digiesi", "educatrice", 3),
    ("GE1515", "Gennaro Lovecchio", "coordinatore", 18),
    ("MR0321", "Maria Rosaria Piccolo", "assistente sociale", 22),
    ("AG2738", "Agata Loiacono", "coordinatrice", 14),
    ("PI0909", "Pietro Saracino", "educatore", 12),
    ("LO1144", "Lorenza D'Ambrosio", "assistente sociale", 25),
    ("BE2150", "Beatrice Sgobba", "psicologa", 11),
)
NO_POST = ("SE0525", "TE0617", "LO1144", "PI0909")  # one start up, one miglioramento, two aggiornamento
RESUBMITTED = "EL0402"  # sent the post questionnaire twice
KEY = {"k01": "b", "k02": "c", "k03": "d", "k04": "a", "k05": "b", "k06": "b", "k07": "c", "k08": "a"}
KEY |= {"k09": "d", "k10": "b"}
PROFILES = {
    "assistente sociale": "assistente_sociale",
    "educatore": "educatore",
    "educatrice": "educatore",
    "psicologo": "psicologo",
    "psicologa": "psicologo",
    "pedagogista": "pedagogista",
    "mediatore": "mediatore",
    "coordinatore": "coordinatore",
    "coordinatrice": "coordinatore",
}


def load_demo_training(project: Project) -> TrainingIntervention:
    """Create (or find) the demo course, its edition, participants, register and questionnaires."""
    form = db.session.scalars(
        select(Form).where(Form.project_id == project.id, Form.xml_form_id == "valutazione_formazione")
    ).first()
    intervention = _intervention(project, form)
    edition = _edition(intervention)
    _participants(edition)
    _register(edition)
    db.session.commit()
    submitter = find_user_by_email(SUBMITTER)
    if form is not None and submitter is not None:
        for data, instance_id in questionnaires():
            recording.record_submission(submitter, form, data, instance_id, None, "it")
    return intervention


def _intervention(project: Project, form: Form | None) -> TrainingIntervention:
    found = db.session.scalars(
        select(TrainingIntervention).where(
            TrainingIntervention.project_id == project.id, TrainingIntervention.title == TITLE
        )
    ).first()
    if found is None:
        found = TrainingIntervention(
            project_id=project.id,
            kind="corso",
            title=TITLE,
            work_package="Azione 2 / Attività 2.2",
            editions_planned=3,
            hours=16,
            recipients_planned=75,
            recipient_type="Assistenti sociali, educatori e psicologi dei servizi per famiglie e minori",
            selection=False,
            tier=TrainingTier.ALL,
            evaluation_form_id=form.id if form else None,
        )
        db.session.add(found)
        db.session.flush()
    return found


def _edition(intervention: TrainingIntervention) -> TrainingEdition:
    found = db.session.scalars(select(TrainingEdition).where(TrainingEdition.code == EDITION_CODE)).first()
    if found is None:
        found = TrainingEdition(
            intervention=intervention,
            code=EDITION_CODE,
            start_date=SESSIONS[0][0],
            end_date=SESSIONS[-1][0],
            place="Bari, Palazzo della Provincia (sala convegni)",
            org_unit_id=None,  # a course of the whole network
            completion_share=0.7,
        )
        db.session.add(found)
        db.session.flush()
    if not found.sessions:
        for day, hours, topic in SESSIONS:
            found.sessions.append(TrainingSession(day=day, hours=hours, topic=topic))
        db.session.flush()
    return found


def _participants(edition: TrainingEdition) -> None:
    enrolled = {e.participant_code for e in edition.enrolments}
    for code, name, role, years in PARTICIPANTS:
        if code not in enrolled:
            edition.enrolments.append(
                Enrolment(
                    participant_code=code,
                    name=name,
                    role=role,
                    years_of_service=years,
                    tier=tier_for_years(years),
                )
            )
    db.session.flush()


def _register(edition: TrainingEdition) -> None:
    """Most attend every session; those who skipped the post missed the last two (below 70%)."""
    for enrolment in edition.enrolments:
        if enrolment.attendances:
            continue
        missed = 2 if enrolment.participant_code in NO_POST else 0
        for session in edition.sessions[: len(edition.sessions) - missed]:
            enrolment.attendances.append(Attendance(session_id=session.id, hours=session.hours))
    db.session.flush()


def questionnaires() -> list[tuple[dict[str, Any], str]]:
    """Every demo questionnaire with its fixed instanceID, pre ones first."""
    rng = random.Random(2025)  # noqa: S311 - demo answers, not secrets
    found = []
    for index, (code, _name, role, years) in enumerate(PARTICIPANTS):
        skill = rng.uniform(0.25, 0.55) + min(years, 20) * 0.01
        confidence = rng.uniform(2.0, 3.2) + min(years, 20) * 0.03
        found.append((_answers(code, role, years, "pre", skill, confidence, rng), _id(code, "pre")))
        if code in NO_POST:
            continue
        gain = 0.3 if index % 5 else 0.1
        post = _answers(code, role, years, "post", skill + gain, confidence + 0.8, rng)
        found.append((post, _id(code, "post")))
        if code == RESUBMITTED:
            again = _answers(code, role, years, "post", skill + gain + 0.1, confidence + 0.9, rng)
            found.append((again, _id(code, "post-2")))
    return found


def _answers(
    code: str, role: str, years: int, phase: str, skill: float, confidence: float, rng: random.Random
) -> dict[str, Any]:
    knowledge = {item: key if rng.random() < skill else _wrong(key) for item, key in KEY.items()}
    efficacy = {f"ae{i}": str(max(1, min(5, round(confidence + rng.gauss(0, 0.6))))) for i in range(1, 9)}
    comments: dict[str, Any] = {}
    if phase == "post":
        comments = {"gradimento": str(rng.choice((4, 4, 5, 5, 3))), "utilita": str(rng.choice((4, 5, 5, 3)))}
    return {
        "codice_corso": EDITION_CODE,
        "fase": phase,
        "codice_operatore": code,
        "profilo": PROFILES[role],
        "tipo_ente": "comune_ambito",
        "anni_servizio": years,
        "conoscenze": knowledge,
        "autoefficacia": efficacy,
        "commenti": comments,
    }


def _wrong(key: str) -> str:
    return "a" if key != "a" else "c"


def _id(code: str, phase: str) -> str:
    return f"uuid:{uuid.uuid5(_NAMESPACE, f'{EDITION_CODE}/{code}/{phase}')}"
