"""The cartella sociale's follow-up forms: each passes the upload checks and updates the minor it picks."""

import copy
import csv
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest

from app.demo_followups import FOLLOWUP_FORMS, followup_xlsforms
from forms.engine import validate
from forms.entities import (
    EntityAction,
    check_entity_form,
    entity_action,
    saveto_properties,
    with_entity_attributes,
)
from forms.instance import instance_from_data
from forms.spec import FormSpec
from forms.upload import PreparedForm, prepare_form

SHARED = Path(__file__).resolve().parents[3] / "shared"
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=1)))
ADA = "0f5e0c1e-4a3b-4f7e-9d1a-2b6c8e9f0a11"
UGO = "7d1e8a52-3c4b-4f6a-8e2d-1b0c9a8f7e6d"
CLOSED = "c3a9e2f4-5b6d-4e8f-9a0b-1c2d3e4f5a6b"

# As the server would serve the list to a form: system columns, then the intake's properties.
MINORI_CSV = f"""\
name,label,__version,codice,sesso,anno_nascita,data_presa_in_carico,stato
{ADA},"LE2025A017 (f, 2013)",3,LE2025A017,f,2013,2025-02-10,aperta
{UGO},"BA2024B003 (m, 2010)",1,BA2024B003,m,2010,2024-11-04,aperta
{CLOSED},"TA2023C011 (m, 2008)",6,TA2023C011,m,2008,2023-05-22,chiusa
"""

INTERVENTO = {
    "caso": ADA,
    "intervento": {
        "tipo_intervento": "spazio_neutro",
        "tipo_erogatore": "terzo_settore",
        "ente_erogatore": "Coop. sociale Il Melograno",
        "data_inizio_intervento": "2025-02-17",
        "data_fine_intervento": "2025-03-10",
        "stato_intervento": "concluso",
        "note_intervento": "Incontri protetti con il padre a cadenza quindicinale.",
    },
}
VALUTAZIONE = {
    "caso": ADA,
    "valutazione": {
        "data_valutazione": "2025-03-12",
        "bisogni_sviluppo": "3",
        "risposte_genitoriali": "2",
        "fattori_ambientali": "3",
        "andamento": "migliorato",
        "obiettivi_raggiunti": "parzialmente",
        "note_valutazione": "Frequenza scolastica regolare da gennaio.",
    },
}
CHIUSURA = {
    "caso": ADA,
    "data_chiusura": "2025-03-13",
    "esito": "rientro_famiglia",
    "note_chiusura": "Prescrizioni del Tribunale per i minorenni revocate.",
}
VALID = {
    "aggiornamento_intervento": INTERVENTO,
    "valutazione_periodica": VALUTAZIONE,
    "chiusura_cartella": CHIUSURA,
}


@pytest.fixture(scope="module")
def prepared() -> dict[str, PreparedForm]:
    return {
        name.removesuffix(".xlsx"): prepare_form(data, name) for name, data in followup_xlsforms().items()
    }


@pytest.fixture(scope="module")
def specs(prepared) -> dict[str, FormSpec]:
    return {form_id: form.spec for form_id, form in prepared.items()}


@pytest.fixture(scope="module")
def attachments() -> dict[str, list[dict[str, str]]]:
    return {"minori.csv": list(csv.DictReader(io.StringIO(MINORI_CSV)))}


def check(spec: FormSpec, data: dict, attachments: dict):
    root = instance_from_data(spec, data, "uuid:5a1c9e0b-2f3d-4b6a-8c7e-9d0f1a2b3c4d")
    return validate(spec, root, now=NOW, attachments=attachments, username="as.rossi")


def submit(spec: FormSpec, data: dict, attachments: dict) -> EntityAction | None:
    """What the server does with a submission: validate it, compute the entity attributes, read the action."""
    evaluation = check(spec, data, attachments)
    assert evaluation.problems == []
    root = with_entity_attributes(spec, evaluation.root, now=NOW, attachments=attachments)
    return entity_action(spec, root, fields=evaluation.fields)


def changed(data: dict, group: str | None, **values: object) -> dict:
    copied = copy.deepcopy(data)
    (copied[group] if group else copied).update(values)
    return copied


def test_the_module_lists_the_three_follow_up_files():
    assert FOLLOWUP_FORMS == (
        "aggiornamento_intervento.xlsx",
        "valutazione_periodica.xlsx",
        "chiusura_cartella.xlsx",
    )
    assert set(followup_xlsforms()) == set(FOLLOWUP_FORMS)


@pytest.mark.parametrize("form_id", list(VALID))
def test_each_form_passes_the_upload_checks_without_warnings(prepared, form_id):
    loaded = prepared[form_id].loaded

    assert prepared[form_id].warnings == ()
    assert (loaded.form_id, loaded.version, loaded.default_language) == (
        form_id,
        "2025010101",
        "Italiano (it)",
    )
    assert loaded.languages == ("Italiano (it)", "English (en)")
    assert [a.filename for a in loaded.attachments_expected] == ["minori.csv"]


@pytest.mark.parametrize("form_id", list(VALID))
def test_each_form_updates_a_minor_and_never_creates_one(specs, form_id):
    spec = specs[form_id]

    check_entity_form(spec)

    assert (spec.entity.dataset, spec.entity.attributes.get("update")) == ("minori", "1")
    assert "create" not in spec.entity.attributes


@pytest.mark.parametrize(
    ("form_id", "expected"),
    [
        ("aggiornamento_intervento", {"/data/ultimo_aggiornamento": "ultimo_aggiornamento"}),
        (
            "valutazione_periodica",
            {
                "/data/valutazione/data_valutazione": "ultima_valutazione",
                "/data/valutazione/andamento": "andamento",
            },
        ),
        (
            "chiusura_cartella",
            {"/data/data_chiusura": "data_chiusura", "/data/esito": "esito", "/data/stato_cartella": "stato"},
        ),
    ],
)
def test_each_form_saves_only_its_own_properties(specs, form_id, expected):
    assert saveto_properties(specs[form_id]) == expected


def test_the_intervention_fields_are_named_as_in_the_intake_repeat(specs):
    fields = [
        path.rsplit("/", 1)[1] for path in specs["aggiornamento_intervento"].binds if "/intervento/" in path
    ]

    assert fields == [
        "tipo_intervento",
        "tipo_intervento_altro",
        "tipo_erogatore",
        "ente_erogatore",
        "data_inizio_intervento",
        "data_fine_intervento",
        "stato_intervento",
        "note_intervento",
    ]


def test_the_shared_choice_lists_are_the_intake_rows():
    intake = openpyxl.load_workbook(SHARED / "domain" / "forms" / "cartella_sociale.xlsx", read_only=True)
    shared = ("tipo_intervento", "erogatore", "stato_intervento")
    expected = [row for row in intake["choices"].iter_rows(values_only=True) if row[0] in shared]
    followup = openpyxl.load_workbook(io.BytesIO(followup_xlsforms()["aggiornamento_intervento.xlsx"]))

    found = [row for row in followup["choices"].iter_rows(values_only=True) if row[0] in shared]

    assert found == expected


@pytest.mark.parametrize(
    ("form_id", "properties"),
    [
        ("aggiornamento_intervento", {"ultimo_aggiornamento": "2025-03-14"}),
        ("valutazione_periodica", {"ultima_valutazione": "2025-03-12", "andamento": "migliorato"}),
        (
            "chiusura_cartella",
            {"data_chiusura": "2025-03-13", "esito": "rientro_famiglia", "stato": "chiusa"},
        ),
    ],
)
def test_a_valid_follow_up_updates_the_chosen_minor_with_its_properties(
    specs, attachments, form_id, properties
):
    action = submit(specs[form_id], VALID[form_id], attachments)

    assert (action.dataset, action.create, action.update, action.entity_id) == ("minori", False, True, ADA)
    assert action.base_version == 3  # the version the form saw in minori.csv
    assert action.label is None  # an update keeps the intake's label
    assert action.properties == properties


def test_the_other_intake_minor_can_be_chosen_too(specs, attachments):
    action = submit(specs["valutazione_periodica"], changed(VALUTAZIONE, None, caso=UGO), attachments)

    assert (action.entity_id, action.base_version) == (UGO, 1)


@pytest.mark.parametrize(
    ("form_id", "group", "values", "path", "code", "message_it"),
    [
        (
            "aggiornamento_intervento",
            "intervento",
            {"data_fine_intervento": "2025-02-01"},
            "/data/intervento/data_fine_intervento",
            "constraint",
            "La fine non può precedere l'inizio",
        ),
        (
            "aggiornamento_intervento",
            "intervento",
            {"tipo_intervento": "altro"},
            "/data/intervento/tipo_intervento_altro",
            "required",
            "Campo obbligatorio",
        ),
        (
            "aggiornamento_intervento",
            "intervento",
            {"stato_intervento": None},
            "/data/intervento/stato_intervento",
            "required",
            "Campo obbligatorio",
        ),
        (
            "valutazione_periodica",
            "valutazione",
            {"data_valutazione": "2025-03-15"},
            "/data/valutazione/data_valutazione",
            "constraint",
            "La data non può essere futura",
        ),
        (
            "valutazione_periodica",
            "valutazione",
            {"fattori_ambientali": "6"},
            "/data/valutazione/fattori_ambientali",
            "choice",
            "'6' non è tra le scelte proposte.",
        ),
        (
            "chiusura_cartella",
            None,
            {"data_chiusura": "2025-04-01"},
            "/data/data_chiusura",
            "constraint",
            "La data non può essere futura",
        ),
        (
            "chiusura_cartella",
            None,
            {"esito": "altro"},
            "/data/esito_altro",
            "required",
            "Campo obbligatorio",
        ),
        ("chiusura_cartella", None, {"caso": None}, "/data/caso", "required", "Campo obbligatorio"),
    ],
)
def test_an_invalid_answer_is_refused_with_the_italian_message(
    specs, attachments, form_id, group, values, path, code, message_it
):
    evaluation = check(specs[form_id], changed(VALID[form_id], group, **values), attachments)

    assert [(p.path, p.code, p.message("it")) for p in evaluation.problems] == [(path, code, message_it)]


@pytest.mark.parametrize("form_id", list(VALID))
def test_a_closed_record_cannot_be_picked(specs, attachments, form_id):
    evaluation = check(specs[form_id], changed(VALID[form_id], None, caso=CLOSED), attachments)

    assert [(p.path, p.code) for p in evaluation.problems] == [("/data/caso", "choice")]


def test_an_other_outcome_is_kept_but_not_saved_to_the_minor(specs, attachments):
    data = changed(CHIUSURA, None, esito="altro", esito_altro="Ricongiungimento con familiari all'estero")

    action = submit(specs["chiusura_cartella"], data, attachments)

    assert action.properties == {"data_chiusura": "2025-03-13", "esito": "altro", "stato": "chiusa"}


@pytest.mark.parametrize(
    ("form_id", "name"),
    [
        ("aggiornamento_intervento", "LE2025A017 (f, 2013) - spazio_neutro dal 2025-02-17"),
        ("valutazione_periodica", "LE2025A017 (f, 2013) - 2025-03-12"),
        ("chiusura_cartella", "LE2025A017 (f, 2013) - chiusura 2025-03-13"),
    ],
)
def test_the_submission_is_named_after_the_minor_s_label(specs, attachments, form_id, name):
    root = check(specs[form_id], VALID[form_id], attachments).root

    assert root.findtext("meta/instanceName") == name
