"""Load an uploaded XLSForm: safety checks, conversion with pyxform, and what the resulting XForm declares."""

import re
from dataclasses import dataclass, replace
from io import BytesIO
from pathlib import PurePath
from typing import Any
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import unescape

from defusedxml import DefusedXmlException
from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import Definition, SupportedFileTypes, get_xlsform
from pyxform.xls2xform import ConvertResult, convert

from forms import messages, safety
from forms.errors import FormDefinitionError, FormProblem, problem
from forms.safety import Limits
from forms.spec_read import parse_xml
from forms.xlsx_book import xlsform_book

FILE_TYPES = (".xlsx", ".xls", ".csv", ".md")
XFORMS = "{http://www.w3.org/2002/xforms}"
XHTML = "{http://www.w3.org/1999/xhtml}"

_PART = re.compile(r"\n(?=\[row : |Language ')")  # pyxform joins several problems with newlines
_ROW = re.compile(r"\[row : (\d+)\]\s*")
_SHEET = re.compile(r"On the '([^']+)' sheet|sheet: '([^']+)'")
_COLUMN = re.compile(r"the '([^']*)' value")
# pyxform names these problems without their row; we find it by the value the message quotes.
_FIND_ROW_BY = {
    "unknown_type": ("type", "type"),
    "missing_label": ("name", "name"),
    "big_image_without_image": ("name", "name"),
    "empty_group": ("name", "name"),
}
_PYXFORM_CRASHES = (TypeError, KeyError, ValueError, AttributeError, IndexError)
_JR_URI = re.compile(r"jr://(images|audio|video|file-csv|file)/([^\s'\"<>]+)")
_APPEARANCE = re.compile(r'\sappearance="([^"]*)"')
_QUERY = re.compile(r'\squery="')
_SEARCH = re.compile(r"search\(\s*['\"]([^'\"]+)['\"]")
_URI_KINDS = {"images": "image", "audio": "audio", "video": "video", "file-csv": "csv"}
_FILE_KINDS = {".csv": "csv", ".xml": "xml", ".geojson": "geojson"}


@dataclass(frozen=True, order=True)
class Attachment:
    """A file the form expects beside it: a dataset (csv, xml, geojson) or media (image, audio, video)."""

    filename: str
    kind: str


@dataclass(frozen=True)
class LoadedForm:
    """An XLSForm converted to an XForm, with what the XForm declares about itself."""

    xform: str
    form_id: str
    version: str | None
    title: str
    languages: tuple[str, ...]
    default_language: str | None
    attachments_expected: tuple[Attachment, ...]
    warnings: tuple[FormProblem, ...]
    file_type: str
    itemsets_csv: str | None = None  # pyxform's itemsets.csv for select_one_external, when the form has one


def load_xlsform(data: bytes, filename: str, limits: Limits | None = None) -> LoadedForm:
    """Check, convert and describe an uploaded XLSForm; FormDefinitionError says what is wrong where."""
    return load_xlsform_tree(data, filename, limits)[0]


def load_xlsform_tree(data: bytes, filename: str, limits: Limits | None = None) -> tuple[LoadedForm, Element]:
    """As `load_xlsform`, with the parsed XForm (its <h:html>) too, so it need not be parsed again.

    The tree is parsed as `spec_read.read_xform` would parse it: no DTD, no entities."""
    file_type = file_type_of(filename)
    guarded = safety.guard_upload(data, file_type, limits, read_xlsx=xlsform_book)
    source = guarded.source
    warnings: list[str] = []
    result = _convert(guarded, file_type, filename, warnings)
    # Keep only the text: the result also holds pyxform's whole survey, a web of objects in reference cycles
    # that, held while we go on, would survive into the collector's oldest generation and slow every full
    # collection after it.
    xform, itemsets = result.xform, result.itemsets
    del result
    try:
        root = parse_xml(xform)  # as read_xform parses it: no DTD, no entities
    except (ParseError, DefusedXmlException) as err:
        raise FormDefinitionError([problem("xform_invalid", detail=str(err))]) from err
    structural = _empty_groups(root)
    if structural:
        raise FormDefinitionError(_with_rows(structural, source, file_type))
    notes = tuple(warning for text in warnings for warning in problems_from_pyxform(text))
    return _describe(root, xform, notes, file_type, itemsets), root


def _convert(guarded: safety.Guarded, file_type: str, filename: str, warnings: list[str]) -> ConvertResult:
    source = guarded.source
    try:
        definition = _definition(guarded, file_type, filename)
        return convert(xlsform=definition, file_type=file_type, form_name="data", warnings=warnings)
    except PyXFormError as err:
        raise FormDefinitionError(_with_rows(problems_from_pyxform(str(err)), source, file_type)) from err
    except _PYXFORM_CRASHES as err:
        # pyxform meets some malformed input with a Python error, not PyXFormError: the upload is at fault.
        detail = f"{type(err).__name__}: {err}"
        raise FormDefinitionError([problem("pyxform_failed", detail=detail)]) from err


def _definition(guarded: safety.Guarded, file_type: str, filename: str) -> Definition | dict[str, Any]:
    # A form whose settings give no form_id takes its id from the file name, as ODK Central does (pyxform
    # alone would say "data").
    stem = re.sub(r"[^\w.-]+", "_", PurePath(filename).stem).strip("_.-") or "data"
    if guarded.book is not None:  # the .xlsx as pyxform would read it, read while the guard had it open
        return {**guarded.book, "fallback_form_name": stem}
    # Bytes, never a str: pyxform reads a str as a path when a file of that name exists.
    data = BytesIO(guarded.source)
    return Definition(data=data, file_type=SupportedFileTypes(file_type), file_path_stem=stem)


def file_type_of(filename: str) -> str:
    """The XLSForm file type from the file name's extension, or FormDefinitionError."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in FILE_TYPES:
        raise FormDefinitionError([problem("unsupported_extension", extension=suffix or filename)])
    return suffix


def problems_from_pyxform(text: str) -> list[FormProblem]:
    """pyxform's English error or warning text as problems with sheet, row and column where it says them."""
    return [_problem(part.strip()) for part in _PART.split(text.strip()) if part.strip()]


def _problem(text: str) -> FormProblem:
    located = _ROW.match(text)
    row = int(located.group(1)) if located else None
    body = text[located.end() :] if located else text
    entry, params = messages.match_pyxform(body) or (None, {})
    sheet = params.get("sheet") or _first_group(_SHEET, body) or (entry and entry.sheet)
    column = params.get("column") or _first_group(_COLUMN, body) or (entry and entry.column)
    if row is not None and not sheet:
        sheet = "survey"  # pyxform's rows without a sheet are rows of the survey sheet
    return FormProblem(sheet or None, row, column or None, entry.code if entry else "pyxform", params, text)


def _first_group(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    return next((group for group in found.groups() if group), None) if found else None


def _with_rows(problems: list[FormProblem], source: bytes, file_type: str) -> list[FormProblem]:
    if all(p.row is not None or p.code not in _FIND_ROW_BY for p in problems):
        return problems
    try:
        survey = get_xlsform(xlsform=BytesIO(source), file_type=file_type).survey or []
    except (PyXFormError, *_PYXFORM_CRASHES):
        return problems  # the rows are a courtesy; the problems stand without them
    return [_with_row(p, survey) for p in problems]


def _with_row(found: FormProblem, survey: list[dict[str, object]]) -> FormProblem:
    if found.row is not None or found.code not in _FIND_ROW_BY:
        return found
    column, param = _FIND_ROW_BY[found.code]
    wanted = " ".join(str(found.params.get(param, "")).split())
    for number, cells in enumerate(survey, start=2):  # pyxform counts the header as row 1
        values = {str(key).strip().lower(): value for key, value in cells.items()}
        if " ".join(str(values.get(column, "")).split()) == wanted:
            return replace(
                found, sheet="survey", row=number, message_en=f"[row : {number}] {found.message_en}"
            )
    return found


def _empty_groups(root: Element) -> list[FormProblem]:
    # ODK Validate refuses a group or repeat with no controls ("Group has no children!"), and so does Collect.
    body = root.find(f"{XHTML}body")
    found = []
    for element in body.iter() if body is not None else ():
        kind = _local(element.tag)
        if kind in ("group", "repeat") and all(_local(child.tag) in ("label", "hint") for child in element):
            name = (element.get("ref") or element.get("nodeset") or "").rsplit("/", 1)[-1]
            found.append(problem("empty_group", sheet="survey", column="type", kind=kind, name=name))
    return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _describe(
    root: Element, xform: str, warnings: tuple[FormProblem, ...], file_type: str, itemsets: str | None
) -> LoadedForm:
    head = root.find(f"{XHTML}head")
    model = head.find(f"{XFORMS}model") if head is not None else None
    instance = model.find(f"{XFORMS}instance") if model is not None else None
    if head is None or model is None or instance is None or not len(instance):
        raise ValueError("pyxform produced an XForm without h:head, model or primary instance")
    data = instance[0]
    translations = model.findall(f"{XFORMS}itext/{XFORMS}translation")
    languages = tuple(t.get("lang", "") for t in translations)
    marked = [t.get("lang", "") for t in translations if t.get("default") == "true()"]
    loaded = LoadedForm(
        xform=xform,
        form_id=data.get("id", ""),
        version=data.get("version"),
        title=head.findtext(f"{XHTML}title", ""),
        languages=languages,
        default_language=(marked or languages or (None,))[0],  # ODK falls back to the first language
        attachments_expected=_attachments(xform),
        warnings=warnings,
        file_type=file_type,
        itemsets_csv=itemsets,
    )
    _refuse_long_names(loaded)
    return loaded


# What a form is known by is kept in columns of at most 255 characters: longer is refused here, naming the
# setting, rather than failing where the database will not take it (PostgreSQL refuses it, SQLite does not).
MAX_NAME_CHARS = 255


def _refuse_long_names(loaded: LoadedForm) -> None:
    """Refuse a form whose id, version, title or an expected file's name is too long to be kept."""
    settings = {"form_id": loaded.form_id, "version": loaded.version or "", "form_title": loaded.title}
    found = [
        problem("long_setting", sheet="settings", column=name, length=len(value), limit=MAX_NAME_CHARS)
        for name, value in settings.items()
        if len(value) > MAX_NAME_CHARS
    ]
    found += [
        problem("long_file_name", name=a.filename[:40] + "…", length=len(a.filename), limit=MAX_NAME_CHARS)
        for a in loaded.attachments_expected
        if len(a.filename) > MAX_NAME_CHARS
    ]
    if found:
        raise FormDefinitionError(found)


def _attachments(xform: str) -> tuple[Attachment, ...]:
    # Searching the XML text finds every jr:// URI, in attributes and text alike, far faster than a tree walk.
    found = {_attachment(scheme, unescape(name)) for scheme, name in _JR_URI.findall(xform)}
    for appearance in _APPEARANCE.findall(xform):
        found.update(Attachment(f"{name}.csv", "csv") for name in _SEARCH.findall(unescape(appearance)))
    if _QUERY.search(xform):  # select_one_external reads itemsets.csv
        found.add(Attachment("itemsets.csv", "csv"))
    return tuple(sorted(found))


def _attachment(scheme: str, filename: str) -> Attachment:
    kind = _URI_KINDS.get(scheme) or _FILE_KINDS.get(PurePath(filename).suffix.lower(), "file")
    return Attachment(filename, kind)
