"""Demo forms: the three domain XLSForms uploaded to the demo project, with realistic monitoring reports, and
the monitoring form's variant that picks its service from the registry (app/registry/demo_form.py)."""

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.auth.services import find_user_by_email
from app.extensions import db
from app.models import Form, Project
from app.registry import demo_form
from app.surveys import attachments, services
from app.surveys import submissions as recording

DEFAULT_FORMS = Path(__file__).resolve().parents[2] / "shared" / "domain" / "forms"
FORM_FILES = ("monitoraggio_servizi.xlsx", "cartella_sociale.xlsx", "valutazione_formazione.xlsx")
# Fixed instanceIDs: running the demo again finds its reports already stored and adds nothing.
_NAMESPACE = uuid.UUID("6f1d7c1e-4b0a-4d52-9b52-3f3a2d1c0b01")


def load_demo_forms(project: Project, forms_dir: Path, territory_csv: bytes) -> None:
    """Upload the domain forms (once) with their datasets, then file a few monitoring reports."""
    researcher = find_user_by_email("ricerca@humus.demo")
    for filename in FORM_FILES:
        path = forms_dir / filename
        if path.is_file() and not _uploaded(project, path.stem):
            upload = services.upload_form(researcher, project, path.read_bytes(), filename)
            _attach_datasets(upload.version, territory_csv)
    seed = forms_dir / FORM_FILES[0]
    if seed.is_file() and not _uploaded(project, demo_form.FORM_ID):  # servizi.csv comes from the registry
        variant = demo_form.registry_monitoring_xlsform(seed.read_bytes())
        upload = services.upload_form(researcher, project, variant, demo_form.FILENAME)
        _attach_datasets(upload.version, territory_csv)
    monitoring = _uploaded(project, "monitoraggio_servizi")
    if monitoring is not None:
        for email, unit, report in REPORTS:
            data = monitoring_report(**report)
            instance_id = f"uuid:{uuid.uuid5(_NAMESPACE, email + report['denominazione'])}"
            recording.record_submission(find_user_by_email(email), monitoring, data, instance_id, unit, "it")


def _uploaded(project: Project, form_id: str) -> Form | None:
    query = select(Form).where(Form.project_id == project.id, Form.xml_form_id == form_id)
    return db.session.scalars(query).first()


def _attach_datasets(version, territory_csv: bytes) -> None:
    for expected in version.attachments:
        if expected.name == "puglia_territory.csv":
            attachments.attach_file(version, expected.name, territory_csv)


def monitoring_report(
    provincia: str, ambito: str, capofila: str, tipo: str, denominazione: str, ente: str, children: int
) -> dict[str, Any]:
    """A 2024 second-semester monitoring report of one service, its `children` split by sex and age."""
    boys, girls = children // 2, children - children // 2
    return {
        "intestazione": {
            "provincia": provincia,
            "ambito_denominazione": ambito,
            "comune_capofila": capofila,
            "anno_riferimento": 2024,
            "periodo": "sem2",
            "data_inizio": "2024-07-01",
            "data_fine": "2024-12-31",
        },
        "servizio": {
            "tipo_servizio": tipo,
            "denominazione_servizio": denominazione,
            "forma_gestione": "accreditamento",
            "ente_gestore": ente,
            "posti_autorizzati": 30,
            "giorni_apertura": 5,
        },
        "utenti": {
            **{f"{sex}_{band}": 0 for sex in "mf" for band in ("0_2", "3_5", "14_17", "18_21", "adulti")},
            "m_6_10": boys - boys // 3,
            "f_6_10": girls - girls // 3,
            "m_11_13": boys // 3,
            "f_11_13": girls // 3,
            "nd_genere_eta": 0,
            "nuclei_familiari": children - 2,
            "utenti_nuovi": children // 3,
            "utenti_dimessi": children // 4,
            "utenti_disabilita": 2,
            "utenti_stranieri": 3,
            "utenti_provv_ag": 4,
            "utenti_pippi": 1,
            "utenti_affido": 1,
        },
        "accesso_attivita": {
            "modalita_accesso": ["servizio_sociale", "scuola"],
            "attivita": ["sostegno_scolastico", "laboratori"],
            "enti_rete": ["scuola", "asl_consultorio"],
        },
        "personale": [
            {
                "profilo": "coordinatore",
                "n_operatori": 1,
                "ore_settimanali": 18,
                "rapporto_lavoro": "dipendente_ets",
            },
            {
                "profilo": "educatore",
                "n_operatori": 3,
                "ore_settimanali": 72,
                "rapporto_lavoro": "dipendente_ets",
            },
        ],
        "supervisione": "si",
        "ore_formazione": 20,
        "valutazione": {
            "criticita": "Lista d'attesa per la fascia 11-13 anni.",
            "punti_forza": "Raccordo stabile con le scuole e il consultorio.",
        },
    }


REPORTS = (
    (
        "operatore.bari@humus.demo",
        None,
        {
            "provincia": "072",
            "ambito": "Ambito Territoriale di Bari",
            "capofila": "072006",
            "tipo": "cd",
            "denominazione": "Centro diurno Il Quartiere",
            "ente": "Cooperativa sociale Stella Maris",
            "children": 24,
        },
    ),
    (
        "operatore.lecce@humus.demo",
        None,
        {
            "provincia": "075",
            "ambito": "Ambito Territoriale di Lecce",
            "capofila": "075035",
            "tipo": "cap",
            "denominazione": "Centro aperto polivalente Il Faro",
            "ente": "Associazione Il Melograno",
            "children": 31,
        },
    ),
)
