"""Per-question summaries: counts, percentages, R's quartiles and histogram, dates, text, repeats."""

import dataclasses
from datetime import date, datetime, timedelta

import pytest

from analysis.summaries import (
    ChoiceCount,
    DateSummary,
    NumberSummary,
    QuestionSummary,
    Record,
    SelectSummary,
    TextSummary,
    summarise,
)
from analysis.summary_stats import MAX_FILLED_PERIODS, pretty, sturges_histogram, time_series
from forms.spec import FormSpec
from forms.spec_read import read_xform
from tests.analysis.conftest import printed
from tests.forms.conftest import xform_from_md

# Motor Trend road tests (1974), R's `mtcars$mpg`, in the data set's row order.
MTCARS_MPG = [
    21.0, 21.0, 22.8, 21.4, 18.7, 18.1, 14.3, 24.4, 22.8, 19.2, 17.8, 16.4, 17.3, 15.2, 10.4, 10.4,
    14.7, 32.4, 30.4, 33.9, 21.5, 15.5, 15.2, 13.3, 19.2, 27.3, 26.0, 30.4, 15.8, 19.7, 15.0, 21.4,
]  # fmt: skip
WHEN = datetime(2025, 3, 14, 10, 30)

NUMBERS = """
| survey |
|        | type    | name | label                |
|        | decimal | mpg  | Miles per gallon     |
|        | integer | eta  | Età                  |
"""

FAMILY = """
| survey |
|        | type                     | name      | label::Italiano (it) | label::English (en) | calculation     |
|        | select_one sn            | seguito   | Già seguito?         | Already followed?   |                 |
|        | select_multiple aiuti    | aiuti     | Aiuti ricevuti       | Help received       |                 |
|        | select_one_from_file comuni.csv | comune | Comune          | Town                |                 |
|        | text                     | note_op   | Note dell'operatore  | Worker's notes      |                 |
|        | date                     | visita    | Data della visita    | Date of the visit   |                 |
|        | dateTime                 | chiamata  | Chiamata             | Call                |                 |
|        | calculate                | doppio    |                      |                     | count(${figli}) * 2 |
|        | note                     | avviso    | Grazie               | Thanks              |                 |
|        | start                    | inizio    |                      |                     |                 |
|        | begin repeat             | figli     | Figli                | Children            |                 |
|        | integer                  | eta       | Età del figlio       | Child's age         |                 |
|        | end repeat               |           |                      |                     |                 |
| choices |
|         | list_name | name   | label::Italiano (it) | label::English (en) |
|         | sn        | si     | Sì                   | Yes                 |
|         | sn        | no     | No                   | No                  |
|         | aiuti     | cibo   | Pacco alimentare     | Food parcel         |
|         | aiuti     | affitto | Contributo affitto  | Rent support        |
|         | aiuti     | scuola | Materiale scolastico | School supplies     |
| settings |
|          | default_language |
|          | Italiano (it)    |
"""


@pytest.fixture(scope="module")
def numbers() -> FormSpec:
    return read_xform(xform_from_md(NUMBERS))


@pytest.fixture(scope="module")
def family() -> FormSpec:
    return read_xform(xform_from_md(FAMILY))


def records(*data: dict) -> list[Record]:
    return [Record(item, WHEN) for item in data]


def question(summary, name: str) -> QuestionSummary:
    return next(q for q in summary.questions if q.name == name)


# R's summary(mtcars$mpg) prints   Min. 1st Qu.  Median    Mean 3rd Qu.    Max.
#                                  10.40   15.43   19.20   20.09   22.80   33.90
# and sd(mtcars$mpg) prints 6.026948 (R documentation examples and countless tutorials print both).
def test_number_summary_matches_r_summary_of_mtcars_mpg(numbers):
    result = question(summarise(numbers, records(*({"mpg": mpg} for mpg in MTCARS_MPG))), "mpg")

    stats = result.numbers
    assert isinstance(result, NumberSummary)
    assert (result.answered, result.not_answered) == (32, 0)
    assert [f"{value:.2f}" for value in (stats.minimum, stats.q1, stats.median)] == [
        "10.40",
        "15.43",
        "19.20",
    ]
    assert [f"{value:.2f}" for value in (stats.mean, stats.q3, stats.maximum)] == ["20.09", "22.80", "33.90"]
    assert stats.q1 == pytest.approx(15.425)  # type 7: x[8] + 0.75 * (x[9] - x[8]) = 15.2 + 0.75 * 0.3
    assert printed(stats.mean, 7) == "20.09062"
    assert printed(stats.sd, 7) == "6.026948"


# R's hist(mtcars$mpg, plot = FALSE): $breaks 10 15 20 25 30 35, $counts 6 12 8 2 4. Bins are
# right-closed, so the Maserati's 15.0 counts in (10, 15]; numpy's left-closed bins would give 5 13 8 2 4.
def test_histogram_matches_r_hist_of_mtcars_mpg():
    histogram = sturges_histogram(MTCARS_MPG)

    assert histogram.breaks == (10.0, 15.0, 20.0, 25.0, 30.0, 35.0)
    assert histogram.counts == (6, 12, 8, 2, 4)


# pretty(c(low, high), n, min.n = 1) as printed by R 4.6.1 with %.17g, recorded in the tests of
# Center-for-Archaeology-and-Society/ArchaeodashDesktop, crates/analysis/src/explore.rs.
@pytest.mark.parametrize(
    ("low", "high", "n", "expected"),
    [
        (0.0, 12.0236, 2, "0 5 10 15"),
        (0.0, 12.0236, 5, "0 2 4 6 8 10 12 14"),
        (-5.0, 5.0, 2, "-5 0 5"),
        (-5.0, 5.0, 5, "-6 -4 -2 0 2 4 6"),
        (3.0, 3.0, 30, "2 4"),
        (0.0, 0.0, 2, "-1 0"),
        (-2.5, 7.25, 30, " ".join(str(x / 2) for x in range(-5, 16))),
        (1e-8, 2e-8, 5, "1e-08 1.2e-08 1.4e-08 1.6000000000000001e-08 1.8000000000000002e-08 2e-08"),
        (1e8, 2.5e8, 2, "100000000 200000000 300000000"),
        (-100.0, -90.0, 5, "-100 -98 -96 -94 -92 -90"),
        (0.3, 0.8, 2, "0.20000000000000001 0.40000000000000002 0.60000000000000009 0.80000000000000004"),
    ],
)
def test_pretty_breaks_are_those_r_prints(low, high, n, expected):
    assert pretty(low, high, n, min_n=1) == [float(value) for value in expected.split()]


def test_histogram_of_one_value_has_one_bin():
    assert sturges_histogram([7]).counts == (1,)


def test_numbers_count_what_is_missing_or_unreadable(numbers):
    result = question(summarise(numbers, records({"eta": 4}, {}, {"eta": "dodici"}, {"eta": 8})), "eta")

    assert (result.entries, result.answered, result.not_answered) == (4, 2, 2)
    assert (result.numbers.mean, result.numbers.median) == (6.0, 6.0)
    assert result.numbers.minimum == 4 and isinstance(result.numbers.minimum, int)


def test_a_number_question_nobody_answered_has_no_statistics(numbers):
    result = question(summarise(numbers, records({}, {})), "mpg")

    assert (result.answered, result.not_answered, result.histogram) == (0, 2, None)
    assert result.numbers.mean is None and result.numbers.sd is None


def test_select_one_counts_each_choice_in_form_order_with_exact_percentages(family):
    data = [{"seguito": "no"}, {"seguito": "si"}, {"seguito": "no"}, {}]

    result = question(summarise(family, records(*data)), "seguito")

    assert isinstance(result, SelectSummary)
    assert result.choices == (ChoiceCount("si", "Sì", 1), ChoiceCount("no", "No", 2))
    assert (result.answered, result.not_answered) == (3, 1)
    assert [result.percent(choice.count) for choice in result.choices] == [100 / 3, 200 / 3]
    assert result.percent_basis == "answers"


def test_select_multiple_percentages_are_of_respondents(family):
    data = [{"aiuti": ["cibo", "affitto"]}, {"aiuti": ["cibo"]}, {"aiuti": ["cibo", "cibo"]}, {}]

    result = question(summarise(family, records(*data)), "aiuti")

    assert [(c.value, c.count) for c in result.choices] == [("cibo", 3), ("affitto", 1), ("scuola", 0)]
    assert [result.percent(c.count) for c in result.choices] == [100.0, 100 / 3, 0.0]
    assert (result.multiple, result.percent_basis) == (True, "respondents")
    assert (result.answered, result.not_answered) == (3, 1)


def test_labels_follow_the_language_asked_for(family):
    english = summarise(family, records({"seguito": "si"}), "en")
    default = summarise(family, records({"seguito": "si"}))

    assert english.language == "English (en)"
    assert (question(english, "seguito").label, question(english, "seguito").choices[0].label) == (
        "Already followed?",
        "Yes",
    )
    assert default.language == "Italiano (it)"
    assert question(default, "aiuti").choices[0].label == "Pacco alimentare"


def test_choices_from_a_file_show_their_stored_values_commonest_first(family):
    data = [{"comune": "lecce"}, {"comune": "bari"}, {"comune": "bari"}, {}]

    result = question(summarise(family, records(*data)), "comune")

    assert result.choices == (ChoiceCount("bari", "bari", 2), ChoiceCount("lecce", "lecce", 1))


def test_a_value_the_form_does_not_list_is_counted_after_the_choices(family):
    result = question(summarise(family, records({"seguito": "forse"}, {"seguito": "si"})), "seguito")

    assert [(c.value, c.label, c.count) for c in result.choices][-1] == ("forse", "forse", 1)


def test_repeat_answers_are_pooled_across_entries_and_submissions(family):
    data = [
        {"figli": [{"eta": 3}, {"eta": 7}, {}]},
        {"figli": [{"eta": 11}]},
        {},
    ]

    result = question(summarise(family, records(*data)), "eta")

    assert (result.in_repeat, result.groups) == (True, ("Figli",))
    assert (result.entries, result.answered, result.not_answered) == (4, 3, 1)
    assert result.numbers.median == 7


def test_dates_are_counted_per_month_with_the_empty_months_in_between(family):
    data = [{"visita": "2025-01-31"}, {"visita": "2025-03-01"}, {"visita": "2025-03-20"}, {}]

    result = question(summarise(family, records(*data)), "visita")

    assert isinstance(result, DateSummary)
    assert [(c.label, c.count) for c in result.over_time.counts] == [
        ("2025-01", 1),
        ("2025-02", 0),
        ("2025-03", 2),
    ]
    assert result.over_time.gaps_filled


def test_date_times_count_on_the_day_written_per_iso_week(family):
    # Sunday 23:30 in Rome is Sunday 22:30 UTC: the call belongs to ISO week 11 either way.
    data = [{"chiamata": "2025-03-16T23:30:00.000+01:00"}, {"chiamata": "2025-03-17T08:00:00.000+01:00"}]

    result = question(summarise(family, records(*data), period="week"), "chiamata")

    assert [(c.label, c.start, c.count) for c in result.over_time.counts] == [
        ("2025-W11", date(2025, 3, 10), 1),
        ("2025-W12", date(2025, 3, 17), 1),
    ]


def test_a_mistyped_year_does_not_fill_centuries_of_empty_days():
    series = time_series([date(25, 3, 14), date(2025, 3, 14)], "day")

    assert [c.count for c in series.counts] == [1, 1]
    assert not series.gaps_filled


def test_empty_periods_are_filled_up_to_the_limit():
    first = date(2025, 1, 1)
    last = first + timedelta(days=MAX_FILLED_PERIODS - 1)

    series = time_series([first, last], "day")

    assert len(series.counts) == MAX_FILLED_PERIODS
    assert series.gaps_filled


def test_submissions_are_counted_over_time(family):
    rows = [Record({}, datetime(2025, 3, 14)), ({}, datetime(2025, 3, 14, 18)), ({}, datetime(2025, 3, 16))]

    result = summarise(family, rows, period="day")

    assert result.submissions == 3
    assert [(c.label, c.count) for c in result.over_time.counts] == [
        ("2025-03-14", 2),
        ("2025-03-15", 0),
        ("2025-03-16", 1),
    ]


def test_free_text_is_counted_but_withheld_by_default(family):
    data = [{"note_op": "Madre sola, due figli"}, {"note_op": "Nessuna"}, {"note_op": " Nessuna "}, {}]

    result = question(summarise(family, records(*data)), "note_op")

    assert isinstance(result, TextSummary)
    assert (result.answered, result.not_answered, result.distinct) == (3, 1, 2)
    assert (result.top, result.shown) == ((), False)


def test_free_text_shows_the_ten_commonest_answers_when_asked(family):
    data = [{"note_op": f"risposta {i:02d}"} for i in range(12) for _ in range(i % 3 + 1)]

    result = question(summarise(family, records(*data), show_text=True), "note_op")

    assert result.shown and len(result.top) == 10
    assert [(t.value, t.count) for t in result.top[:3]] == [
        ("risposta 02", 3),
        ("risposta 05", 3),
        ("risposta 08", 3),
    ]


def test_notes_meta_and_calculations_are_skipped(family):
    names = [q.name for q in summarise(family, records({})).questions]

    assert names == ["seguito", "aiuti", "comune", "note_op", "visita", "chiamata", "eta"]


def test_a_numeric_calculation_is_summarised_as_a_number_when_asked(family):
    result = summarise(family, records({"doppio": "4"}, {"doppio": "2"}), show_calculations=True)

    calculation = question(result, "doppio")
    assert isinstance(calculation, NumberSummary)
    assert (calculation.label, calculation.numbers.mean) == ("doppio", 3.0)
    assert "avviso" not in [q.name for q in result.questions]


def test_every_count_is_a_plain_int(family):
    data = [
        {"seguito": "si", "aiuti": ["cibo"], "visita": "2025-03-01", "note_op": "x", "figli": [{"eta": 2}]},
        {"comune": "bari"},
    ]

    result = summarise(family, records(*data))

    counts = [result.submissions, *(c.count for c in result.over_time.counts)]
    for q in result.questions:
        counts += [q.entries, q.answered, q.not_answered]
        counts += [c.count for c in getattr(q, "choices", ())]
        counts += list(q.histogram.counts) if isinstance(q, NumberSummary) else []
        counts += [c.count for c in q.over_time.counts] if isinstance(q, DateSummary) else []
    assert all(type(count) is int for count in counts)


def test_percentages_follow_counts_changed_by_a_later_suppression_step(family):
    result = question(summarise(family, records({"seguito": "si"}, {"seguito": "no"})), "seguito")

    suppressed = dataclasses.replace(result, answered=0, choices=())

    assert suppressed.percent(1) is None


def test_a_label_with_an_output_shows_the_reference():
    spec = read_xform(xform_from_md(NUMBERS.replace("| Età ", "| Età a ${mpg} ")))

    assert question(summarise(spec, []), "eta").label == "Età a ${mpg}"


def test_a_question_is_found_by_its_path(family):
    result = summarise(family, [])

    assert result.question("/data/figli/eta").label == "Età del figlio"
    with pytest.raises(KeyError):
        result.question("/data/nessuna")


def test_an_unknown_period_is_refused(family):
    with pytest.raises(ValueError, match="period"):
        summarise(family, [], period="year")
