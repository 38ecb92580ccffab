"""Hostile and disguised uploads are refused quickly, in bounded memory, with a message naming the problem."""

import io
import struct
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from defusedxml import DefusedXmlException
from openpyxl.utils import get_column_letter
from openpyxl.xml import functions as openpyxl_xml

from forms.errors import FormDefinitionError, FormProblem
from forms.safety import OLE2_MAGIC, Limits
from forms.xlsform import load_xlsform

MiB = 1024 * 1024
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&xxe;</workbook>'
)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
    b'<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)


def xlsx(rows: list[list[object]] | None = None) -> bytes:
    """A small, valid XLSForm workbook written by openpyxl."""
    workbook = openpyxl.Workbook()
    workbook.active.title = "survey"
    for row in rows or [["type", "name", "label"], ["text", "a", "A"]]:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def replaced(name: str, content: bytes) -> bytes:
    """The small workbook with one internal file swapped for `content`."""
    source, buffer = zipfile.ZipFile(io.BytesIO(xlsx())), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == name else source.read(info))
    return buffer.getvalue()


def handmade_zip(members: list[tuple[str, bytes]], declared: dict[str, int] | None = None) -> bytes:
    """A zip written byte by byte, so its directory can lie about sizes; members always include the two
    parts that make a zip look like a workbook."""
    members = [("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>"), *members]
    out, directory = io.BytesIO(), io.BytesIO()
    for name, payload in members:
        raw, size, crc = _deflate(payload), (declared or {}).get(name, len(payload)), zlib.crc32(payload)
        encoded, offset = name.encode(), out.tell()
        fields = (8, 0, 0, crc, len(raw), size, len(encoded), 0)
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, *fields) + encoded + raw)
        directory.write(
            struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, *fields, 0, 0, 0, 0, offset) + encoded
        )
    start, count = out.tell(), len(members)
    out.write(
        directory.getvalue()
        + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, directory.tell(), start, 0)
    )
    return out.getvalue()


def _deflate(payload: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(payload) + packer.flush()


def zeros_deflated(size: int) -> bytes:
    """`size` zero bytes as a raw deflate stream: one compressed megabyte, repeated (a full flush resets the
    compressor, so every repetition continues the stream validly)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    megabyte = packer.compress(bytes(MiB)) + packer.flush(zlib.Z_FULL_FLUSH)
    return megabyte * (size // MiB) + packer.flush()


def bomb(declared: int, real: int) -> bytes:
    """A workbook whose sheet is `real` zero bytes, its directory declaring `declared` bytes."""
    normal = handmade_zip([])
    raw, name = zeros_deflated(real), b"xl/worksheets/sheet1.xml"
    header = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, 0, len(raw), declared, len(name), 0)
    cut = normal.index(b"PK\x01\x02")
    entry = struct.pack(
        "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, 0, len(raw), declared, len(name), 0, 0, 0, 0, 0, cut
    )
    directory = normal[cut : normal.index(b"PK\x05\x06")] + entry + name
    start = cut + len(header) + len(name) + len(raw)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 3, 3, len(directory), start, 0)
    return normal[:cut] + header + name + raw + directory + end


def many_rows(count: int, cells_per_row: int = 0) -> bytes:
    """The small workbook with a sheet of `count` rows of formatted empty cells."""
    letters = [get_column_letter(column) for column in range(1, cells_per_row + 1)]
    sheet = "".join(
        f'<row r="{row}">' + "".join(f'<c r="{letter}{row}" s="0"/>' for letter in letters) + "</row>"
        for row in range(1, count + 1)
    )
    return replaced("xl/worksheets/sheet1.xml", worksheet(sheet))


def with_sheet(rows: list[list[str]]) -> bytes:
    """The small workbook with its sheet written by hand (openpyxl cuts long strings when it writes)."""
    sheet = "".join(
        f'<row r="{row}">'
        + "".join(
            f'<c r="{get_column_letter(column)}{row}" t="inlineStr"><is><t>{text}</t></is></c>'
            for column, text in enumerate(values, start=1)
        )
        + "</row>"
        for row, values in enumerate(rows, start=1)
    )
    return replaced("xl/worksheets/sheet1.xml", worksheet(sheet))


def worksheet(rows: str) -> bytes:
    namespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return f'<worksheet xmlns="{namespace}"><sheetData>{rows}</sheetData></worksheet>'.encode()


def rows_of_content(count: int) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("survey")
    sheet.append(["type", "name", "label"])
    for number in range(count):
        sheet.append(["text", f"q{number}", "Q"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# what the hostile file is, how to make it, the name it is uploaded as, and the problem code expected
HOSTILE: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("zip bomb declaring 1 GB", lambda: bomb(1024 * MiB, 1024 * MiB), "bomba.xlsx", "zip_member_too_large"),
    ("zip bomb compressed 1000 to 1", lambda: bomb(40 * MiB, 40 * MiB), "bomba.xlsx", "zip_ratio"),
    ("zip lying small about a huge stream", lambda: bomb(2000, 200 * MiB), "bugia.xlsx", "zip_size_mismatch"),
    (
        "zip with 10,000 members",
        lambda: handmade_zip([(f"m{n}.xml", b"<a/>") for n in range(10_000)]),
        "tanti.xlsx",
        "zip_too_many_members",
    ),
    (
        "member name climbing out with ..",
        lambda: handmade_zip([("../../etc/cron.d/x", b"x")]),
        "fuga.xlsx",
        "zip_unsafe_name",
    ),
    (
        "member name with an absolute path",
        lambda: handmade_zip([("/etc/passwd", b"x")]),
        "fuga.xlsx",
        "zip_unsafe_name",
    ),
    (
        "member name with a drive letter",
        lambda: handmade_zip([("C:\\boot.ini", b"x")]),
        "fuga.xlsx",
        "zip_unsafe_name",
    ),
    (
        "member name hiding a NUL byte",  # zipfile cuts the name at the NUL: "xl/x.xml" is all it shows
        lambda: handmade_zip([("xl/x.xml\x00evil.exe", b"x")]),
        "fuga.xlsx",
        "zip_unsafe_name",
    ),
    (
        "member name twice",
        lambda: handmade_zip([("xl/workbook.xml", b"<w/>")]),
        "doppio.xlsx",
        "zip_duplicate_name",
    ),
    (
        "member name twice in another case",
        lambda: handmade_zip([("XL/Workbook.xml", b"<w/>")]),
        "doppio.xlsx",
        "zip_duplicate_name",
    ),
    (
        "external entity (XXE) in xl/workbook.xml",
        lambda: replaced("xl/workbook.xml", XXE),
        "xxe.xlsx",
        "xml_dtd",
    ),
    (
        "billion laughs in a sheet",
        lambda: replaced("xl/worksheets/sheet1.xml", LAUGHS),
        "risate.xlsx",
        "xml_dtd",
    ),
    (
        "UTF-16 XML that byte counts cannot read",
        lambda: replaced("xl/workbook.xml", "<workbook/>".encode("utf-16")),
        "utf16.xlsx",
        "xml_encoding",
    ),
    (
        "a cell of 40,000 characters",
        lambda: with_sheet([["type", "name", "label"], ["note", "n", "x" * 40_000]]),
        "cella.xlsx",
        "cell_too_long",
    ),
    ("20,001 rows of questions", lambda: rows_of_content(20_001), "righe.xlsx", "zip_member_too_many_rows"),
    ("30,000 formatted empty rows", lambda: many_rows(30_000), "vuote.xlsx", "zip_member_too_many_rows"),
    ("540,000 formatted empty cells", lambda: many_rows(18_000, 30), "celle.xlsx", "too_many_cells"),
    (
        "content in column 201",
        lambda: xlsx([["type", "name", "label", *[None] * 197, "oltre"]]),
        "colonne.xlsx",
        "too_many_columns",
    ),
    (
        "an ELF binary named .xlsx",
        lambda: b"\x7fELF\x02\x01\x01" + bytes(4096),
        "programma.xlsx",
        "not_excel",
    ),
    (
        "an HTML page named .xlsx",
        lambda: b"<!DOCTYPE html><html><table><tr><td>type</td></tr></table></html>",
        "pagina.xlsx",
        "disguised_html",
    ),
    (
        "an HTML table named .xls",
        lambda: b"<html xmlns:o='urn:schemas-microsoft-com:office:office'><table/>",
        "export.xls",
        "disguised_html",
    ),
    ("an .xls named .xlsx", lambda: OLE2_MAGIC + bytes(4096), "vecchio.xlsx", "disguised_xls"),
    ("an .xlsx named .xls", lambda: xlsx(), "nuovo.xls", "disguised_xlsx"),
    ("an .xlsx named .csv", lambda: xlsx(), "tabella.csv", "disguised_xlsx"),
    ("a PDF named .csv", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "documento.csv", "disguised_pdf"),
    (
        "a Word document named .xlsx",
        lambda: zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
        "lettera.xlsx",
        "disguised_zip",
    ),
    (
        "an OpenDocument spreadsheet named .xlsx",
        lambda: zip_of(
            {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<a/>"}
        ),
        "foglio.xlsx",
        "disguised_ods",
    ),
    ("binary NULs named .csv", lambda: b"survey,type\x00\x00\x00\x01\x02", "binario.csv", "binary_text"),
    (
        "Latin-1 text named .csv",
        lambda: "survey,,\n,type,name,label\n,text,città,Città\n".encode("latin-1"),
        "latino.csv",
        "not_utf8",
    ),
    ("damaged OLE2 named .xls", lambda: OLE2_MAGIC + bytes(4096), "rotto.xls", "workbook_corrupt"),
    ("truncated workbook", lambda: xlsx()[:-200], "troncato.xlsx", "zip_corrupt"),
    (
        "a CSV of 60,000 lines",
        lambda: b"survey,,\n" + b",text,a,A\n" * 60_000,
        "lunghissimo.csv",
        "too_many_lines",
    ),
    (
        "a markdown line of 200,000 characters",
        lambda: b"| survey |\n| " + b"x" * 200_000 + b" |\n",
        "riga.md",
        "line_too_long",
    ),
    ("11 MB upload", lambda: b"survey,type\n" * (11 * MiB // 12), "enorme.csv", "too_large"),
    ("empty upload", lambda: b"", "vuoto.xlsx", "empty_file"),
]


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def refusal(data: bytes, filename: str, limits: Limits | None = None) -> tuple[FormProblem, float, int]:
    """The first problem of the refusal, the seconds it took, and the peak memory it used in bytes."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(FormDefinitionError) as refused:
            load_xlsform(data, filename, limits)
    finally:
        elapsed, (_, peak) = time.perf_counter() - started, tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return refused.value.problems[0], elapsed, peak


@pytest.mark.parametrize(
    ("make", "filename", "code"), [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE]
)
def test_a_hostile_file_is_refused_within_2_seconds_and_50_mb_naming_the_problem(make, filename, code):
    data = make()

    found, elapsed, peak = refusal(data, filename)

    assert found.code == code, found.message("en")
    assert found.message("it") != found.message("en")
    assert elapsed < 2.0
    assert peak < 50 * MiB


def test_a_cell_too_long_is_located_by_sheet_row_and_column():
    data = with_sheet([["type", "name", "label"], ["note", "n", "x" * 40_000]])

    found, _, _ = refusal(data, "cella.xlsx")

    assert (found.sheet, found.row, found.column) == ("survey", 2, "C")
    assert found.message("it") == "La cella C2 del foglio 'survey' ha 40000 caratteri; il limite è 32767."


def test_the_zip_bomb_is_refused_from_its_directory_without_inflating_anything():
    data = bomb(1024 * MiB, 1024 * MiB)

    found, _, peak = refusal(data, "bomba.xlsx")

    assert "1024.0 MB" in found.message("en")
    assert peak < 1 * MiB


def test_a_lying_member_is_read_only_a_little_past_its_declared_size():
    data = bomb(2000, 200 * MiB)

    found, _, peak = refusal(data, "bugia.xlsx")

    assert found.params == {"name": "xl/worksheets/sheet1.xml"}
    assert peak < 2 * MiB


def test_a_non_utf8_csv_names_the_line_of_its_first_bad_byte():
    data = "survey,,\n,type,name,label\n,text,città,Città\n".encode("latin-1")

    found, _, _ = refusal(data, "latino.csv")

    assert found.row == 3
    assert "riga 3" in found.message("it")


def test_a_csv_saved_with_semicolons_is_refused_with_the_reason():
    data = b"survey;;;\n;type;name;label\n;text;nome;Nome\n"

    found, _, _ = refusal(data, "punto_e_virgola.csv")

    assert found.code == "csv_semicolon"


def test_a_smaller_limit_can_be_passed_in():
    found, _, _ = refusal(xlsx(), "piccolo.xlsx", Limits(upload_bytes=1000))

    assert found.code == "too_large"


def test_the_total_expanded_size_is_limited():
    members = [(f"xl/part{n}.bin", b"\x01" * 100) for n in range(3)]
    data = handmade_zip(members, declared={name: 40 * MiB for name, _ in members})

    found, _, _ = refusal(data, "totale.xlsx", Limits(compression_ratio=10**9))

    assert found.code == "zip_total_too_large"


def test_members_sharing_their_bytes_are_refused():
    data = handmade_zip([("xl/a.xml", b"<a/>")])
    first = data.index(b"PK\x01\x02")  # point the second directory entry at the first member
    offset_field = data.index(b"PK\x01\x02", first + 4) + 42
    data = data[:offset_field] + struct.pack("<L", 0) + data[offset_field + 4 :]

    found, _, _ = refusal(data, "sovrapposti.xlsx")

    assert found.code == "zip_corrupt"
    assert "overlaps" in found.message("en")


@pytest.mark.parametrize(
    ("members", "code"),
    [
        ([("xl/\x1b[2Jx" + "y" * 200 + ".xml", b"<a/>")] * 2, "zip_duplicate_name"),
        ([("xl/\x1b[2Jx" + "y" * 200 + ".xml", b"<!DOCTYPE a [<!ENTITY e 'x'>]><a/>")], "xml_dtd"),
    ],
    ids=["duplicate", "dtd"],
)
def test_a_refusal_shows_a_member_name_escaped_and_cut(members, code):
    found, _, _ = refusal(handmade_zip(members), "nomi.xlsx")

    assert found.code == code
    for lang in ("it", "en"):
        message = found.message(lang)
        assert "\x1b" not in message  # no raw escape character reaches the page or the log
        assert "\\x1b[2Jx" in message
        assert "y" * 100 not in message


def test_a_workbook_with_formatted_empty_rows_after_its_data_loads():
    rows = [["type", "name", "label"], ["text", "a", "A"], *[[None, None, None]] * 300]
    workbook = openpyxl.Workbook()
    workbook.active.title = "survey"
    for number, row in enumerate(rows, start=1):
        workbook.active.append(row)
        workbook.active.cell(number, 1).number_format = "@"  # a styled, empty cell
    buffer = io.BytesIO()
    workbook.save(buffer)

    form = load_xlsform(buffer.getvalue(), "formattato.xlsx")

    assert "<a/>" in form.xform


def test_openpyxl_reads_workbook_xml_through_defusedxml():
    assert openpyxl_xml.iterparse.__module__.startswith("defusedxml")
    assert openpyxl_xml.fromstring.__module__.startswith("defusedxml")


def test_openpyxl_alone_would_refuse_the_billion_laughs_too():
    data = replaced("xl/worksheets/sheet1.xml", LAUGHS)

    with pytest.raises(ValueError) as refused:
        openpyxl.load_workbook(io.BytesIO(data), read_only=True)

    assert isinstance(refused.value.__cause__, DefusedXmlException)


def test_an_xls_whose_short_sector_chain_loops_is_refused_at_once():
    source = (
        Path(__file__).resolve().parents[3]
        / "shared/xlsform-corpus/pyxform/bug_example_xls/blank_second_row.xls"
    )
    if not source.is_file():
        pytest.skip("the shared corpus is not beside the repository")
    data = bytearray(source.read_bytes())
    data[1716] = 9  # short sector 45 now links back to sector 9: xlrd alone would loop, filling memory

    found, elapsed, peak = refusal(bytes(data), "ciclo.xls")

    assert found.code == "workbook_corrupt"
    assert "loops" in found.message("en")
    assert elapsed < 2.0 and peak < 50 * MiB


def test_an_invisible_control_character_is_refused_with_its_line():
    data = b"survey,,,\n,type,name,label\n,text,nome,No\x0bme\n"

    found, _, _ = refusal(data, "controllo.csv")

    assert (found.code, found.row) == ("text_control_character", 3)
    assert "U+000B" in found.message("it")


def test_a_csv_line_naming_no_known_sheet_is_refused_before_pyxform_trips_on_it():
    data = b"survey,,,\n,type,name,label\n,text,nome,Nome\nnote,,,\n"

    found, _, _ = refusal(data, "nota.csv")

    assert (found.code, found.row, found.params["name"]) == ("csv_unknown_sheet", 4, "note")


def test_a_python_error_inside_pyxform_becomes_a_refusal():
    data = b'"survey",,,,,,,,,,\n,"type","name","label","hint","bind:constraint","bind:jr'

    found, _, _ = refusal(data, "troncato.csv")

    assert found.code == "pyxform_failed"
    assert "IndexError" in found.message("en")


def test_a_long_cell_assembled_from_short_rich_text_runs_is_found():
    header = "".join(
        f'<c r="{column}1" t="inlineStr"><is><t>{text}</t></is></c>'
        for column, text in zip("ABC", ("type", "name", "label"), strict=True)
    )
    runs = "".join(f"<r><t>{'x' * 10_000}</t></r>" for _ in range(4))  # no run alone looks long
    rows = f'<row r="1">{header}</row><row r="2"><c r="C2" t="inlineStr"><is>{runs}</is></c></row>'

    found, _, _ = refusal(replaced("xl/worksheets/sheet1.xml", worksheet(rows)), "ricco.xlsx")

    assert (found.code, found.row, found.column, found.params["length"]) == ("cell_too_long", 2, "C", 40_000)


def test_a_long_cell_within_the_limit_in_characters_loads_though_its_bytes_exceed_it():
    data = with_sheet([["type", "name", "label"], ["note", "n", "è" * 20_000]])

    form = load_xlsform(data, "accenti.xlsx")

    assert "è" * 20_000 in form.xform


def test_the_upload_guard_accepts_openpyxls_lxml_parser_without_entities_but_no_other():
    # When lxml is imported before forms/ can switch openpyxl to defusedxml, openpyxl parses with
    # partial(lxml.etree.fromstring, parser=XMLParser(resolve_entities=False)); anything else is refused.
    from functools import partial

    from lxml import etree

    from forms.safety_sheets import _lxml_with_safe_parser

    assert _lxml_with_safe_parser(partial(etree.fromstring, parser=etree.XMLParser(resolve_entities=False)))
    assert not _lxml_with_safe_parser(etree.fromstring)
    assert not _lxml_with_safe_parser(partial(print, parser=None))
