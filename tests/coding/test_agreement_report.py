"""Agreement tables per code and overall, checked against values computed by hand."""

import random

import pytest

from coding.agreement import cohen_kappa, krippendorff_alpha, percent_agreement
from coding.agreement_report import (
    CHARACTER,
    COHEN,
    DOCUMENT,
    KRIPPENDORFF,
    NO_UNITS,
    TURN,
    UNDEFINED,
    TextUnits,
    agreement_report,
    disagreements,
)
from coding.agreement_units import Segment, Span, units_from_segments, units_from_spans
from coding.errors import AgreementError

TEN_TURNS = TextUnits("fg1", 100, tuple((i * 10, i * 10 + 10) for i in range(10)))


def _turns(document: TextUnits, code: str, *numbers: int) -> list[Span]:
    """Spans of `code` inside the numbered turns of `document` (a few characters each)."""
    return [Span(document.turns[n][0] + 2, document.turns[n][0] + 5, code, document.key) for n in numbers]


def test_two_coders_on_turns_give_cohen_kappa_as_computed_by_hand():
    spans = {"anna": _turns(TEN_TURNS, "X", 0, 1, 2, 3), "bruno": _turns(TEN_TURNS, "X", 0, 1, 2, 4)}

    report = agreement_report([TEN_TURNS], spans, ["X"], TURN)

    # 3 turns coded by both, 1 by each alone, 5 by neither: po = .8, pe = .4*.4 + .6*.6 = .52
    row = report.codes[0]
    assert report.method == COHEN
    assert report.units == 10
    assert row.percent == pytest.approx(0.8)
    assert row.coefficient == pytest.approx((0.8 - 0.52) / (1 - 0.52))  # 0.5833
    assert (row.units, row.positive, row.by_coder) == (10, 5, (4, 4))


def test_three_coders_with_a_missing_document_give_krippendorff_alpha_as_computed_by_hand():
    first = TextUnits("d1", 40, ((0, 10), (10, 20), (20, 30), (30, 40)))
    second = TextUnits("d2", 20, ((0, 10), (10, 20)))
    spans = {
        "anna": _turns(first, "X", 0, 1) + _turns(second, "X", 0),
        "bruno": _turns(first, "X", 0) + _turns(second, "X", 0),
        "carla": _turns(first, "X", 0, 1, 3),  # carla never coded d2: missing there, not absent
    }

    report = agreement_report([first, second], spans, ["X"], TURN)

    # Coincidences: o11 = 6, o00 = 6, o01 = o10 = 2; n = 16. Do = 4/16, De = 2*8*8/(16*15); alpha = 0.53125
    row = report.codes[0]
    assert report.method == KRIPPENDORFF
    assert row.coefficient == pytest.approx(0.53125)
    # pairwise: anna-bruno 5/6, anna-carla 3/4, bruno-carla 2/4
    assert row.percent == pytest.approx((5 / 6 + 3 / 4 + 2 / 4) / 3)
    assert (row.units, row.positive, row.by_coder) == (6, 4, (3, 2, 3))
    assert report.uncoded == {"anna": (), "bruno": (), "carla": ("d2",)}


def test_characters_per_code_and_pooled_overall_match_hand_computation():
    text = TextUnits("d", 10)
    spans = {"anna": [Span(0, 3, "X", "d")], "bruno": [Span(1, 4, "X", "d"), Span(6, 8, "Y", "d")]}

    report = agreement_report([text], spans, ["X", "Y"], CHARACTER)

    x, y = report.codes
    # X: both on 1-2, one alone on 0 and 3, neither on 4-9: po .8, pe .3*.3 + .7*.7 = .58
    assert x.coefficient == pytest.approx((0.8 - 0.58) / 0.42)
    assert y.coefficient == pytest.approx(0.0)  # anna never applied Y: no agreement beyond chance
    # pooled over 20 decisions: 2 both, 4 one alone, 14 neither; pe = .15*.25 + .85*.75
    assert report.overall.units == 20
    assert report.overall.percent == pytest.approx(0.8)
    assert report.overall.coefficient == pytest.approx((0.8 - 0.675) / (1 - 0.675))
    assert report.overall.by_coder == (3, 5)


def test_the_report_agrees_with_the_contract_functions_on_the_same_units():
    spans = {
        "anna": _turns(TEN_TURNS, "X", 0, 3, 5, 7) + _turns(TEN_TURNS, "Y", 1),
        "bruno": _turns(TEN_TURNS, "X", 0, 5, 6),
        "carla": _turns(TEN_TURNS, "X", 3, 5, 7, 9),
    }
    segments = [Segment(start, end, "fg1") for start, end in TEN_TURNS.turns]
    units = units_from_segments(segments, spans, "X")

    pair = agreement_report([TEN_TURNS], {c: spans[c] for c in ("anna", "bruno")}, ["X"], TURN)
    trio = agreement_report([TEN_TURNS], spans, ["X"], TURN)

    assert pair.codes[0].coefficient == pytest.approx(cohen_kappa(units["anna"], units["bruno"]))
    assert pair.codes[0].percent == pytest.approx(percent_agreement(units["anna"], units["bruno"]))
    assert trio.codes[0].coefficient == pytest.approx(krippendorff_alpha(list(units.values())))


def test_a_code_nobody_applied_has_an_undefined_coefficient_and_is_flagged():
    spans = {"anna": _turns(TEN_TURNS, "X", 0), "bruno": _turns(TEN_TURNS, "X", 0)}

    row = agreement_report([TEN_TURNS], spans, ["X", "Y"], TURN).codes[1]

    assert row.percent == 1.0
    assert row.coefficient is None and row.problem == UNDEFINED
    assert row.too_few


def test_codes_applied_in_fewer_than_five_places_are_flagged_and_others_are_not():
    spans = {
        "anna": _turns(TEN_TURNS, "X", 0, 1, 2, 3, 4) + _turns(TEN_TURNS, "Y", 0, 1),
        "bruno": _turns(TEN_TURNS, "X", 0, 1, 2, 3) + _turns(TEN_TURNS, "Y", 1, 2),
    }

    x, y = agreement_report([TEN_TURNS], spans, ["X", "Y"], TURN).codes

    assert not x.too_few  # five turns
    assert y.too_few and y.passages == 3


def test_passages_of_characters_count_separate_runs_and_stop_at_the_end_of_a_document():
    first, second = TextUnits("a", 10), TextUnits("b", 10)
    spans = {
        "anna": [Span(0, 2, "X", "a"), Span(5, 10, "X", "a"), Span(0, 3, "X", "b")],
        "bruno": [Span(1, 3, "X", "a"), Span(0, 1, "X", "b")],
    }

    row = agreement_report([first, second], spans, ["X"], CHARACTER).codes[0]

    # a: 0-3 and 5-10; b: 0-3 (it touches a's last run only across the document boundary)
    assert row.passages == 3
    assert row.positive == 11


def test_documents_as_units_and_a_document_without_turns_as_one_turn():
    plain = TextUnits("plain", 50)
    spans = {
        "anna": [Span(3, 9, "X", "plain"), *_turns(TEN_TURNS, "X", 0)],
        "bruno": [Span(20, 30, "X", "plain"), *_turns(TEN_TURNS, "Y", 4)],
    }

    by_document = agreement_report([TEN_TURNS, plain], spans, ["X"], DOCUMENT)
    by_turn = agreement_report([TEN_TURNS, plain], spans, ["X"], TURN)

    assert by_document.units == 2 and by_document.codes[0].by_coder == (2, 1)
    assert by_turn.units == 11  # ten turns, and the document without turns as one


def test_coders_who_share_no_document_cannot_be_compared():
    first, second = TextUnits("a", 10), TextUnits("b", 10)
    spans = {"anna": [Span(0, 2, "X", "a")], "bruno": [Span(0, 2, "X", "b")]}

    report = agreement_report([first, second], spans, ["X"], CHARACTER)

    assert report.units == 0
    assert report.codes[0].problem == NO_UNITS and report.codes[0].percent is None


def test_spans_of_documents_not_chosen_are_ignored():
    other = TextUnits("other", 10)
    spans = {
        "anna": _turns(TEN_TURNS, "X", 0, 1) + [Span(0, 5, "X", "elsewhere")],
        "bruno": _turns(TEN_TURNS, "X", 0, 1),
    }

    report = agreement_report([TEN_TURNS, other], spans, ["X"], TURN)

    assert report.codes[0].percent == 1.0
    assert report.uncoded == {"anna": ("other",), "bruno": ("other",)}


@pytest.mark.parametrize(
    ("spans", "unit"),
    [({"anna": []}, TURN), ({"anna": [], "bruno": []}, "paragraph")],
)
def test_one_coder_or_an_unknown_unit_is_refused(spans, unit):
    with pytest.raises(AgreementError):
        agreement_report([TEN_TURNS], spans, ["X"], unit)


def test_too_many_units_are_refused_before_they_are_built(monkeypatch):
    monkeypatch.setattr("coding.agreement_report.MAX_VALUES", 1_000)
    spans = {"anna": [Span(0, 5, "X", "big")], "bruno": [Span(0, 5, "X", "big")]}

    with pytest.raises(AgreementError, match="Too many units"):
        agreement_report([TextUnits("big", 600)], spans, ["X"], CHARACTER)


def test_disagreements_at_character_level_are_stretches_with_the_same_split_of_coders():
    text = TextUnits("d", 20)
    spans = {
        "anna": [Span(0, 6, "X", "d"), Span(12, 14, "Y", "d")],
        "bruno": [Span(3, 9, "X", "d")],
        "carla": [Span(3, 6, "X", "d")],
    }

    found = disagreements([text], spans, "X", CHARACTER)

    assert [(d.start, d.end, d.with_code, d.without_code) for d in found] == [
        (0, 3, ("anna",), ("bruno", "carla")),
        (6, 9, ("bruno",), ("anna", "carla")),
    ]


def test_disagreements_on_turns_leave_out_coders_who_did_not_code_the_document():
    other = TextUnits("d2", 20, ((0, 10), (10, 20)))
    spans = {
        "anna": _turns(TEN_TURNS, "X", 1, 2) + _turns(other, "X", 0),
        "bruno": _turns(TEN_TURNS, "X", 2, 3) + _turns(other, "Y", 1),
        "carla": _turns(TEN_TURNS, "Y", 9),
    }

    found = disagreements([TEN_TURNS, other], spans, "X", TURN)

    assert [(d.document, d.start, d.with_code, d.without_code) for d in found] == [
        ("fg1", 10, ("anna",), ("bruno", "carla")),
        ("fg1", 20, ("anna", "bruno"), ("carla",)),
        ("fg1", 30, ("bruno",), ("anna", "carla")),
        ("d2", 0, ("anna",), ("bruno",)),  # carla did not code d2
    ]


@pytest.mark.parametrize("seed", range(12))
def test_figures_equal_those_of_the_contract_functions_on_random_codings_with_missing_documents(seed):
    rng = random.Random(seed)
    documents = [TextUnits(f"d{i}", 60, ((0, 15), (15, 30), (30, 45), (45, 60))) for i in range(3)]
    coders = ["anna", "bruno", "carla"][: 2 + seed % 2]
    spans = {
        coder: [
            Span(start := rng.randrange(0, 55), start + rng.randint(1, 5), rng.choice("XY"), document.key)
            for document in documents
            if rng.random() < 0.8  # sometimes a coder leaves a document uncoded: missing there
            for _ in range(rng.randint(1, 4))
        ]
        for coder in coders
    }

    for unit in (CHARACTER, TURN):
        report = agreement_report(documents, spans, ["X"], unit)
        rows = _contract_rows(documents, spans, "X", unit)
        row = report.codes[0]
        try:
            expected = (
                cohen_kappa(*rows.values()) if len(coders) == 2 else krippendorff_alpha(list(rows.values()))
            )
        except AgreementError:
            assert row.coefficient is None and row.problem is not None
        else:
            assert row.coefficient == pytest.approx(expected)
        pairs = [(a, b) for i, a in enumerate(rows.values()) for b in list(rows.values())[i + 1 :]]
        shares = [_percent_or_none(a, b) for a, b in pairs]
        shares = [share for share in shares if share is not None]
        assert row.percent == (pytest.approx(sum(shares) / len(shares)) if shares else None)


def _contract_rows(documents, spans, code, unit) -> dict[str, list[int | None]]:
    """The coders' rows built with coding.agreement_units, None where a coder did not code a document."""
    rows: dict[str, list[int | None]] = {coder: [] for coder in spans}
    for document in documents:
        for coder, coded in spans.items():
            mine = [span for span in coded if span.document == document.key]
            if unit == CHARACTER:
                values = units_from_spans(document.length, {coder: mine}, code)[coder]
            else:
                segments = [Segment(start, end, document.key) for start, end in document.turns]
                values = units_from_segments(segments, {coder: mine}, code)[coder]
            rows[coder].extend(values if mine else [None] * len(values))
    return rows


def _percent_or_none(a, b) -> float | None:
    try:
        return percent_agreement(a, b)
    except AgreementError:
        return None
