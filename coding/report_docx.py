"""A Word report of a study's codebook: each code with its definition and rules, then its quotes, each
with the speaker's participant code and the document it comes from (python-docx).

Quotes of a code are listed once per span: the same words coded with the same code by two coders make one
quote. Speakers appear by participant code (or a label such as MODERATORE), never by name.
"""

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

from coding.segments import CodeNode, Segment, tree


@dataclass(frozen=True)
class ReportText:
    """The words of the report in the reader's language. `quotes` and `source` are formats."""

    title: str = "Codebook and quotes"
    codebook: str = "Codebook"
    definition: str = "Definition"
    when_to_use: str = "When to use"
    when_not: str = "When not to use"
    example: str = "Example"
    quotes: str = "Quotes: {count}"
    no_quotes: str = "No quotes."
    source: str = "{speaker} · {document}, {start}–{end}"
    no_speaker: str = "speaker not known"


class _Writer:
    """Adds paragraphs at the end of a document's body in constant time.

    python-docx looks a style up by name on every use and finds the end of the body by scanning it, which
    made a report of 10,000 quotes take minutes; here the style ids are looked up once and each paragraph
    goes straight before the section properties.
    """

    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        self.body = document.element.body
        self.end = self.body.find(qn("w:sectPr"))
        self.styles: dict[str, str] = {}

    def paragraph(self, text: str = "", style: str | None = None) -> Paragraph:
        element = OxmlElement("w:p")
        if self.end is not None:
            self.end.addprevious(element)
        else:
            self.body.append(element)
        paragraph = Paragraph(element, self.document)
        if style is not None:
            element.get_or_add_pPr().style = self._style_id(style)
        if text:
            paragraph.add_run(text)
        return paragraph

    def _style_id(self, name: str) -> str:
        if name not in self.styles:
            self.styles[name] = self.document.styles[name].style_id
        return self.styles[name]


def codebook_report(
    title: str,
    codes: Sequence[CodeNode],
    segments: Iterable[Segment],
    text: ReportText | None = None,
    lines: Sequence[str] = (),
) -> bytes:
    """The report as .docx bytes: a heading per code (nested as the tree), its rules, its quotes."""
    text = text or ReportText()
    document = Document()
    document.core_properties.title = title
    document.core_properties.author = ""
    document.core_properties.comments = ""
    writer = _Writer(document)
    writer.paragraph(title, "Title")
    for line in lines:
        writer.paragraph(line)
    by_code = _quotes_by_code(segments)
    for code, depth in tree(codes):
        _code_section(writer, code, depth, by_code.get(code.id, []), text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _quotes_by_code(segments: Iterable[Segment]) -> dict[int, list[Segment]]:
    seen: set[tuple[int, int, int, int]] = set()
    by_code: dict[int, list[Segment]] = {}
    ordered = sorted(segments, key=lambda s: (s.document.casefold(), s.document_id, s.start, s.end, s.id))
    for segment in ordered:
        key = (segment.code_id, segment.document_id, segment.start, segment.end)
        if key not in seen:
            seen.add(key)
            by_code.setdefault(segment.code_id, []).append(segment)
    return by_code


def _code_section(
    writer: _Writer, code: CodeNode, depth: int, quotes: list[Segment], text: ReportText
) -> None:
    heading = writer.paragraph(code.name, f"Heading {min(depth + 1, 9)}")
    if len(code.colour) == 7 and code.colour.startswith("#"):
        marker = heading.add_run("  ■")  # the code's colour, as in the workbench
        marker.font.color.rgb = RGBColor.from_string(code.colour[1:].upper())
    for label, value in (
        (text.definition, code.definition),
        (text.when_to_use, code.when_to_use),
        (text.when_not, code.when_not),
        (text.example, code.example),
    ):
        if value.strip():
            paragraph = writer.paragraph()
            paragraph.add_run(f"{label}: ").bold = True
            paragraph.add_run(value.strip())
    summary = writer.paragraph(text.quotes.format(count=len(quotes)) if quotes else text.no_quotes)
    summary.runs[0].italic = True
    for segment in quotes:
        writer.paragraph(f"“{segment.text}”", "Quote")
        source = text.source.format(
            speaker=segment.speaker or text.no_speaker,
            document=segment.document,
            start=segment.start,
            end=segment.end,
        )
        run = writer.paragraph().add_run(f"— {source}")
        run.font.size = Pt(9)
