"""ODK entities from submissions: which action a submission asks for, and how it changes an entity."""

import csv
import io
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from forms.engine import validate
from forms.entities import (
    EntityAction,
    EntityError,
    check_entity_form,
    entity_action,
    saveto_properties,
    with_entity_attributes,
)
from forms.entity_datasets import entity_csv
from forms.entity_versions import EntityState, apply_action, resolve_conflict
from forms.errors import FormError
from forms.instance import instance_from_data
from forms.spec import FormSpec
from forms.spec_read import read_xform
from tests.forms.conftest import xform_from_md

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=1)))
SHARED = Path(__file__).resolve().parents[3] / "shared"
ADA = "0f5e0c1e-4a3b-4f7e-9d1a-2b6c8e9f0a11"
BRANCH = "7d1e8a52-3c4b-4f6a-8e2d-1b0c9a8f7e6d"

REGISTRAZIONE = """
| survey |
|        | type    | name | label | save_to |
|        | text    | nome | Nome  | nome    |
|        | integer | eta  | Età   | eta     |
|        | text    | note | Note  |         |
| entities |
|          | list_name | label                                 |
|          | minori    | concat(${nome}, ' (', ${eta}, ' anni)') |
"""

AGGIORNAMENTO = """
| survey |
|        | type                            | name   | label  | save_to | relevant            |
|        | select_one_from_file minori.csv | minore | Minore |         |                     |
|        | select_one sino                 | scuola | Scuola?|         |                     |
|        | text                            | classe | Classe | classe  | ${scuola} = 'si'    |
|        | text                            | nota   | Nota   | nota    |                     |
| choices |
|         | list_name | name | label |
|         | sino      | si   | Sì    |
|         | sino      | no   | No    |
| entities |
|          | list_name | entity_id  |
|          | minori    | ${minore}  |
"""

APERTURA_O_AGGIORNAMENTO = """
| survey |
|        | type            | name   | label   | save_to |
|        | text            | codice | Codice  |         |
|        | select_one sino | nuovo  | Nuovo?  |         |
|        | text            | nome   | Nome    | nome    |
| choices |
|         | list_name | name | label |
|         | sino      | si   | Sì    |
|         | sino      | no   | No    |
| entities |
|          | list_name | entity_id | label   | create_if       | update_if       |
|          | minori    | ${codice} | ${nome} | ${nuovo} = 'si' | ${nuovo} = 'no' |
"""

SOLO_ADULTI = """
| survey |
|        | type    | name | label | save_to |
|        | text    | nome | Nome  | nome    |
|        | integer | eta  | Età   | eta     |
| entities |
|          | list_name | label   | create_if    |
|          | ospiti    | ${nome} | ${eta} >= 18 |
"""


def spec_of(markdown: str) -> FormSpec:
    return read_xform(xform_from_md(markdown))


def submit(spec: FormSpec, data: dict, attachments: dict | None = None) -> EntityAction | None:
    """What the server does with a submission: validate it, compute the entity attributes, read the action."""
    root = instance_from_data(spec, data, f"uuid:{uuid.uuid4()}")
    evaluation = validate(spec, root, now=NOW, attachments=attachments)
    assert evaluation.problems == []
    root = with_entity_attributes(spec, evaluation.root, now=NOW, attachments=attachments)
    return entity_action(spec, root, fields=evaluation.fields)


def minore(version: int = 1, **properties: str) -> EntityState:
    values = {"nome": "Ada", "classe": "3A", "nota": "", **properties}
    return EntityState("minori", ADA, "Ada", version, values, submission_ref=f"sub-{version}")


def dataset(*states: EntityState) -> dict[str, list[dict[str, str]]]:
    rows = list(csv.DictReader(io.StringIO(entity_csv(states, ["nome", "classe", "nota"]).decode())))
    return {"minori.csv": rows}


def update(base_version: int | None, **properties: str) -> EntityAction:
    return EntityAction("minori", ADA, update=True, base_version=base_version, properties=properties)


def history(*changes: dict[str, str]) -> list[EntityState]:
    """Versions 1, 2, … of Ada: each dict of changes applied on top of the one before."""
    states = [minore()]
    for number, change in enumerate(changes, start=2):
        states.append(apply_action(states[-1], update(number - 1, **change), f"sub-{number}"))
    return states


# Reading the action from a submission


def test_a_registration_asks_to_create_an_entity_with_its_label_and_properties():
    action = submit(spec_of(REGISTRAZIONE), {"nome": "Ada", "eta": 9, "note": "riservato"})

    assert (action.dataset, action.create, action.update) == ("minori", True, False)
    assert uuid.UUID(action.entity_id).version == 4
    assert action.label == "Ada (9 anni)"
    assert action.properties == {"nome": "Ada", "eta": "9"}


def test_a_field_without_save_to_never_becomes_a_property():
    spec = spec_of(REGISTRAZIONE)

    assert saveto_properties(spec) == {"/data/nome": "nome", "/data/eta": "eta"}


def test_an_update_names_the_chosen_entity_and_the_version_the_form_saw():
    action = submit(
        spec_of(AGGIORNAMENTO),
        {"minore": ADA, "scuola": "si", "classe": "4A", "nota": "trasferito"},
        dataset(minore(version=3)),
    )

    assert (action.create, action.update, action.entity_id) == (False, True, ADA)
    assert action.base_version == 3
    assert action.label is None
    assert action.properties == {"classe": "4A", "nota": "trasferito"}


def test_an_answer_left_empty_is_sent_as_an_empty_property():
    action = submit(
        spec_of(AGGIORNAMENTO), {"minore": ADA, "scuola": "si", "classe": "4A"}, dataset(minore())
    )

    assert action.properties == {"classe": "4A", "nota": ""}


def test_a_question_that_is_not_relevant_sends_no_property():
    action = submit(spec_of(AGGIORNAMENTO), {"minore": ADA, "scuola": "no", "nota": "x"}, dataset(minore()))

    assert action.properties == {"nota": "x"}


def test_a_base_version_the_client_submitted_is_kept():
    spec = spec_of(AGGIORNAMENTO)
    root = instance_from_data(spec, {"minore": ADA, "scuola": "no", "nota": "x"})
    root.find("meta/entity").set("baseVersion", "2")  # what ODK Collect saw offline

    computed = with_entity_attributes(spec, root, now=NOW, attachments=dataset(minore(version=5)))

    assert entity_action(spec, computed).base_version == 2


@pytest.mark.parametrize(("nuovo", "create", "update"), [("si", True, False), ("no", False, True)])
def test_create_if_and_update_if_choose_the_action(nuovo, create, update):
    action = submit(
        spec_of(APERTURA_O_AGGIORNAMENTO), {"codice": ADA, "nuovo": nuovo, "nome": "Ada"}, dataset(minore())
    )

    assert (action.create, action.update, action.entity_id) == (create, update, ADA)


def test_a_false_create_if_asks_for_no_entity_action():
    assert submit(spec_of(SOLO_ADULTI), {"nome": "Ada", "eta": 9}) is None


def test_a_true_create_if_asks_for_a_create():
    action = submit(spec_of(SOLO_ADULTI), {"nome": "Ugo", "eta": 40})

    assert (action.dataset, action.create, action.label) == ("ospiti", True, "Ugo")


def test_a_form_without_an_entities_sheet_asks_for_nothing():
    spec = spec_of("| survey |\n| | type | name | label |\n| | text | nome | Nome |")

    assert entity_action(spec, instance_from_data(spec, {"nome": "Ada"})) is None


@pytest.mark.parametrize("truthy", ["1", "true"])
def test_1_and_true_are_the_only_true_action_values(truthy):
    spec = spec_of(SOLO_ADULTI)
    root = instance_from_data(spec, {"nome": "Ugo", "eta": 40})
    entity = root.find("meta/entity")
    entity.set("id", ADA)
    entity.find("label").text = "Ugo"

    for value, expected in ((truthy, True), ("yes", False), ("0", False), ("false", False)):
        entity.set("create", value)
        assert (entity_action(spec, root) is not None) is expected


@pytest.mark.parametrize("submitted", [f"uuid:{ADA}", ADA.upper()])
def test_an_entity_id_is_normalised_to_a_lower_case_uuid(submitted):
    spec = spec_of(AGGIORNAMENTO)
    root = with_entity_attributes(spec, instance_from_data(spec, {"minore": submitted}), now=NOW)

    assert entity_action(spec, root).entity_id == ADA


@pytest.mark.parametrize(
    ("attribute", "value", "code"),
    [
        ("id", "LE2025A017", "bad_id"),
        ("id", "", "bad_id"),
        ("baseVersion", "tre", "bad_version"),
        ("trunkVersion", "1", "trunk_without_branch"),
        ("branchId", "ramo-1", "bad_branch"),
        ("dataset", "famiglie", "wrong_dataset"),
    ],
)
def test_a_malformed_entity_declaration_is_refused(attribute, value, code):
    spec = spec_of(AGGIORNAMENTO)
    root = with_entity_attributes(spec, instance_from_data(spec, {"minore": ADA}), now=NOW)
    root.find("meta/entity").set(attribute, value)

    with pytest.raises(EntityError) as raised:
        entity_action(spec, root)

    assert raised.value.code == code


def test_the_intake_record_creates_a_minor_with_the_cartella_properties():
    from tests.forms.test_engine_domain import CARTELLA

    xlsx = (SHARED / "domain" / "forms" / "cartella_sociale.xlsx").read_bytes()
    spec = read_xform(convert(xlsform=io.BytesIO(xlsx), file_type=".xlsx").xform)
    with (SHARED / "domain" / "puglia_territory.csv").open(encoding="utf-8", newline="") as file:
        attachments = {"puglia_territory.csv": list(csv.DictReader(file))}

    action = submit(spec, CARTELLA, attachments)

    assert (action.dataset, action.create, action.label) == ("minori", True, "LE2025A017 (f, 2013)")
    assert set(action.properties) == {
        "comune_istat",
        "ambito",
        "codice",
        "sesso",
        "anno_nascita",
        "fascia_eta",
        "data_presa_in_carico",
        "pippi",
        "stato",
    }
    assert action.properties["stato"] == "aperta"


def test_entities_declared_inside_a_repeat_are_refused_until_supported():
    spec = spec_of("""
    | survey |
    |        | type         | name | label | save_to |
    |        | begin_repeat | figli| Figli |         |
    |        | text         | nome | Nome  | nome    |
    |        | end_repeat   | figli|       |         |
    | entities |
    |          | list_name | label   |
    |          | minori    | ${nome} |
    """)

    with pytest.raises(EntityError) as raised:
        check_entity_form(spec)

    assert raised.value.code == "unsupported_form"


def test_a_form_with_one_top_level_entity_passes_the_check():
    check_entity_form(spec_of(REGISTRAZIONE))


# Applying an action to the entity


def test_a_create_makes_version_1_from_the_submission():
    action = EntityAction("minori", ADA, create=True, label="Ada", properties={"nome": "Ada", "eta": "9"})

    state = apply_action(None, action, "sub-1")

    assert (state.id, state.label, state.version, state.submission_ref) == (ADA, "Ada", 1, "sub-1")
    assert state.properties == {"nome": "Ada", "eta": "9"}
    assert (state.base_version, state.conflict) == (None, None)


def test_an_update_adds_a_version_that_keeps_the_properties_it_does_not_send():
    state = apply_action(minore(), update(1, classe="4A"), "sub-2")

    assert (state.version, state.base_version, state.submission_ref) == (2, 1, "sub-2")
    assert state.properties == {"nome": "Ada", "classe": "4A", "nota": ""}
    assert state.received == {"classe": "4A"}


def test_an_empty_value_clears_the_property():
    state = apply_action(minore(nota="da rivedere"), update(1, nota=""), "sub-2")

    assert state.properties["nota"] == ""


def test_an_update_without_a_label_keeps_the_label_and_one_with_a_label_replaces_it():
    kept = apply_action(minore(), update(1, classe="4A"), "sub-2")
    renamed = apply_action(kept, replace(update(2), label="Ada B."), "sub-3")

    assert (kept.label, renamed.label) == ("Ada", "Ada B.")
    assert renamed.received == {"label": "Ada B."}


def test_an_update_may_add_a_property_the_entity_did_not_have():
    state = apply_action(minore(), update(1, scuola="primaria"), "sub-2")

    assert state.properties["scuola"] == "primaria"


def test_create_if_and_update_if_both_true_create_a_missing_entity():
    action = replace(update(None, nome="Ada"), create=True, label="Ada")

    assert apply_action(None, action, "sub-1").version == 1


def test_create_if_and_update_if_both_true_update_an_existing_entity():
    action = replace(update(1, nome="Ada B."), create=True, label="Ada B.")

    assert apply_action(minore(), action, "sub-2").version == 2


@pytest.mark.parametrize(
    ("current", "action", "code"),
    [
        (minore(), EntityAction("minori", ADA, create=True, label="Ada"), "exists"),
        (None, update(1, classe="4A"), "missing"),
        (minore(version=2), update(3, classe="4A"), "version_not_found"),
        (minore(version=2), update(0, classe="4A"), "version_not_found"),
        (minore(), update(None, classe="4A"), "base_version_missing"),
        (None, EntityAction("minori", ADA, create=True, label="  "), "label_missing"),
        (minore(), replace(update(1), dataset="famiglie"), "wrong_dataset"),
    ],
)
def test_an_action_that_cannot_apply_is_refused_with_a_reason(current, action, code):
    with pytest.raises(EntityError) as raised:
        apply_action(current, action, "sub-9")

    assert raised.value.code == code


def test_a_refusal_explains_itself_in_italian_and_english():
    with pytest.raises(FormError) as raised:
        apply_action(minore(), EntityAction("minori", ADA, create=True, label="Ada"), "sub-2")

    assert "esiste già" in raised.value.message("it")
    assert "already exists" in raised.value.message("en")
    assert ADA in raised.value.message("it")


def test_an_update_based_on_an_older_version_is_applied_and_marked_as_a_soft_conflict():
    versions = history({"classe": "4A"})  # someone changed the class meanwhile

    state = apply_action(versions[-1], update(1, nota="trasferito"), "sub-3", history=versions)

    assert (state.version, state.base_version, state.conflict) == (3, 1, "soft")
    assert state.properties == {"nome": "Ada", "classe": "4A", "nota": "trasferito"}
    assert state.conflicting_properties == ()


def test_an_update_that_changes_what_changed_meanwhile_is_a_hard_conflict_and_the_last_one_wins():
    versions = history({"classe": "4A"})

    state = apply_action(versions[-1], update(1, classe="4B", nota="x"), "sub-3", history=versions)

    assert (state.conflict, state.conflicting_properties) == ("hard", ("classe",))
    assert state.properties["classe"] == "4B"


def test_sending_the_value_that_was_set_meanwhile_is_only_a_soft_conflict():
    versions = history({"classe": "4A"})

    state = apply_action(versions[-1], update(1, classe="4A"), "sub-3", history=versions)

    assert state.conflict == "soft"


def test_a_label_changed_on_both_sides_is_a_hard_conflict():
    versions = [minore(), apply_action(minore(), replace(update(1), label="Ada R."), "sub-2")]

    state = apply_action(versions[-1], replace(update(1), label="Ada B."), "sub-3", history=versions)

    assert (state.conflict, state.conflicting_properties) == ("hard", ("label",))


def test_a_conflict_stays_until_it_is_resolved_and_is_never_downgraded():
    versions = history({"classe": "4A"})
    hard = apply_action(versions[-1], update(1, classe="4B"), "sub-3", history=versions)
    versions.append(hard)

    soft_after_hard = apply_action(hard, update(1, nota="x"), "sub-4", history=versions)
    clean_after_hard = apply_action(hard, update(3, nota="y"), "sub-4", history=versions)
    resolved = resolve_conflict(hard)

    assert (soft_after_hard.conflict, clean_after_hard.conflict) == ("hard", "hard")
    assert (resolved.conflict, resolved.version) == (None, 3)
    assert apply_action(resolved, update(3, nota="z"), "sub-4").conflict is None


def test_an_update_of_an_older_version_needs_the_entity_history():
    versions = history({"classe": "4A"})

    with pytest.raises(ValueError, match="history"):
        apply_action(versions[-1], update(1, nota="x"), "sub-3")


def test_offline_updates_in_one_branch_follow_each_other_without_conflict():
    first = replace(update(1, classe="4A"), trunk_version=1, branch_id=BRANCH)
    second = replace(update(2, nota="x"), trunk_version=1, branch_id=BRANCH)  # 2 is local to the device
    versions = [minore()]

    versions.append(apply_action(versions[-1], first, "sub-2", history=versions))
    versions.append(apply_action(versions[-1], second, "sub-3", history=versions))

    assert [(v.version, v.base_version, v.conflict) for v in versions] == [
        (1, None, None),
        (2, 1, None),
        (3, 2, None),
    ]
    assert versions[-1].branch_base_version == 2


def test_an_offline_branch_interrupted_by_another_update_is_a_soft_conflict():
    first = replace(update(1, classe="4A"), trunk_version=1, branch_id=BRANCH)
    second = replace(update(2, nota="x"), trunk_version=1, branch_id=BRANCH)
    versions = [minore()]
    versions.append(apply_action(versions[-1], first, "sub-2", history=versions))
    versions.append(apply_action(versions[-1], update(2, nome="Ada B."), "web-1", history=versions))

    state = apply_action(versions[-1], second, "sub-3", history=versions)

    assert (state.version, state.base_version, state.conflict) == (4, 2, "soft")


def test_an_offline_update_whose_predecessor_has_not_arrived_is_refused():
    later = replace(update(3, nota="x"), trunk_version=1, branch_id=BRANCH)
    versions = [minore()]

    with pytest.raises(EntityError) as raised:
        apply_action(versions[-1], later, "sub-3", history=versions)

    assert raised.value.code == "branch_gap"


def test_an_offline_update_from_a_trunk_the_server_never_had_is_refused():
    action = replace(update(5, nota="x"), trunk_version=5, branch_id=BRANCH)

    with pytest.raises(EntityError) as raised:
        apply_action(minore(), action, "sub-2", history=[minore()])

    assert raised.value.code == "version_not_found"
