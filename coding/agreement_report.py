"""Agreement tables of a study: per code and overall, at the unit of characters, speaker turns or documents.

Each code is judged on its own, as presence or absence: in every unit a coder either applied the code (1) or
did not (0). A coder who made no coding at all in a document has not coded it: their units there are
missing (None), not absent, so two coders who split the documents are compared only where both worked.

- Two coders: percent agreement and Cohen's kappa; more: mean pairwise percent agreement and
  Krippendorff's alpha (nominal, missing data allowed). They are computed by the libraries
  `coding.agreement` wraps (scikit-learn's cohen_kappa_score, krippendorff.alpha on value counts), called
  on numpy arrays: the wrappers check each value in Python, about 3 µs a value, which made a 60,000
  character focus group with 20 codes take 15 s. Tests check that both give the same figures.
- Overall: the presence decisions of every code pooled into one series (units × codes).
- A code applied in fewer than `min_positive` places (units, or at the character level separate passages)
  is flagged: its coefficient swings with a single coding and should not be read.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score

from coding.agreement_units import Segment, Span, units_from_segments, units_from_spans
from coding.errors import AgreementError

CHARACTER, TURN, DOCUMENT = "character", "turn", "document"
UNITS = (CHARACTER, TURN, DOCUMENT)
MIN_POSITIVE = 5
MAX_VALUES = 40_000_000  # coders × units × codes held at once, a byte each (a few copies at the peak)

COHEN, KRIPPENDORFF = "cohen_kappa", "krippendorff_alpha"
UNDEFINED, NO_UNITS = "undefined", "no_units"  # why a coefficient is missing

MISSING = -1  # in the coders × units arrays: this coder did not code the unit's document


@dataclass(frozen=True)
class TextUnits:
    """A document as agreement sees it: its key, its length in code points and its speaker turns."""

    key: Hashable
    length: int
    turns: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Agreement:
    """Agreement on one code, or with `code` None on every code pooled.

    `units` counts the units at least two coders coded; `positive` those among them where some coder
    applied the code; `passages` the separate places that makes (runs of characters, else units);
    `by_coder` the compared units each coder applied it to, in the report's coder order. `coefficient` is
    Cohen's kappa or Krippendorff's alpha (see `AgreementReport.method`); when it cannot be computed,
    `problem` says why (UNDEFINED: every value the same; NO_UNITS: no unit coded by two coders).
    """

    code: Hashable
    units: int
    positive: int
    passages: int
    by_coder: tuple[int, ...]
    percent: float | None
    coefficient: float | None
    problem: str | None = None
    too_few: bool = False


@dataclass(frozen=True)
class AgreementReport:
    """The agreement of `coders` on `codes`; `uncoded` lists, per coder, the documents they left uncoded."""

    unit: str
    coders: tuple[Hashable, ...]
    method: str
    units: int
    codes: tuple[Agreement, ...]
    overall: Agreement
    uncoded: dict[Hashable, tuple[Hashable, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Disagreement:
    """A unit (at the character level, a stretch of characters) where the coders of a document differ."""

    document: Hashable
    start: int
    end: int
    with_code: tuple[Hashable, ...]
    without_code: tuple[Hashable, ...]


def agreement_report(
    documents: Sequence[TextUnits],
    spans_by_coder: Mapping[Hashable, Iterable[Span]],
    codes: Sequence[Hashable],
    unit: str,
    *,
    min_positive: int = MIN_POSITIVE,
) -> AgreementReport:
    """Agreement per code and overall between the coders of `spans_by_coder` (two or more, in that order).

    Spans name their document by the `key` of a TextUnits; spans of other documents are ignored.
    """
    layout = _Layout(documents, spans_by_coder, unit)
    if len(layout.coders) * layout.size * max(len(codes), 1) > MAX_VALUES:
        raise AgreementError(
            "Troppe unità da confrontare: scegliere meno documenti o un'unità più ampia (turni, "
            "documenti). / "
            "Too many units to compare: choose fewer documents or a larger unit (turns, documents)."
        )
    matrices = [layout.rows(code) for code in codes]
    per_code = tuple(
        _agreement(code, matrix, layout, min_positive) for code, matrix in zip(codes, matrices, strict=True)
    )
    pooled = np.concatenate(matrices, axis=1) if matrices else np.zeros((len(layout.coders), 0), np.int8)
    del matrices
    percent, coefficient, problem = _coefficients(pooled)
    passages = sum(agreement.passages for agreement in per_code)
    overall = Agreement(
        code=None,
        units=layout.compared * len(codes),
        positive=sum(agreement.positive for agreement in per_code),
        passages=passages,
        by_coder=tuple(map(sum, zip(*(a.by_coder for a in per_code), strict=True)))
        if per_code
        else (0,) * len(layout.coders),
        percent=percent,
        coefficient=coefficient,
        problem=problem,
        too_few=passages < min_positive,
    )
    return AgreementReport(
        unit=unit,
        coders=layout.coders,
        method=COHEN if len(layout.coders) == 2 else KRIPPENDORFF,
        units=layout.compared,
        codes=per_code,
        overall=overall,
        uncoded=layout.uncoded(),
    )


def disagreements(
    documents: Sequence[TextUnits],
    spans_by_coder: Mapping[Hashable, Iterable[Span]],
    code: Hashable,
    unit: str,
) -> list[Disagreement]:
    """The units where the coders of a document differ on `code`, in document order.

    At the character level neighbouring characters with the same split of coders make one stretch. Only
    coders who coded the document count there, and at least two must have.
    """
    layout = _Layout(documents, spans_by_coder, unit)
    values = layout.rows(code)
    compared = np.sum(values != MISSING, axis=0) >= 2
    differ = compared & np.any(values == 1, axis=0) & np.any(values == 0, axis=0)
    # one number per unit for its split of coders (values -1, 0, 1 as base-3 digits)
    pattern = np.sum((values.astype(np.int64) + 1) * 3 ** np.arange(len(layout.coders))[:, None], axis=0)
    found: list[Disagreement] = []
    for document, (first, count) in zip(documents, layout.blocks, strict=True):
        bounds = layout.bounds(document)
        where = np.flatnonzero(differ[first : first + count])
        if unit == CHARACTER and len(where):  # runs of neighbouring characters with the same split
            breaks = np.flatnonzero((np.diff(where) != 1) | (np.diff(pattern[first + where]) != 0)) + 1
            units = [(int(run[0]), int(run[0]), int(run[-1]) + 1) for run in np.split(where, breaks)]
        else:
            units = [(int(i), *bounds[i]) for i in where]
        for index, start, end in units:
            column = values[:, first + index]
            found.append(Disagreement(document.key, start, end, *_split(layout.coders, column)))
    return found


def units_of(document: TextUnits, unit: str) -> list[tuple[int, int]]:
    """The (start, end) of each unit of a document: each character, each turn, or the whole text.

    A document without speaker turns is one unit at the turn level.
    """
    if unit == CHARACTER:
        return [(i, i + 1) for i in range(document.length)]
    if unit == TURN and document.turns:
        return [(start, end) for start, end in document.turns]
    if unit in (TURN, DOCUMENT):
        return [(0, document.length)]
    raise AgreementError(
        f"Unità sconosciuta '{unit}': usare {', '.join(UNITS)}. / "
        f"Unknown unit '{unit}': use {', '.join(UNITS)}."
    )


class _Layout:
    """Where each document's units sit in the coders' rows, and which coders coded which document."""

    def __init__(
        self, documents: Sequence[TextUnits], spans_by_coder: Mapping[Hashable, Iterable[Span]], unit: str
    ) -> None:
        if len(spans_by_coder) < 2:
            raise AgreementError(
                f"Servono almeno due codificatori, ce ne sono {len(spans_by_coder)}. / "
                f"At least two coders are needed, there are {len(spans_by_coder)}."
            )
        if unit not in UNITS:
            units_of(TextUnits(None, 0), unit)  # raises the error for an unknown unit
        self.unit, self.documents = unit, documents
        self.coders = tuple(spans_by_coder)
        keys = {document.key for document in documents}
        self.spans: dict[Hashable, dict[Hashable, list[Span]]] = {}
        for coder, spans in spans_by_coder.items():
            mine: dict[Hashable, list[Span]] = {}
            for span in spans:
                if span.document in keys:
                    mine.setdefault(span.document, []).append(span)
            self.spans[coder] = mine
        self.blocks: list[tuple[int, int]] = []  # (first unit, number of units) of each document
        self.size = self.compared = 0
        for document in documents:
            count = document.length if unit == CHARACTER else len(units_of(document, unit))
            self.blocks.append((self.size, count))
            self.size += count
            if len(self.coders_of(document)) >= 2:
                self.compared += count

    def coders_of(self, document: TextUnits) -> list[Hashable]:
        return [coder for coder in self.coders if document.key in self.spans[coder]]

    def bounds(self, document: TextUnits) -> list[tuple[int, int]]:
        """The units of a document as (start, end); empty for characters, whose bounds are implicit."""
        return [] if self.unit == CHARACTER else units_of(document, self.unit)

    def uncoded(self) -> dict[Hashable, tuple[Hashable, ...]]:
        return {
            coder: tuple(d.key for d in self.documents if d.key not in self.spans[coder])
            for coder in self.coders
        }

    def rows(self, code: Hashable) -> np.ndarray:
        """Coders × units: 1 where a coder applied `code`, 0 where not, MISSING where they did not code."""
        values = np.full((len(self.coders), self.size), MISSING, dtype=np.int8)
        for document, (first, count) in zip(self.documents, self.blocks, strict=True):
            spans = {coder: self.spans[coder][document.key] for coder in self.coders_of(document)}
            if not spans:
                continue
            if self.unit == CHARACTER:
                found = units_from_spans(document.length, spans, code)
            else:
                segments = [Segment(start, end, document.key) for start, end in self.bounds(document)]
                found = units_from_segments(segments, spans, code)
            for index, coder in enumerate(self.coders):
                if coder in found:
                    values[index, first : first + count] = found[coder]
        return values


def _agreement(code: Hashable, values: np.ndarray, layout: _Layout, min_positive: int) -> Agreement:
    compared = np.sum(values != MISSING, axis=0) >= 2
    positive = compared & np.any(values == 1, axis=0)
    if layout.unit == CHARACTER:
        starts = positive.copy()
        starts[1:] &= ~positive[:-1]
        for first, count in layout.blocks:  # a run never continues into the next document
            if count:
                starts[first] = positive[first]
        passages = int(np.sum(starts))
    else:
        passages = int(np.sum(positive))
    percent, coefficient, problem = _coefficients(values)
    return Agreement(
        code=code,
        units=int(np.sum(compared)),
        positive=int(np.sum(positive)),
        passages=passages,
        by_coder=tuple(int(np.sum(row[compared] == 1)) for row in values),
        percent=percent,
        coefficient=coefficient,
        problem=problem,
        too_few=passages < min_positive,
    )


def _coefficients(values: np.ndarray) -> tuple[float | None, float | None, str | None]:
    """Percent agreement (the mean over pairs of coders) and kappa or alpha, or why it is missing.

    The same figures as coding.agreement's percent_agreement, cohen_kappa and krippendorff_alpha
    (nominal) on these rows with None for MISSING, computed on the arrays.
    """
    shares = []
    for first, second in combinations(values, 2):
        both = (first != MISSING) & (second != MISSING)
        if np.any(both):
            shares.append(float(np.mean(first[both] == second[both])))
    if not shares:
        return None, None, NO_UNITS
    percent = sum(shares) / len(shares)
    if len(values) == 2:
        both = (values[0] != MISSING) & (values[1] != MISSING)
        first, second = values[0][both], values[1][both]
        if len(np.union1d(first, second)) < 2:
            return percent, None, UNDEFINED
        return percent, float(cohen_kappa_score(first, second, labels=[0, 1])), None
    if len(np.unique(values[values != MISSING])) < 2:
        return percent, None, UNDEFINED
    counts = np.stack([np.sum(values == 0, axis=0), np.sum(values == 1, axis=0)], axis=1)
    pairable = counts.sum(axis=1) >= 2
    alpha = krippendorff.alpha(value_counts=counts[pairable], level_of_measurement="nominal")
    return percent, float(alpha), None


def _split(
    coders: tuple[Hashable, ...], column: np.ndarray
) -> tuple[tuple[Hashable, ...], tuple[Hashable, ...]]:
    with_code = tuple(coder for coder, value in zip(coders, column, strict=True) if value == 1)
    without = tuple(coder for coder, value in zip(coders, column, strict=True) if value == 0)
    return with_code, without
