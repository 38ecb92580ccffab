"""The registry's rules on plain data: checking a service's values, an import's rows and header, finding a
service's code in a submission's answers, the forms' CSV dataset. No app, no database."""

import pytest

from analysis.service_match import FORM_SERVICE_TYPES
from app.registry.rules import (
    COLUMNS,
    SERVICE_KINDS,
    UnitInfo,
    check_import,
    dataset_csv,
    dataset_row,
    header_problems,
    holds_code,
    read_service,
)

UNITS = {
    "ATS-LE1": UnitInfo(1, "ATS-LE1", "ambito", True),
    "075035": UnitInfo(2, "075035", "comune", True),
    "072006": UnitInfo(3, "072006", "comune", False),
    "075": UnitInfo(4, "075", "province", True),
}
GOOD = {"code": "cd-le-01", "name": "Centro diurno", "kind": "Centro diurno", "org_unit": "075035"}


def _codes(problems) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.code) for p in problems]


def test_a_service_gets_its_kind_s_legal_reference_a_public_provider_and_an_upper_case_code():
    values, problems = read_service(GOOD, UNITS)

    assert problems == []
    assert (values.code, values.kind, values.legal_reference) == (
        "CD-LE-01",
        "centro_diurno",
        "art. 52 R.R. 4/2007",
    )
    assert (values.org_unit_id, values.provider_type, values.capacity) == (2, "public", None)


def test_every_kind_has_an_english_label_and_the_brief_s_references():
    assert SERVICE_KINDS["csf"] == ("Family services centre", "art. 93 R.R. 4/2007")
    assert (
        SERVICE_KINDS["ade"][1] == "art. 87 bis R.R. 4/2007"
        and SERVICE_KINDS["comunita"][1] == "art. 48 R.R. 4/2007"
    )
    assert set(SERVICE_KINDS) >= {"cap", "centro_diurno", "affido", "spazio_neutro", "consultorio", "other"}


@pytest.mark.parametrize(
    ("changes", "column", "code", "italian"),
    [
        ({"name": ""}, "name", "required", "Il valore è obbligatorio."),
        ({"code": "CD LE 01"}, "code", "code_format", "'CD LE 01' non è un codice di servizio"),
        ({"kind": "ludoteca"}, "kind", "kind_unknown", "'ludoteca' non è una tipologia di servizio"),
        ({"provider_type": "privato"}, "provider_type", "provider_unknown", "'privato' non è una tipologia"),
        ({"capacity": "12,5"}, "capacity", "capacity_number", "'12,5' non è un numero intero di posti."),
        ({"capacity": "-1"}, "capacity", "capacity_negative", "La capienza non può essere negativa (-1)."),
        (
            {"capacity": "1000000"},
            "capacity",
            "capacity_too_large",
            "La capienza non può superare 100000 posti",
        ),
        ({"org_unit": "999"}, "org_unit", "unit_unknown", "Nessuna unità organizzativa ha il codice '999'."),
        ({"org_unit": "075"}, "org_unit", "unit_kind", "'075' non è un comune, un Ambito"),
        ({"org_unit": "072006"}, "org_unit", "unit_not_managed", "'072006' è fuori dalle unità"),
        ({"targets": "x" * 2001}, "targets", "too_long", "Il testo ha 2001 caratteri; il limite è 2000."),
    ],
)
def test_a_wrong_value_is_a_problem_of_its_column_in_both_languages(changes, column, code, italian):
    values, problems = read_service(GOOD | changes, UNITS, row=7)

    assert values is None
    assert _codes(problems) == [(7, column, code)]
    assert italian in problems[0].message("it")
    assert problems[0].message("en") != problems[0].message("it")


def test_provider_types_and_kinds_accept_the_italian_codes():
    values, _ = read_service(GOOD | {"provider_type": "Terzo settore", "kind": "altro"}, UNITS)

    assert (values.provider_type, values.kind, values.legal_reference) == ("third_sector", "other", "")


def test_an_import_is_all_or_nothing_and_catches_codes_twice_and_services_of_others():
    rows = [
        (2, GOOD),
        (3, GOOD | {"name": "Again"}),
        (4, GOOD | {"code": "CAP-BA-01"}),
        (5, GOOD | {"code": "ADE-LE-01"}),
    ]

    check = check_import(rows, UNITS, {"CAP-BA-01": False, "ADE-LE-01": True})
    clean = check_import([rows[0], rows[3]], UNITS, {"ADE-LE-01": True})

    assert not check.ok and check.services == []
    assert _codes(check.problems) == [(3, "code", "code_twice"), (4, "code", "service_not_managed")]
    assert "riga 2" in check.problems[0].message("it")
    assert clean.ok and [s.code for s in clean.services] == ["CD-LE-01", "ADE-LE-01"]


def test_the_header_must_name_every_column_and_nothing_else():
    problems = header_problems(["code", "name", "codice"])

    assert ("codice", "unknown_column") in [(p.column, p.code) for p in problems]
    assert {p.column for p in problems if p.code == "missing_column"} == set(COLUMNS) - {"code", "name"}
    assert header_problems(list(COLUMNS)) == []


@pytest.mark.parametrize(
    ("data", "found"),
    [
        ({"codice_servizio": "CD-LE-01"}, True),
        ({"servizio": {"codice_servizio": " cd-le-01 "}}, True),  # inside a group, as typed
        ({"servizio": "CD-LE-01"}, True),
        ({"servizi": ["ADE-LE-01", "CD-LE-01"]}, False),  # another field's name
        ({"servizio": ["ADE-LE-01", "CD-LE-01"]}, True),  # a select_multiple
        ({"note": "CD-LE-01"}, False),
        ({"servizio": {"codice_servizio": "CD-LE-011"}}, False),
        ({"visite": [{"codice_servizio": "CD-LE-01"}]}, False),  # repeats are not searched
        (None, False),
    ],
)
def test_a_submission_names_a_service_only_in_its_code_fields(data, found):
    assert holds_code(data, "CD-LE-01") is found


def test_the_forms_dataset_is_a_utf8_csv_with_the_code_as_name_and_quotes_where_needed():
    rows = [
        dataset_row("CD-LE-01", "Centro diurno, Il Girasole", "centro_diurno", "075035", "third_sector"),
        {"name": "COM-LE-01", "label": "Comunità Aurora", "kind": "comunita", "org_unit": "075035",
         "provider_type": None},
    ]  # fmt: skip

    data = dataset_csv(rows)

    assert data.decode("utf-8") == (
        "name,label,kind,org_unit,provider_type,tipo_servizio\n"
        'CD-LE-01,"Centro diurno, Il Girasole",centro_diurno,075035,third_sector,cd\n'
        "COM-LE-01,Comunità Aurora,comunita,075035,,\n"
    )


SEED_TYPES = ("csf", "cap", "cd", "ade", "altro")  # tipo_servizio's choices in monitoraggio_servizi.xlsx


def test_the_form_s_types_and_the_registry_s_kinds_map_one_to_one_in_one_table():
    covered = [kind for kinds in FORM_SERVICE_TYPES.values() for kind in kinds]

    assert set(FORM_SERVICE_TYPES) == set(SEED_TYPES)
    assert sorted(covered) == sorted(SERVICE_KINDS)  # every kind under exactly one type of the form
    for code in SEED_TYPES:
        values, problems = read_service(GOOD | {"kind": code}, UNITS)  # the import reads them too
        assert problems == [] and values.kind == FORM_SERVICE_TYPES[code][0]
