"""Code frequencies and code × attribute cross-tabs on the coded study of coded_study.py."""

import pytest

from coding.tabulate import (
    by_coder,
    by_document,
    by_document_attribute,
    by_participant_attribute,
    by_speaker,
    code_totals,
    crosstab,
)
from tests.coding.coded_study import CODES, coded_study


def totals(rollup=False):
    return {
        t.code.name: (t.segments, t.documents, t.speakers)
        for t in code_totals(coded_study().segments, CODES, rollup)
    }


def test_each_code_counts_its_segments_documents_and_speakers():
    assert totals() == {
        "Criticità": (3, 2, 2),
        "Personale": (2, 2, 2),
        "Risorse": (3, 2, 2),
        "Bisogni formativi": (1, 1, 1),
    }


def test_with_rollup_a_parent_counts_the_segments_of_its_sub_codes():
    assert totals(rollup=True)["Criticità"] == (5, 2, 3)
    assert totals(rollup=True)["Personale"] == (2, 2, 2)


def test_a_crosstab_by_participant_role_counts_segments_with_row_percents():
    table = crosstab(coded_study().segments, CODES, by_participant_attribute("role"))

    assert table.columns == ("assistente", "educatrice", None)
    assert table.counts == ((0, 2, 1), (1, 1, 0), (1, 2, 0), (1, 0, 0))
    assert table.row_totals == (3, 2, 3, 1)
    assert table.column_totals == (3, 5, 1)
    assert table.total == 9
    assert table.row_percent(0, 1) == pytest.approx(200 / 3)


def test_a_crosstab_of_speakers_counts_each_speaker_once_per_cell():
    table = crosstab(coded_study().segments, CODES, by_participant_attribute("role"), measure="speakers")

    assert table.counts[0] == (0, 1, 1)
    assert table.row_totals[0] == 2
    assert table.column_totals == (1, 1, 1)


def test_a_crosstab_by_document_counts_distinct_speakers_per_document():
    table = crosstab(coded_study().segments, CODES, by_document, measure="speakers")

    assert table.columns == ("fg_lecce_2025.txt", "intervista_bari.txt")
    assert table.counts[2] == (2, 1)  # Risorse: P01 and P02 in the focus group, P01 in the interview
    assert table.row_totals[2] == 2  # P01 is counted once across both


@pytest.mark.parametrize(
    ("dimension", "columns", "first_row"),
    [
        (by_speaker, ("INTERVISTATORE", "P01", "P02"), (1, 2, 0)),
        (by_coder, ("anna", "bruno"), (2, 1)),
        (by_document_attribute("service_type"), ("CSF", None), (2, 1)),
    ],
)
def test_crosstabs_by_speaker_coder_and_document_attribute(dimension, columns, first_row):
    table = crosstab(coded_study().segments, CODES, dimension)

    assert table.columns == columns
    assert table.counts[0] == first_row


def test_rows_of_codes_never_given_can_be_dropped():
    segments = [s for s in coded_study().segments if s.code_id != 4]

    table = crosstab(segments, CODES, by_document).nonempty()

    assert [code.name for code, _ in table.rows] == ["Criticità", "Personale", "Risorse"]


def test_an_unknown_measure_is_refused():
    with pytest.raises(ValueError, match="measure"):
        crosstab([], CODES, by_document, measure="words")
