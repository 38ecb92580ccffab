"""The programme's rules: activity dates, targets, event dates, participant counts, amounts, attachments."""

import io
import zipfile
from datetime import date

import pytest

from analysis.programme import (
    ProgrammeError,
    Span,
    check_activity_dates,
    check_event_date,
    check_participation,
    check_targets,
    euros,
    parse_amount,
    parse_count,
)
from analysis.programme_files import MAX_ATTACHMENT_BYTES, identify, safe_name
from tests.unsafe_zips import UNSAFE_NAMES, with_member_named

TODAY = date(2026, 5, 1)


def test_activity_dates_in_order_are_accepted():
    check_activity_dates(Span(date(2025, 1, 1), date(2026, 6, 30)), Span(date(2025, 2, 1), None), TODAY)


@pytest.mark.parametrize(
    ("planned", "actual", "english"),
    [
        (
            Span(date(2026, 1, 1), date(2025, 1, 1)),
            Span(None, None),
            "Planned dates: the end (2025-01-01) is before",
        ),
        (Span(None, None), Span(date(2025, 5, 1), date(2025, 4, 1)), "Actual dates: the end"),
        (Span(None, None), Span(None, date(2025, 4, 1)), "give the start too"),
        (Span(None, None), Span(date(2026, 6, 1), None), "is in the future"),
        (Span(date(1999, 1, 1), None), Span(None, None), "before 2000"),
    ],
)
def test_wrong_activity_dates_are_refused_in_both_languages(planned, actual, english):
    with pytest.raises(ProgrammeError) as caught:
        check_activity_dates(planned, actual, TODAY)

    assert english in caught.value.english
    assert caught.value.italian and caught.value.italian != caught.value.english


def test_targets_keep_known_metrics_and_drop_blanks():
    assert check_targets({"events": 6, "participants": 120, "trainees": None}) == {
        "events": 6,
        "participants": 120,
    }


@pytest.mark.parametrize("targets", [{"events": -1}, {"events": 2.5}, {"events": True}, {"people": 3}])
def test_bad_targets_are_refused(targets):
    with pytest.raises(ProgrammeError):
        check_targets(targets)


def test_an_event_in_the_future_is_refused():
    with pytest.raises(ProgrammeError, match="record an event once it took place"):
        check_event_date(date(2026, 5, 2), TODAY)


def test_an_event_today_is_accepted():
    assert check_event_date(TODAY, TODAY) == TODAY


def test_participation_drops_zeros_and_refuses_unknown_categories_and_bad_counts():
    assert check_participation({("families", "female"): 4, ("schools", "male"): 0}) == {
        ("families", "female"): 4
    }
    for cells in ({("aliens", "female"): 1}, {("families", "female"): -1}, {("families", "male"): 10_001}):
        with pytest.raises(ProgrammeError):
            check_participation(cells)


@pytest.mark.parametrize(("text", "count"), [("", None), (" 12 ", 12), ("0", 0)])
def test_a_grid_cell_is_a_whole_number_or_blank(text, count):
    assert parse_count(text) == count


@pytest.mark.parametrize("text", ["-3", "2.5", "1e3", "٣", "dodici"])
def test_a_grid_cell_that_is_not_a_whole_number_is_refused(text):
    with pytest.raises(ProgrammeError):
        parse_count(text)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("500", 50000),
        ("1.250,50", 125050),
        ("1250,5", 125050),
        ("1250.50", 125050),
        ("€ 80", 8000),
        ("0,99", 99),
    ],
)
def test_amounts_are_read_the_italian_or_the_english_way(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["0", "-5", "12,345", "abc", "100.000,01", ""])
def test_bad_amounts_are_refused(text):
    with pytest.raises(ProgrammeError):
        parse_amount(text)


def test_euros_are_shown_with_the_languages_separators():
    assert euros(125050) == "1.250,50"
    assert euros(125050, ".") == "1,250.50"


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


@pytest.mark.parametrize(
    ("data", "name", "kind", "stored"),
    [
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >>", "firme.pdf", "pdf", "firme.pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "foto.jpg", "png", "foto.png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "scan", "jpeg", "scan.jpg"),
        (DOCX, "verbale.doc", "docx", "verbale.docx"),
        (b"Verbale: presenti 12 persone.\n", "../../etc/verbale.txt", "text", "verbale.txt"),
    ],
)
def test_attachments_are_typed_by_their_bytes_and_renamed_to_match(data, name, kind, stored):
    found = identify(data, name)

    assert (found.kind, found.name) == (kind, stored)


@pytest.mark.parametrize(
    ("data", "english"),
    [
        (b"", "empty"),
        (b"<html><script>alert(1)</script></html>", "not accepted"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "not accepted"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "not accepted"),
        (b"%PDF-1.4 << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>", "scripts"),
        (_zip({"[Content_Types].xml": b"", "word/document.xml": b"", "word/vbaProject.bin": b""}), "macros"),
        (_zip({"readme.txt": b"hello"}), "not accepted"),
        (b"PK\x03\x04 broken", "damaged"),
    ],
)
def test_hostile_or_unknown_attachments_are_refused(data, english):
    with pytest.raises(ProgrammeError) as caught:
        identify(data, "file.pdf")

    assert english in caught.value.english


@pytest.mark.parametrize("name", UNSAFE_NAMES, ids=ascii)
def test_an_office_file_holding_an_unsafe_member_name_is_refused(name):
    with pytest.raises(ProgrammeError) as caught:
        identify(with_member_named(DOCX, name), "verbale.docx")

    assert "damaged" in caught.value.english


def test_an_attachment_over_the_size_limit_is_refused():
    with pytest.raises(ProgrammeError, match="limit"):
        identify(b"%PDF-" + b"0" * MAX_ATTACHMENT_BYTES, "big.pdf")


def test_a_safe_name_has_no_folders_or_control_characters():
    assert safe_name("C:\\Users\\x\\Firme\x07 del 3 maggio.PDF", ".pdf") == "Firme del 3 maggio.pdf"
    assert safe_name("", ".txt") == "allegato.txt"
