"""Loading XLSForms: what a good form declares, and where and why a bad one is refused, in two languages."""

import io
import re
import textwrap

import openpyxl
import pytest

from forms.errors import OWN, FormDefinitionError, FormProblem
from forms.messages import ITALIAN_LEAD, PYXFORM
from forms.xlsform import Attachment, load_xlsform, problems_from_pyxform


def md(markdown: str) -> bytes:
    return textwrap.dedent(markdown).encode()


def refusal(markdown: str) -> FormProblem:
    with pytest.raises(FormDefinitionError) as refused:
        load_xlsform(md(markdown), "form.md")
    return refused.value.problems[0]


BILINGUAL = """
| survey   |
|          | type          | name | label::Italiano (it) | label::English (en) |
|          | text          | nome | Nome                 | Name                |
|          | select_one sn | ok   | Va bene?             | All right?          |
| choices  |
|          | list_name | name | label::Italiano (it) | label::English (en) |
|          | sn        | si   | Sì                   | Yes                 |
|          | sn        | no   | No                   | No                  |
| settings |
|          | form_id | version    | form_title   | default_language |
|          | prova   | 2025010101 | Modulo prova | Italiano (it)    |
"""


def test_a_markdown_form_loads_with_its_id_version_title_and_languages():
    form = load_xlsform(md(BILINGUAL), "prova.md")

    assert (form.form_id, form.version, form.title) == ("prova", "2025010101", "Modulo prova")
    assert form.languages == ("Italiano (it)", "English (en)")
    assert form.default_language == "Italiano (it)"
    assert form.xform.startswith("<?xml") and 'id="prova"' in form.xform
    assert form.file_type == ".md"
    assert form.warnings == ()


def test_a_form_without_translations_has_no_languages():
    form = load_xlsform(md("| survey |\n| | type | name | label |\n| | text | a | A |\n"), "a.md")

    assert form.languages == ()
    assert form.default_language is None


def test_a_form_without_a_form_id_takes_its_id_and_title_from_the_file_name():
    form = load_xlsform(
        md("| survey |\n| | type | name | label |\n| | text | a | A |\n"), "Scheda città (v2).md"
    )

    assert (form.form_id, form.title) == ("Scheda_città_v2", "Scheda_città_v2")
    assert 'id="Scheda_città_v2"' in form.xform


def test_without_a_declared_default_the_first_language_is_the_default():
    form = load_xlsform(md(BILINGUAL.replace("Italiano (it)    |", "                 |")), "prova.md")

    assert form.default_language == "Italiano (it)"


def test_the_attachments_a_form_expects_are_read_from_its_xform():
    form = load_xlsform(
        md("""
        | survey |
        | | type | name | label | image | audio | calculation | appearance |
        | | select_one_from_file comuni.csv | c | C | mappa.png | | | |
        | | select_multiple_from_file servizi.xml | s | S | | | | |
        | | select_one_from_file zone.geojson | z | Z | | | | |
        | | calculate | t | | | | pulldata('tariffe', 'euro', 'c', ${c}) | |
        | | note | n | N | | ciao.mp3 | | |
        | | select_one frutta | f | F | | | | search('frutta') |
        | choices |
        | | list_name | name | label |
        | | frutta | mela | Mela |
        """),
        "allegati.md",
    )

    assert form.attachments_expected == (
        Attachment("ciao.mp3", "audio"),
        Attachment("comuni.csv", "csv"),
        Attachment("frutta.csv", "csv"),
        Attachment("mappa.png", "image"),
        Attachment("servizi.xml", "xml"),
        Attachment("tariffe.csv", "csv"),
        Attachment("zone.geojson", "geojson"),
    )


def test_select_one_external_expects_itemsets_csv_and_carries_pyxforms_copy():
    form = load_xlsform(
        md("""
        | survey |
        |        | type                   | name      | label     | choice_filter |
        |        | select_one regione     | regione   | Regione   |               |
        |        | select_one_external pr | provincia | Provincia | regione=${regione} |
        | choices |
        |         | list_name | name   | label  |
        |         | regione   | puglia | Puglia |
        | external_choices |
        |                  | list_name | name | label | regione |
        |                  | pr        | ba   | Bari  | puglia  |
        """),
        "esterne.md",
    )

    assert form.attachments_expected == (Attachment("itemsets.csv", "csv"),)
    assert form.itemsets_csv is not None and '"pr","ba","Bari","puglia"' in form.itemsets_csv


def test_a_generated_xlsx_loads():
    workbook = openpyxl.Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(
        ["type", "name", "label::Italiano (it)", "label::English (en)", "media::image::Italiano (it)"]
    )
    survey.append(["integer", "eta", "Età", "Age", "eta.jpg"])
    settings = workbook.create_sheet("settings")
    settings.append(["form_id", "version"])
    settings.append(["anagrafica", "7"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    form = load_xlsform(buffer.getvalue(), "Anagrafica.XLSX")

    assert (form.form_id, form.version, form.file_type) == ("anagrafica", "7", ".xlsx")
    assert form.languages == ("Italiano (it)", "English (en)")
    assert form.attachments_expected == (Attachment("eta.jpg", "image"),)


def test_a_csv_form_loads():
    data = b"survey,,,\n,type,name,label\n,text,nome,Nome\n"

    form = load_xlsform(data, "modulo.csv")

    assert "<nome/>" in form.xform


# sheet, row and column, the code, a phrase of the English message and one of the Italian message
ERRORS = [
    (
        "| survey |\n| | type | name | label |\n| | text | a | A |\n| | txt | b | B |\n",
        (
            "survey",
            3,
            "type",
            "unknown_type",
            "Unknown question type 'txt'",
            "Tipo di domanda sconosciuto: 'txt'",
        ),
    ),
    (
        "| survey |\n| | type | name | label |\n| | text | a | A |\n| | text | b |  |\n",
        (
            "survey",
            3,
            "label",
            "missing_label",
            "'b' has no label or hint",
            "L'elemento 'b' non ha né un'etichetta",
        ),
    ),
    (
        "| survey |\n| | type | name | label |\n| | text |  | A |\n",
        (
            "survey",
            2,
            "name",
            "missing_name",
            "Question or group with no name",
            "Domanda o gruppo senza nome",
        ),
    ),
    (
        "| survey |\n| | type | name | label |\n| | text | a | A |\n| | integer | a | B |\n",
        ("survey", 3, "name", "duplicate_name", "'name' value 'a' is invalid", "il nome 'a' è ripetuto"),
    ),
    (
        "| survey |\n| | type | name | label | relevant |\n| | text | a | A | |\n"
        "| | text | b | B | ${a = 1 |\n",
        ("survey", 3, "relevant", "reference_syntax", "must start with '${'", "si scrive ${nome}"),
    ),
    (
        "| survey |\n| | type | name | label | relevant |\n| | text | a | A | ${zz} = 1 |\n",
        (
            "survey",
            2,
            "relevant",
            "unknown_reference",
            "Could not find the name 'zz'",
            "il riferimento ${zz}",
        ),
    ),
    (
        "| survey |\n| | type | name | label |\n| | select_one sn | a | A |\n",
        (
            "choices",
            None,
            None,
            "missing_choices_sheet",
            "There should be a choices sheet",
            "Manca il foglio 'choices'",
        ),
    ),
    (
        "| survey |\n| | type | name | label |\n| | select_one sn | a | A |\n"
        "| choices |\n| | list_name | name | label |\n| | altro | x | X |\n",
        (
            "survey",
            2,
            "type",
            "unknown_list",
            "List name not in choices sheet: sn",
            "La lista 'sn' non esiste",
        ),
    ),
    (
        "| survey |\n| | type | name | label |\n| | begin_group | g | G |\n| | text | a | A |\n",
        (
            "survey",
            2,
            "type",
            "unmatched_begin",
            "Unmatched 'begin_group'",
            "'begin_group' senza il corrispondente",
        ),
    ),
    (
        "| survey |\n| | type | name | label |\n| | text | a | A |\n| | end_repeat | r | |\n",
        (
            "survey",
            3,
            "type",
            "unmatched_end",
            "Unmatched 'end_repeat'",
            "'end_repeat' senza il corrispondente",
        ),
    ),
    (
        "| survey |\n| | type | name | label |\n| | calculate | c | |\n",
        ("survey", 2, "calculation", "missing_calculation", "Missing calculation", "Calcolo mancante"),
    ),
    (
        "| survey |\n| | name | label |\n| | a | A |\n",
        ("survey", None, None, "missing_header", "required column headers were not found: 'type'", "mancano"),
    ),
    (
        "| survey |\n| | type | name | label |\n| | begin_group | g | G |\n| | end_group | | |\n",
        ("survey", 2, "type", "empty_group", "The group 'g' has no questions", "'g' non contiene domande"),
    ),
]


@pytest.mark.parametrize(("markdown", "expected"), ERRORS, ids=[expected[3] for _, expected in ERRORS])
def test_a_bad_form_is_refused_with_sheet_row_column_and_a_message_in_both_languages(markdown, expected):
    sheet, row, column, code, english, italian = expected

    found = refusal(markdown)

    assert (found.sheet, found.row, found.column, found.code) == (sheet, row, column, code)
    assert english in found.message("en")
    assert italian in found.message("it")
    assert not found.message("it").startswith(ITALIAN_LEAD)


def test_a_row_pyxform_omits_is_found_and_added_to_the_english_message():
    found = refusal("| survey |\n| | type | name | label |\n| | text | a | A |\n| | txt | b | B |\n")

    assert found.message("en") == "[row : 3] Unknown question type 'txt'."
    assert found.message("it").startswith("[riga 3] ")


def test_a_duplicate_column_header_names_the_column():
    workbook = openpyxl.Workbook()
    workbook.active.title = "survey"
    workbook.active.append(["type", "name", "label", "label"])
    workbook.active.append(["text", "a", "A", "B"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    with pytest.raises(FormDefinitionError) as refused:
        load_xlsform(buffer.getvalue(), "doppia.xlsx")

    found = refused.value.problems[0]
    assert (found.code, found.column) == ("duplicate_header", "label")
    assert (
        found.message("it")
        == "Intestazione di colonna ripetuta: 'label'. Ogni colonna deve avere un'intestazione diversa."
    )


def test_an_unknown_pyxform_message_falls_back_to_english_behind_an_italian_lead():
    (found,) = problems_from_pyxform("[row : 7] Something pyxform has never said before.")

    assert (found.sheet, found.row, found.code) == ("survey", 7, "pyxform")
    assert found.message("it") == ITALIAN_LEAD + "[row : 7] Something pyxform has never said before."


def test_several_problems_in_one_pyxform_message_become_several_problems():
    duplicate = (
        "On the 'choices' sheet, the 'name' value is invalid. Choice names must be unique for each list."
    )
    text = f"[row : 3] {duplicate}\n[row : 5] {duplicate}"

    found = problems_from_pyxform(text)

    assert [(p.sheet, p.row, p.column, p.code) for p in found] == [
        ("choices", 3, "name", "duplicate_choice"),
        ("choices", 5, "name", "duplicate_choice"),
    ]


def test_warnings_do_not_block_and_read_in_italian():
    form = load_xlsform(
        md("""
        | survey |
        |        | type  | name | label::English | label::Italiano |
        |        | text  | a    | A              | A               |
        """),
        "avvisi.md",
    )

    (warning,) = form.warnings
    assert warning.code == "language_without_code"
    assert "English, Italiano" in warning.message("en")
    assert warning.message("it").startswith("Queste lingue non hanno un codice standard")


def test_the_message_language_accepts_regional_tags_and_defaults_to_english():
    found = refusal("| survey |\n| | type | name | label |\n| | calculate | c | |\n")

    assert found.message("it-IT") == found.message("it_IT") == found.message("IT")
    assert found.message("fr") == found.message("en") == "[row : 2] Missing calculation."


@pytest.mark.parametrize("filename", ["modulo.ods", "modulo.txt", "modulo", "modulo.xlsx.exe"])
def test_a_file_type_we_do_not_read_is_refused(filename):
    with pytest.raises(FormDefinitionError) as refused:
        load_xlsform(b"whatever", filename)

    (found,) = refused.value.problems
    assert found.code == "unsupported_extension"
    assert "non è supportato" in found.message("it")


def test_content_that_looks_like_a_server_path_is_never_read_as_a_path():
    with pytest.raises(FormDefinitionError) as refused:
        load_xlsform(b"/etc/passwd", "percorso.md")

    assert "root:" not in str(refused.value)


def test_every_italian_own_message_uses_only_placeholders_its_english_message_has():
    for code, (english, italian) in OWN.items():
        assert set(re.findall(r"{(\w+)}", italian)) <= set(re.findall(r"{(\w+)}", english)), code


def test_every_italian_pyxform_template_can_be_filled_from_its_pattern():
    for entry in PYXFORM:
        values = dict.fromkeys([*entry.pattern.groupindex, "sheet", "row", "column", "columns"], "x")

        assert entry.italian.format_map(values), entry.code
