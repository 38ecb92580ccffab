"""Entity lists as the CSV attachments forms read: columns, escaping, use through the engine, speed."""

import csv
import io
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from forms.engine import choices, validate
from forms.entity_datasets import entity_csv
from forms.entity_versions import EntityState
from forms.instance import instance_from_data
from forms.spec_read import read_xform
from tests.forms.conftest import xform_from_md

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=1)))
ADA = "0f5e0c1e-4a3b-4f7e-9d1a-2b6c8e9f0a11"
UGO = "5b8c2d1e-7f6a-4e3b-9c0d-1a2b3c4d5e6f"

VISITA = """
| survey |
|        | type                            | name    | label               | calculation                                            | choice_filter     |
|        | select_one_from_file minori.csv | minore  | Minore              |                                                        | ambito = 'Lecce'  |
|        | calculate                       | scuola  |                     | instance('minori')/root/item[name=${minore}]/scuola    |                   |
|        | note                            | nota    | Scuola: ${scuola}   |                                                        |                   |
"""


def state(entity_id: str, label: str, version: int = 1, **properties: str) -> EntityState:
    return EntityState("minori", entity_id, label, version, properties)


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_the_columns_are_name_label_version_then_the_properties_in_order():
    data = entity_csv([state(ADA, "Ada", 3, scuola="primaria", ambito="Lecce")], ["scuola", "ambito"])

    assert data.decode().splitlines() == [
        "name,label,__version,scuola,ambito",
        f"{ADA},Ada,3,primaria,Lecce",
    ]


def test_a_property_an_entity_never_received_is_an_empty_cell():
    data = entity_csv([state(ADA, "Ada", scuola="primaria"), state(UGO, "Ugo")], ["scuola"])

    assert [row["scuola"] for row in rows(data)] == ["primaria", ""]


def test_an_empty_list_still_has_its_header():
    assert entity_csv([], ["scuola"]) == b"name,label,__version,scuola\n"


@pytest.mark.parametrize(
    "value",
    ["Rossi, Ada", 'la "Ada"', "riga uno\nriga due", '=HYPERLINK("x")', "Niccolò D'Àngelo", " spazi ", ""],
)
def test_awkward_values_come_back_exactly_as_they_were(value):
    data = entity_csv([state(ADA, value, nota=value)], ["nota"])

    assert rows(data) == [{"name": ADA, "label": value, "__version": "1", "nota": value}]


def test_the_file_is_utf8_without_a_byte_order_mark():
    data = entity_csv([state(ADA, "Ludovica Càrdaci")], [])

    assert not data.startswith(b"\xef\xbb\xbf")
    assert "Càrdaci".encode() in data


@pytest.mark.parametrize("reserved", ["name", "label", "__version"])
def test_a_property_may_not_take_a_system_column_name(reserved):
    with pytest.raises(ValueError, match=reserved):
        entity_csv([], [reserved])


def test_a_form_offers_the_entities_of_the_csv_through_its_choice_filter():
    spec = read_xform(xform_from_md(VISITA))
    data = entity_csv(
        [state(ADA, "Ada (2013)", ambito="Lecce"), state(UGO, "Ugo (2011)", ambito="Bari")],
        ["scuola", "ambito"],
    )

    offered = choices(
        spec, instance_from_data(spec, {}), "/data/minore", attachments={"minori.csv": rows(data)}
    )

    assert offered == [(ADA, "Ada (2013)")]


def test_a_form_reads_an_entity_property_with_instance():
    spec = read_xform(xform_from_md(VISITA))
    data = entity_csv([state(ADA, "Ada", scuola="primaria", ambito="Lecce")], ["scuola", "ambito"])

    evaluation = validate(
        spec, instance_from_data(spec, {"minore": ADA}), now=NOW, attachments={"minori.csv": rows(data)}
    )

    assert evaluation.problems == []
    assert evaluation.root.findtext("scuola") == "primaria"


def test_a_form_refuses_an_entity_that_is_not_in_the_csv():
    spec = read_xform(xform_from_md(VISITA))
    data = entity_csv([state(ADA, "Ada", ambito="Lecce")], ["scuola", "ambito"])

    evaluation = validate(
        spec, instance_from_data(spec, {"minore": UGO}), now=NOW, attachments={"minori.csv": rows(data)}
    )

    assert [(p.path, p.code) for p in evaluation.problems] == [("/data/minore", "choice")]


def test_fifty_thousand_entities_are_written_within_two_seconds():
    properties = ["codice", "sesso", "anno_nascita", "fascia_eta", "comune_istat", "ambito", "stato"]
    entities = [
        state(
            str(uuid.UUID(int=n, version=4)),
            f"LE{n:08d} (f, 2013)",
            n % 7 + 1,
            **{p: f"{p}-{n}" for p in properties},
        )
        for n in range(50_000)
    ]

    start = time.perf_counter()
    data = entity_csv(entities, properties)
    elapsed = time.perf_counter() - start

    assert data.count(b"\n") == 50_001
    assert elapsed <= 2.0
