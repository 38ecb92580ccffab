"""Demo case records: the cartella sociale's follow-up forms, and a few minors in care in Bari and Lecce.

Every record is invented. Each case is opened by an intake filed by its Ambito's operator; some then get an
intervention update, a periodic assessment or a closure, and two get an (invented) identity, so the demo
shows every part of a case's page. Fixed instanceIDs make a second run add nothing.
"""

import copy
import uuid
from typing import Any

from sqlalchemy import select

from app.auth.services import find_user_by_email
from app.cases.identity import set_identity
from app.demo_followups import followup_xlsforms
from app.extensions import db
from app.models import Entity, EntityList, Form, Project, Submission
from app.surveys import services
from app.surveys import submissions as recording

_NAMESPACE = uuid.UUID("0c4d6a1e-3f2b-4c8e-9a7d-5e6f7a8b9c0d")

# (operator, code, sex, birth, comune, intake date, reasons, court measure, interventions)
LECCE, BARI = "operatore.lecce@humus.demo", "operatore.bari@humus.demo"
MELOGRANO = ("ade", "terzo_settore", "Coop. Il Melograno", "2025-02-17")
CASES = (
    (LECCE, "LE2025A017", "f", "2013-05-20", ("075", "075035"), "2025-02-10",
     ["trascuratezza", "dispersione_scolastica"], True, [MELOGRANO]),
    (LECCE, "LE2025A021", "m", "2009-11-03", ("075", "075035"), "2025-03-04",
     ["conflittualita_genitoriale"], False,
     [("centro_diurno", "terzo_settore", "Il Girasole", "2025-03-10")]),
    (LECCE, "LE2024B108", "m", "2016-01-15", ("075", "075035"), "2024-10-21",
     ["difficolta_economiche", "problemi_abitativi"], False,
     [("sostegno_economico", "comune_ambito", "", "2024-11-01")]),
    (BARI, "BA2025C004", "f", "2011-07-30", ("072", "072006"), "2025-01-13",
     ["violenza_assistita"], True, [("spazio_neutro", "comune_ambito", "", "2025-01-20"),
                                    ("sostegno_psicologico", "asl", "Consultorio familiare", "2025-02-03")]),
    (BARI, "BA2025C011", "m", "2019-04-12", ("072", "072006"), "2025-04-07",
     ["trascuratezza"], False, [("affido_diurno", "famiglia_affidataria", "", "2025-05-05")]),
)  # fmt: skip
AMBITI = {"072": "Ambito Territoriale di Bari", "075": "Ambito Territoriale di Lecce"}
IDENTITIES = {
    "LE2025A017": {
        "cognome": "Esposito",
        "nome": "Giulia",
        "data_nascita": "2013-05-20",
        "indirizzo": "Via Demo 1",
    },
    "BA2025C004": {
        "cognome": "Lorusso",
        "nome": "Chiara",
        "data_nascita": "2011-07-30",
        "indirizzo": "Via Demo 2",
    },
}


def load_demo_cases(project: Project) -> None:
    """Upload the follow-up forms (once), open the demo cases and file their follow-ups."""
    researcher = find_user_by_email("ricerca@humus.demo")
    for filename, content in followup_xlsforms().items():
        if _form(project, filename.removesuffix(".xlsx")) is None:
            services.upload_form(researcher, project, content, filename)
    intake_form = _form(project, "cartella_sociale")
    if intake_form is None:
        return
    for operator, code, *details in CASES:
        user = find_user_by_email(operator)
        recording.record_submission(user, intake_form, intake_record(code, *details), _id(code), None, "it")
    _follow_ups(project)


def intake_record(
    code: str,
    sex: str,
    birth: str,
    residence: tuple[str, str],
    intake_date: str,
    reasons: list[str],
    court: bool,
    interventions: list[tuple[str, str, str, str]],
) -> dict[str, Any]:
    """The answers of an intake record (cartella_sociale.xlsx) for an invented minor."""
    legal: dict[str, Any] = {"provv_ag": "no"}
    if court:
        legal = {
            "provv_ag": "si",
            "autorita_giudiziaria": "tribunale_minorenni",
            "tipo_provvedimento": ["prescrizioni_333"],
            "data_provvedimento": intake_date,
        }
    return {
        "ente": {
            "provincia": residence[0],
            "comune_residenza": residence[1],
            "ambito": AMBITI[residence[0]],
            "codice_operatore": "AS042",
        },
        "minore": {
            "codice_minore": code,
            "sesso": sex,
            "data_nascita": birth,
            "cittadinanza": "italiana",
            "condizione_scolastica": "primaria" if birth > "2014" else "secondaria_1",
            "disabilita_certificata": "no",
        },
        "presa_in_carico": {
            "data_presa_in_carico": intake_date,
            "fonte_segnalazione": "scuola",
            "motivi": reasons,
            "motivo_prevalente": reasons[0],
            "tipo_nucleo": "monogenitoriale_madre",
            "fascia_isee": "isee_1",
        },
        "giuridico": legal,
        "componenti": copy.deepcopy(HOUSEHOLD),
        "interventi": [
            {
                "tipo_intervento": kind,
                "tipo_erogatore": provider_type,
                "ente_erogatore": provider or None,
                "data_inizio_intervento": start,
                "stato_intervento": "attivo",
            }
            for kind, provider_type, provider, start in interventions
        ],
        "programmi": {"pippi": "no", "care_leaver": "no"},  # dropped when not relevant (under 16)
    }


HOUSEHOLD = [
    {
        "relazione": "madre",
        "sesso_componente": "f",
        "anno_nascita_componente": 1985,
        "convivente": "si",
        "condizione_occupazionale": "disoccupato",
        "titolo_studio": "licenza_media",
        "resp_genitoriale": "si",
    },
    {
        "relazione": "fratello_sorella",
        "sesso_componente": "m",
        "anno_nascita_componente": 2018,
        "convivente": "si",
    },
]


def _follow_ups(project: Project) -> None:
    cases = {code: _case(project, code) for code in ("LE2025A017", "LE2024B108", "BA2025C004")}
    lecce, bari = (
        find_user_by_email("operatore.lecce@humus.demo"),
        find_user_by_email("operatore.bari@humus.demo"),
    )
    update = _form(project, "aggiornamento_intervento")
    assessment = _form(project, "valutazione_periodica")
    closure = _form(project, "chiusura_cartella")
    if cases["LE2025A017"] is not None and update is not None and assessment is not None:
        case_id = cases["LE2025A017"].uuid
        answers = {
            "caso": case_id,
            "intervento": {
                "tipo_intervento": "ade",
                "tipo_erogatore": "terzo_settore",
                "ente_erogatore": "Coop. Il Melograno",
                "data_inizio_intervento": "2025-02-17",
                "stato_intervento": "attivo",
                "note_intervento": "Incontri settimanali regolari; buona collaborazione della madre.",
            },
        }
        _file(lecce, update, answers, "LE2025A017-update")
        scores = {"bisogni_sviluppo": "3", "risposte_genitoriali": "3", "fattori_ambientali": "2"}
        answers = {
            "caso": case_id,
            "valutazione": {
                "data_valutazione": "2025-06-16",
                **scores,
                "andamento": "migliorato",
                "obiettivi_raggiunti": "parzialmente",
            },
        }
        _file(lecce, assessment, answers, "LE2025A017-t1")
    if cases["LE2024B108"] is not None and closure is not None:
        answers = {
            "caso": cases["LE2024B108"].uuid,
            "data_chiusura": "2025-09-30",
            "esito": "obiettivi_raggiunti",
        }
        _file(lecce, closure, answers, "LE2024B108-closure")
    for code, identity in IDENTITIES.items():
        case = cases.get(code)
        if case is not None and case.identity is None:
            set_identity(lecce if code.startswith("LE") else bari, case, identity)


def _file(user: Any, form: Form, answers: dict[str, Any], name: str) -> None:
    """File a follow-up once: on a second run its case may be closed and no longer offered by the form."""
    stored = select(Submission.id).where(Submission.form_id == form.id, Submission.instance_id == _id(name))
    if db.session.scalars(stored).first() is None:
        recording.record_submission(user, form, answers, _id(name), None, "it")


def _id(name: str) -> str:
    return f"uuid:{uuid.uuid5(_NAMESPACE, name)}"


def _form(project: Project, xml_form_id: str) -> Form | None:
    query = select(Form).where(Form.project_id == project.id, Form.xml_form_id == xml_form_id)
    return db.session.scalars(query).first()


def _case(project: Project, code: str) -> Entity | None:
    query = (
        select(Entity)
        .join(EntityList, EntityList.id == Entity.entity_list_id)
        .where(EntityList.project_id == project.id, Entity.label.startswith(code + " "))
    )
    return db.session.scalars(query).first()
