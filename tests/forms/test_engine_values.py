"""Answers checked by type and against the choices offered: static, filtered, cascading and from attached CSVs."""

from datetime import datetime, timedelta, timezone
from xml.etree.ElementTree import Element

import pytest

from forms.engine import EngineError, choices, evaluate, validate
from forms.instance import instance_from_data
from forms.spec import FormSpec
from forms.spec_read import read_xform
from tests.forms.conftest import xform_from_md

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=1)))


def spec_of(markdown: str) -> FormSpec:
    return read_xform(xform_from_md(markdown))


def with_text(spec: FormSpec, **texts: str) -> Element:
    # Raw instance text, as an OpenRosa submission may carry: the JSON codec would refuse bad types first.
    root = instance_from_data(spec, {}, "uuid:prova")
    for name, text in texts.items():
        root.find(name).text = text
    return root


def codes(spec: FormSpec, root: Element, **options: object) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in validate(spec, root, now=NOW, **options).problems]


TYPES = """
| survey |
|        | type             | name  | label |
|        | integer          | i     | I     |
|        | decimal          | d     | D     |
|        | date             | dt    | Dt    |
|        | time             | tm    | Tm    |
|        | dateTime         | dtm   | Dtm   |
|        | geopoint         | gp    | Gp    |
|        | geotrace         | gt    | Gt    |
|        | geoshape         | gs    | Gs    |
|        | acknowledge      | ack   | Ack   |
"""


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("i", "12"),
        ("i", "-3"),
        ("d", "12.50"),
        ("d", "7"),
        ("dt", "2025-02-28"),
        ("tm", "10:20:00.000+01:00"),
        ("dtm", "2025-02-28T10:20:00.000+01:00"),
        ("gp", "41.9 12.5 20 5"),
        ("gp", "41.9 12.5"),
        ("gt", "41.9 12.5 0 0;41.8 12.4 0 0"),
        ("gs", "41.9 12.5 0 0;41.8 12.4 0 0;41.8 12.6 0 0;41.9 12.5 0 0"),
        ("ack", "OK"),
    ],
)
def test_answers_of_the_right_type_pass(name, text):
    spec = spec_of(TYPES)

    assert codes(spec, with_text(spec, **{name: text})) == []


@pytest.mark.parametrize(
    ("name", "text", "code"),
    [
        ("i", "3.5", "int"),
        ("i", "tre", "int"),
        ("d", "1,5", "decimal"),
        ("dt", "14/03/2025", "date"),
        ("dt", "2025-02-30", "date"),
        ("tm", "25:00", "time"),
        ("dtm", "2025-02-28 10:20", "dateTime"),
        ("gp", "91 12.5 0 0", "geopoint"),
        ("gp", "41.9", "geopoint"),
        ("gp", "41.9 12.5 0 -1", "geopoint"),
        ("gt", "41.9 12.5 0 0", "geotrace"),
        ("gs", "41.9 12.5;abc", "geoshape"),
    ],
)
def test_answers_of_the_wrong_type_are_reported(name, text, code):
    spec = spec_of(TYPES)

    assert codes(spec, with_text(spec, **{name: text})) == [(f"/data/{name}", code)]


def test_a_type_problem_is_reported_while_filling_in_both_languages():
    spec = spec_of(TYPES)

    found = evaluate(spec, with_text(spec, i="tre"), now=NOW).problems

    assert [(p.message("en"), p.message("it")) for p in found] == [
        ("Enter a whole number.", "Inserire un numero intero.")
    ]


SELECTS = """
| survey |
|        | type                 | name     | label    |
|        | select_one servizio  | servizio | Servizio |
|        | select_multiple att  | attivita | Attività |
|        | rank att             | ordine   | Ordine   |
| choices |
|         | list_name | name   | label          |
|         | servizio  | csf    | Centro famiglie |
|         | servizio  | ade    | Domiciliare     |
|         | att       | gruppi | Gruppi          |
|         | att       | sport  | Sport           |
"""


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        ({"servizio": "csf", "attivita": "gruppi sport", "ordine": "sport gruppi"}, []),
        ({"servizio": "cd"}, [("/data/servizio", "choice")]),
        ({"attivita": "gruppi nuoto"}, [("/data/attivita", "choice")]),
        ({"attivita": "sport sport"}, [("/data/attivita", "choice_twice")]),
    ],
)
def test_selected_values_must_be_among_the_choices(texts, expected):
    spec = spec_of(SELECTS)

    assert codes(spec, with_text(spec, **texts)) == expected


def test_a_choice_problem_names_the_value():
    spec = spec_of(SELECTS)

    found = validate(spec, with_text(spec, servizio="cd"), now=NOW).problems[0]

    assert found.message("it") == "'cd' non è tra le scelte proposte."


CASCADE = """
| survey |
|        | type                 | name      | label::Italiano (it) | label::English (en) | choice_filter        |
|        | select_one provincia | provincia | Provincia            | Province            |                      |
|        | select_one comune    | comune    | Comune               | Municipality        | prov=${provincia}    |
| choices |
|         | list_name | name | label::Italiano (it) | label::English (en) | prov |
|         | provincia | BA   | Bari                 | Bari                |      |
|         | provincia | LE   | Lecce                | Lecce               |      |
|         | comune    | 006  | Bari città           | Bari city           | BA   |
|         | comune    | 011  | Bitonto              | Bitonto             | BA   |
|         | comune    | 031  | Gallipoli            | Gallipoli           | LE   |
"""


def test_a_cascading_select_offers_only_the_choices_its_filter_keeps():
    spec = spec_of(CASCADE)
    root = with_text(spec, provincia="BA")

    offered = choices(spec, root, "/data/comune", language="en")

    assert offered == [("006", "Bari city"), ("011", "Bitonto")]


def test_choices_follow_the_language_asked_for():
    spec = spec_of(CASCADE)

    offered = choices(spec, with_text(spec, provincia="BA"), "/data/comune", language="Italiano (it)")

    assert offered[0] == ("006", "Bari città")


def test_a_value_its_filter_excludes_is_refused():
    spec = spec_of(CASCADE)

    assert codes(spec, with_text(spec, provincia="BA", comune="031")) == [("/data/comune", "choice")]


FROM_FILE = """
| survey |
|        | type                                | name    | label   | choice_filter         | parameters                    | calculation                                   |
|        | text                                | prov    | Prov    |                       |                               |                                               |
|        | select_one_from_file territorio.csv | comune  | Comune  | province_code=${prov} | value=istat_code label=comune |                                               |
|        | calculate                           | nome    |         |                       |                               | pulldata('territorio', 'comune', 'istat_code', ${comune}) |
"""  # noqa: E501
TERRITORY = [
    {"istat_code": "072006", "comune": "Bari", "province_code": "072"},
    {"istat_code": "075031", "comune": "Gallipoli", "province_code": "075"},
    {"istat_code": "075035", "comune": "Lecce", "province_code": "075"},
]


def test_select_one_from_file_offers_the_attached_rows_its_filter_keeps():
    spec = spec_of(FROM_FILE)

    offered = choices(
        spec, with_text(spec, prov="075"), "/data/comune", attachments={"territorio.csv": TERRITORY}
    )

    assert offered == [("075031", "Gallipoli"), ("075035", "Lecce")]


def test_select_one_from_file_checks_the_value_against_the_attachment():
    spec = spec_of(FROM_FILE)
    attachments = {"territorio.csv": TERRITORY}

    assert codes(spec, with_text(spec, prov="075", comune="072006"), attachments=attachments) == [
        ("/data/comune", "choice")
    ]


def test_without_its_attachment_a_select_from_file_is_not_checked():
    spec = spec_of(FROM_FILE)

    assert codes(spec, with_text(spec, prov="075", comune="999999")) == []


def test_pulldata_reads_the_attached_csv():
    spec = spec_of(FROM_FILE)
    root = with_text(spec, prov="075", comune="075031")

    evaluation = validate(spec, root, now=NOW, attachments={"territorio.csv": TERRITORY})

    assert evaluation.root.findtext("nome") == "Gallipoli"


IN_REPEAT = """
| survey |
|        | type              | name    | label   | choice_filter              | calculation                          |
|        | begin_repeat      | righe   | Righe   |                            |                                      |
|        | select_one colore | primo   | Primo   |                            |                                      |
|        | select_one colore | secondo | Secondo | name != current()/../primo |                                      |
|        | calculate         | etichetta |       |                            | jr:choice-name(${primo}, '${primo}') |
|        | end_repeat        |         |         |                            |                                      |
| choices |
|         | list_name | name  | label::Italiano (it) | label::English (en) |
|         | colore    | rosso | Rosso                | Red                 |
|         | colore    | verde | Verde                | Green               |
"""


def test_a_filter_with_current_is_evaluated_in_each_repeat_instance():
    spec = spec_of(IN_REPEAT)
    root = instance_from_data(spec, {"righe": [{"primo": "rosso"}, {"primo": "verde"}]}, "uuid:prova")

    first, second = (choices(spec, root, f"/data/righe[{n}]/secondo", language="it") for n in (1, 2))

    assert (first, second) == ([("verde", "Verde")], [("rosso", "Rosso")])


@pytest.mark.parametrize(("language", "label"), [("en", "Red"), ("it", "Rosso"), (None, "Rosso")])
def test_choice_name_gives_the_label_in_the_evaluation_language(language, label):
    spec = spec_of(IN_REPEAT)
    root = instance_from_data(spec, {"righe": [{"primo": "rosso"}]}, "uuid:prova")

    evaluation = evaluate(spec, root, now=NOW, language=language)

    assert evaluation.root.findtext("righe/etichetta") == label


def test_a_question_without_choices_offers_none():
    spec = spec_of(FROM_FILE)

    assert choices(spec, with_text(spec, prov="075"), "/data/prov") == []


def test_choices_of_a_path_the_instance_lacks_are_refused():
    spec = spec_of(FROM_FILE)

    with pytest.raises(EngineError):
        choices(spec, with_text(spec), "/data/provincia")
