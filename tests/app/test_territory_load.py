"""Loading the territory and Ambito files into the database, by service and by command."""

import os
from collections import Counter
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, OrgUnit
from app.territory import loading, services
from app.territory.csvfile import parse_assignment_file, parse_territory_file
from app.territory.errors import TerritoryFileError
from app.territory.tree import TerritoryError, add_org_unit, find_by_code

PUGLIA = Path(
    os.environ.get("HUMUS_TERRITORY_FILE", Path(__file__).parents[3] / "shared/domain/puglia_territory.csv")
)
HEADER = "istat_code,comune,province_code,province,ambito\n"


@pytest.fixture
def english(app):
    """An app context whose messages read in English, whatever the default language."""
    with app.app_context(), force_locale("en"):
        yield


def territory(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def load(data: bytes, **kwargs) -> services.LoadReport:
    return services.load_territory(parse_territory_file(data), **kwargs)


def assign(text: str) -> services.AssignmentReport:
    return services.assign_ambiti(parse_assignment_file(text.encode()))


def snapshot() -> list[tuple]:
    columns = (OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.kind, OrgUnit.parent_id, OrgUnit.path)
    return sorted(tuple(row) for row in db.session.execute(select(*columns)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def unit(code: str) -> OrgUnit:
    found = find_by_code(code)
    assert found is not None, code
    return found


def row_errors(caught: pytest.ExceptionInfo) -> list[tuple[int | None, str]]:
    return [(row, str(message)) for row, message in caught.value.errors]


def test_puglia_loads_as_one_region_six_provinces_and_257_comuni(english):
    report = load(PUGLIA.read_bytes())

    kinds = Counter(db.session.scalars(select(OrgUnit.kind)))
    assert report == services.LoadReport(created=257, updated=0, unchanged=0)
    assert kinds == {"region": 1, "province": 6, "comune": 257}
    assert unit("16").name == "Puglia"
    assert [c.name for c in unit("110").children][:2] == ["Andria", "Barletta"]


def test_every_path_is_the_parents_path_plus_the_own_id(english):
    load(PUGLIA.read_bytes())

    units = db.session.scalars(select(OrgUnit)).all()
    assert all(u.path == (u.parent.path if u.parent else "/") + f"{u.id}/" for u in units)
    assert unit("072006").path.startswith(unit("072").path)
    assert unit("072006").depth == 2


def test_loading_the_same_file_twice_changes_nothing(english):
    load(PUGLIA.read_bytes())
    before = snapshot()

    report = load(PUGLIA.read_bytes())

    assert report == services.LoadReport(created=0, updated=0, unchanged=257)
    assert snapshot() == before


def test_a_renamed_comune_is_updated(english):
    load(territory("071001,Accadia,071,Foggia,", "071002,Alberona,071,Foggia,"))

    report = load(territory("071001,Accadia Nuova,071,Foggia,", "071002,Alberona,071,Foggia,"))

    assert report == services.LoadReport(created=0, updated=1, unchanged=1)
    assert unit("071001").name == "Accadia Nuova"


def test_an_ambito_column_puts_the_comune_in_an_ambito_of_its_province(english):
    load(territory("071001,Accadia,071,Foggia,FG/1", "071002,Alberona,071,Foggia,"))

    ambito = unit("FG/1")
    assert (ambito.kind, ambito.name, ambito.parent.code) == ("ambito", "FG/1", "071")
    assert unit("071001").parent is ambito
    assert unit("071002").parent.code == "071"


def test_a_comune_already_in_an_ambito_stays_there_when_the_column_is_blank(english):
    load(territory("071001,Accadia,071,Foggia,FG/1"))

    report = load(territory("071001,Accadia,071,Foggia,"))

    assert report.unchanged == 1
    assert unit("071001").parent.code == "FG/1"


def test_a_new_ambito_in_the_file_moves_the_comune_and_its_agencies(english):
    load(territory("071001,Accadia,071,Foggia,"))
    agency = add_org_unit("AG-1", "Consultorio", "agency", unit("071001"))
    db.session.commit()

    report = load(territory("071001,Accadia,071,Foggia,FG/1"))

    assert report.updated == 1
    assert agency.path == unit("FG/1").path + f"{unit('071001').id}/{agency.id}/"


def test_a_code_used_by_another_kind_of_unit_stops_the_whole_load(english):
    other = add_org_unit("99", "Altrove", "region", None)
    add_org_unit("075035", "Servizio con un codice ISTAT", "agency", other)
    db.session.commit()
    before = (count(OrgUnit), count(AuditEvent))

    with pytest.raises(TerritoryFileError) as caught:
        load(PUGLIA.read_bytes())

    assert row_errors(caught) == [
        (186, "The code 075035 is already in use: every org unit needs a code of its own.")
    ]
    assert (count(OrgUnit), count(AuditEvent)) == before


def test_an_ambito_code_that_names_a_comune_of_the_file_is_refused(english):
    data = territory("071001,Accadia,071,Foggia,", "071002,Alberona,071,Foggia,071001")

    with pytest.raises(TerritoryFileError) as caught:
        load(data)

    assert [row for row, _message in caught.value.errors] == [3]
    assert count(OrgUnit) == 0


def test_a_province_of_another_region_is_refused(english):
    load(territory("071001,Accadia,071,Foggia,"), region_code="99", region_name="Altrove")

    with pytest.raises(TerritoryFileError) as caught:
        load(territory("071001,Accadia,071,Foggia,"))

    assert row_errors(caught) == [(2, "The province 071 already belongs to another region.")]
    assert find_by_code("16") is None


def test_a_failure_half_way_leaves_nothing_behind(english, monkeypatch):
    calls = Counter()

    def failing_add(*args, **kwargs):
        calls["add"] += 1
        if calls["add"] == 100:
            raise TerritoryError("the disk is full")
        return add_org_unit(*args, **kwargs)

    monkeypatch.setattr(loading, "add_org_unit", failing_add)

    with pytest.raises(TerritoryError):
        load(PUGLIA.read_bytes())

    assert (count(OrgUnit), count(AuditEvent)) == (0, 0)


def test_a_load_writes_one_audit_event_with_its_counts(english):
    load(PUGLIA.read_bytes())

    [event] = db.session.scalars(select(AuditEvent)).all()
    assert event.action == "territory.loaded"
    assert event.org_unit_id == unit("16").id
    assert event.details["created"] == 257
    assert event.details["units_created"] == {"region": 1, "province": 6, "comune": 257}


def test_assigning_ambiti_creates_them_and_moves_comuni_with_their_descendants(english):
    load(PUGLIA.read_bytes())
    agency = add_org_unit("AG-BA", "Centro famiglie", "agency", unit("072006"))
    db.session.commit()

    report = assign("istat_code,ambito,ambito_name\n072006,BA/1,Ambito di Bari\n072004,BA/1,\n075035,LE/1,\n")

    assert report == services.AssignmentReport(ambiti_created=2, moved=3, unchanged=0)
    bari = unit("BA/1")
    assert (bari.name, bari.parent.code, unit("LE/1").name) == ("Ambito di Bari", "072", "LE/1")
    assert {c.code for c in bari.children} == {"072004", "072006"}
    assert unit("072006").path == f"{bari.path}{unit('072006').id}/"
    assert agency.path == f"{unit('072006').path}{agency.id}/"


def test_assigning_the_same_file_twice_moves_nothing_the_second_time(english):
    load(PUGLIA.read_bytes())
    assign("istat_code,ambito\n072006,BA/1\n")
    before = snapshot()

    report = assign("istat_code,ambito\n072006,BA/1\n")

    assert report == services.AssignmentReport(ambiti_created=0, moved=0, unchanged=1)
    assert snapshot() == before


def test_an_assignment_file_with_any_bad_row_changes_nothing(english):
    load(PUGLIA.read_bytes())
    before = (snapshot(), count(AuditEvent))

    with pytest.raises(TerritoryFileError) as caught:
        assign("istat_code,ambito\n072006,BA/1\n075035,BA/1\n999999,BA/2\n072004,16\n")

    assert row_errors(caught) == [
        (3, "The Ambito BA/1 would span two provinces: it already has comuni of province 072 (row 2)."),
        (4, "No comune has the ISTAT code 999999."),
        (5, "The code 16 is already in use: every org unit needs a code of its own."),
    ]
    assert (snapshot(), count(AuditEvent)) == before


def test_an_existing_ambito_only_takes_comuni_of_its_province(english):
    load(PUGLIA.read_bytes())
    assign("istat_code,ambito\n072006,BA/1\n")

    with pytest.raises(TerritoryFileError) as caught:
        assign("istat_code,ambito\n075035,BA/1\n")

    assert row_errors(caught) == [(2, "The Ambito BA/1 belongs to the province 072, not 075.")]


def test_create_ambito_refuses_a_code_already_in_use(english, territory):
    with pytest.raises(TerritoryError) as caught:
        services.create_ambito(db.session.get(OrgUnit, territory.bari.id), "075035", "Nuovo")

    assert str(caught.value) == "The code 075035 is already in use: every org unit needs a code of its own."


def test_assign_comuni_makes_the_checked_comuni_the_ambitos_own(english, territory):
    bari = db.session.get(OrgUnit, territory.bari.id)
    modugno = add_org_unit("072027", "Modugno", "comune", bari)
    ambito = db.session.get(OrgUnit, territory.ambito_bari.id)
    db.session.commit()

    change = services.assign_comuni(ambito, [modugno])

    assert change == services.MembershipChange(moved_in=1, moved_out=1)
    assert [c.code for c in services.comuni_under(ambito)] == ["072027"]
    assert unit("072006").parent is bari
    assert [e.action for e in db.session.scalars(select(AuditEvent))] == ["org_unit.moved"] * 2


def test_assign_comuni_refuses_a_comune_of_another_province(english, territory):
    ambito = db.session.get(OrgUnit, territory.ambito_bari.id)

    with pytest.raises(TerritoryError):
        services.assign_comuni(ambito, [db.session.get(OrgUnit, territory.comune_lecce.id)])

    assert unit("075035").parent.code == "ATS-LE1"


@pytest.mark.parametrize("kind", ["comune", "ambito", "province"])
def test_add_child_only_adds_agencies_and_services(english, territory, kind):
    with pytest.raises(TerritoryError):
        services.add_child(db.session.get(OrgUnit, territory.comune_bari.id), "X-1", "Nuovo", kind)

    assert find_by_code("X-1") is None


def test_load_territory_command_prints_a_summary(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"

    result = app.test_cli_runner().invoke(args=["humus", "load-territory", str(PUGLIA)])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Comuni in the file: 257 (created: 257, updated: 0, unchanged: 0)."


def test_load_territory_command_lists_row_errors_and_changes_nothing(app, tmp_path):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(PUGLIA.read_bytes() + b"71999,Nowhere,071,Foggia,\n071001,Accadia,071,Foggia,\n")

    result = app.test_cli_runner().invoke(args=["humus", "load-territory", str(bad)])

    assert result.exit_code != 0
    assert "Row 259: The ISTAT code “71999” must be 6 digits" in result.output
    assert "Row 260: The ISTAT code 071001 already appears in row 2." in result.output
    with app.app_context():
        assert count(OrgUnit) == 0


def test_assign_ambiti_command_moves_comuni(app, tmp_path):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    runner = app.test_cli_runner()
    runner.invoke(args=["humus", "load-territory", str(PUGLIA)])
    assignment = tmp_path / "ambiti.csv"
    assignment.write_text("istat_code,ambito,ambito_name\n072006,BA/1,Ambito di Bari\n", encoding="utf-8")

    result = runner.invoke(args=["humus", "assign-ambiti", str(assignment)])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Comuni moved: 1; already in place: 0; new Ambiti: 1."
    with app.app_context():
        assert unit("072006").parent.code == "BA/1"


def test_assign_ambiti_command_refuses_an_unknown_comune(app, tmp_path):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    assignment = tmp_path / "ambiti.csv"
    assignment.write_text("istat_code,ambito\n072006,BA/1\n", encoding="utf-8")

    result = app.test_cli_runner().invoke(args=["humus", "assign-ambiti", str(assignment)])

    assert result.exit_code == 1
    assert "Row 2: No comune has the ISTAT code 072006." in result.output


def test_the_tree_explains_a_misplaced_unit_in_words(english, territory):
    comune = db.session.get(OrgUnit, territory.comune_bari.id)

    with pytest.raises(TerritoryError) as caught:
        add_org_unit("X-1", "Nuovo", "ambito", comune)

    assert str(caught.value) == "An org unit of kind Ambito cannot be placed under one of kind comune."
