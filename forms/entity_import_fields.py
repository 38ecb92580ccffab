"""The fields a historical import can fill, for minori and for interventi, and the header wording that
suggests each one.

The choices are the intake form's (cartella_sociale.xlsx); a choice cell may hold a name or its Italian
label. suggest_mapping only guesses from the headers' wording; forms.entity_import.check_mapping judges
the mapping in use.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["CHOICES", "INTERVENTI", "MINORI", "SPECS", "ImportField", "ImportSpec", "suggest_mapping"]


def _frozen(choices: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(choices)


# Choice names -> Italian labels, from the choices sheet of cartella_sociale.xlsx (stato is the import's own).
CHOICES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "sesso": _frozen({"m": "Maschio", "f": "Femmina"}),
        "stato": _frozen({"aperta": "Aperta", "chiusa": "Chiusa"}),
        "fonte": _frozen(
            {
                "famiglia": "Richiesta spontanea della famiglia",
                "scuola": "Scuola",
                "pediatra_mmg": "Pediatra / medico di base",
                "consultorio": "Consultorio familiare",
                "npia": "Neuropsichiatria infantile",
                "ospedale": "Ospedale / pronto soccorso",
                "forze_ordine": "Forze dell'ordine",
                "autorita_giudiziaria": "Autorità Giudiziaria (Tribunale / Procura per i minorenni)",
                "altro_servizio": "Altro servizio sociale / altro Ambito",
                "terzo_settore": "Ente del Terzo Settore",
                "altro": "Altro",
            }
        ),
        "tipo_intervento": _frozen(
            {
                "servizio_sociale": "Servizio sociale professionale / presa in carico",
                "ade": "Assistenza Domiciliare Educativa (art. 87 bis R.R. 4/2007)",
                "centro_diurno": "Centro socio-educativo diurno (art. 52 R.R. 4/2007)",
                "cap": "Centro Aperto Polivalente per minori (art. 104 R.R. 4/2007)",
                "csf": "Centro Servizi per le Famiglie (art. 93 R.R. 4/2007)",
                "pippi": "Programma P.I.P.P.I.",
                "affido_residenziale": "Affidamento familiare residenziale",
                "affido_diurno": "Affidamento familiare diurno / part-time",
                "comunita": "Comunità residenziale per minori",
                "comunita_mamma_bambino": "Comunità genitore-bambino",
                "sostegno_economico": "Contributo economico",
                "mediazione_familiare": "Mediazione familiare",
                "spazio_neutro": "Spazio neutro / incontri protetti",
                "sostegno_psicologico": "Sostegno psicologico",
                "npia": "Presa in carico NPIA",
                "inserimento_lavorativo": "Orientamento / inserimento lavorativo",
                "altro": "Altro",
            }
        ),
        "erogatore": _frozen(
            {
                "comune_ambito": "Comune / Ambito (gestione diretta)",
                "terzo_settore": "Ente del Terzo Settore",
                "asl": "ASL",
                "scuola": "Scuola",
                "famiglia_affidataria": "Famiglia affidataria",
                "altro": "Altro",
            }
        ),
        "stato_intervento": _frozen(
            {"programmato": "Programmato", "attivo": "Attivo", "sospeso": "Sospeso", "concluso": "Concluso"}
        ),
    }
)


@dataclass(frozen=True)
class ImportField:
    """A field a column can fill: its type (text, date, choice, istat, codice, codice_fiscale), whether a
    row needs it, and its role: a property of the entity, an identity (encrypted, never a property), or a
    lookup that only finds the minor an intervention belongs to."""

    name: str
    type: str = "text"
    required: bool = False
    role: str = "property"
    choices: str | None = None  # the choice list of a "choice" field


@dataclass(frozen=True)
class ImportSpec:
    """What a file imports: minori or interventi, their fields, and the allowed values of choice fields (a
    list's names, or a mapping of names to Italian labels, which are then accepted as well)."""

    kind: str
    fields: tuple[ImportField, ...]
    choices: Mapping[str, Collection[str]] = field(default_factory=lambda: CHOICES)

    def field_named(self, name: str) -> ImportField | None:
        return next((candidate for candidate in self.fields if candidate.name == name), None)


MINORI = ImportSpec(
    "minori",
    (
        ImportField("nome", role="identity"),
        ImportField("cognome", role="identity"),
        ImportField("codice_fiscale", "codice_fiscale", role="identity"),
        ImportField("data_nascita", "date", required=True, role="identity"),
        ImportField("indirizzo", role="identity"),
        ImportField("codice", "codice", required=True),
        ImportField("sesso", "choice", required=True, choices="sesso"),
        ImportField("comune_istat", "istat", required=True),
        ImportField("data_presa_in_carico", "date", required=True),
        ImportField("stato", "choice", required=True, choices="stato"),
        ImportField("data_chiusura", "date"),
        ImportField("esito"),
        ImportField("fonte_segnalazione", "choice", choices="fonte"),
    ),
)
INTERVENTI = ImportSpec(
    "interventi",
    (
        ImportField("codice_fiscale", "codice_fiscale", role="lookup"),
        ImportField("codice", "codice", role="lookup"),
        ImportField("tipo_intervento", "choice", required=True, choices="tipo_intervento"),
        ImportField("tipo_erogatore", "choice", required=True, choices="erogatore"),
        ImportField("ente_erogatore"),
        ImportField("data_inizio_intervento", "date", required=True),
        ImportField("data_fine_intervento", "date"),
        ImportField("stato_intervento", "choice", required=True, choices="stato_intervento"),
    ),
)
SPECS = {spec.kind: spec for spec in (MINORI, INTERVENTI)}


# Guessing the mapping

# Header words that say nothing about the field ("Data di nascita del minore" is "data nascita").
_FILLER_WORDS = frozenset(
    {"di", "del", "della", "dello", "dei", "degli", "delle", "d", "il", "lo", "la", "l", "i", "gli", "le"}
    | {"of", "the", "minore", "minori", "bambino"}
)
_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "minori": {
        "nome": ("nome", "nome minore", "first name", "name", "given name"),
        "cognome": ("cognome", "surname", "last name", "family name"),
        "codice_fiscale": ("codice fiscale", "c.f.", "cf", "cod. fiscale", "cod fisc", "codfisc", "tax code"),
        "data_nascita": ("data di nascita", "data nascita", "nato il", "nata il", "nato/a il", "birth date")
        + ("date of birth", "dob", "nascita"),
        "indirizzo": ("indirizzo", "indirizzo di residenza", "residenza", "via", "address"),
        "codice": ("codice", "codice minore", "codice cartella", "codice pseudonimo", "codice servizio")
        + ("id", "id minore", "numero cartella", "n. cartella", "cartella"),
        "sesso": ("sesso", "genere", "m/f", "sex", "gender"),
        "comune_istat": ("comune", "comune istat", "codice istat", "istat", "codice comune", "cod. istat")
        + ("comune di residenza", "codice istat comune", "comune residenza"),
        "data_presa_in_carico": ("data presa in carico", "data di presa in carico", "presa in carico")
        + ("data apertura", "data apertura cartella", "data inizio presa in carico", "intake date"),
        "stato": ("stato", "stato cartella", "stato del caso", "stato caso"),
        "data_chiusura": ("data chiusura", "data di chiusura", "chiusura", "data chiusura cartella"),
        "esito": ("esito", "esito chiusura", "motivo chiusura", "motivo di chiusura"),
        "fonte_segnalazione": ("fonte", "fonte segnalazione", "fonte della segnalazione", "segnalazione")
        + ("segnalato da", "inviante", "soggetto inviante"),
    },
    "interventi": {
        "codice_fiscale": ("codice fiscale", "c.f.", "cf", "cod. fiscale", "cod fisc", "codfisc", "tax code"),
        "codice": ("codice", "codice minore", "codice cartella", "codice pseudonimo", "codice servizio")
        + ("id minore", "numero cartella", "n. cartella", "cartella"),
        "tipo_intervento": ("tipo intervento", "tipo di intervento", "tipologia intervento", "intervento")
        + ("servizio", "tipo servizio"),
        "tipo_erogatore": ("tipo erogatore", "erogatore", "tipologia erogatore", "tipo ente"),
        "ente_erogatore": ("ente erogatore", "ente", "denominazione ente", "denominazione ente erogatore")
        + ("erogato da",),
        "data_inizio_intervento": ("data inizio", "data di inizio", "inizio", "data inizio intervento", "dal")
        + ("data attivazione",),
        "data_fine_intervento": ("data fine", "data di fine", "fine", "data fine intervento", "al")
        + ("data conclusione",),
        "stato_intervento": ("stato intervento", "stato", "stato dell'intervento"),
    },
}


def _header_key(header: str) -> str:
    """A header as suggestions compare it: without accents, case, brackets, punctuation or filler words."""
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", unicodedata.normalize("NFKD", header).casefold())
    return "".join(word for word in re.findall(r"[^\W_]+", text) if word not in _FILLER_WORDS)


_HINTS = {
    kind: {_header_key(text): name for name, texts in fields.items() for text in (name, *texts)}
    for kind, fields in _SYNONYMS.items()
}


def suggest_mapping(columns: Iterable[str], kind: str) -> dict[str, str]:
    """A guess of column -> field for the "minori" or "interventi" fields, from the headers' wording; each
    field goes to the first column that names it, and columns nobody recognises are left out."""
    mapping: dict[str, str] = {}
    for column in columns:
        name = _HINTS[kind].get(_header_key(column))
        if name and name not in mapping.values():
            mapping[column] = name
    return mapping
