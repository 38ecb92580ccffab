"""Reading territory and Ambito assignment CSV files: no database, no app."""

import os
from pathlib import Path

import pytest

from app.territory.csvfile import (
    MAX_BYTES,
    MAX_ROWS,
    parse_assignment_file,
    parse_territory_file,
)
from app.territory.errors import MAX_REPORTED, TerritoryFileError
from app.territory.tree import TerritoryError

# The shared domain data sits beside the checkout, where the Makefile looks for it too.
PUGLIA = Path(
    os.environ.get("HUMUS_TERRITORY_FILE", Path(__file__).parents[3] / "shared/domain/puglia_territory.csv")
)
HEADER = "istat_code,comune,province_code,province,ambito\n"


def territory(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(row + "\n" for row in rows)).encode()


def errors_of(data: bytes, parse=parse_territory_file) -> list[tuple[int | None, str]]:
    with pytest.raises(TerritoryFileError) as caught:
        parse(data)
    return [(row, str(message)) for row, message in caught.value.errors]


def test_the_puglia_file_has_257_comuni_in_6_provinces():
    parsed = parse_territory_file(PUGLIA.read_bytes())

    assert len(parsed.comuni) == 257
    assert parsed.provinces == {
        "071": "Foggia",
        "072": "Bari",
        "073": "Taranto",
        "074": "Brindisi",
        "075": "Lecce",
        "110": "Barletta-Andria-Trani",
    }


def test_codes_stay_zero_padded_text():
    parsed = parse_territory_file(territory("071001,Accadia,071,Foggia,"))

    comune = parsed.comuni[0]
    assert (comune.istat_code, comune.province_code, comune.ambito, comune.row) == ("071001", "071", "", 2)


def test_a_byte_order_mark_is_accepted():
    parsed = parse_territory_file(b"\xef\xbb\xbf" + territory("071001,Accadia,071,Foggia,"))

    assert parsed.comuni[0].name == "Accadia"


def test_the_ambito_column_may_be_left_out():
    data = territory("071001,Accadia,071,Foggia", header="istat_code,comune,province_code,province\n")

    assert parse_territory_file(data).comuni[0].ambito == ""


def test_columns_may_come_in_any_order_and_case():
    data = territory(
        "Foggia,071,Accadia,071001,FG/1", header="Province,PROVINCE_CODE,comune,istat_code,ambito\n"
    )

    comune = parse_territory_file(data).comuni[0]
    assert (comune.istat_code, comune.name, comune.province_name, comune.ambito) == (
        "071001",
        "Accadia",
        "Foggia",
        "FG/1",
    )


def test_accented_names_and_quoted_commas_are_read():
    parsed = parse_territory_file(territory('075098,"Presicce-Acquarica, già due comuni",075,Lecce,'))

    assert parsed.comuni[0].name == "Presicce-Acquarica, già due comuni"


def test_blank_lines_are_skipped_but_still_counted():
    data = territory("071001,Accadia,071,Foggia,", "", ",,,,", "71002,Alberona,071,Foggia,")

    assert errors_of(data) == [(5, "The ISTAT code “71002” must be 6 digits, with its leading zeros.")]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("71001,Accadia,071,Foggia,", "The ISTAT code “71001” must be 6 digits, with its leading zeros."),
        ("07100A,Accadia,071,Foggia,", "The ISTAT code “07100A” must be 6 digits, with its leading zeros."),
        ("071001,Accadia,71,Foggia,", "The province code “71” must be 3 digits, with its leading zeros."),
        ("072001,Accadia,071,Foggia,", "The ISTAT code 072001 does not start with its province code 071."),
        ("071001,,071,Foggia,", "The comune name is empty."),
        ("071001,Accadia,071,  ,", "The province name is empty."),
        (
            "071001,Accadia,071,Foggia,FG 1!",
            "The code “FG 1!” must start with a letter or digit and hold only unaccented letters, "
            "digits, spaces and the signs . _ / -.",
        ),
        ("071001,Accadia,071,Foggia", "Expected 5 columns, found 4."),
        ("071001,Accadia,071,Foggia,,", "Expected 5 columns, found 6."),
    ],
)
def test_a_bad_row_is_refused_with_its_number_and_reason(row, message):
    assert errors_of(territory(row)) == [(2, message)]


def test_a_duplicate_istat_code_names_the_first_row():
    data = territory("071001,Accadia,071,Foggia,", "071001,Accadia bis,071,Foggia,")

    assert errors_of(data) == [(3, "The ISTAT code 071001 already appears in row 2.")]


def test_a_province_code_must_always_carry_the_same_name():
    data = territory("071001,Accadia,071,Foggia,", "071002,Alberona,071,Fogia,")

    assert errors_of(data) == [(3, "The province 071 is called “Fogia” here but “Foggia” in row 2.")]


def test_an_ambito_cannot_span_two_provinces():
    data = territory("071001,Accadia,071,Foggia,A1", "072001,Acquaviva,072,Bari,A1")

    assert errors_of(data) == [
        (3, "The Ambito A1 would span two provinces: it already has comuni of province 071 (row 2).")
    ]


def test_every_bad_row_is_reported_at_once():
    data = territory("71001,Accadia,071,Foggia,", "071002,Alberona,071,Foggia,", "071003,,071,Foggia,")

    assert [row for row, _message in errors_of(data)] == [2, 4]


def test_reported_errors_are_capped_with_a_count_of_the_rest():
    data = territory(*(f"7100{i % 10},X,071,Foggia," for i in range(30)))

    with pytest.raises(TerritoryFileError) as caught:
        parse_territory_file(data)

    assert len(caught.value.errors) == MAX_REPORTED
    assert caught.value.total == 30
    assert str(caught.value).splitlines()[-1] == "… and 10 more errors."


def test_the_error_text_names_each_row():
    with pytest.raises(TerritoryError) as caught:
        parse_territory_file(territory("071001,,071,Foggia,"))

    assert str(caught.value) == "Row 2: The comune name is empty."


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("istat_code,comune,province_code\n", "Missing column “province”: the columns are "),
        ("istat_code,comune,province_code,province,region\n", "Unknown column “region”: the columns are "),
        ("istat_code,comune,comune,province_code,province\n", "The column “comune” appears twice."),
        ("\n", "The first row must be the header: "),
    ],
)
def test_a_bad_header_is_refused_on_row_1(header, message):
    [(row, text)] = errors_of(territory("071001,Accadia,071,Foggia,", header=header))

    assert row == 1
    assert text.startswith(message)


def test_an_empty_file_is_refused():
    assert errors_of(b"") == [
        (1, "The first row must be the header: " + HEADER.strip().replace(",", ", ") + ".")
    ]


def test_a_header_without_rows_is_refused():
    assert errors_of(territory()) == [(2, "The file has no data rows.")]


def test_a_latin_1_file_is_refused_on_the_row_of_the_first_bad_byte():
    data = (HEADER + "071001,Accadia,071,Foggia,\n075098,Presicce-Acquarica à,075,Lecce,\n").encode("latin-1")

    assert errors_of(data) == [(3, "The file is not UTF-8 text: save it as “CSV UTF-8”.")]


def test_a_utf_16_file_is_refused():
    data = territory("071001,Accadia,071,Foggia,").decode().encode("utf-16")

    assert errors_of(data) == [(1, "The file is not UTF-8 text: save it as “CSV UTF-8”.")]


def test_a_file_over_2_mb_is_refused():
    data = territory("071001,Accadia,071,Foggia," + " " * 100) * (MAX_BYTES // 100)

    assert errors_of(data) == [(None, "The file is larger than 2 MB.")]


def test_a_file_over_20000_rows_is_refused_on_the_first_row_past_the_limit():
    data = territory(*(f"{i:06d},C,{i // 1000:03d},P{i // 1000}," for i in range(1, MAX_ROWS + 2)))

    assert errors_of(data) == [(MAX_ROWS + 2, "The file has more than 20,000 rows.")]


def test_an_assignment_file_is_read_with_or_without_names():
    data = b"istat_code,ambito,ambito_name\n072006,BA/1,Ambito di Bari\n072004,BA/1,\n"

    rows = parse_assignment_file(data).rows

    assert [(r.row, r.istat_code, r.ambito, r.ambito_name) for r in rows] == [
        (2, "072006", "BA/1", "Ambito di Bari"),
        (3, "072004", "BA/1", ""),
    ]


def test_the_ambito_name_column_is_optional():
    rows = parse_assignment_file(b"istat_code,ambito\n072006,BA/1\n").rows

    assert rows[0].ambito_name == ""


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("072006,\n", [(2, "The code is empty.")]),
        ("72006,BA/1\n", [(2, "The ISTAT code “72006” must be 6 digits, with its leading zeros.")]),
        ("072006,BA/1\n072006,BA/2\n", [(3, "The ISTAT code 072006 already appears in row 2.")]),
        ("072006,BA/1,Bari\n", [(2, "Expected 2 columns, found 3.")]),
    ],
)
def test_a_bad_assignment_row_is_refused(rows, expected):
    data = ("istat_code,ambito\n" + rows).encode()

    assert errors_of(data, parse_assignment_file) == expected


def test_an_ambito_cannot_have_two_names():
    data = b"istat_code,ambito,ambito_name\n072006,BA/1,Bari\n072004,BA/1,Bari Nord\n"

    assert errors_of(data, parse_assignment_file) == [
        (3, "The Ambito BA/1 is called “Bari Nord” here but “Bari” in row 2.")
    ]


def test_a_territory_file_is_not_an_assignment_file():
    [(row, message)] = errors_of(PUGLIA.read_bytes(), parse_assignment_file)

    assert row == 1
    assert message.startswith("Unknown column “comune”")


def test_a_file_saved_by_italian_excel_with_semicolons_is_read():
    data = b"istat_code;comune;province_code;province;ambito\r\n071001;Accadia;071;Foggia;\r\n"

    parsed = parse_territory_file(data)

    assert [(c.istat_code, c.name) for c in parsed.comuni] == [("071001", "Accadia")]
