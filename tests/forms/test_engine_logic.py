"""The engine's form logic: skip logic, required and constraints with their messages, calculates, once(),
defaults, preloads, triggers and labels with outputs."""

from datetime import UTC, datetime, timedelta, timezone
from xml.etree.ElementTree import tostring

import pytest

from forms.engine import FormLogicError, evaluate, new_instance, render_hint, render_label, validate
from forms.instance import instance_from_data
from forms.spec import FormSpec
from forms.spec_read import read_xform
from tests.forms.conftest import xform_from_md

ROME = timezone(timedelta(hours=1))
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=ROME)


def spec_of(markdown: str) -> FormSpec:
    return read_xform(xform_from_md(markdown))


def filled(spec: FormSpec, data: dict) -> object:
    return instance_from_data(spec, data, "uuid:prova")


def problem_codes(evaluation) -> dict[str, str]:
    return {p.path: p.code for p in evaluation.problems}


SKIP_CHAIN = """
| survey |
|        | type          | name       | label          | relevant                |
|        | select_one sn | ha_figli   | Ha figli?      |                         |
|        | integer       | quanti     | Quanti?        | ${ha_figli} = 'si'      |
|        | text          | nomi       | Nomi           | ${quanti} > 0           |
|        | begin_group   | scuola     | Scuola         | ${quanti} >= 2          |
|        | text          | istituto   | Istituto       |                         |
|        | end_group     |            |                |                         |
| choices |
|         | list_name | name | label |
|         | sn        | si   | Sì    |
|         | sn        | no   | No    |
"""


def test_skip_logic_chain_follows_each_answer():
    spec = spec_of(SKIP_CHAIN)

    fields = evaluate(spec, filled(spec, {"ha_figli": "si", "quanti": 1}), now=NOW).fields

    assert fields["/data/quanti"].relevant
    assert fields["/data/nomi"].relevant
    assert not fields["/data/scuola"].relevant


def test_a_question_inside_a_non_relevant_group_is_not_relevant():
    spec = spec_of(SKIP_CHAIN)

    fields = evaluate(spec, filled(spec, {"ha_figli": "si", "quanti": 1}), now=NOW).fields

    assert not fields["/data/scuola/istituto"].relevant


def test_non_relevant_answers_are_dropped_from_root_but_kept_in_the_model():
    spec = spec_of(SKIP_CHAIN)
    answers = {"ha_figli": "no", "quanti": 3, "nomi": "Anna, Luca", "scuola": {"istituto": "Pascoli"}}

    evaluation = evaluate(spec, filled(spec, answers), now=NOW)

    assert evaluation.root.findtext("quanti") == ""
    assert evaluation.root.findtext("scuola/istituto") == ""
    assert evaluation.model.findtext("quanti") == "3"
    assert evaluation.dropped == {
        "/data/quanti": "3",
        "/data/nomi": "Anna, Luca",
        "/data/scuola/istituto": "Pascoli",
    }


def test_an_answer_hidden_by_skip_logic_reads_as_empty_in_later_conditions():
    spec = spec_of(SKIP_CHAIN)

    fields = evaluate(spec, filled(spec, {"ha_figli": "no", "quanti": 3}), now=NOW).fields

    assert not fields["/data/nomi"].relevant  # ${quanti} > 0 reads '' once quanti is hidden


def test_evaluate_leaves_the_instance_it_is_given_unchanged():
    spec = spec_of(SKIP_CHAIN)
    root = filled(spec, {"ha_figli": "no", "quanti": 3})
    before = tostring(root)

    evaluate(spec, root, now=NOW)

    assert tostring(root) == before


REQUIRED = """
| survey |
|        | type    | name  | label::Italiano (it) | label::English (en) | required | required_message::Italiano (it) | required_message::English (en) | relevant   |
|        | text    | nome  | Nome                 | Name                | yes      | Inserire il nome                | Enter the name                 |            |
|        | integer | eta   | Età                  | Age                 | yes      |                                 |                                |            |
|        | text    | note  | Note                 | Notes               | yes      |                                 |                                | ${eta} > 5 |
"""  # noqa: E501


def test_a_required_answer_left_empty_gets_the_forms_message_in_both_languages():
    spec = spec_of(REQUIRED)

    found = validate(spec, filled(spec, {"eta": 3}), now=NOW).problems[0]

    assert (found.path, found.code) == ("/data/nome", "required")
    assert (found.message("it"), found.message("en")) == ("Inserire il nome", "Enter the name")


def test_a_required_answer_without_a_message_gets_the_default_one():
    spec = spec_of(REQUIRED)

    found = validate(spec, filled(spec, {"nome": "Ada"}), now=NOW).problems

    assert [(p.path, p.message_en, p.message_it) for p in found] == [
        ("/data/eta", "This answer is required.", "Risposta obbligatoria.")
    ]


def test_required_is_not_enforced_on_a_non_relevant_question():
    spec = spec_of(REQUIRED)

    evaluation = validate(spec, filled(spec, {"nome": "Ada", "eta": 4}), now=NOW)

    assert evaluation.problems == []
    assert not evaluation.fields["/data/note"].required


def test_evaluate_reports_no_required_answers_while_the_form_is_being_filled():
    spec = spec_of(REQUIRED)

    evaluation = evaluate(spec, filled(spec, {}), now=NOW)

    assert evaluation.problems == []
    assert evaluation.fields["/data/nome"].required


CONSTRAINTS = """
| survey |
|        | type    | name    | label::Italiano (it) | label::English (en) | constraint          | constraint_message::Italiano (it) | constraint_message::English (en) |
|        | integer | totale  | Totale               | Total               | . >= 0              | Non negativo                      | Not negative                     |
|        | integer | nuovi   | Nuovi                | New                 | . <= ${totale}      | Al massimo ${totale}              | At most ${totale}                |
|        | integer | stanze  | Stanze               | Rooms               | . > 0 and . < 20    |                                   |                                  |
"""  # noqa: E501


def test_a_false_constraint_gets_its_translated_message():
    spec = spec_of(CONSTRAINTS)

    found = evaluate(spec, filled(spec, {"totale": -1}), now=NOW).problems

    assert [(p.path, p.code, p.message_it, p.message_en) for p in found] == [
        ("/data/totale", "constraint", "Non negativo", "Not negative")
    ]


def test_a_constraint_message_shows_the_values_it_names():
    spec = spec_of(CONSTRAINTS)

    found = evaluate(spec, filled(spec, {"totale": 12, "nuovi": 15}), now=NOW).problems

    assert [(p.message_it, p.message_en) for p in found] == [("Al massimo 12", "At most 12")]


def test_a_constraint_without_a_message_gets_the_default_one():
    spec = spec_of(CONSTRAINTS)

    found = evaluate(spec, filled(spec, {"stanze": 25}), now=NOW).problems

    assert [(p.message_en, p.message_it) for p in found] == [
        ("This answer is not valid.", "Risposta non valida.")
    ]


def test_a_constraint_is_not_checked_on_an_empty_answer():
    spec = spec_of(CONSTRAINTS)

    evaluation = validate(spec, filled(spec, {}), now=NOW)

    assert evaluation.problems == []
    assert evaluation.fields["/data/stanze"].constraint_ok


CALCULATES = """
| survey |
|        | type      | name     | label | calculation             |
|        | calculate | totale   |       | ${doppio} + ${piu_uno}  |
|        | calculate | piu_uno  |       | ${doppio} + 1           |
|        | calculate | doppio   |       | ${base} * 2             |
|        | decimal   | base     | Base  |                         |
|        | calculate | terzo    |       | ${base} div 3           |
|        | calculate | niente   |       | number('abc')           |
|        | calculate | grande   |       | ${base} > 1             |
"""


def test_calculates_follow_their_dependencies_whatever_their_order_in_the_form():
    spec = spec_of(CALCULATES)

    root = evaluate(spec, filled(spec, {"base": 2.5}), now=NOW).root

    assert [root.findtext(name) for name in ("doppio", "piu_uno", "totale")] == ["5", "6", "11"]


@pytest.mark.parametrize(
    ("name", "stored"),
    [("terzo", "0.3333333333333333"), ("niente", ""), ("grande", "false"), ("doppio", "2")],
)
def test_calculated_values_are_stored_as_odk_writes_them(name, stored):
    spec = spec_of(CALCULATES)

    root = evaluate(spec, filled(spec, {"base": 1}), now=NOW).root

    assert root.findtext(name) == stored


def test_a_submitted_value_for_a_calculate_is_recomputed():
    spec = spec_of(CALCULATES)
    root = filled(spec, {"base": 1, "doppio": "999"})

    evaluation = validate(spec, root, now=NOW)

    assert evaluation.root.findtext("doppio") == "2"
    assert evaluation.problems == []


CYCLE = """
| survey |
|        | type      | name | label | calculation |
|        | calculate | a    |       | ${c} + 1    |
|        | calculate | b    |       | ${a} + 1    |
|        | calculate | c    |       | ${b} + 1    |
|        | integer   | d    | D     |             |
"""


def test_evaluating_a_form_whose_calculations_form_a_cycle_raises_naming_them():
    spec = spec_of(CYCLE)

    with pytest.raises(FormLogicError, match="'a', 'b', 'c'"):
        evaluate(spec, filled(spec, {}), now=NOW)


ONCE_AND_DEFAULTS = """
| survey |
|        | type      | name     | label | calculation  | default    |
|        | text      | nome     | Nome  |              | Ada        |
|        | date      | giorno   | Data  |              | today()    |
|        | text      | copia    | Copia |              | ${nome}    |
|        | calculate | primo    |       | once(${nome}) |           |
"""


def test_a_new_instance_has_static_and_computed_defaults():
    spec = spec_of(ONCE_AND_DEFAULTS)

    root = new_instance(spec, now=NOW)

    assert [root.findtext(n) for n in ("nome", "giorno", "copia")] == ["Ada", "2025-03-14", "Ada"]


def test_once_keeps_the_first_value_it_computed():
    spec = spec_of(ONCE_AND_DEFAULTS)
    root = new_instance(spec, now=NOW)
    root.find("nome").text = "Bea"

    evaluation = evaluate(spec, root, now=NOW)

    assert evaluation.root.findtext("primo") == "Ada"


PRELOADS = """
| survey |
|        | type     | name    | label |
|        | start    | inizio  |       |
|        | end      | fine    |       |
|        | today    | oggi    |       |
|        | username | utente  |       |
|        | deviceid | device  |       |
|        | text     | nome    | Nome  |
"""


def test_a_new_instance_gets_its_preloads():
    spec = spec_of(PRELOADS)

    root = new_instance(spec, now=NOW, username="operatore7", instance_id="uuid:1234")

    assert root.findtext("inizio") == "2025-03-14T09:30:00.000+01:00"
    assert (root.findtext("oggi"), root.findtext("utente")) == ("2025-03-14", "operatore7")
    assert root.findtext("device") and root.findtext("fine") == ""
    assert root.findtext("meta/instanceID") == "uuid:1234"


def test_a_new_instance_gets_a_fresh_uuid_instance_id():
    spec = spec_of(PRELOADS)

    first, second = (new_instance(spec, now=NOW).findtext("meta/instanceID") for _ in range(2))

    assert first.startswith("uuid:") and first != second


def test_validation_sets_the_end_time_and_keeps_the_start():
    spec = spec_of(PRELOADS)
    root = new_instance(spec, now=NOW)

    later = validate(spec, root, now=NOW + timedelta(minutes=20)).root

    assert later.findtext("inizio") == "2025-03-14T09:30:00.000+01:00"
    assert later.findtext("fine") == "2025-03-14T09:50:00.000+01:00"


TRIGGER = """
| survey |
|        | type      | name       | label   | calculation | trigger |
|        | text      | indirizzo  | Via     |             |         |
|        | calculate | modificato |         | now()       | ${indirizzo} |
|        | text      | verificato | Ok?     |             | ${indirizzo} |
"""


def test_a_trigger_runs_when_its_question_changes():
    spec = spec_of(TRIGGER)
    before = filled(spec, {"indirizzo": "Via Roma 1", "verificato": "sì"})
    after = filled(spec, {"indirizzo": "Via Roma 2", "verificato": "sì"})

    root = evaluate(spec, after, now=NOW, previous=before).root

    assert root.findtext("modificato") == "2025-03-14T09:30:00.000+01:00"
    assert root.findtext("verificato") == ""  # a trigger without a calculation clears its question


def test_a_trigger_does_not_run_when_its_question_is_unchanged():
    spec = spec_of(TRIGGER)
    before = filled(spec, {"indirizzo": "Via Roma 1", "verificato": "sì"})

    root = evaluate(
        spec, filled(spec, {"indirizzo": "Via Roma 1", "verificato": "sì"}), now=NOW, previous=before
    ).root

    assert (root.findtext("modificato"), root.findtext("verificato")) == ("", "sì")


def test_a_trigger_does_not_run_without_a_previous_instance():
    spec = spec_of(TRIGGER)

    root = evaluate(spec, filled(spec, {"indirizzo": "Via Roma 1"}), now=NOW).root

    assert root.findtext("modificato") == ""


NOTE = """
| survey |
|        | type      | name   | label::Italiano (it)            | label::English (en)            | calculation        | read_only |
|        | integer   | adulti | Adulti                          | Adults                         |                    |           |
|        | integer   | minori | Minori                          | Children                       |                    |           |
|        | calculate | quota  |                                 |                                | ${adulti} div 2    |           |
|        | note      | totale | Totale: ${adulti} e ${quota}    | Total: ${adulti} and ${quota}  |                    |           |
|        | text      | fisso  | Fisso                           | Fixed                          |                    | yes       |
"""  # noqa: E501


@pytest.mark.parametrize(("language", "label"), [("it", "Totale: 4 e 2"), ("English (en)", "Total: 4 and 2")])
def test_a_note_shows_computed_values_in_the_chosen_language(language, label):
    spec = spec_of(NOTE)
    root = evaluate(spec, filled(spec, {"adulti": 4}), now=NOW).root

    shown = render_label(spec, spec.control("/data/totale"), root, "/data/totale", language)

    assert shown == label


def test_a_note_shows_a_decimal_result_without_trailing_zeros():
    spec = spec_of(NOTE)
    root = evaluate(spec, filled(spec, {"adulti": 3}), now=NOW).root

    assert render_label(spec, spec.control("/data/totale"), root, "/data/totale", "it") == "Totale: 3 e 1.5"


def test_notes_calculates_and_read_only_questions_are_read_only():
    spec = spec_of(NOTE)

    fields = evaluate(spec, filled(spec, {}), now=NOW).fields

    assert [fields[p].readonly for p in ("/data/totale", "/data/quota", "/data/fisso", "/data/adulti")] == [
        True,
        True,
        True,
        False,
    ]


def test_a_naive_clock_is_refused():
    spec = spec_of(NOTE)

    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(spec, filled(spec, {}), now=datetime(2025, 3, 14))


def test_times_use_the_zone_of_the_clock_given():
    spec = spec_of(PRELOADS)

    root = new_instance(spec, now=datetime(2025, 3, 14, 23, 30, tzinfo=UTC).astimezone(ROME))

    assert root.findtext("oggi") == "2025-03-15"


def test_an_expression_that_cannot_be_evaluated_is_reported_on_its_field():
    spec = spec_of("""
    | survey |
    |        | type         | name  | label | calculation                         |
    |        | text         | fuori | Fuori |                                     |
    |        | begin_repeat | righe | Righe |                                     |
    |        | text         | testo | Testo |                                     |
    |        | end_repeat   |       |       |                                     |
    |        | calculate    | primo |       | indexed-repeat(${fuori}, ${righe}, 1) |
    """)

    found = evaluate(spec, filled(spec, {"fuori": "x"}), now=NOW).problems

    assert [(p.path, p.code) for p in found] == [("/data/primo", "expression")]
    assert "indexed-repeat" in found[0].message("en")


def test_validation_records_the_submitting_user_when_the_form_asks_for_it():
    spec = spec_of(PRELOADS)

    root = validate(spec, filled(spec, {"nome": "Ada"}), now=NOW, username="as.rossi").root

    assert root.findtext("utente") == "as.rossi"


@pytest.mark.parametrize("language", ["it", "it-IT", "Italiano (it)", "Italian"])
def test_a_problem_speaks_italian_for_every_way_of_naming_it(language):
    spec = spec_of(REQUIRED)

    found = validate(spec, filled(spec, {"eta": 3}), now=NOW).problems[0]

    assert found.message(language) == "Inserire il nome"


def test_a_hint_shows_computed_values_too():
    spec = spec_of("""
    | survey |
    |        | type    | name   | label  | hint                       |
    |        | integer | limite | Limite |                            |
    |        | integer | valore | Valore | Al massimo ${limite}       |
    """)
    root = filled(spec, {"limite": 7})

    assert render_hint(spec, spec.control("/data/valore"), root, "/data/valore") == "Al massimo 7"
