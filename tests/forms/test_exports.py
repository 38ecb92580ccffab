"""Export writers: ZIP of CSVs, XLSX, SPSS and Stata, read back; formula injection; server-made names."""

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pyreadstat
import pytest

from forms.exports import (
    ExportOptions,
    SubmissionRecord,
    build_layout,
    export_filename,
    file_extension,
    write_csv_zip,
    write_dta,
    write_sav,
    write_xlsx,
)
from forms.exports.cells import TRUNCATED
from forms.exports.names import STATA_NAME_LIMIT, STATA_RESERVED, sheet_titles, variable_names
from forms.spec import FormSpec
from forms.spec_read import read_xform
from tests.forms.conftest import xform_from_md
from tests.forms.export_files import csv_export, csv_tables, rebuilt, records

SCHEDA = """
| survey |
|        | type                     | name        | label::Italiano (it) | label::English (en) |
|        | text                     | nome        | Nome                 | Name                |
|        | integer                  | eta         | Età                  | Age                 |
|        | decimal                  | ore         | Ore                  | Hours               |
|        | date                     | data        | Data                 | Date                |
|        | time                     | ora         | Ora                  | Time                |
|        | dateTime                 | quando      | Quando               | When                |
|        | select_one sn            | ok          | Va bene?             | All right?          |
|        | select_multiple attivita | attivita    | Attività             | Activities          |
|        | begin group              | famiglia    | Famiglia             | Family              |
|        | begin group              | casa        | Casa                 | Home                |
|        | text                     | via         | Via                  | Street              |
|        | end group                |             |                      |                     |
|        | integer                  | membri      | Membri               | Members             |
|        | end group                |             |                      |                     |
|        | begin repeat             | figli       | Figli                | Children            |
|        | text                     | nome_figlio | Nome                 | Name                |
|        | begin repeat             | visite      | Visite               | Visits              |
|        | date                     | giorno      | Giorno               | Day                 |
|        | select_one esito         | esito       | Esito                | Outcome             |
|        | end repeat               |             |                      |                     |
|        | end repeat               |             |                      |                     |
| choices |
|         | list_name | name    | label::Italiano (it) | label::English (en) |
|         | sn        | si      | Sì                   | Yes                 |
|         | sn        | no      | No                   | No                  |
|         | attivita  | sport   | Sport                | Sport               |
|         | attivita  | musica  | Musica               | Music               |
|         | attivita  | compiti | Compiti              | Homework            |
|         | esito     | 1       | Positivo             | Positive            |
|         | esito     | 2       | Negativo             | Negative            |
|         | esito     | 9       | Non so               | Don't know          |
| settings |
|          | form_id | version | default_language | form_title           |
|          | scheda  | 3       | Italiano (it)    | Scheda famiglia      |
"""
FULL = {
    "nome": 'Nicolò "Nico" D\'Amato, jr.\nsecondo rigo',
    "eta": 11,
    "ore": 12.5,
    "data": "2025-03-14",
    "ora": "16:30:00.000+01:00",
    "quando": "2025-03-14T16:30:00.000+01:00",
    "ok": "si",
    "attivita": ["sport", "compiti"],
    "famiglia": {"casa": {"via": "Via Sparano 12, Bari"}, "membri": 4},
    "figli": [
        {
            "nome_figlio": "Giulia",
            "visite": [{"giorno": "2025-01-10", "esito": "1"}, {"giorno": "2025-02-07"}],
        },
        {"nome_figlio": "Marco"},
        {},
        {"visite": [{"esito": "9"}]},
    ],
}
SPARSE = {"eta": -3, "ore": 0.1, "figli": [{"visite": [{}, {"giorno": "2024-12-31"}]}]}
TYPES = {"eta": int, "ore": float, "attivita": str.split, "famiglia-membri": int}


@pytest.fixture(scope="module")
def scheda() -> FormSpec:
    return read_xform(xform_from_md(SCHEDA))


def xlsx_export(spec: FormSpec, datas: list[dict], **options) -> openpyxl.Workbook:
    out = io.BytesIO()
    write_xlsx(build_layout([spec]), records(spec, datas), out, ExportOptions(**options))
    return openpyxl.load_workbook(io.BytesIO(out.getvalue()))


def stats_export(writer, spec: FormSpec, datas: list[dict], tmp_path: Path, **options) -> dict[str, Path]:
    out = io.BytesIO()
    writer(build_layout([spec]), records(spec, datas), out, ExportOptions(**options))
    extension = "sav" if writer is write_sav else "dta"
    if not zipfile.is_zipfile(io.BytesIO(out.getvalue())):
        path = tmp_path / f"{spec.form_id}.{extension}"
        path.write_bytes(out.getvalue())
        return {path.name: path}
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        archive.extractall(tmp_path)
        return {name: tmp_path / name for name in archive.namelist()}


# CSV


def test_csv_read_back_equals_the_stored_data_with_repeats_joined_on_parent_key(scheda):
    rows = records(scheda, [FULL, SPARSE, {}])

    tables = csv_tables(csv_export(build_layout([scheda]), rows))

    assert list(tables) == ["scheda.csv", "scheda-figli.csv", "scheda-visite.csv"]
    assert rebuilt(tables, TYPES) == {record.instance_id: record.data for record in rows}


def test_csv_files_are_utf8_with_bom_and_rfc_4180(scheda):
    archive = csv_export(build_layout([scheda]), records(scheda, [{"nome": 'a "b", c\nd'}]))

    main = zipfile.ZipFile(io.BytesIO(archive)).read("scheda.csv")

    assert main.startswith(b"\xef\xbb\xbfSubmissionDate,nome,")
    assert b'"a ""b"", c\nd"' in main
    assert main.count(b"\r\n") == 2


def test_csv_submission_date_is_written_as_central_writes_it(scheda):
    tables = csv_tables(csv_export(build_layout([scheda]), records(scheda, [{}])))

    assert tables["scheda.csv"][0]["SubmissionDate"] == "2025-03-14T09:30:01.000Z"


def test_csv_with_labels_in_a_language(scheda):
    datas = [{"ok": "si", "attivita": ["sport", "musica"], "figli": [{"visite": [{"esito": "9"}]}]}]

    tables = csv_tables(
        csv_export(build_layout([scheda]), records(scheda, datas), labels=True, language="en")
    )

    main = tables["scheda.csv"][0]
    assert (main["ok"], main["attivita"]) == ("Yes", "Sport; Music")
    assert tables["scheda-visite.csv"][0]["esito"] == "Don't know"


def test_csv_split_multiple(scheda):
    tables = csv_tables(csv_export(build_layout([scheda]), records(scheda, [FULL]), split_multiple=True))

    main = tables["scheda.csv"][0]
    assert [main[f"attivita/{code}"] for code in ("sport", "musica", "compiti")] == ["1", "0", "1"]


def test_csv_of_no_records_has_the_headers_only(scheda):
    tables = csv_tables(csv_export(build_layout([scheda]), []))

    assert all(rows == [] for rows in tables.values())


def test_csv_merges_versions_by_field_name():
    as_text = SCHEDA.replace("| integer                  | eta ", "| text                     | eta ")
    old = read_xform(xform_from_md(as_text))
    new = read_xform(xform_from_md(SCHEDA))
    rows = records(old, [{"eta": "undici"}]) + records(new, [{"eta": 11}])

    tables = csv_tables(csv_export(build_layout([old, new]), rows))

    assert [row["eta"] for row in tables["scheda.csv"]] == ["undici", "11"]


# Formula injection

TRIGGERED = ["=1+1", '=HYPERLINK("http://x")', "+39 080 123", "-x", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("text", TRIGGERED)
def test_csv_neutralises_text_a_spreadsheet_would_run(scheda, text):
    tables = csv_tables(csv_export(build_layout([scheda]), records(scheda, [{"nome": text}])))

    assert tables["scheda.csv"][0]["nome"] == "'" + text


def test_csv_leaves_numbers_and_harmless_text_alone(scheda):
    datas = [{"nome": "a=b", "eta": -3, "ore": -0.5, "figli": [{"nome_figlio": "'=già"}]}]

    tables = csv_tables(csv_export(build_layout([scheda]), records(scheda, datas)))

    main = tables["scheda.csv"][0]
    assert (main["nome"], main["eta"], main["ore"]) == ("a=b", "-3", "-0.5")
    assert tables["scheda-figli.csv"][0]["nome_figlio"] == "'=già"


def test_csv_neutralises_what_the_server_fills_in_too(scheda):
    record = SubmissionRecord("=id", {}, submitter="=cmd|' /C calc'!A0")

    tables = csv_tables(csv_export(build_layout([scheda]), [record]))

    assert tables["scheda.csv"][0]["SubmitterName"] == "'=cmd|' /C calc'!A0"
    assert tables["scheda.csv"][0]["KEY"] == "'=id"


def test_the_stored_data_keeps_the_raw_answer(scheda):
    rows = records(scheda, [{"nome": "=1+1"}])

    csv_export(build_layout([scheda]), rows)

    assert rows[0].data == {"nome": "=1+1"}


def test_xlsx_has_no_formula_and_marks_risky_text_as_text(scheda):
    book = xlsx_export(scheda, [{"nome": text, "eta": -3} for text in [*TRIGGERED, "#N/A", "="]])

    cells = [row[1] for row in book["scheda"].iter_rows(min_row=2)]
    ages = [row[2] for row in book["scheda"].iter_rows(min_row=2)]
    assert all(cell.data_type != "f" for row in book["scheda"].iter_rows() for cell in row)
    # XML reads a raw carriage return back as a line feed.
    assert [cell.value for cell in cells] == [*(t.replace("\r", "\n") for t in TRIGGERED), "#N/A", "="]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)
    assert [(cell.value, cell.data_type) for cell in ages] == [(-3, "n")] * len(ages)


def test_xlsx_file_has_no_formula_element(scheda):
    out = io.BytesIO()

    write_xlsx(build_layout([scheda]), records(scheda, [{"nome": "=1+1"}]), out)

    sheet = zipfile.ZipFile(io.BytesIO(out.getvalue())).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<f " not in sheet


# XLSX


def test_xlsx_has_a_sheet_per_table_with_the_csv_headers_and_values(scheda):
    book = xlsx_export(scheda, [FULL])

    assert book.sheetnames == ["scheda", "figli", "visite"]
    header, row = (list(values) for values in book["scheda"].iter_rows(values_only=True))
    found = dict(zip(header, row, strict=True))
    assert (found["eta"], found["ore"], found["famiglia-casa-via"]) == (11, 12.5, "Via Sparano 12, Bari")
    assert found["SubmissionDate"] == datetime(2025, 3, 14, 9, 30, 1)
    visits = list(book["visite"].iter_rows(values_only=True))
    assert visits[0] == ("giorno", "esito", "PARENT_KEY", "KEY")
    assert visits[1] == ("2025-01-10", "1", "uuid:1/figli[1]", "uuid:1/figli[1]/visite[1]")


def test_xlsx_cuts_text_over_the_excel_cell_limit_and_says_so(scheda):
    huge = "x" * 40_000

    book = xlsx_export(scheda, [{"nome": huge}])
    archive = csv_export(build_layout([scheda]), records(scheda, [{"nome": huge}]))

    cell = book["scheda"]["B2"].value
    assert len(cell) == 32_767 and cell.endswith(TRUNCATED)
    assert csv_tables(archive)["scheda.csv"][0]["nome"] == huge


def test_xlsx_drops_characters_xml_cannot_hold(scheda):
    book = xlsx_export(scheda, [{"nome": "a\x01b\x1fc"}])

    assert book["scheda"]["B2"].value == "abc"


def test_xlsx_sheet_titles_are_short_unique_and_valid():
    titles = sheet_titles(["a" * 40, "a" * 40, "A" * 40, "x[1]:y*?/z", "History"])

    assert titles == ["a" * 31, "a" * 29 + "~2", "A" * 29 + "~3", "x_1__y___z", "History~2"]


# SPSS and Stata


def test_sav_keeps_variable_and_value_labels(scheda, tmp_path):
    files = stats_export(write_sav, scheda, [FULL, SPARSE], tmp_path)

    frame, meta = pyreadstat.read_sav(files["scheda.sav"])
    labels = meta.column_names_to_labels
    assert (labels["eta"], labels["ok"]) == ("Età", "Va bene?")
    assert labels["famiglia_membri"] == "famiglia-membri: Membri"
    assert meta.variable_value_labels["ok"] == {1: "Sì", 2: "No"}
    assert frame["ok"].tolist()[0] == 1
    assert frame["eta"].tolist() == [11, -3]
    assert frame["nome"].tolist()[1] == ""


def test_sav_value_labels_follow_the_language(scheda, tmp_path):
    files = stats_export(write_sav, scheda, [FULL], tmp_path, language="en")

    _, meta = pyreadstat.read_sav(files["scheda-visite.sav"])

    assert meta.variable_value_labels["esito"] == {1: "Positive", 2: "Negative", 9: "Don't know"}
    assert meta.column_names_to_labels["esito"] == "Outcome"


def test_sav_tables_join_on_key_and_parent_key(scheda, tmp_path):
    files = stats_export(write_sav, scheda, [FULL], tmp_path)

    visits, _ = pyreadstat.read_sav(files["scheda-visite.sav"])
    children, _ = pyreadstat.read_sav(files["scheda-figli.sav"])

    assert list(files) == ["scheda.sav", "scheda-figli.sav", "scheda-visite.sav"]
    joined = visits.merge(children, left_on="PARENT_KEY", right_on="KEY", suffixes=("", "_figlio"))
    assert joined["nome_figlio"].tolist() == ["Giulia", "Giulia", ""]
    assert visits["esito"].tolist()[::2] == [1, 9]


def test_sav_dates_are_dates(scheda, tmp_path):
    files = stats_export(write_sav, scheda, [FULL], tmp_path)

    frame, _ = pyreadstat.read_sav(files["scheda.sav"])

    assert str(frame["data"][0]) == "2025-03-14"
    assert str(frame["SubmissionDate"][0]) == "2025-03-14 09:30:01"


def test_sav_split_multiple_gives_numeric_flags(scheda, tmp_path):
    files = stats_export(write_sav, scheda, [FULL, {}], tmp_path, split_multiple=True)

    frame, meta = pyreadstat.read_sav(files["scheda.sav"])

    assert frame["attivita_sport"].tolist()[0] == 1 and frame["attivita_musica"].tolist()[0] == 0
    assert frame["attivita_sport"].isna().tolist()[1]
    assert meta.column_names_to_labels["attivita_sport"] == "attivita/sport: Attività: Sport"


NO_REPEATS = """
| survey |
|        | type          | name | label |
|        | select_one sn | ok   | Ok    |
|        | text          | {long} | Lungo |
|        | text          | {long}_bis | Lungo bis |
| choices |
|         | list_name | name | label |
|         | sn        | si   | Sì    |
|         | sn        | no   | No    |
| settings |
|          | form_id |
|          | breve   |
""".replace("{long}", "domanda_con_un_nome_davvero_molto_lungo_per_stata")


def test_a_form_without_repeats_gives_one_stats_file(tmp_path):
    spec = read_xform(xform_from_md(NO_REPEATS))

    files = stats_export(write_dta, spec, [{"ok": "no"}], tmp_path)

    assert list(files) == ["breve.dta"]
    assert file_extension(build_layout([spec]), "dta") == "dta"


def test_dta_names_fit_stata_and_keep_the_original_in_the_label(tmp_path):
    spec = read_xform(xform_from_md(NO_REPEATS))

    frame, meta = pyreadstat.read_dta(stats_export(write_dta, spec, [{"ok": "no"}], tmp_path)["breve.dta"])

    long_names = [name for name in frame.columns if name.startswith("domanda")]
    assert [len(name) for name in long_names] == [32, 32] and len(set(long_names)) == 2
    assert meta.column_names_to_labels[long_names[1]].startswith(
        "domanda_con_un_nome_davvero_molto_lungo_per_stata_bis"
    )
    assert all(len(label) <= 80 for label in meta.column_names_to_labels.values())
    assert meta.variable_value_labels["ok"] == {1: "Sì", 2: "No"}
    assert frame["ok"].tolist() == [2]


def test_dta_read_back_with_repeats(scheda, tmp_path):
    files = stats_export(write_dta, scheda, [FULL, SPARSE], tmp_path)

    main, meta = pyreadstat.read_dta(files["scheda.dta"])
    visits, _ = pyreadstat.read_dta(files["scheda-visite.dta"])

    assert main["eta"].tolist() == [11, -3]
    assert meta.column_names_to_labels["ore"] == "Ore"
    assert visits["KEY"].tolist()[-1] == "uuid:2/figli[1]/visite[2]"


def test_stats_export_of_no_records(scheda, tmp_path):
    files = stats_export(write_sav, scheda, [], tmp_path)

    frame, _ = pyreadstat.read_sav(files["scheda.sav"])

    assert len(frame) == 0 and "KEY" in frame.columns


def test_a_select_value_outside_the_choices_gets_a_number_of_its_own(tmp_path):
    spec = read_xform(xform_from_md(NO_REPEATS))
    layout = build_layout([spec])
    out = io.BytesIO()

    write_sav(
        layout, [SubmissionRecord("uuid:1", {"ok": "forse"}), SubmissionRecord("uuid:2", {"ok": "si"})], out
    )

    (tmp_path / "x.sav").write_bytes(out.getvalue())
    frame, meta = pyreadstat.read_sav(tmp_path / "x.sav")
    assert frame["ok"].tolist() == [3, 1]
    assert meta.variable_value_labels["ok"] == {1: "Sì", 2: "No", 3: "forse"}


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["famiglia-membri", "età", "1a", "_x"], ["famiglia_membri", "eta", "v1a", "v_x"]),
        (["a-b", "a_b", "A_B"], ["a_b", "a_b_2", "A_B_3"]),
        (["int", "in", "str12", "with"], ["int_2", "in_2", "str12_", "with_2"]),
        (["x" * 40, "x" * 40], ["x" * 32, "x" * 30 + "_2"]),
    ],
)
def test_stata_variable_names(names, expected):
    assert variable_names(names, STATA_NAME_LIMIT, STATA_RESERVED) == expected


# Names of files


def test_export_file_names_come_from_the_form_id_and_the_clock():
    moment = datetime(2025, 3, 14, 9, 30, 5, tzinfo=UTC)

    assert export_filename("scheda", "zip", moment) == "scheda-20250314-093005.zip"
    assert export_filename("../../etc/passwd", "csv", moment) == "_.._etc_passwd-20250314-093005.csv"


def test_export_file_names_refuse_unknown_extensions():
    with pytest.raises(ValueError):
        export_filename("scheda", "exe")


@pytest.mark.parametrize(("export_format", "extension"), [("csv", "zip"), ("xlsx", "xlsx"), ("sav", "zip")])
def test_file_extension_of_a_form_with_repeats(scheda, export_format, extension):
    assert file_extension(build_layout([scheda]), export_format) == extension


class Pipe(io.RawIOBase):
    """A write-only stream that cannot seek, as a streamed HTTP response."""

    def __init__(self) -> None:
        self.written = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.written += data
        return len(data)


@pytest.mark.parametrize("writer", [write_csv_zip, write_xlsx, write_sav, write_dta])
def test_writers_need_no_seekable_output(scheda, writer):
    pipe = Pipe()

    writer(build_layout([scheda]), records(scheda, [FULL]), pipe)

    assert zipfile.ZipFile(io.BytesIO(bytes(pipe.written))).testzip() is None
