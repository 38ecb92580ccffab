"""The words of the programme's progress report, timeline and charts, in Italian and English."""

from collections.abc import Mapping
from dataclasses import dataclass

from forms.engine_text import language_code


@dataclass(frozen=True)
class ProgrammeText:
    title: str
    metrics: Mapping[str, str]
    kinds: Mapping[str, str]
    categories: Mapping[str, str]
    genders: Mapping[str, str]
    levels: Mapping[str, str]
    statuses: Mapping[str, str]
    total: str
    action: str
    activity: str
    achieved: str
    target: str
    share: str
    hidden: str  # what a hidden cell shows
    hidden_note: str  # "{threshold}" is replaced
    exact_note: str
    period: str  # "{start}", "{end}", "{as_of}" are replaced
    fingerprint: str  # "{code}"
    headline_sheet: str
    kinds_sheet: str
    participants_sheet: str
    events_sheet: str
    vouchers_sheet: str
    timeline_sheet: str
    headline_heading: str
    kinds_heading: str
    participants_heading: str
    events_heading: str
    vouchers_heading: str
    timeline_heading: str
    charts_heading: str
    event_columns: tuple[str, ...]
    voucher_columns: tuple[str, ...]
    timeline_columns: tuple[str, ...]
    type_column: str
    territory_column: str
    category_column: str
    progress_title: str
    progress_axis: str
    participants_title: str
    participants_axis: str
    timeline_title: str
    planned: str
    actual: str
    today: str
    no_targets: str
    no_participants: str
    no_dates: str
    methods: tuple[str, ...]
    decimal_mark: str

    def number(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return "—"
        return f"{value:.{digits}f}".replace(".", self.decimal_mark)


_METHODS_IT = (
    "Conteggi alla data di riferimento: valgono solo i dati registrati entro quel giorno (ora italiana) e, "
    "per le correzioni successive, il valore registrato allora; rigenerando il rapporto con la stessa data "
    "si ottengono le stesse cifre (stessa impronta).",
    "Eventi: quelli svolti nel periodo; partecipanti: le presenze registrate per categoria e genere. "
    "Formati: iscritti alle edizioni dei corsi dell'attività iniziate nel periodo; con attestato: quanti "
    "di loro hanno raggiunto la quota di ore, per le edizioni concluse. Questionari: invii dei moduli "
    "collegati all'attività ricevuti nel periodo (senza prove ed eliminati). Trascrizioni codificate: "
    "trascrizioni collegate agli eventi del periodo con almeno una codifica. Voucher spesi: voucher dei "
    "tipi dell'attività diventati spesi nel periodo.",
    "Le cifre sui voucher riguardano nuclei in carico ai servizi: fuori dall'ambito di chi li gestisce "
    "sono protette dal segreto statistico (n.d. = da 1 a {threshold_minus} nuclei, o cifra da cui se ne "
    "ricaverebbe una).",
)
_METHODS_EN = (
    "Counts as of the reference date: only data recorded by that day (Italian time) count and, for later "
    "corrections, the value recorded then; making the report again with the same date gives the same "
    "figures (the same fingerprint).",
    "Events: those held in the period; participants: attendance recorded by category and gender. Trainees: "
    "people enrolled in editions of the activity's courses that started in the period; trained: those of "
    "them who attended the required share of hours, for editions that ended. Questionnaires: submissions "
    "of the forms linked to the activity received in the period (no tests, none deleted). Transcripts "
    "coded: transcripts linked to the period's events with at least one coding. Vouchers spent: vouchers "
    "of the activity's types that became spent in the period.",
    "Voucher figures concern households in the care of social services: outside the scope of those who "
    "manage them they are protected by statistical confidentiality (n.d. = 1 to {threshold_minus} "
    "households, or a figure from which one could be worked out).",
)

_TEXTS = {
    "it": ProgrammeText(
        title="Stato di avanzamento del programma",
        metrics={
            "events": "Eventi svolti",
            "participants": "Partecipanti",
            "trainees": "Formati (iscritti)",
            "trained": "Formati con attestato",
            "forms": "Questionari raccolti",
            "transcripts": "Trascrizioni codificate",
            "vouchers": "Voucher spesi",
            "focus_group": "Focus group",
            "workshop": "Laboratori",
            "seminar": "Seminari",
            "technical_table": "Tavoli tecnici",
            "dissemination": "Eventi di disseminazione",
            "other": "Altre attività",
        },
        kinds={
            "focus_group": "Focus group",
            "workshop": "Laboratorio",
            "seminar": "Seminario",
            "technical_table": "Tavolo tecnico",
            "dissemination": "Evento di disseminazione",
            "other": "Altro",
        },
        categories={
            "public_services": "Servizi pubblici",
            "third_sector": "Terzo settore",
            "families": "Famiglie",
            "schools": "Scuole",
            "health": "Sanità",
            "justice": "Giustizia",
            "other": "Altro",
        },
        genders={"female": "Donne", "male": "Uomini", "unspecified": "Non indicato"},
        levels={"base": "Base", "medium": "Medio", "high": "Alto"},
        statuses={"assigned": "Assegnato", "in_use": "In uso", "spent": "Speso", "expired": "Scaduto"},
        total="Totale",
        action="Azione",
        activity="Attività",
        achieved="Realizzato",
        target="Target",
        share="% del target",
        hidden="n.d.",
        hidden_note="n.d. = dato non diffuso per il segreto statistico (da 1 a {threshold_minus}, o cifra da "
        "cui se ne ricaverebbe una).",
        exact_note="Cifre sui voucher esatte: rientrano tutte nell'ambito di chi legge.",
        period="Periodo dal {start} al {end}; dati alla data del {as_of}",
        fingerprint="Impronta delle cifre: {code}",
        headline_sheet="Sintesi",
        kinds_sheet="Eventi per tipo",
        participants_sheet="Partecipanti",
        events_sheet="Eventi",
        vouchers_sheet="Voucher",
        timeline_sheet="Cronoprogramma",
        headline_heading="Target e risultati per azione e attività",
        kinds_heading="Eventi per tipo",
        participants_heading="Partecipanti per categoria e genere",
        events_heading="Eventi del periodo",
        vouchers_heading="Voucher per tipo e territorio",
        timeline_heading="Cronoprogramma: previsto ed effettivo",
        charts_heading="Grafici",
        event_columns=("Data", "Tipo", "Titolo", "Attività", "Luogo", "Partecipanti", "Trascrizioni"),
        voucher_columns=("Tipo", "Territorio", "Assegnati", "Spesi", "Importo speso (euro)"),
        timeline_columns=(
            "Azione",
            "Attività",
            "Titolo",
            "Inizio previsto",
            "Fine prevista",
            "Inizio effettivo",
            "Fine effettiva",
            "Stato",
        ),
        type_column="Tipo di voucher",
        territory_column="Territorio",
        category_column="Categoria",
        progress_title="Risultati in percentuale del target, per attività",
        progress_axis="% del target raggiunto",
        participants_title="Partecipanti agli eventi per categoria e genere",
        participants_axis="Partecipanti",
        timeline_title="Cronoprogramma delle attività: previsto ed effettivo",
        planned="Previsto",
        actual="Effettivo",
        today="Data di riferimento",
        no_targets="Nessun target fissato",
        no_participants="Nessun partecipante registrato",
        no_dates="Nessuna data",
        methods=_METHODS_IT,
        decimal_mark=",",
    ),
    "en": ProgrammeText(
        title="Programme progress report",
        metrics={
            "events": "Events held",
            "participants": "Participants",
            "trainees": "Trainees (enrolled)",
            "trained": "Trainees who completed",
            "forms": "Questionnaires collected",
            "transcripts": "Transcripts coded",
            "vouchers": "Vouchers spent",
            "focus_group": "Focus groups",
            "workshop": "Workshops",
            "seminar": "Seminars",
            "technical_table": "Technical tables",
            "dissemination": "Dissemination events",
            "other": "Other activities",
        },
        kinds={
            "focus_group": "Focus group",
            "workshop": "Workshop",
            "seminar": "Seminar",
            "technical_table": "Technical table",
            "dissemination": "Dissemination event",
            "other": "Other",
        },
        categories={
            "public_services": "Public services",
            "third_sector": "Third sector",
            "families": "Families",
            "schools": "Schools",
            "health": "Health",
            "justice": "Justice",
            "other": "Other",
        },
        genders={"female": "Women", "male": "Men", "unspecified": "Not given"},
        levels={"base": "Base", "medium": "Medium", "high": "High"},
        statuses={"assigned": "Assigned", "in_use": "In use", "spent": "Spent", "expired": "Expired"},
        total="Total",
        action="Action",
        activity="Activity",
        achieved="Achieved",
        target="Target",
        share="% of target",
        hidden="n.d.",
        hidden_note="n.d. = not disclosed for statistical confidentiality (1 to {threshold_minus}, or a "
        "figure from which one could be worked out).",
        exact_note="Voucher figures are exact: they all lie in the reader's own scope.",
        period="Period from {start} to {end}; data as of {as_of}",
        fingerprint="Fingerprint of the figures: {code}",
        headline_sheet="Summary",
        kinds_sheet="Events by type",
        participants_sheet="Participants",
        events_sheet="Events",
        vouchers_sheet="Vouchers",
        timeline_sheet="Timeline",
        headline_heading="Targets and results by action and activity",
        kinds_heading="Events by type",
        participants_heading="Participants by category and gender",
        events_heading="Events of the period",
        vouchers_heading="Vouchers by type and territory",
        timeline_heading="Timeline: planned and actual",
        charts_heading="Charts",
        event_columns=("Date", "Type", "Title", "Activity", "Place", "Participants", "Transcripts"),
        voucher_columns=("Type", "Territory", "Assigned", "Spent", "Amount spent (euros)"),
        timeline_columns=(
            "Action",
            "Activity",
            "Title",
            "Planned start",
            "Planned end",
            "Actual start",
            "Actual end",
            "Status",
        ),
        type_column="Voucher type",
        territory_column="Territory",
        category_column="Category",
        progress_title="Results as a percentage of the target, by activity",
        progress_axis="% of the target reached",
        participants_title="Event participants by category and gender",
        participants_axis="Participants",
        timeline_title="Activity timeline: planned and actual",
        planned="Planned",
        actual="Actual",
        today="Reference date",
        no_targets="No target set",
        no_participants="No participant recorded",
        no_dates="No dates",
        methods=_METHODS_EN,
        decimal_mark=".",
    ),
}

TIMELINE_STATUSES = {
    "it": {
        "no_dates": "senza date",
        "not_started": "da avviare",
        "late_start": "avvio in ritardo",
        "running": "in corso",
        "overdue": "in corso oltre la fine prevista",
        "ended": "conclusa",
    },
    "en": {
        "no_dates": "no dates",
        "not_started": "not started",
        "late_start": "late start",
        "running": "running",
        "overdue": "running past its planned end",
        "ended": "ended",
    },
}


def programme_text(lang: str | None = "it") -> ProgrammeText:
    """The Italian words for "it" (or "it-IT"), the English ones otherwise."""
    return _TEXTS[_key(lang)]


def timeline_status(status: str, lang: str | None = "it") -> str:
    return TIMELINE_STATUSES[_key(lang)].get(status, status)


def _key(lang: str | None) -> str:
    return "it" if lang is None or language_code(lang) == "it" else "en"
