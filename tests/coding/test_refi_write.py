"""Writing REFI-QDA: .qdpx and .qdc files valid against the REFI schemas, read back unchanged."""

import io
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from coding.errors import RefiError
from coding.refi import (
    Case,
    Code,
    Codebook,
    Coding,
    Note,
    PlainTextSelection,
    Project,
    TextSource,
    User,
    Variable,
    VariableValue,
    read_qdc,
    read_qdpx,
    write_qdc,
    write_qdpx,
)

TEXT = (
    "Moderatrice: Com'è andato il primo anno del servizio?\r\n"
    "Giulia: All'inizio è stato difficile, però l'educatrice ci ha aiutato tantissimo 😊.\r\n"
    "Marco: Sì, ma gli orari non andavano bene: perché chiudere alle 16?\r\n"
)
ANNA, LUCA = "a1b2c3d4-0001-4a00-8000-000000000001", "a1b2c3d4-0001-4a00-8000-000000000002"
MARCH = datetime(2025, 3, 10, 10, 0, tzinfo=UTC)


def _guid(kind: int, number: int) -> str:
    return f"{kind:08x}-0000-4000-8000-{number:012x}"


def _selection(number: int, quote: str, *codings: tuple[int, str]) -> PlainTextSelection:
    start = TEXT.index(quote)
    return PlainTextSelection(
        guid=_guid(5, number),
        start=start,
        end=start + len(quote),
        name=quote,
        codings=tuple(
            Coding(
                _guid(6, number * 10 + i),
                _guid(2, code),
                creating_user=user,
                creation_datetime=MARCH + timedelta(minutes=i),
            )
            for i, (code, user) in enumerate(codings)
        ),
        creating_user=ANNA,
        creation_datetime=MARCH,
    )


def sample_project() -> Project:
    """A project using every part of the model, with Italian text, accents, an emoji and CRLF line ends."""
    codes = (
        Code(
            _guid(2, 1),
            "Servizi",
            is_codable=False,
            description="Che cosa dicono i genitori dei servizi",
            children=(
                Code(_guid(2, 2), "Orari", color="#E6194B", description="Apertura e chiusura"),
                Code(_guid(2, 3), "Educatori", color="#3cb44b", note_refs=(_guid(10, 2),)),
            ),
        ),
        Code(_guid(2, 4), "Emozioni", color="#43D", children=(Code(_guid(2, 5), "Soddisfazione 😊"),)),
    )
    variables = (
        Variable(_guid(3, 1), "Ruolo", "Text"),
        Variable(_guid(3, 2), "Figli", "Integer", description="Numero di figli in carico"),
        Variable(_guid(3, 3), "Consenso", "Boolean"),
        Variable(_guid(3, 4), "ISEE", "Float"),
        Variable(_guid(3, 5), "Primo accesso", "Date"),
        Variable(_guid(3, 6), "Intervista", "DateTime"),
    )
    source = TextSource(
        guid=_guid(4, 1),
        name="Focus group Lecce.txt",
        content=TEXT,
        description="Trascrizione rivista",
        selections=(
            _selection(1, "All'inizio è stato difficile", (4, ANNA)),
            _selection(2, "l'educatrice ci ha aiutato tantissimo 😊", (3, ANNA), (5, LUCA)),
            _selection(3, "gli orari non andavano bene", (2, LUCA)),
        ),
        variable_values=(VariableValue(_guid(3, 6), datetime(2025, 3, 1, 17, 30, tzinfo=UTC)),),
        note_refs=(_guid(10, 1),),
        creating_user=ANNA,
        creation_datetime=MARCH,
        modifying_user=LUCA,
        modified_datetime=datetime(2025, 3, 11, 9, 15, 30, 250000, tzinfo=UTC),
    )
    cases = (
        Case(
            _guid(7, 1),
            "Giulia",
            description="Madre, due figli",
            variable_values=(
                VariableValue(_guid(3, 1), "madre"),
                VariableValue(_guid(3, 2), 2),
                VariableValue(_guid(3, 3), True),
                VariableValue(_guid(3, 4), 8250.5),
                VariableValue(_guid(3, 5), date(2024, 9, 2)),
                VariableValue(_guid(3, 6), datetime(2025, 3, 1, 17, 30, tzinfo=timezone(timedelta(hours=1)))),
            ),
            source_refs=(_guid(4, 1),),
            code_refs=(_guid(2, 4),),
            selection_refs=(_guid(5, 1), _guid(5, 2)),
        ),
        Case(
            _guid(7, 2),
            "Marco",
            variable_values=(VariableValue(_guid(3, 1), "padre"), VariableValue(_guid(3, 4))),
        ),
    )
    notes = (
        Note(_guid(10, 1), "Memo", "Clima disteso; i padri parlano di orari.", creating_user=ANNA),
        Note(
            _guid(10, 2), "Definizione", "Educatrici, educatori e coordinatrici.", description="Da rivedere"
        ),
    )
    return Project(
        name="Focus group genitori",
        origin="Humus",
        description="Due incontri con i genitori (2025)",
        users=(User(ANNA, "Anna Rossi", "arossi"), User(LUCA, "Luca Bianchi")),
        codebook=Codebook(codes),
        variables=variables,
        cases=cases,
        sources=(source, TextSource(_guid(4, 2), "Vuoto.txt")),
        notes=notes,
        note_refs=(_guid(10, 1),),
        creating_user=ANNA,
        creation_datetime=MARCH,
        modifying_user=LUCA,
        modified_datetime=MARCH + timedelta(days=1),
    )


def test_a_written_project_reads_back_unchanged(tmp_path):
    project = sample_project()

    write_qdpx(project, tmp_path / "progetto.qdpx")

    assert read_qdpx(tmp_path / "progetto.qdpx") == project


def test_a_written_project_validates_against_project_xsd(tmp_path, project_schema):
    write_qdpx(sample_project(), tmp_path / "progetto.qdpx")

    with zipfile.ZipFile(tmp_path / "progetto.qdpx") as archive:
        project_schema.validate(archive.read("project.qde").decode("utf-8"))


def test_text_sources_are_utf8_files_named_by_guid_and_referenced_as_internal(tmp_path):
    write_qdpx(sample_project(), tmp_path / "progetto.qdpx")

    with zipfile.ZipFile(tmp_path / "progetto.qdpx") as archive:
        names = sorted(archive.namelist())
        text = archive.read("sources/00000004-0000-4000-8000-000000000001.txt")
        xml = archive.read("project.qde").decode("utf-8")

    assert names == [
        "project.qde",
        "sources/00000004-0000-4000-8000-000000000001.txt",
        "sources/00000004-0000-4000-8000-000000000002.txt",
    ]
    assert text == TEXT.encode("utf-8")  # no BOM, CRLF kept: offsets count every code point
    assert 'plainTextPath="internal://00000004-0000-4000-8000-000000000001.txt"' in xml


def test_selection_offsets_are_code_points_in_the_written_text(tmp_path):
    write_qdpx(sample_project(), tmp_path / "progetto.qdpx")

    source = read_qdpx(tmp_path / "progetto.qdpx").sources[0]

    quotes = [source.content[coding.start : coding.end] for coding in source.codings]
    assert quotes == [
        "All'inizio è stato difficile",
        "l'educatrice ci ha aiutato tantissimo 😊",
        "l'educatrice ci ha aiutato tantissimo 😊",
        "gli orari non andavano bene",
    ]
    assert [coding.creating_user for coding in source.codings] == [ANNA, ANNA, LUCA, LUCA]


def test_a_project_can_be_written_to_and_read_from_file_objects():
    buffer = io.BytesIO()

    write_qdpx(sample_project(), buffer)
    buffer.seek(0)

    assert read_qdpx(buffer) == sample_project()


def test_a_written_codebook_reads_back_unchanged_and_validates_against_codebook_xsd(
    tmp_path, codebook_schema
):
    codebook = replace(sample_project().codebook, origin="Humus")

    write_qdc(codebook, tmp_path / "codici.qdc")

    codebook_schema.validate(str(tmp_path / "codici.qdc"))
    expected = replace(codebook, codes=tuple(_without_notes(code) for code in codebook.codes))
    assert read_qdc(tmp_path / "codici.qdc") == expected


def _without_notes(code: Code) -> Code:
    return replace(code, note_refs=(), children=tuple(_without_notes(child) for child in code.children))


def test_an_empty_codebook_cannot_be_written_as_qdc(tmp_path):
    with pytest.raises(RefiError, match="at least one code"):
        write_qdc(Codebook(), tmp_path / "codici.qdc")


def test_an_empty_project_is_still_valid(tmp_path, project_schema):
    write_qdpx(Project(name="Vuoto"), tmp_path / "vuoto.qdpx")

    with zipfile.ZipFile(tmp_path / "vuoto.qdpx") as archive:
        project_schema.validate(archive.read("project.qde").decode("utf-8"))
    assert read_qdpx(tmp_path / "vuoto.qdpx") == Project(name="Vuoto")


def test_a_selection_outside_its_text_is_refused(tmp_path):
    source = TextSource(
        _guid(4, 1), "Breve.txt", "Sì 😊", selections=(PlainTextSelection(_guid(5, 1), 2, 5),)
    )

    with pytest.raises(RefiError, match="outside the text"):
        write_qdpx(Project(name="Breve", sources=(source,)), tmp_path / "breve.qdpx")


def test_ids_that_are_not_guids_are_written_as_the_same_guid_everywhere(tmp_path, project_schema):
    code = Code("c001", "Orari")
    selection = PlainTextSelection("s1", 0, 2, codings=(Coding("k1", "c001"),))
    project = Project(
        name="Taguette",
        codebook=Codebook((code,)),
        sources=(TextSource("d1", "d.txt", "Sì!", selections=(selection,)),),
    )

    write_qdpx(project, tmp_path / "taguette.qdpx")

    with zipfile.ZipFile(tmp_path / "taguette.qdpx") as archive:
        project_schema.validate(archive.read("project.qde").decode("utf-8"))
    back = read_qdpx(tmp_path / "taguette.qdpx")
    assert back.sources[0].codings[0].code_guid == back.codebook.codes[0].guid
    assert back.sources[0].content[:2] == "Sì"


def test_control_characters_xml_cannot_carry_are_dropped_from_names_and_notes(tmp_path, project_schema):
    project = Project(name="Prova\x00\x07", notes=(Note(_guid(10, 1), "Memo\x0b", "Riga\x1f uno"),))

    write_qdpx(project, tmp_path / "prova.qdpx")

    back = read_qdpx(tmp_path / "prova.qdpx")
    assert (back.name, back.notes[0].name, back.notes[0].text) == ("Prova", "Memo", "Riga uno")


def test_decimal_values_are_written_without_an_exponent(tmp_path, project_schema):
    values = (VariableValue(_guid(3, 1), 1e-7), VariableValue(_guid(3, 2), Decimal("12.50")))
    project = Project(name="Numeri", cases=(Case(_guid(7, 1), variable_values=values),))

    write_qdpx(project, tmp_path / "numeri.qdpx")

    with zipfile.ZipFile(tmp_path / "numeri.qdpx") as archive:
        xml = archive.read("project.qde").decode("utf-8")
    project_schema.validate(xml)
    assert "<FloatValue>0.0000001</FloatValue>" in xml
    assert "<FloatValue>12.50</FloatValue>" in xml
