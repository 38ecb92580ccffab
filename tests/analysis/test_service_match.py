"""Which registered service a monitoring report is about, by its type and name when it gives no code."""

import pytest

from analysis.service_match import Candidate, answer_in, form_type, match_service, registry_kinds

# The Ambito of Bari (/1/2/3/) with two day centres in the comune of Bari (/1/2/3/4/), one ADE and a CAP.
SERVICES = [
    Candidate("CD-BA-01", "Centro diurno Il Quartiere", "centro_diurno", "/1/2/3/4/"),
    Candidate("CD-BA-02", "Centro socio-educativo diurno L'Aquilone", "centro_diurno", "/1/2/3/4/"),
    Candidate("ADE-BA-01", "Educativa domiciliare dell'Ambito", "ade", "/1/2/3/"),
    Candidate("CAP-BA-01", "Centro Aperto Polivalente San Paolo", "cap", "/1/2/3/5/"),
    Candidate("SN-BA-01", "Spazio neutro", "spazio_neutro", "/1/2/3/"),
]


def report(tipo: str, name: str = "") -> dict:
    """Answers as the seed form nests them, in its group `servizio`."""
    return {"servizio": {"tipo_servizio": tipo, "denominazione_servizio": name}}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (report("cd", "Centro Diurno  il quartiere"), "CD-BA-01"),  # case and spaces do not matter
        (report("cd", "Centro socio educativo diurno L’Aquilone"), "CD-BA-02"),  # nor punctuation
        (report("cd", "Il Quartiere"), "CD-BA-01"),  # the words of the name given are in one name only
        (report("cd", "Centro diurno"), None),  # both day centres hold these words: which one?
        (report("cd", "Centro diurno Il Faro"), None),  # a centre the registry does not have
        (report("ade", "ADE Bari"), None),  # a name that matches nothing is never pinned on the only ADE
        (report("ade"), "ADE-BA-01"),  # without a name, the only ADE of the Ambito
        (report("cd"), None),  # without a name, two day centres
        (report("cap", "Centro aperto polivalente San Paolo"), "CAP-BA-01"),
        (report("csf", "Centro Servizi per le Famiglie"), None),  # no CSF registered
        (report("altro", "Spazio neutro"), "SN-BA-01"),  # "altro" covers every other kind
        (report("centro_diurno", "Centro diurno Il Quartiere"), "CD-BA-01"),  # a registry kind as it is
        ({"tipo_servizio": "cap"}, "CAP-BA-01"),  # answers at the top level
        ({}, None),
        (None, None),
    ],
)
def test_a_report_is_matched_by_its_type_and_name(data, expected):
    found = match_service(data, SERVICES)

    assert (found.code if found else None) == expected


def test_services_inside_the_report_s_own_unit_come_first():
    other = Candidate("CD-BA-09", "Centro diurno Il Quartiere", "centro_diurno", "/1/2/3/6/")
    data = report("cd", "Centro diurno Il Quartiere")

    assert match_service(data, [*SERVICES, other]) is None  # two with that name in the Ambito
    assert match_service(data, [*SERVICES, other], unit_path="/1/2/3/6/").code == "CD-BA-09"
    assert match_service(data, [*SERVICES, other], unit_path="/1/2/3/4/").code == "CD-BA-01"


@pytest.mark.parametrize(
    ("code", "kinds"),
    [
        ("cd", ("centro_diurno",)),
        ("CD", ("centro_diurno",)),
        ("csf", ("csf",)),
        ("altro", ("other", "comunita", "affido", "spazio_neutro", "consultorio")),
        ("comunita", ("comunita",)),
        ("", ()),
    ],
)
def test_the_form_s_codes_name_registry_kinds(code, kinds):
    assert registry_kinds(code) == kinds


@pytest.mark.parametrize(
    ("kind", "code"),
    [("centro_diurno", "cd"), ("cap", "cap"), ("ade", "ade"), ("affido", "altro"), ("other", "altro")],
)
def test_each_registry_kind_has_the_form_s_code_of_its_type(kind, code):
    assert form_type(kind) == code


def test_an_answer_is_read_inside_groups_but_not_repeats():
    assert answer_in({"a": {"b": {"tipo_servizio": " cd "}}}, "tipo_servizio") == "cd"
    assert answer_in({"r": [{"tipo_servizio": "cd"}]}, "tipo_servizio") == ""
