"""Repeats in the engine: initial instances, repeat_count, add and remove, nesting, per-instance logic."""

from datetime import datetime, timedelta, timezone
from xml.etree.ElementTree import Element, SubElement

import pytest

from forms.engine import EngineError, add_repeat, evaluate, new_instance, remove_repeat, validate
from forms.instance import instance_from_data
from forms.spec import FormSpec
from forms.spec_read import read_xform
from tests.forms.conftest import xform_from_md

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=1)))


def spec_of(markdown: str) -> FormSpec:
    return read_xform(xform_from_md(markdown))


def filled(spec: FormSpec, data: dict) -> Element:
    return instance_from_data(spec, data, "uuid:prova")


def names(root: Element, path: str) -> list[str]:
    return [element.findtext("nome") for element in root.findall(path)]


FAMILY = """
| survey |
|        | type         | name       | label  | calculation     | relevant          | required | constraint | default    |
|        | text         | cognome    | Cognome |                |                   |          |            | Rossi      |
|        | begin_repeat | figli      | Figli  |                 |                   |          |            |            |
|        | text         | nome       | Nome   |                 |                   | yes      |            |            |
|        | integer      | eta        | Età    |                 |                   |          | . < 18     |            |
|        | calculate    | doppia     |        | ${eta} * 2      |                   |          |            |            |
|        | calculate    | numero     |        | position(..)    |                   |          |            |            |
|        | text         | scuola     | Scuola |                 | ${eta} >= 6       |          |            |            |
|        | text         | famiglia   | Fam.   |                 |                   |          |            | ${cognome} |
|        | end_repeat   |            |        |                 |                   |          |            |            |
|        | calculate    | n_figli    |        | count(${figli}) |                   |          |            |            |
|        | calculate    | somma_eta  |        | sum(${eta})     |                   |          |            |            |
|        | calculate    | secondo    |        | indexed-repeat(${nome}, ${figli}, 2) |  |      |            |            |
"""


def test_a_new_instance_has_one_instance_of_each_repeat_and_no_template_copy():
    spec = spec_of(FAMILY)

    root = new_instance(spec, now=NOW)

    assert len(root.findall("figli")) == 1
    assert all(not element.attrib for element in root.findall("figli"))
    assert root.findtext("figli/famiglia") == "Rossi"


def test_calculates_in_a_repeat_use_their_own_instance():
    spec = spec_of(FAMILY)
    data = {"figli": [{"nome": "Anna", "eta": 4}, {"nome": "Luca", "eta": 9}]}

    root = evaluate(spec, filled(spec, data), now=NOW).root

    assert [f.findtext("doppia") for f in root.findall("figli")] == ["8", "18"]
    assert [f.findtext("numero") for f in root.findall("figli")] == ["1", "2"]


def test_totals_over_a_repeat_and_indexed_repeat_read_its_instances():
    spec = spec_of(FAMILY)
    data = {"figli": [{"nome": "Anna", "eta": 4}, {"nome": "Luca", "eta": 9}]}

    root = evaluate(spec, filled(spec, data), now=NOW).root

    assert [root.findtext(n) for n in ("n_figli", "somma_eta", "secondo")] == ["2", "13", "Luca"]


def test_relevance_inside_a_repeat_is_per_instance():
    spec = spec_of(FAMILY)
    data = {"figli": [{"nome": "Anna", "eta": 4, "scuola": "Nido"}, {"nome": "Luca", "eta": 9}]}

    evaluation = evaluate(spec, filled(spec, data), now=NOW)

    assert not evaluation.fields["/data/figli[1]/scuola"].relevant
    assert evaluation.fields["/data/figli[2]/scuola"].relevant
    assert evaluation.dropped == {"/data/figli[1]/scuola": "Nido"}


def test_problems_inside_a_repeat_name_the_instance():
    spec = spec_of(FAMILY)
    data = {"figli": [{"nome": "Anna", "eta": 4}, {"eta": 19}]}

    found = validate(spec, filled(spec, data), now=NOW).problems

    assert [(p.path, p.code) for p in found] == [
        ("/data/figli[2]/nome", "required"),
        ("/data/figli[2]/eta", "constraint"),
    ]


def test_add_repeat_appends_an_instance_with_its_defaults():
    spec = spec_of(FAMILY)
    root = filled(spec, {"cognome": "Bianchi", "figli": [{"nome": "Anna"}]})

    added = add_repeat(spec, root, "/data/figli")

    assert names(added, "figli") == ["Anna", ""]
    assert added.findall("figli")[1].findtext("famiglia") == "Bianchi"  # odk-new-repeat runs the default
    assert len(root.findall("figli")) == 1


def test_add_repeat_places_the_first_instance_where_the_form_has_it():
    spec = spec_of(FAMILY)
    root = filled(spec, {"cognome": "Bianchi"})

    added = add_repeat(spec, root, "/data/figli")

    assert [child.tag for child in added][:3] == ["cognome", "figli", "n_figli"]


def test_remove_repeat_removes_that_instance():
    spec = spec_of(FAMILY)
    root = filled(spec, {"figli": [{"nome": "Anna"}, {"nome": "Luca"}, {"nome": "Eva"}]})

    remaining = remove_repeat(spec, root, "/data/figli[2]")

    assert names(remaining, "figli") == ["Anna", "Eva"]


@pytest.mark.parametrize("path", ["/data/figli[4]", "/data/cognome", "/data/figli"])
def test_remove_repeat_refuses_a_path_that_is_not_an_instance(path):
    spec = spec_of(FAMILY)
    root = filled(spec, {"figli": [{"nome": "Anna"}]})

    with pytest.raises(EngineError):
        remove_repeat(spec, root, path)


COUNTED = """
| survey |
|        | type         | name     | label    | repeat_count | calculation |
|        | integer      | quanti   | Quanti   |              |             |
|        | begin_repeat | membri   | Membri   | ${quanti}    |             |
|        | text         | nome     | Nome     |              |             |
|        | calculate    | numero   |          |              | position(..) |
|        | end_repeat   |          |          |              |             |
|        | begin_repeat | stanze   | Stanze   | ${quanti} + 1 |            |
|        | text         | uso      | Uso      |              |             |
|        | end_repeat   |          |          |              |             |
"""


def test_repeat_count_gives_the_number_of_instances():
    spec = spec_of(COUNTED)

    root = evaluate(spec, filled(spec, {"quanti": 3}), now=NOW).root

    assert [m.findtext("numero") for m in root.findall("membri")] == ["1", "2", "3"]
    assert len(root.findall("stanze")) == 4


def test_lowering_the_count_drops_the_last_instances():
    spec = spec_of(COUNTED)
    data = {"quanti": 1, "membri": [{"nome": "Anna"}, {"nome": "Luca"}]}

    root = evaluate(spec, filled(spec, data), now=NOW).root

    assert names(root, "membri") == ["Anna"]


def test_an_unanswered_count_means_no_instances():
    spec = spec_of(COUNTED)

    root = new_instance(spec, now=NOW)

    assert (len(root.findall("membri")), len(root.findall("stanze"))) == (0, 0)  # NaN + 1 is NaN


def test_validate_reports_a_repeat_whose_size_differs_from_its_count():
    spec = spec_of(COUNTED)
    data = {"quanti": 2, "membri": [{"nome": "Anna"}], "stanze": [{}, {}, {}]}

    found = validate(spec, filled(spec, data), now=NOW).problems

    assert [(p.path, p.code, p.message_en) for p in found] == [
        ("/data/membri", "repeat_count", "This repeat must have 2 entries, not 1.")
    ]


def test_a_counted_repeat_cannot_be_added_to_or_shrunk_below_its_count():
    spec = spec_of(COUNTED)
    root = evaluate(spec, filled(spec, {"quanti": 2}), now=NOW).model

    with pytest.raises(EngineError):
        add_repeat(spec, root, "/data/membri")
    with pytest.raises(EngineError, match="must keep 2"):
        remove_repeat(spec, root, "/data/membri[1]")


def test_a_repeat_marked_no_add_remove_refuses_both():
    spec = spec_of("""
    | survey |
    |        | type         | name  | label | body::jr:noAddRemove |
    |        | begin_repeat | righe | Righe | true()               |
    |        | text         | testo | Testo |                      |
    |        | end_repeat   |       |       |                      |
    """)
    root = new_instance(spec, now=NOW)

    with pytest.raises(EngineError, match="does not let you"):
        add_repeat(spec, root, "/data/righe")
    with pytest.raises(EngineError, match="does not let you"):
        remove_repeat(spec, root, "/data/righe[1]")


NESTED = """
| survey |
|        | type         | name    | label   | repeat_count   | calculation                  |
|        | begin_repeat | case    | Case    |                |                              |
|        | integer      | persone | Persone |                |                              |
|        | begin_repeat | membri  | Membri  | ../persone     |                              |
|        | text         | nome    | Nome    |                |                              |
|        | calculate    | dove    |         |                | concat(position(../..), '.', position(..)) |
|        | end_repeat   |         |         |                |                              |
|        | begin_repeat | animali | Animali |                |                              |
|        | text         | specie  | Specie  |                |                              |
|        | end_repeat   |         |         |                |                              |
|        | end_repeat   |         |         |                |                              |
"""


def test_nested_repeats_are_counted_and_numbered_within_their_parent():
    spec = spec_of(NESTED)

    root = evaluate(spec, filled(spec, {"case": [{"persone": 1}, {"persone": 2}]}), now=NOW).root

    assert [m.findtext("dove") for m in root.iter("membri")] == ["1.1", "2.1", "2.2"]


def test_add_repeat_reaches_a_nested_repeat_by_position():
    spec = spec_of(NESTED)
    root = filled(spec, {"case": [{"animali": [{"specie": "gatto"}]}, {"animali": [{"specie": "cane"}]}]})

    added = add_repeat(spec, root, "/data/case[2]/animali")

    assert [len(casa.findall("animali")) for casa in added.findall("case")] == [1, 2]


def test_a_new_outer_instance_starts_with_one_instance_of_each_inner_repeat():
    spec = spec_of(NESTED)

    added = add_repeat(spec, new_instance(spec, now=NOW), "/data/case")

    assert [len(casa.findall("animali")) for casa in added.findall("case")] == [1, 1]


GROUPED = """
| survey |
|        | type         | name    | label   | relevant            |
|        | select_one sn | figli  | Figli?  |                     |
|        | begin_repeat | dati    | Dati    | ${figli} = 'si'     |
|        | text         | nome    | Nome    |                     |
|        | end_repeat   |         |         |                     |
| choices |
|         | list_name | name | label |
|         | sn        | si   | Sì    |
|         | sn        | no   | No    |
"""


def test_a_non_relevant_repeat_hides_every_instance():
    spec = spec_of(GROUPED)
    data = {"figli": "no", "dati": [{"nome": "Anna"}, {"nome": "Luca"}]}

    evaluation = evaluate(spec, filled(spec, data), now=NOW)

    assert not evaluation.fields["/data/dati[2]/nome"].relevant
    assert names(evaluation.root, "dati") == ["", ""]


def test_a_submission_without_its_non_relevant_elements_is_completed():
    # ODK Collect leaves non-relevant nodes out of what it submits.
    spec = spec_of(FAMILY)
    root = Element("data", {"id": "data"})
    SubElement(root, "cognome").text = "Verdi"

    evaluation = validate(spec, root, now=NOW)

    assert [child.tag for child in evaluation.root] == ["cognome", "n_figli", "somma_eta", "secondo", "meta"]
    assert evaluation.root.findtext("n_figli") == "0"


def test_elements_the_form_does_not_have_are_reported_and_dropped():
    spec = spec_of(FAMILY)
    root = filled(spec, {"cognome": "Verdi"})
    SubElement(root, "password").text = "segreta"

    evaluation = validate(spec, root, now=NOW)

    assert [(p.path, p.code) for p in evaluation.problems] == [("/data/password", "unknown")]
    assert evaluation.root.find("password") is None


def test_a_trigger_in_a_repeat_writes_only_its_own_instance():
    spec = spec_of("""
    | survey |
    |        | type         | name     | label   | calculation | trigger     |
    |        | begin_repeat | visite   | Visite  |             |             |
    |        | text         | esito    | Esito   |             |             |
    |        | calculate    | quando   |         | now()       | ${esito}    |
    |        | end_repeat   |          |         |             |             |
    """)
    before = filled(spec, {"visite": [{"esito": "positivo"}, {"esito": "da rivedere"}]})
    after = filled(spec, {"visite": [{"esito": "positivo"}, {"esito": "negativo"}]})

    root = evaluate(spec, after, now=NOW, previous=before).root

    assert [v.findtext("quando") for v in root.findall("visite")] == ["", "2025-03-14T09:30:00.000+01:00"]


def test_instances_made_for_a_count_get_their_computed_defaults():
    spec = spec_of("""
    | survey |
    |        | type         | name    | label   | repeat_count | default     |
    |        | text         | comune  | Comune  |              |             |
    |        | integer      | quanti  | Quanti  |              |             |
    |        | begin_repeat | sedi    | Sedi    | ${quanti}    |             |
    |        | text         | citta   | Città   |              | ${comune}   |
    |        | end_repeat   |         |         |              |             |
    """)

    root = evaluate(spec, filled(spec, {"comune": "Lecce", "quanti": 2}), now=NOW).root

    assert [s.findtext("citta") for s in root.findall("sedi")] == ["Lecce", "Lecce"]


def test_a_question_sent_twice_is_reported_and_its_copy_dropped():
    spec = spec_of(FAMILY)
    root = filled(spec, {"cognome": "Verdi"})
    SubElement(root, "cognome").text = "Neri"

    evaluation = validate(spec, root, now=NOW)

    assert [(p.path, p.code) for p in evaluation.problems] == [("/data/cognome", "twice")]
    assert [e.text for e in evaluation.root.findall("cognome")] == ["Verdi"]
