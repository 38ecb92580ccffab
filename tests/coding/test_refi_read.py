"""Reading REFI-QDA exports leniently: the variants real tools write, and samples exported by others."""

import shutil
import zipfile
from datetime import UTC, date, datetime

import pytest

from coding.refi import Project, read_qdc, read_qde, read_qdpx, write_qdpx
from tests.coding.conftest import REFI_DATA, SAMPLES

# What every variant codes in "Focus group Lecce": the quote, its code and who applied it.
EXPECTED_CODINGS = [
    ("All'inizio è stato difficile", "Emozioni", "Anna Rossi"),
    ("l'educatrice ci ha aiutato tantissimo 😊", "Educatori", "Anna Rossi"),
    ("l'educatrice ci ha aiutato tantissimo 😊", "Soddisfazione", "Luca Bianchi"),
    ("gli orari non andavano bene", "Orari", "Luca Bianchi"),
    ("Più ore, per favore!", "Orari", "Luca Bianchi"),
]


def _codings(project: Project) -> list[tuple[str, str, str]]:
    codes = {code.guid: code.name for code in project.codebook.all_codes()}
    users = {user.guid: user.name for user in project.users}
    source = project.sources[0]
    return [
        (source.content[coding.start : coding.end], codes[coding.code_guid], users[coding.creating_user])
        for coding in source.codings
    ]


@pytest.mark.parametrize("variant", ["atlas", "maxqda", "nvivo", "qualcoder"])
def test_every_tools_export_reads_to_the_same_codings(zipped, variant):
    project = read_qdpx(zipped(variant))

    assert project.name == "Focus group genitori"
    assert _codings(project) == EXPECTED_CODINGS


def test_an_atlas_export_keeps_codebook_variables_cases_notes_and_users(zipped):
    project = read_qdpx(zipped("atlas"))

    servizi, emozioni = project.codebook.codes
    assert (servizi.name, servizi.is_codable, servizi.description) == (
        "Servizi",
        False,
        "Che cosa dicono i genitori dei servizi",
    )
    assert [(code.name, code.color) for code in servizi.children] == [
        ("Orari", "#E6194B"),
        ("Educatori", "#3CB44B"),
    ]
    assert [code.name for code in emozioni.children] == ["Soddisfazione"]
    assert [(variable.name, variable.type) for variable in project.variables] == [
        ("Ruolo", "Text"),
        ("Figli", "Integer"),
        ("Primo accesso", "Date"),
    ]
    giulia = project.cases[0]
    assert [value.value for value in giulia.variable_values] == ["madre", 2, date(2024, 9, 2)]
    assert giulia.source_refs == ("d0c00000-0000-4000-8000-000000000001",)
    assert [note.text for note in project.notes] == [
        "Clima disteso; i padri parlano soprattutto di orari.",
        "Da usare nel rapporto annuale.",
    ]
    assert project.sources[0].note_refs == ("ae000000-0000-4000-8000-000000000001",)
    assert project.sources[0].selections[1].note_refs == ("ae000000-0000-4000-8000-000000000002",)
    assert project.creation_datetime == datetime(2025, 3, 10, 9, 30, tzinfo=UTC)
    assert project.description == "Due incontri con genitori dei servizi per la prima infanzia (2025)."
    assert project.skipped == ()


def test_a_qde_named_after_the_project_is_found(zipped):
    with zipfile.ZipFile(zipped("atlas")) as archive:
        assert "Focus group genitori.qde" in archive.namelist()

    assert read_qdpx(zipped("atlas")).origin == "ATLAS.ti 26.0.0 (Windows)"


def test_guids_in_braces_and_any_case_are_matched_in_lower_case(zipped):
    project = read_qdpx(zipped("maxqda"))

    assert project.codebook.codes[0].guid == "c0de0000-0000-4000-8000-000000000001"
    assert project.sources[0].codings[0].code_guid == "c0de0000-0000-4000-8000-000000000004"
    assert project.users[0].id == "AR"


def test_a_bom_is_not_part_of_the_text(zipped):
    with zipfile.ZipFile(zipped("maxqda")) as archive:
        assert archive.read("Sources/F11E0000-0000-4000-8000-000000000001.txt").startswith(b"\xef\xbb\xbf")

    assert read_qdpx(zipped("maxqda")).sources[0].content.startswith("Moderatrice:")


def test_crlf_line_ends_are_kept_because_offsets_count_them(zipped):
    source = read_qdpx(zipped("nvivo")).sources[0]

    assert source.content.count("\r\n") == 4
    assert source.selections[2].start == 177  # 175 with LF line ends: two CRs come before it


def test_times_with_seven_decimals_are_read(zipped):
    project = read_qdpx(zipped("nvivo"))

    assert project.creation_datetime == datetime(2025, 3, 10, 9, 30, 0, 123456, tzinfo=UTC)


def test_missing_optional_attributes_and_ids_that_are_not_guids_are_tolerated(zipped):
    project = read_qdpx(zipped("qualcoder"))

    orari = project.codebook.codes[0].children[0]
    assert (orari.guid, orari.is_codable, orari.color, orari.description) == ("c001", True, None, None)
    assert project.sources[0].selections[0].name is None
    assert project.sources[1].content == "Anna: Il clima, davvero accogliente. Però è durato poco ⏳."
    assert project.sources[1].content[42:57] == "è durato poco ⏳"


def test_a_tolerated_export_is_written_back_valid(zipped, tmp_path, project_schema):
    write_qdpx(read_qdpx(zipped("qualcoder")), tmp_path / "again.qdpx")

    with zipfile.ZipFile(tmp_path / "again.qdpx") as archive:
        project_schema.validate(archive.read("project.qde").decode("utf-8"))
    assert _codings(read_qdpx(tmp_path / "again.qdpx")) == EXPECTED_CODINGS


def test_an_atlas_export_survives_a_round_trip(zipped, tmp_path):
    project = read_qdpx(zipped("atlas"))

    write_qdpx(project, tmp_path / "again.qdpx")

    assert read_qdpx(tmp_path / "again.qdpx") == project


def test_a_bare_qde_is_read_and_says_its_texts_are_missing():
    project = read_qde(REFI_DATA / "atlas" / "Focus group genitori.qde")

    assert [source.content for source in project.sources] == ["", ""]
    assert len(project.sources[0].selections) == 4
    assert "The text of 'Focus group Lecce.txt' was not found" in project.skipped[0]


def test_a_source_file_missing_from_the_archive_is_reported(tmp_path):
    folder = tmp_path / "variant"
    shutil.copytree(REFI_DATA / "atlas", folder)
    (folder / "sources" / "F11E0000-0000-4000-8000-000000000002.txt").unlink()
    with zipfile.ZipFile(tmp_path / "partial.qdpx", "w") as archive:
        archive.write(folder / "Focus group genitori.qde", "Focus group genitori.qde")
        archive.write(
            folder / "sources" / "F11E0000-0000-4000-8000-000000000001.txt",
            "sources/F11E0000-0000-4000-8000-000000000001.txt",
        )

    project = read_qdpx(tmp_path / "partial.qdpx")

    assert project.sources[1].content == ""
    assert project.skipped == (
        "Il testo di 'Laboratorio Brindisi.txt' non è stato trovato "
        "(internal://F11E0000-0000-4000-8000-000000000002.txt): "
        "importato vuoto. / The text of 'Laboratorio Brindisi.txt' was not found "
        "(internal://F11E0000-0000-4000-8000-000000000002.txt): imported empty.",
    )


@pytest.mark.parametrize(
    "name", ["standard.qdc", "nvivo_mac.qdc", "project_namespace.qdc", "no_namespace.qdc"]
)
def test_codebooks_read_the_same_whatever_their_namespace(name):
    codebook = read_qdc(REFI_DATA / "codebooks" / name)

    reference = read_qdc(REFI_DATA / "codebooks" / "standard.qdc")
    assert codebook.codes == reference.codes
    assert [code.name for code in codebook.all_codes()] == [
        "Servizi",
        "Orari",
        "Educatori",
        "Emozioni",
        "Soddisfazione",
    ]
    assert codebook.codes[1].description == "Come si sentono i genitori: gioia, fatica, fiducia 🙂"


def test_the_codebook_of_a_project_file_can_be_read_as_a_qdc():
    codebook = read_qdc(REFI_DATA / "atlas" / "Focus group genitori.qde")

    assert [code.name for code in codebook.all_codes()] == [
        "Servizi",
        "Orari",
        "Educatori",
        "Emozioni",
        "Soddisfazione",
    ]


needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared REFI-QDA samples are not checked out")


@needs_samples
def test_a_hand_authored_sample_with_media_keeps_its_text_and_lists_what_it_leaves_out():
    # Ornio-app/qdpx-toolkit's hand-authored fixture: 3-level codes, overlapping selections, media sources.
    project = read_qdpx(SAMPLES / "ornio_hand_authored.qdpx")

    source = project.sources[0]
    assert [source.content[c.start : c.end] for c in source.codings] == ["Diet and health", "health are clo"]
    assert [code.name for code in project.codebook.all_codes()] == ["Topics", "Health", "Diet", "Wellbeing"]
    assert project.cases[0].variable_values[0].value == 34
    assert len(project.skipped) == 7  # picture, PDF, audio, video, links, sets, graphs


@needs_samples
def test_an_archive_with_project_qde_and_an_empty_sources_folder_is_read():
    # sky-loom/refi-qda TestProject.qdpx: "Project.qde", an empty "Sources/" folder.
    project = read_qdpx(SAMPLES / "skyloom_TestProject.qdpx")

    assert project.name == "ATLAS.ti standard project"
    assert len(project.sources) == 6
    assert all(source.content == "" for source in project.sources)


@needs_samples
def test_the_refi_atlas_example_qde_reads_its_selections():
    # The "ATLAS.ti standard project" example of the REFI-QDA 1.5 specification.
    project = read_qde(SAMPLES / "skyloom_atlasti8_standard_project.qde")

    simon = next(source for source in project.sources if source.name == "1994 Diet Coke-Diet Coke Break.docx")
    assert (simon.selections[0].start, simon.selections[0].end) == (139, 195)
    assert len(simon.selections[0].name) == 195 - 139  # the quotation's name is its text: end is exclusive


def test_a_project_zipped_inside_a_folder_is_found_with_its_sources(tmp_path):
    folder = REFI_DATA / "qualcoder"
    with zipfile.ZipFile(tmp_path / "cartella.qdpx", "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, "Focus group/" + path.relative_to(folder).as_posix())

    assert _codings(read_qdpx(tmp_path / "cartella.qdpx")) == EXPECTED_CODINGS
