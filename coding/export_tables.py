"""The codings of a study as a table, one row per coding, written as CSV or XLSX safe for spreadsheets.

Columns: document, code path, start, end, text, speaker, participant code, coder, origin, created, then one
column per participant attribute and one per document attribute found. Participants appear by code only.
Text that a spreadsheet might run as a formula (= + - @ ...) is neutralised by analysis.stat_export, as in
every Humus export; the offsets stay numbers.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from analysis.stat_export import table_csv, table_xlsx
from coding.segments import Segment

COLUMNS = (
    "document",
    "code",
    "start",
    "end",
    "text",
    "speaker",
    "participant",
    "coder",
    "origin",
    "created",
)


@dataclass(frozen=True)
class Headers:
    """The column titles in the reader's language; `participant_attribute` and `document_attribute` are
    formats with {name}, such as "Participant: {name}", where {name} is the attribute's label (its name
    when `attribute_labels` has none)."""

    columns: Mapping[str, str]
    participant_attribute: str = "participant: {name}"
    document_attribute: str = "document: {name}"
    attribute_labels: Mapping[str, str] = field(default_factory=dict)

    def participant(self, name: str) -> str:
        return self.participant_attribute.format(name=self.attribute_labels.get(name, name))

    def document(self, name: str) -> str:
        return self.document_attribute.format(name=self.attribute_labels.get(name, name))


ENGLISH = Headers({name: name for name in COLUMNS})


def coding_rows(
    segments: Iterable[Segment], headers: Headers = ENGLISH
) -> tuple[list[str], list[dict[str, object]]]:
    """The column titles and one row (title -> value) per segment, by document then position."""
    segments = sorted(segments, key=lambda s: (s.document.casefold(), s.document_id, s.start, s.end, s.id))
    people = sorted({name for s in segments for name in s.participant_attributes}, key=str.casefold)
    places = sorted({name for s in segments for name in s.document_attributes}, key=str.casefold)
    base = [headers.columns.get(name, name) for name in COLUMNS]
    person_titles = [headers.participant(name) for name in people]
    place_titles = [headers.document(name) for name in places]
    rows = []
    for s in segments:
        values: list[object] = [
            s.document,
            s.code_path,
            s.start,
            s.end,
            s.text,
            s.speaker,
            s.participant,
            s.coder,
            s.origin,
            s.created.replace(microsecond=0) if s.created else None,
        ]
        values += [_cell(s.participant_attributes.get(name)) for name in people]
        values += [_cell(s.document_attributes.get(name)) for name in places]
        rows.append(dict(zip(base + person_titles + place_titles, values, strict=True)))
    return base + person_titles + place_titles, rows


def codings_csv(segments: Iterable[Segment], headers: Headers = ENGLISH) -> bytes:
    """The codings as UTF-8 CSV (with a byte order mark, for Excel)."""
    columns, rows = coding_rows(segments, headers)
    return table_csv(rows, columns)


def codings_xlsx(
    segments: Iterable[Segment],
    headers: Headers = ENGLISH,
    notes: Sequence[tuple[str, str]] = (),
    titles: tuple[str, str] = ("codings", "notes"),
) -> bytes:
    """The codings as an XLSX workbook: the table on the first sheet, `notes` (name, text) on a second."""
    columns, rows = coding_rows(segments, headers)
    return table_xlsx(rows, columns, notes, titles)


def _cell(value: object) -> object:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
