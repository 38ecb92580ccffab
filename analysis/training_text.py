"""The words of the training impact report's charts and downloads, in Italian and English."""

from collections.abc import Mapping
from dataclasses import dataclass

from analysis.training_scoring import UNKNOWN_TIER
from forms.engine_text import language_code


@dataclass(frozen=True)
class ReportText:
    title: str
    measures: Mapping[str, str]
    tiers: Mapping[str, str]
    everyone: str
    edition: str  # "{code}" is replaced
    headline_columns: tuple[str, ...]
    attrition_columns: tuple[str, ...]
    item_columns: tuple[str, ...]
    headline_sheet: str
    attrition_sheet: str
    items_sheet: str
    headline_heading: str
    attrition_heading: str
    items_heading: str
    charts_heading: str
    not_interpretable: str  # "{n}" is replaced by the minimum number of pairs
    interpretable: str
    methods: tuple[str, ...]
    pre: str
    post: str
    slope_title: str
    distribution_title: str
    forest_title: str
    effect_axis: str
    no_pairs: str
    duplicates: str  # "{superseded}" and "{unusable}" are replaced
    decimal_mark: str

    def group(self, kind: str, key: str) -> str:
        """The label of a report group: everyone, an edition, a tier."""
        if kind == "edition":
            return self.edition.format(code=key)
        if kind == "tier":
            return self.tiers.get(key, key)
        return self.everyone

    def number(self, value: float | None, digits: int = 2) -> str:
        """A number with `digits` decimals and the language's decimal mark; a dash for None."""
        if value is None:
            return "—"
        text = f"{value:.{digits}f}"
        return text.replace(".", self.decimal_mark)

    def p_value(self, value: float | None) -> str:
        if value is None:
            return "—"
        return "< 0" + self.decimal_mark + "001" if value < 0.001 else self.number(value, 3)


_METHODS_IT = (
    "Le coppie uniscono il questionario pre e quello post della stessa persona (codice pseudonimo) nella "
    "stessa edizione; se una persona ha inviato più volte la stessa fase vale l'invio più recente.",
    "Conoscenze: somma delle risposte corrette (una domanda senza risposta vale come errata). "
    "Autoefficacia: media degli item (quelli a chiave invertita rovesciati), se la persona ha risposto "
    "ad almeno il 75% degli item.",
    "Test: t di Student per dati appaiati e test di Wilcoxon dei ranghi con segno (bilaterali); d_z di "
    "Cohen con intervallo di confidenza esatto (t non centrale); miglioramento affidabile secondo "
    "Jacobson e Truax (RCI > 1,96) con deviazione standard e alfa del pre-test di tutte le coppie; "
    "per ogni domanda di conoscenza il test di McNemar con correzione di Holm.",
    "I gruppi con meno di {n} coppie sono segnalati come non interpretabili.",
)
_METHODS_EN = (
    "Pairs join the pre and post questionnaires of the same person (pseudonymous code) in the same "
    "edition; when a person sent the same phase more than once, the latest submission counts.",
    "Knowledge: the number of right answers (an unanswered question counts as wrong). Self-efficacy: the "
    "mean of the items (reverse-keyed ones turned round), when the person answered at least 75% of them.",
    "Tests: paired Student's t and Wilcoxon signed rank (two-sided); Cohen's d_z with an exact "
    "(noncentral t) confidence interval; reliable improvement after Jacobson and Truax (RCI > 1.96) with "
    "the standard deviation and alpha of all pairs' pre-test; McNemar's test for each knowledge question "
    "with Holm's adjustment.",
    "Groups with fewer than {n} pairs are flagged as not interpretable.",
)

_TEXTS = {
    "it": ReportText(
        title="Impatto della formazione: confronto pre/post",
        measures={"knowledge": "Conoscenze (risposte corrette)", "efficacy": "Autoefficacia (media 1–5)"},
        tiers={
            "start_up": "Start up (meno di 3 anni)",
            "miglioramento": "Miglioramento (3–10 anni)",
            "aggiornamento": "Aggiornamento (oltre 10 anni)",
            UNKNOWN_TIER: "Fascia non indicata",
        },
        everyone="Tutti i partecipanti",
        edition="Edizione {code}",
        headline_columns=(
            "Gruppo",
            "Misura",
            "Coppie",
            "Media pre",
            "Media post",
            "Differenza media",
            "t",
            "p (t)",
            "p (Wilcoxon)",
            "d_z",
            "d_z IC basso",
            "d_z IC alto",
            "Miglioramento affidabile (%)",
            "Alfa di Cronbach (pre)",
            "Guadagno normalizzato",
            "Interpretabilità",
        ),
        attrition_columns=(
            "Gruppo",
            "Pre",
            "Post",
            "Coppie",
            "Pre senza post",
            "Abbandono (%)",
            "Post senza pre",
        ),
        item_columns=(
            "Gruppo",
            "Domanda",
            "Testo",
            "Coppie",
            "Corrette pre",
            "Corrette post",
            "Da corretta a errata",
            "Da errata a corretta",
            "Chi quadro",
            "p",
            "p (Holm)",
        ),
        headline_sheet="Sintesi",
        attrition_sheet="Abbandoni",
        items_sheet="Domande",
        headline_heading="Sintesi del cambiamento",
        attrition_heading="Abbandoni (pre senza post)",
        items_heading="Conoscenze, domanda per domanda (McNemar, correzione di Holm)",
        charts_heading="Grafici",
        not_interpretable="non interpretabile (meno di {n} coppie)",
        interpretable="interpretabile",
        methods=_METHODS_IT,
        pre="Pre",
        post="Post",
        slope_title="Punteggi prima e dopo, per partecipante",
        distribution_title="Distribuzione dei punteggi prima e dopo",
        forest_title="Dimensione dell'effetto per fascia (d_z, IC 95%)",
        effect_axis="d_z (cambiamento standardizzato)",
        no_pairs="Nessuna coppia completa",
        duplicates="Invii sostituiti da uno più recente: {superseded}. "
        "Invii senza codice o fase: {unusable}.",
        decimal_mark=",",
    ),
    "en": ReportText(
        title="Training impact: pre/post comparison",
        measures={"knowledge": "Knowledge (right answers)", "efficacy": "Self-efficacy (mean 1–5)"},
        tiers={
            "start_up": "Start up (under 3 years)",
            "miglioramento": "Miglioramento (3–10 years)",
            "aggiornamento": "Aggiornamento (over 10 years)",
            UNKNOWN_TIER: "Tier not given",
        },
        everyone="All participants",
        edition="Edition {code}",
        headline_columns=(
            "Group",
            "Measure",
            "Pairs",
            "Pre mean",
            "Post mean",
            "Mean difference",
            "t",
            "p (t)",
            "p (Wilcoxon)",
            "d_z",
            "d_z CI low",
            "d_z CI high",
            "Reliable improvement (%)",
            "Cronbach's alpha (pre)",
            "Normalized gain",
            "Interpretability",
        ),
        attrition_columns=(
            "Group",
            "Pre",
            "Post",
            "Pairs",
            "Pre without post",
            "Attrition (%)",
            "Post without pre",
        ),
        item_columns=(
            "Group",
            "Question",
            "Text",
            "Pairs",
            "Right pre",
            "Right post",
            "Right to wrong",
            "Wrong to right",
            "Chi-squared",
            "p",
            "p (Holm)",
        ),
        headline_sheet="Summary",
        attrition_sheet="Attrition",
        items_sheet="Questions",
        headline_heading="Summary of the change",
        attrition_heading="Attrition (pre without post)",
        items_heading="Knowledge, question by question (McNemar, Holm's adjustment)",
        charts_heading="Charts",
        not_interpretable="not interpretable (fewer than {n} pairs)",
        interpretable="interpretable",
        methods=_METHODS_EN,
        pre="Pre",
        post="Post",
        slope_title="Scores before and after, per participant",
        distribution_title="Distribution of the scores before and after",
        forest_title="Effect size by tier (d_z, 95% CI)",
        effect_axis="d_z (standardized change)",
        no_pairs="No complete pair",
        duplicates="Submissions replaced by a later one: {superseded}. "
        "Submissions without a code or phase: {unusable}.",
        decimal_mark=".",
    ),
}


def report_text(lang: str | None = "it") -> ReportText:
    """The Italian words for "it" (or "it-IT"), the English ones otherwise."""
    return _TEXTS["it" if lang is None or language_code(lang) == "it" else "en"]
