"""The historical import: hostile files refused, CSV dialects read, rows checked, minors and duplicates found."""

import io
from datetime import date, datetime

import openpyxl
import pytest

from forms.entity_import import (
    INTERVENTI,
    MINORI,
    ImportFileError,
    ImportLimits,
    ImportSpec,
    Table,
    age_band,
    check_mapping,
    parse_date,
    plan_import,
    read_table,
    suggest_mapping,
)
from forms.identity import check_character, pseudonym
from tests.forms.test_safety import XXE, bomb, replaced, worksheet

MiB = 1024 * 1024
KEY = b"k" * 32
TODAY = date(2025, 6, 30)


def cf(first15: str) -> str:
    """A valid codice fiscale from its first 15 characters."""
    return first15 + check_character(first15)


ADA = cf("RSSDAA15A41A662")
BRUNO = cf("VRDBRN12C15F205")


def refused(data: bytes, filename: str, limits: ImportLimits | None = None) -> ImportFileError:
    with pytest.raises(ImportFileError) as raised:
        read_table(data, filename, limits)
    return raised.value


def workbook(*rows: list[object], title: str = "dati") -> bytes:
    book = openpyxl.Workbook()
    book.active.title = title
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Reading CSV


def test_an_italian_excel_csv_is_read_with_semicolons_row_numbers_and_stripped_values():
    data = "Codice;Nome;Data di nascita\r\nAB1234; Ada ;01/02/2015\r\n\r\nCD5678;Bruno;\r\n".encode("cp1252")

    table = read_table(data, "storico.csv")

    assert table.columns == ("Codice", "Nome", "Data di nascita")
    assert table.rows == [
        (2, {"Codice": "AB1234", "Nome": "Ada", "Data di nascita": "01/02/2015"}),
        (4, {"Codice": "CD5678", "Nome": "Bruno", "Data di nascita": ""}),
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Comune;Nome\nCittà;Niccolò\n".encode(), "Città"),
        ("\ufeffComune;Nome\nCittà;Niccolò\n".encode(), "Città"),
        ("Comune;Nome\nCittà;Niccolò\n".encode("cp1252"), "Città"),
        ("Comune;Nome\nCittà “A”;Niccolò\n".encode("cp1252"), "Città “A”"),
        (b"Comune;Nome\nCitt\xe0\x81;Niccol\xf2\n", "Città\x81"),  # 0x81 is undefined in cp1252
    ],
    ids=["utf-8", "utf-8 with BOM", "cp1252", "cp1252 quotes", "latin-1 fallback"],
)
def test_the_encoding_is_utf8_with_or_without_bom_else_windows_1252(data, expected):
    table = read_table(data, "comuni.csv")

    assert table.columns == ("Comune", "Nome")
    assert table.rows[0][1]["Comune"] == expected


@pytest.mark.parametrize(
    "text",
    [
        'Cognome,Nome,Note\nRossi,Ada,"uno; due"\n',
        'Cognome;Nome;Note\nRossi;Ada;"uno, due"\n',
        "Cognome\tNome\tNote\nRossi\tAda\tuno, due; tre\n",
        "sep=,\nCognome,Nome,Note\nRossi,Ada,uno; due\n",
    ],
    ids=["comma", "semicolon", "tab", "excel sep line"],
)
def test_the_separator_is_the_one_that_splits_the_header(text):
    table = read_table(text.encode(), "dati.csv")

    assert table.columns == ("Cognome", "Nome", "Note")
    assert table.rows[0][1]["Cognome"] == "Rossi"


def test_a_quoted_cell_over_two_lines_stays_one_row_and_rows_are_numbered_as_records():
    data = b'Nome;Indirizzo\nAda;"Via Roma 1\nBari"\nBruno;Via Po 2\n'

    table = read_table(data, "indirizzi.csv")

    assert table.rows == [
        (2, {"Nome": "Ada", "Indirizzo": "Via Roma 1\nBari"}),
        (3, {"Nome": "Bruno", "Indirizzo": "Via Po 2"}),
    ]


def test_blank_lines_before_the_header_are_skipped_and_counted():
    table = read_table(b"\n;;\nNome;Cognome\nAda;Rossi\n", "vuote.csv")

    assert table.header_row == 3
    assert table.rows == [(4, {"Nome": "Ada", "Cognome": "Rossi"})]


def test_short_rows_are_padded_and_empty_trailing_cells_are_ignored():
    table = read_table(b"Nome;Cognome;Sesso\nAda\nBruno;Verdi;M;;;\n", "corte.csv")

    assert [cells for _, cells in table.rows] == [
        {"Nome": "Ada", "Cognome": "", "Sesso": ""},
        {"Nome": "Bruno", "Cognome": "Verdi", "Sesso": "M"},
    ]


@pytest.mark.parametrize(
    ("data", "code", "italian"),
    [
        (b"", "empty_file", "Il file è vuoto."),
        (b"\n\n;;\n", "no_header", "Il file non ha una riga di intestazione"),
        (b"Nome;Cognome\n\n", "no_rows", "nessun dato"),
        (b"Nome;Nome\nAda;Rossi\n", "duplicate_column", "La colonna 'Nome' compare due volte"),
        (b"Nome;;Cognome\nAda;x;Rossi\n", "unnamed_column", "La cella B2 contiene un valore"),
        (b"Nome;Cognome\nAda;Rossi;extra\n", "unnamed_column", "La cella C2 contiene un valore"),
        (b'Nome;Note\nAda;"aperte\n', "csv_invalid_row", "La riga 2 del file CSV non può essere letta"),
    ],
)
def test_a_csv_without_a_clear_table_is_refused_in_both_languages(data, code, italian):
    error = refused(data, "tabella.csv")

    assert error.code == code
    assert italian in error.message("it")
    assert error.message("en") != error.message("it")


# Hostile files


def test_a_csv_with_a_one_megabyte_cell_is_refused_by_its_line():
    data = b"Nome;Note\nAda;" + b"x" * MiB + b"\n"

    error = refused(data, "lunga.csv")

    assert error.code == "line_too_long"
    assert error.message("en") == "Line 2 is longer than 100000 characters."
    assert error.message("it") == "La riga 2 supera i 100000 caratteri."


def test_a_long_cell_split_over_short_quoted_lines_is_refused_by_its_length():
    data = b'Nome;Note\nAda;"' + b"\n".join([b"x" * 999] * 40) + b'"\n'  # 40 lines, 39,999 characters

    error = refused(data, "lunga.csv", ImportLimits(cell_chars=20_000))

    assert (error.code, error.params["letter"], error.params["row"]) == ("import_cell_too_long", "B", 2)
    assert error.message("it") == "La cella B2 ha 39999 caratteri; il limite è 20000."


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x7fELF\x02\x01\x01" + bytes(4096), "binary_text"),
        (b"Nome;Cognome\x00\x00\x01\x02", "binary_text"),
        (workbook(["Nome"], ["Ada"]), "disguised_xlsx"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "disguised_pdf"),
        (b"<html><table><tr><td>Nome</td></tr></table></html>", "disguised_html"),
        ("Nome;Cognome\nAda;Rossi\n".encode("utf-16"), "csv_utf16"),
        (b"Nome;Cognome\nAda;Ros\x0bsi\n", "text_control_character"),
        (b"Nome;Cognome\n" + b"Ada;Rossi\n" * (11 * MiB // 10), "too_large"),
    ],
    ids=["ELF binary", "NUL bytes", "xlsx", "pdf", "html", "utf-16", "control character", "11 MB"],
)
def test_a_hostile_or_disguised_csv_is_refused_naming_the_problem(data, code):
    error = refused(data, "storico.csv")

    assert error.code == code, error.message("en")
    assert error.message("it") != error.message("en")


def test_a_binary_file_named_csv_says_so_in_both_languages():
    error = refused(b"\x7fELF\x02\x01\x01" + bytes(4096), "storico.csv")

    assert error.message("en") == "The file named .csv contains binary data (NUL bytes), not text."
    assert error.message("it") == "Il file con estensione .csv contiene dati binari (byte NUL), non testo."


def test_a_zip_bomb_named_xlsx_is_refused_before_it_is_inflated():
    error = refused(bomb(1024 * MiB, 1024 * MiB), "bomba.xlsx")

    assert error.code == "zip_member_too_large"
    assert "1024.0 MB" in error.message("it")


def test_a_zip_bomb_within_the_declared_size_is_refused_by_its_ratio():
    error = refused(bomb(40 * MiB, 40 * MiB), "bomba.xlsx")

    assert error.code == "zip_ratio"


def test_an_xlsx_with_an_external_entity_is_refused_in_both_languages():
    error = refused(replaced("xl/workbook.xml", XXE), "xxe.xlsx")

    assert error.code == "xml_dtd"
    assert error.message("en") == (
        "The internal file 'xl/workbook.xml' declares a DTD or entities, which are refused for safety."
    )
    assert error.message("it") == (
        "Il file interno 'xl/workbook.xml' dichiara una DTD o delle entità, rifiutate per sicurezza."
    )


@pytest.mark.parametrize("filename", ["storico.xls", "storico.ods", "storico", "storico.csv.exe"])
def test_only_csv_and_xlsx_are_accepted(filename):
    error = refused(b"Nome\nAda\n", filename)

    assert error.code == "unsupported_extension"
    assert "carica un file .csv o .xlsx" in error.message("it")


def test_more_rows_than_the_limit_are_refused():
    data = b"Nome\n" + b"Ada\n" * 11

    error = refused(data, "righe.csv", ImportLimits(rows=10))

    assert error.code == "too_many_data_rows"
    assert error.message("en") == "The file has more than 10 rows of data: split it into smaller files."


def test_more_cells_than_the_limit_are_refused_even_within_the_row_limit():
    data = b"A;B;C;D\n" + b"1;2;3;4\n" * 10

    error = refused(data, "celle.csv", ImportLimits(cells=20))

    assert (error.code, error.params["columns"]) == ("import_too_many_cells", 4)


def test_too_many_blank_lines_are_refused():
    error = refused(b"Nome\nAda\n" + b"\n" * 50, "vuote.csv", ImportLimits(lines=40))

    assert error.code == "too_many_lines"


# Reading XLSX


def test_an_xlsx_is_read_from_its_first_sheet_with_excel_dates_as_iso_text():
    data = workbook(
        [],
        ["Codice", "Data di nascita", "Comune", "Note"],
        ["AB1234", datetime(2015, 2, 1), 72006, None],
        [None, None, None, None],
        ["CD5678", datetime(2012, 3, 4, 10, 30), 72006.0, "  ok "],
    )

    table = read_table(data, "storico.xlsx")

    assert table.header_row == 2
    assert table.rows == [
        (3, {"Codice": "AB1234", "Data di nascita": "2015-02-01", "Comune": "72006", "Note": ""}),
        (5, {"Codice": "CD5678", "Data di nascita": "2012-03-04 10:30:00", "Comune": "72006", "Note": "ok"}),
    ]


def test_an_xlsx_value_beyond_the_header_is_refused_with_its_cell():
    data = workbook(["Nome", "Cognome"], ["Ada", "Rossi", None, "nota"])

    error = refused(data, "oltre.xlsx")

    assert (error.code, error.message("en")) == (
        "unnamed_column",
        "Cell D2 has a value, but column D has no name in the header row.",
    )


def test_an_xlsx_header_wider_than_the_limit_is_refused():
    error = refused(
        workbook([f"C{n}" for n in range(12)], list(range(12))), "larga.xlsx", ImportLimits(columns=10)
    )

    assert error.code == "too_many_columns"  # the upload guard checks every sheet's header first


def test_an_xlsx_with_more_rows_than_the_limit_is_refused_before_it_is_read():
    data = workbook(["Nome"], *[["Ada"]] * 30)

    error = refused(data, "righe.xlsx", ImportLimits(rows=10, lines=20))

    assert error.code == "zip_member_too_many_rows"


def test_a_row_numbered_far_below_the_header_is_refused_without_reading_the_gap():
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Nome</t></is></c></row>'
        '<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>Ada</t></is></c></row>'
    )

    error = refused(
        replaced("xl/worksheets/sheet1.xml", worksheet(rows)), "lontana.xlsx", ImportLimits(lines=1000)
    )

    assert error.code == "too_many_lines"
    assert error.message("it") == "Il file ha più di 1000 righe."


# Mapping


def test_the_mapping_is_guessed_from_common_italian_headers():
    columns = [
        "N. cartella",
        "Cognome",
        "Nome minore",
        "C.F.",
        "Data di nascita (gg/mm/aaaa)",
        "Sesso",
        "Comune",
        "Data presa in carico",
        "Stato",
        "Fonte della segnalazione",
        "Note",
    ]

    mapping = suggest_mapping(columns, "minori")

    assert mapping == {
        "N. cartella": "codice",
        "Cognome": "cognome",
        "Nome minore": "nome",
        "C.F.": "codice_fiscale",
        "Data di nascita (gg/mm/aaaa)": "data_nascita",
        "Sesso": "sesso",
        "Comune": "comune_istat",
        "Data presa in carico": "data_presa_in_carico",
        "Stato": "stato",
        "Fonte della segnalazione": "fonte_segnalazione",
    }


def test_the_intervention_mapping_is_guessed_and_each_field_taken_once():
    columns = [
        "Codice Fiscale",
        "Tipo intervento",
        "Ente erogatore",
        "Data inizio",
        "Data fine",
        "Stato",
        "CF",
    ]

    mapping = suggest_mapping(columns, "interventi")

    assert mapping == {
        "Codice Fiscale": "codice_fiscale",
        "Tipo intervento": "tipo_intervento",
        "Ente erogatore": "ente_erogatore",
        "Data inizio": "data_inizio_intervento",
        "Data fine": "data_fine_intervento",
        "Stato": "stato_intervento",
    }


def test_a_wrong_mapping_is_reported_on_the_header_row():
    table = Table(
        ("Codice", "Sesso", "Sex", "Nome"), [(2, {"Codice": "", "Sesso": "", "Sex": "", "Nome": ""})]
    )
    mapping = {"Codice": "codice", "Sesso": "sesso", "Sex": "sesso", "Nome": "nome_proprio", "Manca": "stato"}

    problems = check_mapping(table, MINORI, mapping)

    assert [(p.row, p.column, p.code) for p in problems] == [
        (1, "Sex", "mapping_field_twice"),
        (1, "Nome", "mapping_unknown_field"),
        (1, "Manca", "mapping_unknown_column"),
        (1, None, "field_not_mapped"),
        (1, None, "field_not_mapped"),
        (1, None, "field_not_mapped"),
        (1, None, "field_not_mapped"),
        (1, None, "no_person_key"),
    ]
    assert problems[0].message("it") == "Il campo 'sesso' è abbinato a due colonne, 'Sesso' e 'Sex'."
    assert problems[3].message("en") == "No column is mapped to the required field 'data_nascita'."


# Values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-02-01", date(2015, 2, 1)),
        ("2015-02-01 00:00:00", date(2015, 2, 1)),
        ("01/02/2015", date(2015, 2, 1)),
        ("1/2/2015", date(2015, 2, 1)),
        ("01-02-2015", date(2015, 2, 1)),
        ("01.02.2015", date(2015, 2, 1)),
        ("29/02/2024", date(2024, 2, 29)),
    ],
)
def test_dates_are_read_in_iso_and_italian_orders(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("01/02/15", "date_format"),
        ("01/02-2015", "date_format"),
        ("2015/02/01", "date_format"),
        ("1 febbraio 2015", "date_format"),
        ("42005", "date_format"),
        ("29/02/2023", "date_impossible"),
        ("31/04/2015", "date_impossible"),
        ("01/13/2015", "date_impossible"),
        ("2015-00-10", "date_impossible"),
        ("01/02/0015", "date_too_old"),
        ("01/07/2025", "date_future"),
    ],
)
def test_a_date_that_is_malformed_impossible_too_old_or_future_is_refused(text, code):
    rows = [minor(data_presa_in_carico=text)]

    problems = plan(rows).problems

    assert [(p.row, p.column, p.code) for p in problems] == [(2, "data_presa_in_carico", code)]


@pytest.mark.parametrize(
    ("birth", "intake", "age", "band"),
    [
        ("2015-03-15", "2018-03-14", 2, "0_2"),
        ("2015-03-15", "2018-03-15", 3, "3_5"),
        ("2012-02-29", "2018-02-28", 5, "3_5"),
        ("2012-02-29", "2018-03-01", 6, "6_10"),
        ("2010-01-01", "2020-12-31", 10, "6_10"),
        ("2010-01-01", "2021-01-01", 11, "11_13"),
        ("2005-06-01", "2019-06-01", 14, "14_17"),
        ("2001-06-01", "2019-06-01", 18, "18_21"),
        ("1998-06-02", "2020-06-01", 21, "18_21"),
    ],
)
def test_the_age_band_counts_completed_years_at_intake(birth, intake, age, band):
    assert age_band(date.fromisoformat(birth), date.fromisoformat(intake)) == (age, band)


# Minori


def minor(**values: str) -> dict[str, str]:
    """A valid row for the minori fields, columns named as the fields, with some values changed."""
    return {
        "codice": "AB1234",
        "nome": "Ada",
        "cognome": "Rossi",
        "codice_fiscale": ADA,
        "data_nascita": "01/01/2015",
        "sesso": "F",
        "comune_istat": "072006",
        "data_presa_in_carico": "15/03/2020",
        "stato": "aperta",
        **values,
    }


def table(rows: list[dict[str, str]]) -> Table:
    columns = tuple(dict.fromkeys(column for row in rows for column in row))
    return Table(
        columns, [(number, dict.fromkeys(columns, "") | row) for number, row in enumerate(rows, start=2)]
    )


def plan(rows: list[dict[str, str]], spec: ImportSpec = MINORI, **options):
    data = table(rows)
    return plan_import(data, spec, {column: column for column in data.columns}, KEY, today=TODAY, **options)


def test_a_valid_minor_becomes_properties_an_identity_a_pseudonym_and_a_label():
    rows = [minor(indirizzo="Via Roma 1, Bari", esito="", fonte_segnalazione="Scuola")]

    result = plan(rows)

    assert result.ok
    [record] = result.records
    assert record.row == 2
    assert record.properties == {
        "codice": "AB1234",
        "sesso": "f",
        "comune_istat": "072006",
        "data_presa_in_carico": "2020-03-15",
        "stato": "aperta",
        "fonte_segnalazione": "scuola",
        "anno_nascita": "2015",
        "fascia_eta": "3_5",
    }
    assert record.identity == {
        "nome": "Ada",
        "cognome": "Rossi",
        "codice_fiscale": ADA,
        "data_nascita": "2015-01-01",
        "indirizzo": "Via Roma 1, Bari",
    }
    assert record.pseudonym == pseudonym(KEY, ADA)
    assert record.label == "AB1234 (f, 2015)"


def test_identity_fields_never_reach_the_properties():
    record = plan([minor(indirizzo="Via Roma 1")]).records[0]

    assert not {"nome", "cognome", "codice_fiscale", "data_nascita", "indirizzo"} & record.properties.keys()
    assert ADA not in record.properties.values()


def test_without_a_codice_fiscale_the_pseudonym_comes_from_surname_name_and_birth_date():
    record = plan([minor(codice_fiscale="", cognome="D'Angelo", nome="Maria Grazia")]).records[0]

    assert record.pseudonym == pseudonym(KEY, "D'Angelo", "Maria Grazia", date(2015, 1, 1))
    assert "codice_fiscale" not in record.identity


@pytest.mark.parametrize(
    ("text", "expected"),
    [("M", "m"), ("f", "f"), ("Maschio", "m"), ("FEMMINA", "f"), (" femmina ", "f")],
)
def test_sex_is_accepted_as_letter_or_italian_word_in_any_case(text, expected):
    record = plan([minor(sesso=text.strip())]).records[0]

    assert record.properties["sesso"] == expected


@pytest.mark.parametrize(
    ("column", "text", "stored"),
    [
        ("fonte_segnalazione", "Forze dell'ordine", "forze_ordine"),
        (
            "fonte_segnalazione",
            "autorita giudiziaria (tribunale / procura per i minorenni)",
            "autorita_giudiziaria",
        ),
        ("fonte_segnalazione", "pediatra_mmg", "pediatra_mmg"),
        ("stato", "Chiusa", "chiusa"),
        ("comune_istat", "72006", "072006"),
        ("comune_istat", "1001", "001001"),
        ("codice", "ab1234", "AB1234"),
    ],
)
def test_choices_are_stored_by_name_and_codes_normalised(column, text, stored):
    record = plan([minor(**{column: text})]).records[0]

    assert record.properties[column] == stored


def test_an_unknown_choice_lists_the_allowed_values_in_both_languages():
    [problem] = plan([minor(sesso="X")]).problems

    assert problem.message("en") == "'X' in 'sesso' is not one of the allowed values: m, f."
    assert problem.message("it") == "'X' in 'sesso' non è uno dei valori ammessi: m, f."


def test_the_allowed_values_can_be_passed_in():
    spec = ImportSpec(
        "minori",
        MINORI.fields,
        {**MINORI.choices, "sesso": {"m": "Maschio", "f": "Femmina", "x": "Non binario"}},
    )

    result = plan([minor(sesso="Non binario")], spec)

    assert result.records[0].properties["sesso"] == "x"


@pytest.mark.parametrize(
    ("column", "text", "code"),
    [
        ("comune_istat", "Bari", "istat"),
        ("comune_istat", "0720061", "istat"),
        ("codice", "AB-12", "service_code"),
        ("codice_fiscale", "RSSDAA15A41A66", "cf_length"),
        ("codice_fiscale", "12345678901", "cf_numeric"),
        ("codice_fiscale", ADA[:-1] + ("A" if ADA[-1] != "A" else "B"), "cf_check"),
    ],
)
def test_a_malformed_code_is_a_problem_of_its_cell(column, text, code):
    [problem] = plan([minor(**{column: text})]).problems

    assert (problem.row, problem.column, problem.code) == (2, column, code)


def test_a_codice_fiscale_problem_carries_the_identity_message():
    [problem] = plan([minor(codice_fiscale="RSSDAA15Z41A662X")]).problems

    assert problem.code == "cf_month"
    assert problem.message("en") == (
        "Character 9 ('Z') of the codice fiscale is not a month letter (A B C D E H L M P R S T)."
    )
    assert problem.message("it") == (
        "Il carattere 9 ('Z') del codice fiscale non indica un mese (A B C D E H L M P R S T)."
    )


def test_a_missing_required_value_names_its_column():
    data = Table(
        ("Cod.", "CF", "Nato il", "Sesso", "Comune", "Presa in carico", "Stato"),
        [
            (
                2,
                {
                    "Cod.": "AB1234",
                    "CF": ADA,
                    "Nato il": "01/01/2015",
                    "Sesso": "",
                    "Comune": "072006",
                    "Presa in carico": "15/03/2020",
                    "Stato": "aperta",
                },
            )
        ],
    )
    mapping = {"Cod.": "codice", "CF": "codice_fiscale", "Nato il": "data_nascita", "Sesso": "sesso"}
    mapping |= {"Comune": "comune_istat", "Presa in carico": "data_presa_in_carico", "Stato": "stato"}

    [problem] = plan_import(data, MINORI, mapping, KEY, today=TODAY).problems

    assert (problem.row, problem.column, problem.code) == (2, "Sesso", "required")
    assert problem.message("en") == "'Sesso' is empty, but sesso is required."
    assert problem.message("it") == "'Sesso' è vuoto, ma il campo sesso è obbligatorio."


def test_a_minor_without_codice_fiscale_or_names_cannot_be_recognised():
    [problem] = plan([minor(codice_fiscale="", nome="")]).problems

    assert (problem.column, problem.code) == ("codice_fiscale", "person_key_missing")


@pytest.mark.parametrize(
    ("changes", "column", "italian"),
    [
        (
            {"data_presa_in_carico": "31/12/2014"},
            "data_presa_in_carico",
            "'data_presa_in_carico' (2014-12-31) è precedente a 'data_nascita' (2015-01-01).",
        ),
        (
            {"stato": "chiusa", "data_chiusura": "01/01/2020"},
            "data_chiusura",
            "'data_chiusura' (2020-01-01) è precedente a 'data_presa_in_carico' (2020-03-15).",
        ),
    ],
)
def test_dates_out_of_order_are_refused(changes, column, italian):
    [problem] = plan([minor(**changes)]).problems

    assert (problem.column, problem.code) == (column, "date_order")
    assert problem.message("it") == italian


def test_a_birth_date_in_the_future_is_refused():
    problems = plan([minor(data_nascita="01/01/2026", data_presa_in_carico="02/01/2026")]).problems

    assert [(p.column, p.code) for p in problems] == [
        ("data_nascita", "date_future"),
        ("data_presa_in_carico", "date_future"),
    ]


def test_a_young_adult_over_21_at_intake_is_refused():
    [problem] = plan(
        [minor(codice_fiscale="", data_nascita="01/01/1990", data_presa_in_carico="01/01/2012")]
    ).problems

    assert problem.code == "too_old_at_intake"
    assert "22 anni" in problem.message("it")


def test_an_open_case_with_a_closing_date_is_refused():
    [problem] = plan([minor(data_chiusura="01/06/2021")]).problems

    assert (problem.column, problem.code) == ("stato", "open_with_closing_date")


def test_a_closed_case_keeps_its_closing_date_and_outcome():
    record = plan([minor(stato="chiusa", data_chiusura="01/06/2021", esito="Rientro in famiglia")]).records[0]

    assert record.properties["data_chiusura"] == "2021-06-01"
    assert record.properties["esito"] == "Rientro in famiglia"


# Duplicates


def test_every_later_row_of_the_same_minor_is_a_duplicate_naming_the_first_row():
    rows = [
        minor(),
        minor(codice="CD5678", codice_fiscale=BRUNO, nome="Bruno", data_nascita="15/03/2012"),
        minor(codice_fiscale=ADA.lower()),
        minor(codice="EF9012", codice_fiscale=f" {ADA[:8]} {ADA[8:]} "),
    ]

    result = plan(rows)

    assert [(p.row, p.code, p.params) for p in result.problems] == [
        (4, "duplicate_row", {"first_row": 2}),
        (5, "duplicate_row", {"first_row": 2}),
    ]
    assert result.problems[0].message("it") == "Questa riga riguarda lo stesso minore della riga 2."
    assert result.problems[0].message("en") == "This row is the same minor as row 2."
    assert [(d.row, d.first_row) for d in result.duplicates] == [(4, 2), (5, 2)]
    assert [record.row for record in result.records] == [2, 3]


def test_rows_without_codice_fiscale_are_duplicates_when_names_and_birth_date_agree():
    rows = [
        minor(codice_fiscale="", cognome="De Santis", nome="Niccolò"),
        minor(codice_fiscale="", cognome="DE SANTIS", nome="niccolo", codice="XY1234"),
    ]

    result = plan(rows)

    assert [(p.row, p.column, p.code) for p in result.problems] == [(3, "cognome", "duplicate_row")]


def test_a_minor_who_already_has_a_case_is_listed_but_not_an_error():
    result = plan([minor(), minor(codice="CD5678", codice_fiscale=BRUNO)], existing={pseudonym(KEY, BRUNO)})

    assert result.ok
    assert [(d.row, d.pseudonym, d.first_row) for d in result.duplicates] == [
        (3, pseudonym(KEY, BRUNO), None)
    ]
    assert [d.row for d in result.existing] == [3]
    assert len(result.records) == 2


def test_a_service_code_used_for_two_minors_is_refused():
    rows = [minor(), minor(codice_fiscale=BRUNO)]

    [problem] = plan(rows).problems

    assert (problem.row, problem.column, problem.code) == (3, "codice", "codice_reused")
    assert problem.message("en") == "The service code 'AB1234' already belongs to another minor (row 2)."


def test_a_service_code_of_another_existing_case_is_refused():
    known = {"AB1234": "uuid-of-someone-else"}

    [problem] = plan([minor()], known_cases=known).problems

    assert problem.code == "codice_taken"


def test_the_service_code_of_the_same_existing_case_is_fine():
    known = {"AB1234": "uuid-ada", pseudonym(KEY, ADA): "uuid-ada"}

    result = plan([minor()], known_cases=known, existing={pseudonym(KEY, ADA)})

    assert result.ok
    assert [d.row for d in result.existing] == [2]


# Interventi


def intervention(**values: str) -> dict[str, str]:
    return {
        "codice_fiscale": ADA,
        "tipo_intervento": "ade",
        "tipo_erogatore": "Ente del Terzo Settore",
        "ente_erogatore": "Coop. Il Melograno",
        "data_inizio_intervento": "01/04/2020",
        "data_fine_intervento": "31/12/2020",
        "stato_intervento": "Concluso",
        **values,
    }


def test_an_intervention_finds_an_existing_case_by_codice_fiscale():
    known = {pseudonym(KEY, ADA): "uuid-ada"}

    result = plan([intervention()], INTERVENTI, known_cases=known)

    assert result.ok
    [record] = result.records
    assert (record.case_id, record.case_row, record.pseudonym, record.identity) == (
        "uuid-ada",
        None,
        pseudonym(KEY, ADA),
        None,
    )
    assert record.properties == {
        "tipo_intervento": "ade",
        "tipo_erogatore": "terzo_settore",
        "ente_erogatore": "Coop. Il Melograno",
        "data_inizio_intervento": "2020-04-01",
        "data_fine_intervento": "2020-12-31",
        "stato_intervento": "concluso",
    }
    assert record.label == "ade (2020-04-01)"


def test_an_intervention_finds_its_minor_by_service_code_or_among_the_minors_of_the_same_import():
    minors = plan(
        [minor(), minor(codice="CD5678", codice_fiscale="", nome="Bruno", data_nascita="15/03/2012")]
    )
    rows = [
        intervention(codice_fiscale="", codice="zz9999"),
        intervention(),
        intervention(codice_fiscale="", codice="CD5678"),
    ]

    result = plan(rows, INTERVENTI, known_cases={"ZZ9999": "uuid-zeta"}, pending=minors.records)

    assert result.ok
    assert [(r.case_id, r.case_row, r.pseudonym) for r in result.records] == [
        ("uuid-zeta", None, None),
        (None, 2, pseudonym(KEY, ADA)),
        (None, 3, minors.records[1].pseudonym),
    ]


def test_an_intervention_of_an_unknown_minor_is_refused():
    [problem] = plan([intervention(codice_fiscale=BRUNO)], INTERVENTI).problems

    assert (problem.column, problem.code) == ("codice_fiscale", "case_unknown")
    assert problem.message("it").startswith(f"Nessun minore con '{BRUNO}' in 'codice_fiscale'")


def test_an_intervention_whose_codes_name_two_minors_is_refused():
    known = {pseudonym(KEY, ADA): "uuid-ada", "CD5678": "uuid-bruno"}

    [problem] = plan([intervention(codice="CD5678")], INTERVENTI, known_cases=known).problems

    assert problem.code == "case_mismatch"


def test_an_intervention_without_any_code_of_its_minor_is_refused():
    [problem] = plan([intervention(codice_fiscale="", codice="")], INTERVENTI).problems

    assert (problem.column, problem.code) == ("codice_fiscale", "case_key_missing")


def test_an_intervention_ending_before_it_starts_is_refused():
    known = {pseudonym(KEY, ADA): "uuid-ada"}

    [problem] = plan(
        [intervention(data_fine_intervento="31/03/2020")], INTERVENTI, known_cases=known
    ).problems

    assert (
        problem.message("en")
        == "'data_fine_intervento' (2020-03-31) is before 'data_inizio_intervento' (2020-04-01)."
    )


def test_an_intervention_needs_its_start_date():
    known = {pseudonym(KEY, ADA): "uuid-ada"}

    [problem] = plan([intervention(data_inizio_intervento="")], INTERVENTI, known_cases=known).problems

    assert (problem.column, problem.code) == ("data_inizio_intervento", "required")


# From file to plan, and size


def test_an_italian_csv_goes_from_upload_to_plan_with_the_suggested_mapping():
    data = (
        "Codice;Cognome;Nome;C.F.;Data di nascita;Sesso;Comune;Data presa in carico;Stato\r\n"
        f"AB1234;Rossi;Ada;{ADA};01/01/2015;F;72006;15/03/2020;Aperta\r\n"
        f"CD5678;Verdi;Bruno;{BRUNO};15/03/2012;maschio;072006;01/09/2019;chiusa\r\n"
    ).encode("cp1252")
    table_ = read_table(data, "storico.csv")

    result = plan_import(table_, MINORI, suggest_mapping(table_.columns, "minori"), KEY, today=TODAY)

    assert result.ok, [p.message("en") for p in result.problems]
    assert [r.label for r in result.records] == ["AB1234 (f, 2015)", "CD5678 (m, 2012)"]


def test_problems_are_sorted_by_row_with_the_mapping_first():
    rows = [minor(sesso="?"), minor(codice="X", codice_fiscale=BRUNO)]
    data = table(rows)
    mapping = {column: column for column in data.columns} | {"stato": None}

    problems = plan_import(data, MINORI, mapping, KEY, today=TODAY).problems

    assert [(p.row, p.code) for p in problems] == [
        (1, "field_not_mapped"),
        (2, "choice"),
        (3, "service_code"),
    ]


def test_no_record_is_planned_while_a_required_field_is_not_mapped():
    data = table([minor()])
    mapping = {column: column for column in data.columns if column not in ("codice", "sesso")}

    result = plan_import(data, MINORI, mapping, KEY, today=TODAY)

    assert [(p.row, p.params["field"]) for p in result.problems] == [(1, "codice"), (1, "sesso")]
    assert result.records == []


def test_fifty_thousand_rows_are_planned():
    rows = [
        (
            n + 2,
            minor(
                codice=f"AB{n:06d}",
                codice_fiscale="",
                nome=f"Nome{n}",
                data_nascita=f"{1 + n % 28:02d}/{1 + n % 12:02d}/2012",
            ),
        )
        for n in range(50_000)
    ]
    data = Table(tuple(rows[0][1]), rows)

    result = plan_import(data, MINORI, {column: column for column in data.columns}, KEY, today=TODAY)

    assert result.ok
    assert len(result.records) == 50_000
    assert len({record.pseudonym for record in result.records}) == 50_000
