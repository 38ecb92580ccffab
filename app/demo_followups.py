"""The cartella sociale's follow-up XLSForms, built as .xlsx bytes: each one updates a minor of `minori`.

The intake (`cartella_sociale.xlsx`) creates one entity per minor; these forms pick that entity from
`minori.csv` (`caso`) and update it. Only open records are offered, so a closed one cannot be changed.
Choice lists shared with the intake are copied from it row for row, so the answers of both read alike.
"""

from io import BytesIO
from typing import Any

from openpyxl import Workbook

__all__ = ["FOLLOWUP_FORMS", "followup_xlsforms"]

IT, EN = "Italiano (it)", "English (en)"
VERSION = "2025010101"
REQUIRED = {
    "required": "yes",
    f"required_message::{IT}": "Campo obbligatorio",
    f"required_message::{EN}": "This field is required",
}
NOT_FUTURE = ("La data non può essere futura", "Date cannot be in the future")

# A survey row is (type, name) or (type, name, label_it, label_en[, columns]). `columns` holds the other
# XLSForm columns by name: "required": True writes "yes" and the bilingual required message, and "hint" and
# "constraint_message" are (Italian, English) pairs.
Row = tuple[Any, ...]
SURVEY_COLUMNS = (
    "type",
    "name",
    f"label::{IT}",
    f"label::{EN}",
    f"hint::{IT}",
    f"hint::{EN}",
    "required",
    f"required_message::{IT}",
    f"required_message::{EN}",
    "constraint",
    f"constraint_message::{IT}",
    f"constraint_message::{EN}",
    "relevant",
    "calculation",
    "choice_filter",
    "save_to",
)
CHOICE_COLUMNS = ("list_name", "name", f"label::{IT}", f"label::{EN}")
ENTITIES = [("list_name", "entity_id"), ("minori", "${caso}")]

METADATA: list[Row] = [("start", "inizio"), ("end", "fine"), ("today", "data_compilazione")]
PRIVACY_NOTE: Row = (
    "note",
    "nota_privacy",
    "Aggiornamento della cartella sociale: nelle note non riportare nomi, cognomi o codici fiscali. "
    "Indicare le persone con il loro ruolo (es. madre, educatore, insegnante).",
    "Social record update: do not write names, surnames or tax codes in the notes. Refer to people by "
    "their role (e.g. mother, educator, teacher).",
)
CASE: Row = (
    "select_one_from_file minori.csv",
    "caso",
    "Minore (codice pseudonimo)",
    "Child (pseudonymous code)",
    {
        "hint": ("Sono elencate solo le cartelle aperte", "Only open records are listed"),
        "required": True,
        "choice_filter": "stato = 'aperta'",
    },
)
CASE_LABEL = "instance('minori')/root/item[name = ${caso}]/label"

# Copied from cartella_sociale.xlsx, sheet "choices".
INTAKE_CHOICES = [
    (
        "tipo_intervento",
        "servizio_sociale",
        "Servizio sociale professionale / presa in carico",
        "Social work case management",
    ),
    (
        "tipo_intervento",
        "ade",
        "Assistenza Domiciliare Educativa (art. 87 bis R.R. 4/2007)",
        "Home-based educational support (art. 87 bis)",
    ),
    (
        "tipo_intervento",
        "centro_diurno",
        "Centro socio-educativo diurno (art. 52 R.R. 4/2007)",
        "Socio-educational day centre (art. 52)",
    ),
    (
        "tipo_intervento",
        "cap",
        "Centro Aperto Polivalente per minori (art. 104 R.R. 4/2007)",
        "Open multi-purpose centre (art. 104)",
    ),
    (
        "tipo_intervento",
        "csf",
        "Centro Servizi per le Famiglie (art. 93 R.R. 4/2007)",
        "Family Services Centre (art. 93)",
    ),
    ("tipo_intervento", "pippi", "Programma P.I.P.P.I.", "P.I.P.P.I. programme"),
    (
        "tipo_intervento",
        "affido_residenziale",
        "Affidamento familiare residenziale",
        "Full-time family foster care",
    ),
    (
        "tipo_intervento",
        "affido_diurno",
        "Affidamento familiare diurno / part-time",
        "Day / part-time foster care",
    ),
    ("tipo_intervento", "comunita", "Comunità residenziale per minori", "Residential care home for minors"),
    (
        "tipo_intervento",
        "comunita_mamma_bambino",
        "Comunità genitore-bambino",
        "Parent-and-child residential unit",
    ),
    ("tipo_intervento", "sostegno_economico", "Contributo economico", "Financial support"),
    ("tipo_intervento", "mediazione_familiare", "Mediazione familiare", "Family mediation"),
    ("tipo_intervento", "spazio_neutro", "Spazio neutro / incontri protetti", "Supervised contact"),
    ("tipo_intervento", "sostegno_psicologico", "Sostegno psicologico", "Psychological support"),
    ("tipo_intervento", "npia", "Presa in carico NPIA", "Child psychiatry care"),
    (
        "tipo_intervento",
        "inserimento_lavorativo",
        "Orientamento / inserimento lavorativo",
        "Job guidance / placement",
    ),
    ("tipo_intervento", "altro", "Altro", "Other"),
    ("erogatore", "comune_ambito", "Comune / Ambito (gestione diretta)", "Municipality / district (direct)"),
    ("erogatore", "terzo_settore", "Ente del Terzo Settore", "Third-sector organisation"),
    ("erogatore", "asl", "ASL", "Local health authority"),
    ("erogatore", "scuola", "Scuola", "School"),
    ("erogatore", "famiglia_affidataria", "Famiglia affidataria", "Foster family"),
    ("erogatore", "altro", "Altro", "Other"),
    ("stato_intervento", "programmato", "Programmato", "Planned"),
    ("stato_intervento", "attivo", "Attivo", "Active"),
    ("stato_intervento", "sospeso", "Sospeso", "Suspended"),
    ("stato_intervento", "concluso", "Concluso", "Completed"),
]

INTERVENTO: list[Row] = [
    *METADATA,
    PRIVACY_NOTE,
    CASE,
    ("begin_group", "intervento", "Intervento / servizio da registrare", "Intervention / service to record"),
    (
        "select_one tipo_intervento",
        "tipo_intervento",
        "Tipo di intervento",
        "Type of intervention",
        {"required": True},
    ),
    (
        "text",
        "tipo_intervento_altro",
        "Specificare l'intervento",
        "Specify the intervention",
        {"required": True, "relevant": "${tipo_intervento} = 'altro'"},
    ),
    ("select_one erogatore", "tipo_erogatore", "Ente erogatore", "Provider type", {"required": True}),
    ("text", "ente_erogatore", "Denominazione dell'ente erogatore", "Provider name"),
    ("date", "data_inizio_intervento", "Data di inizio", "Start date", {"required": True}),
    (
        "date",
        "data_fine_intervento",
        "Data di fine (se concluso)",
        "End date (if completed)",
        {
            "constraint": ". >= ${data_inizio_intervento}",
            "constraint_message": ("La fine non può precedere l'inizio", "End cannot be before start"),
        },
    ),
    (
        "select_one stato_intervento",
        "stato_intervento",
        "Stato dell'intervento",
        "Intervention status",
        {"required": True},
    ),
    ("text", "note_intervento", "Note sull'intervento", "Notes on the intervention"),
    ("end_group", "intervento"),
    (
        "calculate",
        "ultimo_aggiornamento",
        None,
        None,
        {"calculation": "today()", "save_to": "ultimo_aggiornamento"},
    ),
]

VALUTAZIONE: list[Row] = [
    *METADATA,
    PRIVACY_NOTE,
    CASE,
    (
        "begin_group",
        "valutazione",
        "Valutazione periodica - Il Mondo del Bambino",
        "Periodic assessment - The Child's World",
    ),
    (
        "date",
        "data_valutazione",
        "Data della valutazione",
        "Assessment date",
        {
            "required": True,
            "constraint": ". <= today()",
            "constraint_message": NOT_FUTURE,
            "save_to": "ultima_valutazione",
        },
    ),
    (
        "select_one punteggio",
        "bisogni_sviluppo",
        "Bisogni di sviluppo del bambino",
        "Child's developmental needs",
        {
            "hint": (
                "«Di cosa ho bisogno per crescere»: salute, apprendimento, relazioni, identità, autonomia",
                "'What I need to grow up': health, learning, relationships, identity, autonomy",
            ),
            "required": True,
        },
    ),
    (
        "select_one punteggio",
        "risposte_genitoriali",
        "Risposte delle figure genitoriali ai bisogni del bambino",
        "Parenting responses to the child's needs",
        {
            "hint": (
                "«Il modo in cui rispondono ai miei bisogni»: cura, protezione, guida, calore affettivo",
                "'How my needs are met': care, protection, guidance, emotional warmth",
            ),
            "required": True,
        },
    ),
    (
        "select_one punteggio",
        "fattori_ambientali",
        "Fattori familiari e ambientali",
        "Family and environmental factors",
        {
            "hint": (
                "«Il mio ambiente di vita»: casa, lavoro e reddito, rete sociale, servizi del territorio",
                "'Where I live': housing, work and income, social network, local services",
            ),
            "required": True,
        },
    ),
    (
        "select_one andamento",
        "andamento",
        "Andamento complessivo rispetto alla valutazione precedente",
        "Overall progress since the previous assessment",
        {"required": True, "save_to": "andamento"},
    ),
    (
        "select_one raggiungimento",
        "obiettivi_raggiunti",
        "Gli obiettivi del progetto di intervento sono stati raggiunti?",
        "Have the goals of the care plan been met?",
        {"required": True},
    ),
    ("text", "note_valutazione", "Note sulla valutazione", "Notes on the assessment"),
    ("end_group", "valutazione"),
]

VALUTAZIONE_CHOICES = [
    ("punteggio", "1", "1 - Grave pregiudizio", "1 - Serious harm"),
    ("punteggio", "2", "2 - Criticità rilevanti", "2 - Significant concerns"),
    ("punteggio", "3", "3 - Situazione di fragilità", "3 - Vulnerable situation"),
    ("punteggio", "4", "4 - Benessere adeguato", "4 - Adequate well-being"),
    ("punteggio", "5", "5 - Pieno benessere", "5 - Full well-being"),
    ("andamento", "migliorato", "Migliorato", "Improved"),
    ("andamento", "stabile", "Stabile", "Stable"),
    ("andamento", "peggiorato", "Peggiorato", "Worsened"),
    ("raggiungimento", "si", "Sì", "Yes"),
    ("raggiungimento", "parzialmente", "Parzialmente", "Partly"),
    ("raggiungimento", "no", "No", "No"),
]

CHIUSURA: list[Row] = [
    *METADATA,
    PRIVACY_NOTE,
    CASE,
    (
        "date",
        "data_chiusura",
        "Data di chiusura della cartella",
        "Record closing date",
        {
            "required": True,
            "constraint": ". <= today()",
            "constraint_message": NOT_FUTURE,
            "save_to": "data_chiusura",
        },
    ),
    (
        "select_one esito",
        "esito",
        "Esito della presa in carico",
        "Outcome of the case",
        {"required": True, "save_to": "esito"},
    ),
    (
        "text",
        "esito_altro",
        "Altro esito (specificare)",
        "Other outcome (specify)",
        {"required": True, "relevant": "${esito} = 'altro'"},
    ),
    ("text", "note_chiusura", "Note sulla chiusura", "Notes on the closure"),
    ("calculate", "stato_cartella", None, None, {"calculation": "'chiusa'", "save_to": "stato"}),
]

CHIUSURA_CHOICES = [
    ("esito", "obiettivi_raggiunti", "Obiettivi del progetto raggiunti", "Care-plan goals achieved"),
    ("esito", "rientro_famiglia", "Rientro nella famiglia d'origine", "Return to the family of origin"),
    ("esito", "affido_consolidato", "Affidamento familiare consolidato", "Stable long-term foster placement"),
    ("esito", "adozione", "Adozione", "Adoption"),
    (
        "esito",
        "maggiore_eta",
        "Raggiungimento della maggiore età / fine del prosieguo amministrativo",
        "Reached adulthood / end of extended care",
    ),
    (
        "esito",
        "trasferimento",
        "Trasferimento ad altro servizio o Ambito territoriale",
        "Transfer to another service or district",
    ),
    (
        "esito",
        "abbandono_percorso",
        "Interruzione del percorso da parte del nucleo",
        "Family withdrew from the care pathway",
    ),
    ("esito", "altro", "Altro", "Other"),
]

# file name -> (form title, survey rows, choice rows, instance name)
FORMS: dict[str, tuple[str, list[Row], list[tuple[str, ...]], str]] = {
    "aggiornamento_intervento.xlsx": (
        "HUMUS - Cartella sociale: aggiornamento di un intervento",
        INTERVENTO,
        INTAKE_CHOICES,
        f"concat({CASE_LABEL}, ' - ', ${{tipo_intervento}}, ' dal ', ${{data_inizio_intervento}})",
    ),
    "valutazione_periodica.xlsx": (
        "HUMUS - Cartella sociale: valutazione periodica del minore",
        VALUTAZIONE,
        VALUTAZIONE_CHOICES,
        f"concat({CASE_LABEL}, ' - ', ${{data_valutazione}})",
    ),
    "chiusura_cartella.xlsx": (
        "HUMUS - Cartella sociale: chiusura della presa in carico",
        CHIUSURA,
        CHIUSURA_CHOICES,
        f"concat({CASE_LABEL}, ' - chiusura ', ${{data_chiusura}})",
    ),
}
FOLLOWUP_FORMS: tuple[str, ...] = tuple(FORMS)


def followup_xlsforms() -> dict[str, bytes]:
    """File name -> .xlsx bytes of each follow-up form, ready to upload beside the intake."""
    return {filename: _xlsx(filename, *parts) for filename, parts in FORMS.items()}


def _xlsx(filename: str, title: str, survey: list[Row], choices: list[tuple[str, ...]], name: str) -> bytes:
    form_id = filename.removesuffix(".xlsx")
    settings = [
        ("form_title", "form_id", "version", "default_language", "instance_name"),
        (title, form_id, VERSION, IT, name),
    ]
    sheets = {
        "survey": [SURVEY_COLUMNS, *(_survey_row(row) for row in survey)],
        "choices": [CHOICE_COLUMNS, *choices],
        "settings": settings,
        "entities": ENTITIES,
    }
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_name, rows in sheets.items():
        sheet = workbook.create_sheet(sheet_name)
        for row in rows:
            sheet.append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def _survey_row(row: Row) -> tuple[Any, ...]:
    """A compact survey row (see `Row`) spread over SURVEY_COLUMNS."""
    kind, name = row[:2]
    label_it, label_en = row[2:4] or (None, None)
    columns: dict[str, Any] = row[4] if len(row) > 4 else {}
    cells = {"type": kind, "name": name, f"label::{IT}": label_it, f"label::{EN}": label_en}
    for column, value in columns.items():
        if column in ("hint", "constraint_message"):
            cells[f"{column}::{IT}"], cells[f"{column}::{EN}"] = value
        elif column != "required":
            cells[column] = value
    if columns.get("required"):
        cells.update(REQUIRED)
    unknown = set(cells) - set(SURVEY_COLUMNS)
    if unknown:
        raise ValueError(f"Row {name!r} has columns the survey sheet does not: {sorted(unknown)}")
    return tuple(cells.get(column) for column in SURVEY_COLUMNS)
