"""The lines of text in the XML of a .docx body (WordprocessingML) and of an .odt content.xml (OpenDocument).

One line per paragraph, heading or list item; one line per table row, cells joined by a tab. What a reader
of the printed page would not read as the body is left out: deleted tracked changes, comments, footnotes,
text boxes and drawings, field instructions, tab-stop definitions.
"""

import re
from collections.abc import Iterator
from typing import Any

from odf.namespaces import DRAWNS, MANIFESTNS, OFFICENS, TABLENS, TEXTNS

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_W_P, _W_TBL, _W_TR, _W_TC = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc"
_W_T, _W_TAB, _W_BR, _W_CR, _W_HYPHEN = f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}noBreakHyphen"
_W_SKIPPED = frozenset(
    f"{_W}{name}"
    for name in [
        *("pPr", "rPr", "sectPr", "tblPr", "tblGrid", "trPr", "tcPr"),  # properties, tab stops
        *("del", "moveFrom", "delText", "instrText"),  # deleted text, field codes
        *("drawing", "pict", "object"),  # text boxes, pictures
        *("footnoteReference", "endnoteReference", "commentReference"),
    ]
) | {f"{_MC}AlternateContent"}

_T_P, _T_H, _T_S, _T_C = f"{{{TEXTNS}}}p", f"{{{TEXTNS}}}h", f"{{{TEXTNS}}}s", f"{{{TEXTNS}}}c"
_T_TAB, _T_BREAK = f"{{{TEXTNS}}}tab", f"{{{TEXTNS}}}line-break"
_TABLE, _ROW, _CELL = f"{{{TABLENS}}}table", f"{{{TABLENS}}}table-row", f"{{{TABLENS}}}table-cell"
_ROW_GROUPS = frozenset(
    f"{{{TABLENS}}}{name}" for name in ("table-header-rows", "table-rows", "table-row-group")
)
_ODT_SKIPPED = frozenset(
    [f"{{{OFFICENS}}}{name}" for name in ("annotation", "forms")]
    + [f"{{{TEXTNS}}}{name}" for name in ("tracked-changes", "note", "sequence-decls", "variable-decls")]
    + [f"{{{DRAWNS}}}{name}" for name in ("frame", "custom-shape", "a")]
)
_ODT_SPACES = re.compile(r"[ \t\r\n]+")  # ODF collapses white space in text; <text:s> is a real space
_MAX_SPACES = 1_000

Element = Any  # lxml elements for .docx (python-docx), ElementTree elements for .odt


def docx_lines(body: Element) -> Iterator[str]:
    """The lines of a .docx `w:body`, or of any block container in it (content controls, cells)."""
    for child in body:
        if child.tag == _W_P:
            yield _docx_text(child)
        elif child.tag == _W_TBL:
            yield from _docx_rows(child)
        elif child.tag not in _W_SKIPPED:
            yield from docx_lines(child)


def odt_lines(content: Element) -> Iterator[str]:
    """The lines of an .odt's `office:text`, found in the root of content.xml."""
    text = content.find(f"{{{OFFICENS}}}body/{{{OFFICENS}}}text")
    if text is None:
        raise ValueError("office:text is missing")
    return _odt_blocks(text)


def odt_is_encrypted(manifest: Element) -> bool:
    """Whether META-INF/manifest.xml says members are encrypted (a password-protected document)."""
    return manifest.find(f".//{{{MANIFESTNS}}}encryption-data") is not None


def _docx_rows(table: Element) -> Iterator[str]:
    for row in (child for child in table if child.tag == _W_TR):
        cells = (cell for cell in row if cell.tag == _W_TC)
        yield "\t".join(" ".join(_docx_text(p) for p in cell.iter(_W_P)).replace("\n", " ") for cell in cells)


def _docx_text(paragraph: Element) -> str:
    parts: list[str] = []
    _docx_inline(paragraph, parts)
    return "".join(parts)


def _docx_inline(element: Element, parts: list[str]) -> None:
    for child in element:
        tag = child.tag
        if tag == _W_T:
            parts.append(child.text or "")
        elif tag == _W_TAB:
            parts.append("\t")
        elif tag in (_W_BR, _W_CR):
            parts.append("\n")
        elif tag == _W_HYPHEN:
            parts.append("-")
        elif tag not in _W_SKIPPED:
            _docx_inline(child, parts)


def _odt_blocks(element: Element) -> Iterator[str]:
    for child in element:
        if child.tag in (_T_P, _T_H):
            yield _odt_text(child)
        elif child.tag == _TABLE:
            yield from _odt_rows(child)
        elif child.tag not in _ODT_SKIPPED:
            yield from _odt_blocks(child)


def _odt_rows(element: Element) -> Iterator[str]:
    for child in element:
        if child.tag == _ROW:
            cells = (cell for cell in child if cell.tag == _CELL)
            yield "\t".join(
                " ".join(_odt_text(p) for p in cell.iter() if p.tag in (_T_P, _T_H)).replace("\n", " ")
                for cell in cells
            )
        elif child.tag in _ROW_GROUPS:
            yield from _odt_rows(child)


def _odt_text(paragraph: Element) -> str:
    parts: list[str] = []
    _odt_inline(paragraph, parts)
    return "".join(parts)


def _odt_inline(element: Element, parts: list[str]) -> None:
    if element.text:
        parts.append(_ODT_SPACES.sub(" ", element.text))
    for child in element:
        tag = child.tag
        if tag == _T_S:
            count = child.get(_T_C, "1")
            parts.append(" " * min(int(count) if count.isdigit() else 1, _MAX_SPACES))
        elif tag == _T_TAB:
            parts.append("\t")
        elif tag == _T_BREAK:
            parts.append("\n")
        elif tag not in _ODT_SKIPPED:
            _odt_inline(child, parts)
        if child.tail:
            parts.append(_ODT_SPACES.sub(" ", child.tail))
