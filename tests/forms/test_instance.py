"""The submission codec: JSON data to the XML instance and back; submitted XML checked against the form."""

import io
import re
from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from forms.errors import FormError
from forms.instance import (
    InstanceDataError,
    data_from_instance,
    instance_from_data,
    instance_from_xml,
    instance_id,
    instance_to_xml,
)
from forms.instance_values import ValueProblem, decode_value, encode_value
from forms.spec import FormSpec
from forms.spec_read import read_xform
from tests.forms.conftest import xform_from_md

DOMAIN_FORMS = Path(__file__).resolve().parents[3] / "shared" / "domain" / "forms"


@pytest.fixture(scope="module")
def domain_specs() -> dict[str, FormSpec]:
    specs = {}
    for path in sorted(DOMAIN_FORMS.glob("*.xlsx")):
        xform = convert(xlsform=io.BytesIO(path.read_bytes()), file_type=".xlsx").xform
        specs[path.stem] = read_xform(xform)
    return specs


CODEC = """
| survey |
|        | type                     | name        | label    | default |
|        | text                     | nome        | Nome     |         |
|        | integer                  | eta         | Età      | 0       |
|        | decimal                  | ore         | Ore      |         |
|        | date                     | data        | Data     |         |
|        | time                     | ora         | Ora      |         |
|        | dateTime                 | quando      | Quando   |         |
|        | select_one sn            | ok          | Ok       |         |
|        | select_multiple attivita | attivita    | Attività |         |
|        | geopoint                 | dove        | Dove     |         |
|        | begin group              | famiglia    | Famiglia |         |
|        | begin group              | casa        | Casa     |         |
|        | text                     | via         | Via      |         |
|        | end group                |             |          |         |
|        | integer                  | membri      | Membri   |         |
|        | end group                |             |          |         |
|        | begin repeat             | figli       | Figli    |         |
|        | text                     | nome_figlio | Nome     |         |
|        | begin repeat             | visite      | Visite   |         |
|        | date                     | giorno      | Giorno   |         |
|        | end repeat               |             |          |         |
|        | end repeat               |             |          |         |
|        | note                     | nota        | Età: ${eta} |      |
| choices |
|         | list_name | name    | label   |
|         | sn        | si      | Sì      |
|         | sn        | no      | No      |
|         | attivita  | sport   | Sport   |
|         | attivita  | musica  | Musica  |
|         | attivita  | compiti | Compiti |
| settings |
|          | form_id | version |
|          | codec   | 3       |
"""

FULL = {
    "nome": "Nicolò D'Amato",
    "eta": 11,
    "ore": 12.5,
    "data": "2025-03-14",
    "ora": "16:30:00.000+01:00",
    "quando": "2025-03-14T16:30:00.000+01:00",
    "ok": "si",
    "attivita": ["sport", "compiti"],
    "dove": "41.1171 16.8719 12.0 5.0",
    "famiglia": {"casa": {"via": "Via Sparano 12, Bari"}, "membri": 4},
    "figli": [
        {"nome_figlio": "Giulia", "visite": [{"giorno": "2025-01-10"}, {"giorno": "2025-02-07"}]},
        {"nome_figlio": "Marco"},
        {},
    ],
}


@pytest.fixture(scope="module")
def spec() -> FormSpec:
    return read_xform(xform_from_md(CODEC))


def round_trip(spec: FormSpec, data: dict) -> dict:
    xml = instance_to_xml(instance_from_data(spec, data))
    return data_from_instance(spec, instance_from_xml(spec, xml))


@pytest.mark.parametrize(
    "data",
    [
        FULL,
        {},
        {"nome": "Ada"},
        {"famiglia": {"membri": 0}},
        {"figli": [{}, {"visite": [{}]}]},
        {"attivita": ["musica"], "ore": 0.1, "eta": -3},
    ],
)
def test_data_survive_the_trip_through_the_instance_xml(spec, data):
    assert round_trip(spec, data) == data


def test_elements_follow_the_template_whatever_the_order_of_the_keys(spec):
    shuffled = dict(reversed(list(FULL.items())))

    root = instance_from_data(spec, shuffled)

    assert [child.tag for child in root] == [
        "nome", "eta", "ore", "data", "ora", "quando", "ok", "attivita", "dove",
        "famiglia", "figli", "figli", "figli", "nota", "meta",
    ]  # fmt: skip


def test_repeats_expand_in_place_without_the_template_marker(spec):
    root = instance_from_data(spec, FULL)

    first = root.findall("figli")[0]

    assert [visit.findtext("giorno") for visit in first.findall("visite")] == ["2025-01-10", "2025-02-07"]
    assert b"jr:template" not in instance_to_xml(root)


def test_select_multiple_is_stored_space_separated(spec):
    root = instance_from_data(spec, {"attivita": ["sport", "compiti"]})

    assert root.findtext("attivita") == "sport compiti"


@pytest.mark.parametrize("empty", [None, "", []])
def test_an_empty_answer_is_an_empty_element_and_is_left_out_of_the_data(spec, empty):
    root = instance_from_data(spec, {"nome": empty, "attivita": empty, "famiglia": None, "figli": None})

    assert root.find("nome").text is None
    assert root.findall("figli") == []
    assert data_from_instance(spec, root) == {}


def test_an_empty_group_is_left_out_but_an_empty_repeat_instance_is_kept(spec):
    data = data_from_instance(spec, instance_from_data(spec, {"famiglia": {"casa": {}}, "figli": [{}]}))

    assert data == {"figli": [{}]}


def test_template_defaults_are_not_filled_in_for_omitted_answers(spec):
    root = instance_from_data(spec, {})

    assert "<eta>0</eta>" in spec.instance_xml
    assert root.find("eta").text is None


@pytest.mark.parametrize(
    ("sent", "stored", "read_back"),
    [
        ({"eta": "12"}, "12", 12),
        ({"eta": " 007 "}, "7", 7),
        ({"eta": 12.0}, "12", 12),
        ({"ore": "12.50"}, "12.50", 12.5),
        ({"ore": 36}, "36", 36.0),
        ({"ore": 1e-05}, "0.00001", 1e-05),
        ({"ore": "2.5E3"}, "2500", 2500.0),
        ({"nome": 42}, "42", "42"),
    ],
)
def test_numbers_may_be_sent_as_json_numbers_or_strings(spec, sent, stored, read_back):
    (name,) = sent

    root = instance_from_data(spec, sent)

    assert root.findtext(name) == stored
    assert data_from_instance(spec, root)[name] == read_back


def test_decimals_read_back_as_floats(spec):
    data = data_from_instance(spec, instance_from_data(spec, {"ore": 36}))

    assert type(data["ore"]) is float


def test_a_missing_instance_id_is_made_with_the_uuid_prefix(spec):
    root = instance_from_data(spec, {})

    assert re.fullmatch(r"uuid:[0-9a-f-]{36}", instance_id(spec, root))


def test_a_given_instance_id_is_kept(spec):
    root = instance_from_data(spec, {}, instance_id="uuid:7b3c8a52-2f1e-4a57-9c1e-0d5b6f1b2a10")

    assert root.findtext("meta/instanceID") == "uuid:7b3c8a52-2f1e-4a57-9c1e-0d5b6f1b2a10"


def test_meta_is_left_out_of_the_data(spec):
    root = instance_from_data(spec, {"nome": "Ada"}, instance_id="uuid:1")

    assert data_from_instance(spec, root) == {"nome": "Ada"}


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ({"cognome": "Rossi"}, "/data/cognome", "'cognome' is not a field of this form"),
        ({"meta": {"instanceID": "uuid:1"}}, "/data/meta", "meta is filled in by the server"),
        ({"famiglia": {"colore": "blu"}}, "/data/famiglia/colore", "'colore' is not a field"),
        ({"famiglia": ["casa"]}, "/data/famiglia", "expected an object with the group's fields"),
        ({"figli": {"nome_figlio": "Giulia"}}, "/data/figli", "expected a list of objects"),
        ({"figli": ["Giulia"]}, "/data/figli[1]", "expected an object"),
        (
            {"figli": [{}, {"visite": [{"giorno": "10/01/2025"}]}]},
            "/data/figli[2]/visite[1]/giorno",
            "YYYY-MM-DD",
        ),
        ({"nome": {"first": "Ada"}}, "/data/nome", "expected a single value"),
        ({"ok": ["si"]}, "/data/ok", "expected a single value"),
        ({"attivita": "sport"}, "/data/attivita", "must be a list of choice names"),
        ({"attivita": ["sport musica"]}, "/data/attivita", "without spaces"),
        ({"eta": "11 anni"}, "/data/eta", "must be a whole number"),
        ({"eta": 11.5}, "/data/eta", "must be a whole number"),
        ({"eta": True}, "/data/eta", "must be a whole number"),
        ({"ore": "12,5"}, "/data/ore", "with a dot for decimals"),
        ({"ore": float("nan")}, "/data/ore", "must be a number"),
        ({"data": "2025-02-30"}, "/data/data", "YYYY-MM-DD"),
        ({"ora": "25:00"}, "/data/ora", "HH:MM:SS"),
        ({"quando": "2025-03-14 16:30"}, "/data/quando", "YYYY-MM-DDTHH:MM:SS"),
        ({"nome": False}, "/data/nome", "must be text or a number"),
    ],
)
def test_data_that_do_not_fit_the_form_are_refused_by_field_path(spec, data, path, message):
    with pytest.raises(InstanceDataError) as raised:
        instance_from_data(spec, data)

    [(problem_path, english, italian)] = raised.value.problems
    assert problem_path == path
    assert message in english
    assert italian and italian != english


def test_every_problem_is_reported_at_once_with_italian_messages(spec):
    with pytest.raises(InstanceDataError) as raised:
        instance_from_data(spec, {"eta": "tanti", "ore": "12,5", "sconosciuto": 1})

    assert raised.value.problems == [
        (
            "/data/sconosciuto",
            "'sconosciuto' is not a field of this form",
            "'sconosciuto' non è un campo di questo modulo",
        ),
        ("/data/eta", "must be a whole number", "deve essere un numero intero"),
        (
            "/data/ore",
            "must be a number, with a dot for decimals",
            "deve essere un numero, con il punto per i decimali",
        ),
    ]
    assert isinstance(raised.value, FormError)


@pytest.mark.parametrize(("data", "instance_id_sent"), [(["nome"], None), ({}, ""), ({}, "  ")])
def test_data_that_is_not_an_object_or_a_blank_instance_id_is_refused(spec, data, instance_id_sent):
    with pytest.raises(InstanceDataError):
        instance_from_data(spec, data, instance_id=instance_id_sent)


COLLECT_SUBMISSION = b"""<?xml version='1.0' ?>
<data id="codec" version="3" xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms">
  <nome>Ada</nome>
  <eta>9</eta>
  <attivita>musica sport</attivita>
  <famiglia><casa><via/></casa><membri>3</membri></famiglia>
  <figli><nome_figlio>Leo</nome_figlio></figli>
  <meta><instanceID>uuid:0a9c2a5e-6f0e-4c3e-8a43-3b1f2f1f6d11</instanceID></meta>
</data>
"""


def test_a_pretty_printed_collect_submission_is_read(spec):
    root = instance_from_xml(spec, COLLECT_SUBMISSION)

    assert data_from_instance(spec, root) == {
        "nome": "Ada",
        "eta": 9,
        "attivita": ["musica", "sport"],
        "famiglia": {"membri": 3},
        "figli": [{"nome_figlio": "Leo"}],
    }
    assert instance_id(spec, root) == "uuid:0a9c2a5e-6f0e-4c3e-8a43-3b1f2f1f6d11"


def test_a_submission_in_the_xforms_namespace_is_read_as_plain_names(spec):
    xml = b'<data xmlns="http://www.w3.org/2002/xforms" id="codec" version="3"><nome>Ada</nome></data>'

    root = instance_from_xml(spec, xml)

    assert (root.tag, data_from_instance(spec, root)) == ("data", {"nome": "Ada"})


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (b'<!DOCTYPE data [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><data id="codec">&b;</data>', "DTD"),
        (b'<!DOCTYPE data [<!ENTITY x SYSTEM "file:///etc/passwd">]><data id="codec">&x;</data>', "DTD"),
        (b'<!DOCTYPE data><data id="codec" version="3"/>', "DTD"),
        (b'<data id="codec" version="3"><nome>Ada</data>', "not well-formed XML (line 1"),
        (b'<survey id="codec" version="3"/>', "root is <survey>, the form's is <data>"),
        (b'<data id="altro" version="2"/>', "for form 'altro', not 'codec'"),
        (b'<data id="codec" version="2"/>', "for version '2' of the form, not '3'"),
        (b'<data id="codec"/>', "for version '' of the form, not '3'"),
    ],
)
def test_a_submitted_xml_that_is_unsafe_or_for_another_form_is_refused(spec, xml, message):
    with pytest.raises(InstanceDataError) as raised:
        instance_from_xml(spec, xml)

    [(path, english, italian)] = raised.value.problems
    assert path == "/data"
    assert message in english
    assert italian


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        (b"<cognome>Rossi</cognome>", "/data/cognome", "'cognome' is not a field of this form"),
        (b"<eta>undici</eta>", "/data/eta", "must be a whole number"),
        (b"<nome>Ada</nome><nome>Eva</nome>", "/data/nome", "appears more than once"),
        (b"<nome><x>1</x></nome>", "/data/nome", "found nested elements"),
        (
            b"<figli><visite><giorno>ieri</giorno></visite></figli>",
            "/data/figli[1]/visite[1]/giorno",
            "YYYY-MM-DD",
        ),
    ],
)
def test_an_instance_that_does_not_fit_the_form_is_reported_by_field_path(spec, body, path, message):
    root = instance_from_xml(spec, b'<data id="codec" version="3">' + body + b"</data>")

    with pytest.raises(InstanceDataError) as raised:
        data_from_instance(spec, root)

    [(problem_path, english, _)] = raised.value.problems
    assert (problem_path, message in english) == (path, True)


@pytest.mark.parametrize(
    ("value", "value_type", "text", "back"),
    [
        (True, "boolean", "true", True),
        ("0", "boolean", "0", False),
        (3, "int", "3", 3),
        (0.25, "decimal", "0.25", 0.25),
        (1e16, "decimal", "10000000000000000", 1e16),
        (["b", "a"], "rank", "b a", ["b", "a"]),
        ("13:05", "time", "13:05", "13:05"),
        ("2025-01-31T23:59:59Z", "dateTime", "2025-01-31T23:59:59Z", "2025-01-31T23:59:59Z"),
        (
            "45.46 9.19 0 0; 45.47 9.2 0 0",
            "geotrace",
            "45.46 9.19 0 0; 45.47 9.2 0 0",
            "45.46 9.19 0 0; 45.47 9.2 0 0",
        ),
        ("foto.jpg", "binary", "foto.jpg", "foto.jpg"),
    ],
)
def test_each_type_has_one_instance_text_and_one_json_value(value, value_type, text, back):
    assert encode_value(value, value_type) == text
    assert decode_value(text, value_type) == back


@pytest.mark.parametrize(
    ("value", "value_type"), [("sì", "boolean"), (1e400, "decimal"), ("1e400", "decimal")]
)
def test_values_that_do_not_fit_their_type_raise_a_value_problem(value, value_type):
    with pytest.raises(ValueProblem):
        encode_value(value, value_type)


MONITORAGGIO = {
    "inizio": "2025-07-01T09:12:04.311+02:00",
    "fine": "2025-07-01T09:48:51.027+02:00",
    "data_compilazione": "2025-07-01",
    "intestazione": {
        "provincia": "075",
        "ambito_denominazione": "Ambito di Gallipoli",
        "comune_capofila": "075031",
        "anno_riferimento": 2025,
        "periodo": "sem1",
        "data_inizio": "2025-01-01",
        "data_fine": "2025-06-30",
    },
    "servizio": {
        "tipo_servizio": "cap",
        "denominazione_servizio": "Centro Aperto Polivalente «Il Girasole»",
        "forma_gestione": "convenzione",
        "ente_gestore": "Cooperativa sociale Itaca",
        "posti_autorizzati": 30,
        "giorni_apertura": 5,
    },
    "utenti": {
        "m_0_2": 0,
        "f_0_2": 0,
        "m_3_5": 2,
        "f_3_5": 1,
        "m_6_10": 9,
        "f_6_10": 11,
        "m_11_13": 7,
        "f_11_13": 6,
        "m_14_17": 4,
        "f_14_17": 5,
        "m_18_21": 1,
        "f_18_21": 0,
        "m_adulti": 0,
        "f_adulti": 0,
        "nd_genere_eta": 0,
        "tot_maschi": "23",
        "tot_femmine": "23",
        "tot_minori": "45",
        "tot_utenti": "46",
        "nuclei_familiari": 38,
        "utenti_nuovi": 12,
        "utenti_dimessi": 8,
        "utenti_disabilita": 3,
        "utenti_stranieri": 6,
        "utenti_provv_ag": 4,
        "utenti_pippi": 2,
        "utenti_affido": 1,
    },  # fmt: skip
    "accesso_attivita": {
        "modalita_accesso": ["servizio_sociale", "scuola", "autorita_giudiziaria"],
        "attivita": ["sostegno_scolastico", "laboratori", "sport"],
        "enti_rete": ["scuola", "npia", "terzo_settore"],
    },
    "personale": [
        {
            "profilo": "coordinatore",
            "n_operatori": 1,
            "ore_settimanali": 18.0,
            "rapporto_lavoro": "dipendente_ets",
        },
        {
            "profilo": "educatore",
            "n_operatori": 4,
            "ore_settimanali": 108.0,
            "rapporto_lavoro": "dipendente_ets",
            "fabbisogni_profilo": ["tutela_minori", "lavoro_rete"],
        },
        {
            "profilo": "altro",
            "profilo_altro": "Arteterapeuta",
            "n_operatori": 1,
            "ore_settimanali": 6.5,
            "rapporto_lavoro": "libero_professionista",
        },
    ],
    "tot_operatori": "6",
    "tot_ore_settimanali": "132.5",
    "supervisione": "si",
    "ore_formazione": 24,
    "valutazione": {
        "criticita": "Lista d'attesa di 9 minori; spazi insufficienti per le attività all'aperto.",
        "punti_forza": "Buona collaborazione con le scuole dell'Ambito e con la NPIA.",
        "proposte": "Attivare un secondo turno pomeridiano il sabato.",
    },
}

CARTELLA = {
    "inizio": "2025-03-14T10:02:41.000+01:00",
    "fine": "2025-03-14T10:40:13.000+01:00",
    "data_compilazione": "2025-03-14",
    "ente": {
        "provincia": "072",
        "comune_residenza": "072006",
        "ambito": "Ambito di Bari",
        "codice_operatore": "AS0142",
    },
    "minore": {
        "codice_minore": "BA25M0042",
        "sesso": "f",
        "data_nascita": "2014-09-03",
        "eta_anni": "10",
        "anno_nascita": "2014",
        "fascia_eta": "6_10",
        "cittadinanza": "extra_ue",
        "msna": "no",
        "condizione_scolastica": "primaria",
        "disabilita_certificata": "no",
    },
    "presa_in_carico": {
        "data_presa_in_carico": "2025-03-10",
        "fonte_segnalazione": "scuola",
        "motivi": ["trascuratezza", "difficolta_economiche"],
        "motivo_prevalente": "trascuratezza",
        "tipo_nucleo": "monogenitoriale_madre",
        "fascia_isee": "isee_1",
    },
    "giuridico": {
        "provv_ag": "si",
        "autorita_giudiziaria": "tribunale_minorenni",
        "tipo_provvedimento": ["prescrizioni_333", "affidamento_servizio"],
        "data_provvedimento": "2025-02-20",
    },
    "componenti": [
        {
            "relazione": "madre",
            "sesso_componente": "f",
            "anno_nascita_componente": 1988,
            "convivente": "si",
            "condizione_occupazionale": "disoccupato",
            "titolo_studio": "licenza_media",
            "resp_genitoriale": "si",
        },
        {
            "relazione": "fratello_sorella",
            "sesso_componente": "m",
            "anno_nascita_componente": 2017,
            "convivente": "si",
        },
        {
            "relazione": "nonno_nonna",
            "sesso_componente": "f",
            "anno_nascita_componente": 1961,
            "convivente": "no",
            "condizione_occupazionale": "pensionato",
            "titolo_studio": "licenza_elementare",
        },
    ],
    "n_componenti": "3",
    "n_conviventi": "2",
    "interventi": [
        {
            "tipo_intervento": "ade",
            "tipo_erogatore": "terzo_settore",
            "ente_erogatore": "Cooperativa sociale Progetto Città",
            "data_inizio_intervento": "2025-04-01",
            "stato_intervento": "attivo",
        },
        {
            "tipo_intervento": "centro_diurno",
            "tipo_erogatore": "comune_ambito",
            "data_inizio_intervento": "2025-04-15",
            "data_fine_intervento": "2025-07-31",
            "stato_intervento": "programmato",
        },
    ],
    "n_interventi": "2",
    "programmi": {"pippi": "si", "pippi_edizione": "P.I.P.P.I. 13", "pippi_data_t0": "2025-04-01"},
    "stato_cartella": "aperta",
}

VALUTAZIONE = {
    "inizio": "2025-05-20T17:05:00.000+02:00",
    "fine": "2025-05-20T17:21:36.000+02:00",
    "data_compilazione": "2025-05-20",
    "codice_corso": "TUT-MIN-2025-01",
    "fase": "post",
    "codice_operatore": "RS1234",
    "profilo": "assistente_sociale",
    "tipo_ente": "comune_ambito",
    "anni_servizio": 7,
    "fascia_anzianita": "miglioramento",
    "conoscenze": {
        "k01": "b",
        "p_k01": "1",
        "k02": "c",
        "p_k02": "1",
        "k03": "a",
        "p_k03": "0",
        "k04": "a",
        "p_k04": "1",
        "k05": "b",
        "p_k05": "1",
        "k06": "b",
        "p_k06": "1",
        "k07": "c",
        "p_k07": "1",
        "k08": "a",
        "p_k08": "1",
        "k09": "b",
        "p_k09": "0",
        "k10": "b",
        "p_k10": "1",
    },  # fmt: skip
    "punteggio_conoscenze": "8",
    "percentuale_conoscenze": "80",
    "autoefficacia": {
        "ae1": "4",
        "ae2": "4",
        "ae3": "5",
        "ae4": "3",
        "ae5": "4",
        "ae6": "5",
        "ae7": "4",
        "ae8": "5",
    },
    "media_autoefficacia": "4.25",
    "commenti": {
        "gradimento": "5",
        "utilita": "4",
        "apprendimenti": "Uso della scheda «Il Mondo del Bambino»; lavoro di rete con la NPIA.",
        "commenti_liberi": "Più esercitazioni su casi reali, grazie.",
    },
}


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("monitoraggio_servizi", MONITORAGGIO),
        ("cartella_sociale", CARTELLA),
        ("valutazione_formazione", VALUTAZIONE),
    ],
)
def test_realistic_italian_data_for_the_domain_forms_survive_the_trip(domain_specs, name, data):
    spec = domain_specs[name]

    xml = instance_to_xml(
        instance_from_data(spec, data, instance_id="uuid:5f0c7c1e-4b7e-4d3c-9a57-2f8b1d0e6a43")
    )
    root = instance_from_xml(spec, xml)

    assert data_from_instance(spec, root) == data
    assert (root.get("id"), root.get("version")) == (name, "2025010101")
    assert instance_id(spec, root) == "uuid:5f0c7c1e-4b7e-4d3c-9a57-2f8b1d0e6a43"


def test_the_monitoring_staff_repeat_is_expanded_in_order(domain_specs):
    spec = domain_specs["monitoraggio_servizi"]

    root = instance_from_data(spec, MONITORAGGIO)

    assert [p.findtext("profilo") for p in root.findall("personale")] == [
        "coordinatore",
        "educatore",
        "altro",
    ]
    assert root.find("personale").findtext("ore_settimanali") == "18.0"


def test_the_intake_record_keeps_the_entity_declaration_of_the_template(domain_specs):
    spec = domain_specs["cartella_sociale"]

    entity = instance_from_data(spec, CARTELLA).find("meta/entity")

    assert (entity.get("dataset"), entity.get("create"), entity.get("id")) == ("minori", "1", "")
    assert entity.find("label") is not None
