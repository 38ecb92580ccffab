"""Numbers typed into URLs and forms: decimal digits an id column can hold, or no number at all."""

import pytest

from app.numbers import ID_MAX, whole_number
from tests.conftest import login


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7),
        (" 42 ", 42),
        ("0", 0),
        (str(ID_MAX), ID_MAX),
        (str(ID_MAX + 1), None),
        ("9" * 5000, None),  # int() itself refuses more than 4,300 digits
        ("²", None),  # "²".isdigit() is true, int("²") fails
        ("-3", None),
        ("3.0", None),
        ("", None),
        ("١٢", 12),  # Arabic-Indic digits are decimal digits, and int() reads them
        (None, None),
        (12, None),
    ],
)
def test_whole_number_reads_only_what_an_id_column_holds(text, expected):
    assert whole_number(text) == expected


def test_an_id_past_what_the_database_holds_is_a_404_not_a_500(app, client, make_user):
    make_user("admin@example.org", "admin")
    login(client, "admin@example.org")
    for url in (
        f"/forms/{ID_MAX + 1}",
        "/forms/99999999999999999999999",
        f"/cases/{ID_MAX + 1}",
        f"/transcripts/documents/{ID_MAX + 1}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/forms/{ID_MAX}").status_code == 404  # the largest id is still just missing


def test_odd_page_numbers_fall_back_instead_of_failing(app, client, make_user):
    make_user("admin@example.org", "admin")
    login(client, "admin@example.org")
    for page in ("²", "9" * 5000, str(ID_MAX + 1)):
        assert client.get("/cases/", query_string={"page": page}).status_code == 200
