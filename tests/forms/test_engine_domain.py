"""The three Humus forms through the engine: a realistic Italian record validates, and each rule is enforced."""

import copy
import csv
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from forms.engine import check_form, new_instance, render_label, validate
from forms.instance import instance_from_data
from forms.spec import FormSpec
from forms.spec_read import read_xform

SHARED = Path(__file__).resolve().parents[3] / "shared"
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=1)))


@pytest.fixture(scope="module")
def specs() -> dict[str, FormSpec]:
    found = {}
    for path in sorted((SHARED / "domain" / "forms").glob("*.xlsx")):
        xform = convert(xlsform=io.BytesIO(path.read_bytes()), file_type=".xlsx").xform
        found[path.stem] = read_xform(xform)
    return found


@pytest.fixture(scope="module")
def attachments() -> dict[str, list[dict[str, str]]]:
    with (SHARED / "domain" / "puglia_territory.csv").open(encoding="utf-8", newline="") as file:
        return {"puglia_territory.csv": list(csv.DictReader(file))}


def check(spec: FormSpec, data: dict, attachments: dict, language: str | None = None):
    root = instance_from_data(spec, data, "uuid:0f5e0c1e-4a3b-4f7e-9d1a-2b6c8e9f0a11")
    return validate(spec, root, now=NOW, language=language, attachments=attachments, username="as.rossi")


def changed(data: dict, group: str | None, **values: object) -> dict:
    copied = copy.deepcopy(data)
    (copied[group] if group else copied).update(values)
    return copied


def problems(evaluation) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in evaluation.problems]


def test_the_domain_forms_pass_the_upload_checks(specs):
    assert {name: check_form(spec) for name, spec in specs.items()} == {name: [] for name in specs}


MONITORAGGIO = {
    "intestazione": {
        "provincia": "075",
        "ambito_denominazione": "Ambito di Gallipoli",
        "comune_capofila": "075031",
        "anno_riferimento": 2024,
        "periodo": "sem2",
        "data_inizio": "2024-07-01",
        "data_fine": "2024-12-31",
    },
    "servizio": {
        "tipo_servizio": "cd",
        "denominazione_servizio": "Centro diurno Il Girasole",
        "forma_gestione": "accreditamento",
        "ente_gestore": "Cooperativa sociale Il Melograno",
        "posti_autorizzati": 30,
        "giorni_apertura": 5,
    },
    "utenti": {
        **{f"{sex}_{band}": 0 for sex in "mf" for band in ("0_2", "3_5", "18_21", "adulti")},
        "m_6_10": 8,
        "f_6_10": 7,
        "m_11_13": 6,
        "f_11_13": 5,
        "m_14_17": 3,
        "f_14_17": 4,
        "f_18_21": 1,
        "nd_genere_eta": 0,
        "nuclei_familiari": 27,
        "utenti_nuovi": 9,
        "utenti_dimessi": 6,
        "utenti_disabilita": 3,
        "utenti_stranieri": 4,
        "utenti_provv_ag": 5,
        "utenti_pippi": 2,
        "utenti_affido": 1,
    },
    "accesso_attivita": {
        "modalita_accesso": ["servizio_sociale", "scuola"],
        "attivita": ["sostegno_scolastico", "laboratori", "sport"],
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
            "n_operatori": 4,
            "ore_settimanali": 96.5,
            "rapporto_lavoro": "dipendente_ets",
            "fabbisogni_profilo": ["tutela_minori", "lavoro_rete"],
        },
    ],
    "supervisione": "si",
    "ore_formazione": 24,
    "valutazione": {
        "criticita": "Lista d'attesa per la fascia 11-13 anni.",
        "punti_forza": "Raccordo stabile con le scuole del territorio.",
    },
}


def test_a_realistic_monitoring_report_validates(specs, attachments):
    evaluation = check(specs["monitoraggio_servizi"], MONITORAGGIO, attachments)

    assert evaluation.problems == []
    assert evaluation.root.findtext("fine") == "2025-03-14T09:30:00.000+01:00"


def test_the_monitoring_totals_are_calculated(specs, attachments):
    root = check(specs["monitoraggio_servizi"], MONITORAGGIO, attachments).root

    totals = [
        root.findtext(f"utenti/{name}") for name in ("tot_maschi", "tot_femmine", "tot_minori", "tot_utenti")
    ]
    assert totals == ["17", "17", "33", "34"]
    assert (root.findtext("tot_operatori"), root.findtext("tot_ore_settimanali")) == ("5", "114.5")
    assert root.findtext("meta/instanceName") == "Ambito di Gallipoli - cd - 2024 sem2"


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("it", "Totale utenti: 34 (maschi 17, femmine 17, di cui minorenni 33)"),
        ("en", "Total users: 34 (males 17, females 17, of whom minors 33)"),
    ],
)
def test_the_monitoring_note_shows_the_totals(specs, attachments, language, label):
    spec = specs["monitoraggio_servizi"]
    root = check(spec, MONITORAGGIO, attachments).root

    note = spec.control("/data/utenti/nota_totali")

    assert render_label(spec, note, root, "/data/utenti/nota_totali", language) == label


@pytest.mark.parametrize(
    "name",
    [
        "utenti_nuovi",
        "utenti_dimessi",
        "utenti_disabilita",
        "utenti_stranieri",
        "utenti_provv_ag",
        "utenti_affido",
    ],
)
def test_a_sub_count_may_not_exceed_the_total(specs, attachments, name):
    evaluation = check(
        specs["monitoraggio_servizi"], changed(MONITORAGGIO, "utenti", **{name: 35}), attachments
    )

    [found] = evaluation.problems
    assert (found.path, found.code) == (f"/data/utenti/{name}", "constraint")
    assert found.message("it") == "Non può superare il totale utenti (34)"
    assert found.message("en") == "Cannot exceed total users (34)"


def test_a_sub_count_equal_to_the_total_is_accepted(specs, attachments):
    evaluation = check(
        specs["monitoraggio_servizi"], changed(MONITORAGGIO, "utenti", utenti_nuovi=34), attachments
    )

    assert evaluation.problems == []


@pytest.mark.parametrize(
    ("group", "values", "expected"),
    [
        ("intestazione", {"comune_capofila": "072006"}, [("/data/intestazione/comune_capofila", "choice")]),
        ("intestazione", {"data_fine": "2024-06-30"}, [("/data/intestazione/data_fine", "constraint")]),
        ("intestazione", {"data_inizio": "2023-12-01"}, [("/data/intestazione/data_inizio", "constraint")]),
        (
            "intestazione",
            {"anno_riferimento": 2017},
            [
                ("/data/intestazione/anno_riferimento", "constraint"),
                ("/data/intestazione/data_inizio", "constraint"),
            ],
        ),
        ("servizio", {"giorni_apertura": 8}, [("/data/servizio/giorni_apertura", "constraint")]),
        ("utenti", {"m_6_10": 5001}, [("/data/utenti/m_6_10", "constraint")]),
        ("accesso_attivita", {"attivita": ["pasti", "uscite"]}, []),
        (
            "accesso_attivita",
            {"attivita": ["spazio_neutro"]},
            [("/data/accesso_attivita/attivita", "choice")],
        ),
        (
            "accesso_attivita",
            {"modalita_accesso": ["altro"]},
            [("/data/accesso_attivita/modalita_accesso_altro", "required")],
        ),
        ("valutazione", {"criticita": ""}, [("/data/valutazione/criticita", "required")]),
    ],
)
def test_each_monitoring_rule_is_enforced(specs, attachments, group, values, expected):
    evaluation = check(specs["monitoraggio_servizi"], changed(MONITORAGGIO, group, **values), attachments)

    assert problems(evaluation) == expected


def test_a_school_year_period_may_start_in_the_previous_year(specs, attachments):
    data = changed(MONITORAGGIO, "intestazione", periodo="anno_scolastico", data_inizio="2023-09-11")

    assert check(specs["monitoraggio_servizi"], data, attachments).problems == []


def test_home_care_asks_for_hours_and_drops_the_day_centre_questions(specs, attachments):
    data = changed(MONITORAGGIO, "servizio", tipo_servizio="ade", forma_gestione="diretta")
    data["accesso_attivita"]["attivita"] = ["intervento_domiciliare"]

    evaluation = check(specs["monitoraggio_servizi"], data, attachments, language="en")

    assert [(p.path, p.message("en"), p.message("it")) for p in evaluation.problems] == [
        ("/data/servizio/ore_educative", "This field is required", "Campo obbligatorio")
    ]
    assert set(evaluation.dropped) == {
        "/data/servizio/ente_gestore",
        "/data/servizio/posti_autorizzati",
        "/data/servizio/giorni_apertura",
    }


def test_a_staff_row_with_no_workers_is_refused_at_its_position(specs, attachments):
    data = copy.deepcopy(MONITORAGGIO)
    data["personale"][1]["n_operatori"] = 0

    evaluation = check(specs["monitoraggio_servizi"], data, attachments)

    assert problems(evaluation) == [("/data/personale[2]/n_operatori", "constraint")]
    assert evaluation.problems[0].message("it") == "Valore tra 1 e 200"


def test_a_new_monitoring_report_starts_with_zero_counts_and_the_dates(specs):
    root = new_instance(specs["monitoraggio_servizi"], now=NOW, username="as.rossi")

    assert root.findtext("utenti/m_0_2") == "0" and root.findtext("utenti/tot_utenti") == "0"
    assert (root.findtext("data_compilazione"), len(root.findall("personale"))) == ("2025-03-14", 1)


CARTELLA = {
    "ente": {
        "provincia": "075",
        "comune_residenza": "075031",
        "ambito": "Ambito di Gallipoli",
        "codice_operatore": "AS042",
    },
    "minore": {
        "codice_minore": "LE2025A017",
        "sesso": "f",
        "data_nascita": "2013-05-20",
        "cittadinanza": "extra_ue",
        "msna": "no",
        "condizione_scolastica": "secondaria_1",
        "disabilita_certificata": "no",
    },
    "presa_in_carico": {
        "data_presa_in_carico": "2025-02-10",
        "fonte_segnalazione": "scuola",
        "motivi": ["trascuratezza", "dispersione_scolastica"],
        "motivo_prevalente": "trascuratezza",
        "tipo_nucleo": "monogenitoriale_madre",
        "fascia_isee": "isee_1",
    },
    "giuridico": {
        "provv_ag": "si",
        "autorita_giudiziaria": "tribunale_minorenni",
        "tipo_provvedimento": ["prescrizioni_333"],
        "data_provvedimento": "2025-01-15",
    },
    "componenti": [
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
            "anno_nascita_componente": 2016,
            "convivente": "si",
        },
        {
            "relazione": "nonno_nonna",
            "sesso_componente": "f",
            "anno_nascita_componente": 1958,
            "convivente": "no",
        },
    ],
    "interventi": [
        {
            "tipo_intervento": "ade",
            "tipo_erogatore": "terzo_settore",
            "ente_erogatore": "Coop. Il Melograno",
            "data_inizio_intervento": "2025-02-17",
            "stato_intervento": "attivo",
        }
    ],
    "programmi": {"pippi": "no"},
}


def test_a_realistic_intake_record_validates_with_its_derived_fields(specs, attachments):
    evaluation = check(specs["cartella_sociale"], CARTELLA, attachments)

    assert evaluation.problems == []
    found = [
        evaluation.root.findtext(p) for p in ("minore/eta_anni", "minore/anno_nascita", "minore/fascia_eta")
    ]
    assert found == ["11", "2013", "11_13"]
    assert [evaluation.root.findtext(n) for n in ("n_componenti", "n_conviventi", "n_interventi")] == [
        "3",
        "2",
        "1",
    ]


def test_the_intake_summary_note_reads_the_record(specs, attachments):
    spec = specs["cartella_sociale"]
    root = check(spec, CARTELLA, attachments).root

    shown = render_label(spec, spec.control("/data/riepilogo"), root, "/data/riepilogo", "it")

    assert shown == (
        "Riepilogo: minore LE2025A017, 11 anni; 3 componenti del nucleo (2 conviventi); 1 interventi registrati."
    )


def test_household_questions_follow_each_members_age_and_role(specs, attachments):
    fields = check(specs["cartella_sociale"], CARTELLA, attachments).fields

    assert fields["/data/componenti[1]/condizione_occupazionale"].relevant
    assert not fields["/data/componenti[2]/condizione_occupazionale"].relevant
    assert [fields[f"/data/componenti[{n}]/resp_genitoriale"].relevant for n in (1, 2, 3)] == [
        True,
        False,
        False,
    ]


@pytest.mark.parametrize(
    ("group", "values", "expected"),
    [
        ("minore", {"codice_minore": "rossi.mario"}, [("/data/minore/codice_minore", "constraint")]),
        (
            "minore",
            {"data_nascita": "2001-01-10"},  # 24 years old: too old, and now asked about care leaving
            [("/data/minore/data_nascita", "constraint"), ("/data/programmi/care_leaver", "required")],
        ),
        (
            "minore",
            {"data_nascita": "2025-06-01"},  # not born yet: every date after birth fails too
            [
                ("/data/minore/data_nascita", "constraint"),
                ("/data/presa_in_carico/data_presa_in_carico", "constraint"),
                ("/data/interventi[1]/data_inizio_intervento", "constraint"),
            ],
        ),
        ("minore", {"msna": None}, [("/data/minore/msna", "required")]),
        ("ente", {"comune_residenza": "110001"}, [("/data/ente/comune_residenza", "choice")]),
        (
            "presa_in_carico",
            {"motivo_prevalente": "abuso_sessuale"},
            [("/data/presa_in_carico/motivo_prevalente", "choice")],
        ),
        (
            "presa_in_carico",
            {"fonte_segnalazione": "altro"},
            [("/data/presa_in_carico/fonte_altro", "required")],
        ),
        (
            "presa_in_carico",
            {"data_presa_in_carico": "2012-01-01"},
            [("/data/presa_in_carico/data_presa_in_carico", "constraint")],
        ),
        ("giuridico", {"data_provvedimento": None}, [("/data/giuridico/data_provvedimento", "required")]),
    ],
)
def test_each_intake_rule_is_enforced(specs, attachments, group, values, expected):
    assert (
        problems(check(specs["cartella_sociale"], changed(CARTELLA, group, **values), attachments))
        == expected
    )


def test_an_italian_child_is_not_asked_whether_unaccompanied(specs, attachments):
    data = changed(CARTELLA, "minore", cittadinanza="italiana")

    evaluation = check(specs["cartella_sociale"], data, attachments)

    assert evaluation.problems == []
    assert evaluation.dropped == {"/data/minore/msna": "no"}


def test_without_a_court_order_its_details_are_dropped(specs, attachments):
    evaluation = check(specs["cartella_sociale"], changed(CARTELLA, "giuridico", provv_ag="no"), attachments)

    assert evaluation.problems == []
    assert set(evaluation.dropped) == {
        "/data/giuridico/autorita_giudiziaria",
        "/data/giuridico/tipo_provvedimento",
        "/data/giuridico/data_provvedimento",
    }


def test_an_intervention_may_not_end_before_it_starts(specs, attachments):
    data = copy.deepcopy(CARTELLA)
    data["interventi"][0]["data_fine_intervento"] = "2025-02-01"

    evaluation = check(specs["cartella_sociale"], data, attachments)

    assert [(p.path, p.message("it")) for p in evaluation.problems] == [
        ("/data/interventi[1]/data_fine_intervento", "La fine non può precedere l'inizio")
    ]


VALUTAZIONE = {
    "codice_corso": "PIPPI-2025-LE",
    "fase": "post",
    "codice_operatore": "MA0734",
    "profilo": "assistente_sociale",
    "tipo_ente": "comune_ambito",
    "anni_servizio": 7,
    "conoscenze": dict(zip([f"k{n:02d}" for n in range(1, 11)], "bcdabacadc", strict=True)),
    "autoefficacia": dict(zip([f"ae{n}" for n in range(1, 9)], "44353444", strict=True)),
    "commenti": {
        "gradimento": "5",
        "utilita": "4",
        "apprendimenti": "Costruire il progetto quadro insieme alla famiglia.",
    },
}


def test_a_realistic_evaluation_questionnaire_validates_with_its_scores(specs, attachments):
    evaluation = check(specs["valutazione_formazione"], VALUTAZIONE, attachments)

    assert evaluation.problems == []
    names = ("punteggio_conoscenze", "percentuale_conoscenze", "media_autoefficacia", "fascia_anzianita")
    assert [evaluation.root.findtext(n) for n in names] == ["8", "80", "3.88", "miglioramento"]
    assert evaluation.root.findtext("conoscenze/p_k06") == "0"


def test_the_result_note_shows_the_scores(specs, attachments):
    spec = specs["valutazione_formazione"]
    root = check(spec, VALUTAZIONE, attachments).root

    shown = render_label(spec, spec.control("/data/nota_esito"), root, "/data/nota_esito", "English (en)")

    assert shown == "Correct answers: 8/10 - mean self-efficacy: 3.88/5"


@pytest.mark.parametrize(
    ("group", "values", "expected"),
    [
        (None, {"codice_operatore": "mario"}, [("/data/codice_operatore", "constraint")]),
        (None, {"codice_corso": "corso pippi"}, [("/data/codice_corso", "constraint")]),
        (None, {"anni_servizio": 51}, [("/data/anni_servizio", "constraint")]),
        ("autoefficacia", {"ae3": "6"}, [("/data/autoefficacia/ae3", "choice")]),
        ("commenti", {"gradimento": None}, [("/data/commenti/gradimento", "required")]),
    ],
)
def test_each_questionnaire_rule_is_enforced(specs, attachments, group, values, expected):
    data = changed(VALUTAZIONE, group, **values)

    assert problems(check(specs["valutazione_formazione"], data, attachments)) == expected


def test_a_pre_course_questionnaire_drops_the_satisfaction_questions(specs, attachments):
    data = changed(VALUTAZIONE, None, fase="pre")

    evaluation = check(specs["valutazione_formazione"], data, attachments)

    assert evaluation.problems == []
    assert set(evaluation.dropped) == {
        "/data/commenti/gradimento",
        "/data/commenti/utilita",
        "/data/commenti/apprendimenti",
    }


def test_an_intake_record_gets_its_entity_id_and_label(specs, attachments):
    entity = check(specs["cartella_sociale"], CARTELLA, attachments).root.find("meta/entity")

    assert len(entity.get("id")) == 36
    assert (entity.get("dataset"), entity.findtext("label")) == ("minori", "LE2025A017 (f, 2013)")


def test_a_new_intake_record_gets_its_entity_id_at_once(specs):
    entity = new_instance(specs["cartella_sociale"], now=NOW).find("meta/entity")

    assert len(entity.get("id")) == 36
