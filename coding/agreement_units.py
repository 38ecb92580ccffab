"""Units for agreement: per-character presence of a code, or per-segment (speaker turn, document) presence."""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from coding.errors import AgreementError


@dataclass(frozen=True)
class Span:
    """A stretch of text one coder coded: offsets in code points from 0, end-exclusive, as in REFI-QDA.

    `document` says which document the offsets are in; leave it None when there is only one.
    """

    start: int
    end: int
    code: Hashable
    document: Hashable = None


@dataclass(frozen=True)
class Segment:
    """A unit of analysis made of text, such as a speaker turn or a whole document (offsets as in Span)."""

    start: int
    end: int
    document: Hashable = None


SpanLike = Span | tuple
SegmentLike = Segment | tuple


def units_from_spans(
    length: int, spans_by_coder: Mapping[Hashable, Iterable[SpanLike]], code: Hashable
) -> dict[Hashable, list[int]]:
    """Each character of a text as a unit: 1 where a coder applied `code`, 0 elsewhere, for each coder.

    `length` is the text's length in code points (`len(text)` in Python); spans are `Span`s or
    `(start, end, code)` tuples. Overlapping spans of the same code count once. The result keeps the
    coders' order, so `list(result.values())` is the coders × units data `krippendorff_alpha` takes and
    `cohen_kappa(*result.values())` compares two coders.
    """
    if length < 0:
        raise AgreementError(f"Lunghezza del testo non valida: {length}. / Invalid text length: {length}.")
    units: dict[Hashable, list[int]] = {}
    for coder, spans in spans_by_coder.items():
        row = [0] * length
        for span in map(_as_span, spans):
            if span.code != code:
                continue
            _check_inside(span.start, span.end, length, coder)
            row[span.start : span.end] = [1] * (span.end - span.start)
        units[coder] = row
    return units


def units_from_segments(
    segments: Sequence[SegmentLike], codings_by_coder: Mapping[Hashable, Iterable[SpanLike]], code: Hashable
) -> dict[Hashable, list[int]]:
    """Each segment (speaker turn or document) as a unit: 1 if a coder applied `code` anywhere in it, else 0.

    Segments are `Segment`s or `(start, end[, document])` tuples; codings are `Span`s or
    `(start, end, code[, document])` tuples. A coding counts for a segment when it shares at least one
    character with it in the same document; for whole documents use `Segment(0, len(text), document)`.
    """
    units_of_text = [_as_segment(segment) for segment in segments]
    for segment in units_of_text:
        if not 0 <= segment.start <= segment.end:
            raise AgreementError(
                f"Segmento non valido: {segment.start}–{segment.end}. / "
                f"Invalid segment: {segment.start}–{segment.end}."
            )
    units: dict[Hashable, list[int]] = {}
    for coder, codings in codings_by_coder.items():
        coded = [span for span in map(_as_span, codings) if span.code == code]
        units[coder] = [int(any(_overlaps(segment, span) for span in coded)) for segment in units_of_text]
    return units


def _overlaps(segment: Segment, span: Span) -> bool:
    return span.document == segment.document and span.start < segment.end and segment.start < span.end


def _as_span(value: SpanLike) -> Span:
    return value if isinstance(value, Span) else Span(*value)


def _as_segment(value: SegmentLike) -> Segment:
    return value if isinstance(value, Segment) else Segment(*value)


def _check_inside(start: int, end: int, length: int, coder: Hashable) -> None:
    if not 0 <= start <= end <= length:
        raise AgreementError(
            f"La codifica {start}–{end} di '{coder}' esce dal testo (lunghezza {length}). / "
            f"The coding {start}–{end} by '{coder}' lies outside the text (length {length})."
        )
