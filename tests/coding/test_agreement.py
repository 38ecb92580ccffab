"""Agreement coefficients checked against published reference values, or against arithmetic shown here."""

import math

import pytest

from coding.agreement import (
    cohen_kappa,
    fleiss_kappa,
    fleiss_table,
    krippendorff_alpha,
    percent_agreement,
)
from coding.errors import AgreementError, CodingError, UndefinedAgreementError

# R package irr 0.84.1 (Gamer, Lemon, Fellows, Singh), dataset `anxiety`: 20 subjects rated 1-6 by 3 raters.
# Read from data/anxiety.rda of github.com/cran/irr @ 3229aa5; statsmodels types out the same numbers in
# statsmodels/stats/tests/test_inter_rater.py.
ANXIETY_1 = (3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3)
ANXIETY_2 = (3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4)
ANXIETY_3 = (2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2)

# irr dataset `diagnoses` (Fleiss 1971): 30 patients, 6 psychiatrists, 1 Depression, 2 Personality Disorder,
# 3 Schizophrenia, 4 Neurosis, 5 Other. Read from data/diagnoses.rda of cran/irr @ 3229aa5 (rater 6's factor
# lacks level 1, so its codes are shifted back to the labels above).
DIAGNOSES = (
    (4, 2, 2, 5, 2, 1, 3, 1, 1, 5, 1, 1, 2, 1, 2, 3, 1, 1, 2, 1, 5, 2, 2, 1, 1, 2, 1, 2, 1, 5),
    (4, 2, 3, 5, 2, 1, 3, 1, 1, 5, 4, 2, 2, 4, 2, 3, 1, 1, 2, 3, 5, 4, 2, 1, 4, 2, 1, 2, 3, 5),
    (4, 2, 3, 5, 2, 3, 3, 3, 4, 5, 4, 4, 2, 4, 4, 3, 1, 1, 4, 3, 5, 4, 4, 4, 4, 2, 1, 4, 3, 5),
    (4, 5, 3, 5, 4, 3, 3, 3, 4, 5, 4, 4, 3, 4, 4, 3, 4, 1, 4, 5, 5, 4, 5, 4, 4, 2, 1, 4, 3, 5),
    (4, 5, 3, 5, 4, 3, 5, 3, 4, 5, 4, 4, 3, 4, 4, 3, 5, 1, 4, 5, 5, 4, 5, 4, 4, 2, 5, 4, 3, 5),
    (4, 5, 5, 5, 4, 3, 5, 4, 4, 5, 4, 4, 3, 4, 5, 5, 5, 2, 4, 5, 5, 4, 5, 4, 5, 4, 5, 4, 3, 5),
)

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. University of Pennsylvania,
# https://repository.upenn.edu/asc_papers/43 - the example with 4 observers, 12 units and missing values
# (also the "C" data of irr's kripp.alpha examples). Published: nominal .743, ordinal .815, interval .849,
# ratio .797.
KRIPPENDORFF_2011 = (
    (1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None),
    (1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3),
    (None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None),
    (1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None),
)


def test_percent_agreement_is_the_share_of_units_two_coders_put_in_the_same_category():
    # anxiety raters 1 and 2 agree on subjects 1, 7, 11, 15, 16 and 17: 6 / 20 = 0.30.
    assert percent_agreement(ANXIETY_1, ANXIETY_2) == pytest.approx(0.30)


def test_percent_agreement_drops_units_either_coder_left_blank():
    first = ["Orari", None, "Educatori", "Orari", math.nan]
    second = ["Orari", "Orari", "Orari", None, "Orari"]

    # Only units 1 and 3 are coded by both; they agree on unit 1: 1 / 2.
    assert percent_agreement(first, second) == 0.5


def test_cohen_kappa_of_anxiety_raters_one_and_two_matches_the_arithmetic():
    # kappa2(anxiety[,1:2]). Observed agreement p_o = 6/20 = 0.300 (see above).
    # Rater 1 uses 1..6 with counts 2, 6, 5, 2, 4, 1; rater 2 with counts 1, 5, 8, 4, 0, 2.
    # p_e = (2*1 + 6*5 + 5*8 + 2*4 + 4*0 + 1*2) / 20^2 = 82 / 400 = 0.205.
    # kappa = (0.300 - 0.205) / (1 - 0.205) = 0.095 / 0.795 = 0.1195.
    assert cohen_kappa(ANXIETY_1, ANXIETY_2) == pytest.approx(0.119, abs=5e-4)


@pytest.mark.parametrize(
    ("weights", "expected"),
    [(None, -0.006289308), ("linear", 0.1459075), ("quadratic", 0.2520325)],
)
def test_cohen_kappa_of_anxiety_raters_two_and_three_matches_r_irr(weights, expected):
    # R: kappa2(anxiety[,2:3]), kappa2(anxiety[,2:3], "equal"), kappa2(anxiety[,2:3], "squared"), irr 0.84,
    # as printed in statsmodels/stats/tests/test_inter_rater.py (test_cohens_kappa_irr). Rating 5 is not used
    # by either rater, so weights step over the categories present (1, 2, 3, 4, 6), as irr does.
    assert cohen_kappa(ANXIETY_2, ANXIETY_3, weights=weights) == pytest.approx(expected, abs=5e-4)


def test_cohen_kappa_matches_the_two_by_two_example_of_the_textbooks():
    # Wikipedia, "Cohen's kappa", worked example: 50 grant proposals, both readers say yes to 20, no to 15,
    # A yes / B no 5, A no / B yes 10. p_o = 35/50 = 0.70; A says yes 25/50, B 30/50;
    # p_e = 0.5*0.6 + 0.5*0.4 = 0.50; kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40.
    first = ["sì"] * 20 + ["sì"] * 5 + ["no"] * 10 + ["no"] * 15
    second = ["sì"] * 20 + ["no"] * 5 + ["sì"] * 10 + ["no"] * 15

    assert cohen_kappa(first, second) == pytest.approx(0.400, abs=5e-4)


@pytest.mark.parametrize(("weights", "expected"), [(None, 0.250), ("linear", 0.400), ("quadratic", 4 / 7)])
def test_weighted_cohen_kappa_matches_the_arithmetic_on_three_ordered_categories(weights, expected):
    # Pairs (1,1) (1,2) (2,2) (2,3) (3,3) (3,2); coder A uses 1, 2, 3 twice each, coder B 1 once, 2 three
    # times, 3 twice. kappa_w = 1 - sum(w*observed) / sum(w*expected), w = |i-j| or (i-j)^2, e_ij = a_i*b_j/6.
    # Unweighted: p_o = 3/6, p_e = (2*1 + 2*3 + 2*2)/36 = 1/3, kappa = (1/2 - 1/3)/(2/3) = 0.25.
    # Linear: observed 3/6; expected (row 1: 1*6/6 + 2*4/6, row 2: 1*2/6 + 1*4/6, row 3: 2*2/6 + 1*6/6)/6
    #   = (14/6 + 6/6 + 10/6)/6 = 5/6; kappa = 1 - (1/2)/(5/6) = 0.40.
    # Quadratic: observed 3/6; expected (1*6/6 + 4*4/6 + 1*2/6 + 1*4/6 + 4*2/6 + 1*6/6)/6 = 7/6;
    #   kappa = 1 - (1/2)/(7/6) = 4/7 = 0.571.
    first = [1, 1, 2, 2, 3, 3]
    second = [1, 2, 2, 3, 3, 2]

    assert cohen_kappa(first, second, weights=weights) == pytest.approx(expected, abs=5e-4)


def test_fleiss_kappa_of_the_diagnoses_matches_r_irr():
    # R: kappam.fleiss(diagnoses) = 0.430 (irr 0.84 documentation example; 0.4302445 in statsmodels'
    # test_fleiss_kappa_irr). The table's category totals are 26, 26, 30, 55, 43 (statsmodels'
    # test_aggregate_raters).
    table, categories = fleiss_table(DIAGNOSES)

    assert categories == [1, 2, 3, 4, 5]
    assert [sum(column) for column in zip(*table, strict=True)] == [26, 26, 30, 55, 43]
    assert fleiss_kappa(table) == pytest.approx(0.430, abs=5e-4)


def test_fleiss_kappa_matches_the_worked_example_with_fourteen_raters():
    # Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories; kappa = 0.210.
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]

    assert fleiss_kappa(table) == pytest.approx(0.210, abs=5e-4)


@pytest.mark.parametrize(
    ("level", "expected"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)]
)
def test_krippendorff_alpha_matches_krippendorff_2011(level, expected):
    assert krippendorff_alpha(KRIPPENDORFF_2011, level=level) == pytest.approx(expected, abs=5e-4)


def test_krippendorff_alpha_matches_the_worked_example_with_three_coders():
    # Wikipedia, "Krippendorff's alpha", computational example (3 coders, 15 units, 4 values, NaN for
    # missing): nominal alpha = 0.691.
    nan = math.nan
    data = [
        [nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
        [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
        [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4],
    ]

    assert krippendorff_alpha(data) == pytest.approx(0.691, abs=5e-4)


def test_nominal_alpha_takes_category_names_as_well_as_numbers():
    names = {1: "orari", 2: "educatori", 3: "costi", 4: "spazi", 5: "altro"}
    data = [[names.get(value) for value in row] for row in KRIPPENDORFF_2011]

    assert krippendorff_alpha(data, level="nominal") == pytest.approx(0.743, abs=5e-4)


def test_unequal_lengths_are_refused_in_italian_and_english():
    with pytest.raises(AgreementError) as error:
        cohen_kappa([1] * 10, [1] * 12)

    assert str(error.value) == (
        "Le due codifiche hanno lunghezze diverse (10 e 12). / "
        "The two codings have different lengths (10 and 12)."
    )


@pytest.mark.parametrize(
    "compute",
    [
        lambda: percent_agreement([], []),
        lambda: cohen_kappa([None, None], ["a", "b"]),
        lambda: krippendorff_alpha([[], []]),
        lambda: fleiss_kappa([]),
    ],
)
def test_empty_codings_are_refused(compute):
    with pytest.raises(AgreementError, match="no units"):
        compute()


def test_unknown_weights_are_refused():
    with pytest.raises(AgreementError, match="Pesi sconosciuti 'squared'.*Unknown weights 'squared'"):
        cohen_kappa([1, 2], [1, 2], weights="squared")


def test_unknown_level_of_measurement_is_refused():
    with pytest.raises(AgreementError, match="Unknown level of measurement 'metric'"):
        krippendorff_alpha(KRIPPENDORFF_2011, level="metric")


@pytest.mark.parametrize(
    "compute",
    [
        lambda: krippendorff_alpha([[1, 2, 3]]),
        lambda: fleiss_table([["a", "b"]]),
        lambda: fleiss_kappa([[1, 0], [0, 1]]),
    ],
)
def test_fewer_than_two_coders_are_refused(compute):
    with pytest.raises(AgreementError, match="At least two coders are needed"):
        compute()


def test_coders_with_different_numbers_of_units_are_refused():
    with pytest.raises(AgreementError, match="different numbers of units"):
        krippendorff_alpha([[1, 2, 3], [1, 2]])


def test_fleiss_kappa_refuses_units_coded_by_different_numbers_of_coders():
    with pytest.raises(AgreementError, match="same number of coders"):
        fleiss_kappa([[2, 0], [1, 2]])


def test_fleiss_table_refuses_missing_codings():
    with pytest.raises(AgreementError, match="Krippendorff"):
        fleiss_table([[1, 2], [1, None]])


@pytest.mark.parametrize(
    "compute",
    [
        lambda: cohen_kappa(["Orari"] * 5, ["Orari"] * 5),
        lambda: fleiss_kappa([[3, 0], [3, 0]]),
        lambda: krippendorff_alpha([[1, 1, 1], [1, 1, None]]),
        lambda: krippendorff_alpha([[1, None, 2], [None, 3, None]]),
    ],
)
def test_coefficients_that_are_zero_over_zero_raise_an_undefined_error(compute):
    with pytest.raises(UndefinedAgreementError, match="undefined"):
        compute()


def test_weighted_kappa_needs_categories_that_can_be_ordered():
    with pytest.raises(AgreementError, match="cannot be ordered"):
        cohen_kappa([1, "due"], ["due", 1], weights="linear")


def test_unweighted_kappa_accepts_categories_that_cannot_be_ordered():
    # p_o = 2/4; each coder uses 1 and "due" twice: p_e = (2*2 + 2*2)/16 = 1/2; kappa = 0.
    assert cohen_kappa([1, "due", 1, "due"], [1, "due", "due", 1]) == pytest.approx(0.0)


def test_ordinal_alpha_refuses_text():
    with pytest.raises(AgreementError, match="must be numbers"):
        krippendorff_alpha([["basso", "alto"], ["alto", "alto"]], level="ordinal")


def test_agreement_errors_are_coding_errors():
    assert issubclass(AgreementError, CodingError)
