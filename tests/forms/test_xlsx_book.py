"""An .xlsx read from the upload guard's opening gives pyxform the very dict pyxform's own reader makes."""

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pyxform.xls2json_backends import xlsx_to_dict

from forms import safety
from forms.errors import FormDefinitionError
from forms.xlsform import load_xlsform
from forms.xlsx_book import xlsform_book

SHARED = Path(__file__).resolve().parents[3] / "shared"
WORKBOOKS = sorted((SHARED / "xlsform-corpus").rglob("*.xlsx")) + sorted((SHARED / "domain").rglob("*.xlsx"))


def guarded_book(data: bytes) -> object:
    return safety.guard_upload(data, ".xlsx", read_xlsx=xlsform_book).book


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda path: path.name)
def test_every_corpus_workbook_the_guard_passes_reads_as_pyxform_reads_it(path):
    data = path.read_bytes()
    try:
        book = guarded_book(data)
    except FormDefinitionError:
        pytest.skip("refused by the upload guard, so pyxform never reads it")
    if book is None:  # pyxform then reads the file itself
        with pytest.raises(Exception):  # noqa: B017, PT011 - whatever pyxform raises; it must not read it
            xlsx_to_dict(io.BytesIO(data))
        return
    assert book == xlsx_to_dict(io.BytesIO(data))


def test_the_corpus_has_workbooks_to_compare():
    assert len(WORKBOOKS) >= 40


def workbook(
    rows: list[list[object]], sheet: str = "survey", more: dict[str, list[list[object]]] | None = None
) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    for title, extra in (more or {}).items():
        other = book.create_sheet(title)
        for row in extra:
            other.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_dimension(data: bytes, ref: str) -> bytes:
    """The workbook with its first sheet's <dimension> replaced, as a hand-edited or odd writer's file has."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content, count = re.subn(
                    rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), content
                )
                assert count == 1
            target.writestr(info, content)
    return out.getvalue()


SURVEY = [
    ["type", "name", "label", None, "hint"],
    ["text", "a", "  A  "],
    [None],
    ["integer", "b", "B", None, 3.0],
    ["select_one yn", "c", "C"],
    ["date", "d", True],
]


@pytest.mark.parametrize(
    "data",
    [
        workbook(
            SURVEY, more={"choices": [["list_name", "name", "label"], ["yn", "y", "Sì"], ["yn", "n", 0]]}
        ),
        workbook(SURVEY, sheet="questionario"),  # the only sheet: pyxform reads it as the survey
        workbook(SURVEY, more={"notes": [["anything"]], "settings": [["form_id"], ["x"]]}),
        with_dimension(workbook(SURVEY), "A1:C3"),  # declared smaller than the content: pyxform stops there
        with_dimension(workbook(SURVEY), "A1:AZ900"),  # declared larger: pyxform pads
    ],
    ids=["choices", "single-sheet", "other-sheet", "dimension-small", "dimension-large"],
)
def test_a_workbook_reads_as_pyxform_reads_it(data):
    assert guarded_book(data) == xlsx_to_dict(io.BytesIO(data))


def test_a_workbook_pyxform_refuses_is_left_to_pyxform_and_refused_with_its_message():
    data = workbook([["type", "name", "label", "name"], ["text", "a", "A", "b"]])

    assert guarded_book(data) is None
    with pytest.raises(FormDefinitionError, match="Duplicate column header"):
        load_xlsform(data, "dup.xlsx")


def test_the_guard_reads_nothing_more_unless_asked():
    assert safety.guard_upload(workbook(SURVEY), ".xlsx").book is None
    data = workbook(SURVEY)
    assert safety.check_upload(data, ".xlsx") == data
