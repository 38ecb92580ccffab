"""Pre/post questionnaires: the instrument read from the form, scoring, reverse keys, pairing."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from analysis.training_instrument import instrument_from_spec
from analysis.training_scoring import (
    Instrument,
    KnowledgeItem,
    LikertItem,
    Questionnaire,
    pair_questionnaires,
    score,
)
from forms.upload import prepare_form

FORM = Path(__file__).resolve().parents[3] / "shared" / "domain" / "forms" / "valutazione_formazione.xlsx"
T0 = datetime(2025, 3, 4, 9, 0)

INSTRUMENT = Instrument(
    knowledge=(
        KnowledgeItem("k1", ("conoscenze", "k1"), points=("conoscenze", "p_k1"), key="b"),
        KnowledgeItem("k2", ("conoscenze", "k2"), key="c"),
    ),
    likert=(
        LikertItem("ae1", ("autoefficacia", "ae1")),
        LikertItem("ae2", ("autoefficacia", "ae2")),
        LikertItem("ae3_r", ("autoefficacia", "ae3_r"), reverse=True),
        LikertItem("ae4", ("autoefficacia", "ae4")),
    ),
)


def questionnaire(sid, code, phase, minutes=0, knowledge=None, efficacy=None, course="C-1", years=4):
    data = {
        "codice_corso": course,
        "fase": phase,
        "codice_operatore": code,
        "anni_servizio": years,
        "conoscenze": knowledge if knowledge is not None else {"k1": "b", "p_k1": "1", "k2": "c"},
        "autoefficacia": efficacy
        if efficacy is not None
        else {"ae1": "3", "ae2": "3", "ae3_r": "3", "ae4": "3"},
    }
    return Questionnaire(sid, T0 + timedelta(minutes=minutes), data)


@pytest.fixture(scope="module")
def form_instrument():
    spec = prepare_form(FORM.read_bytes(), FORM.name).spec
    return instrument_from_spec(spec, "en")


def test_the_evaluation_form_gives_ten_knowledge_items_with_keys_and_an_eight_item_scale(form_instrument):
    knowledge, likert = form_instrument.knowledge, form_instrument.likert

    assert [i.name for i in knowledge] == [f"k{n:02d}" for n in range(1, 11)]
    assert knowledge[0].points == ("conoscenze", "p_k01") and knowledge[0].key == "b"
    assert knowledge[9].key == "b" and knowledge[2].key == "d"
    assert [i.name for i in likert] == [f"ae{n}" for n in range(1, 9)]  # not the post-only gradimento
    assert (form_instrument.scale_min, form_instrument.scale_max) == (1, 5)
    assert likert[0].label.startswith("Carry out a multidimensional assessment")
    assert not any(i.reverse for i in likert)


def test_reverse_keyed_items_can_be_chosen_for_the_form(form_instrument):
    chosen = form_instrument.with_reversed(["ae6"])

    assert [i.name for i in chosen.likert if i.reverse] == ["ae6"]


def test_knowledge_is_scored_by_the_form_s_points_else_by_the_answer_key():
    # p_k1 says wrong although the answer matches the key: the form's own calculation wins.
    scored = score(
        questionnaire(1, "AA0001", "pre", knowledge={"k1": "b", "p_k1": "0", "k2": "c"}), INSTRUMENT
    )

    assert scored.knowledge_items == (0, 1)
    assert scored.knowledge == 1


def test_an_unanswered_knowledge_item_counts_as_wrong_but_no_answer_at_all_gives_no_score():
    partly = score(questionnaire(1, "AA0001", "pre", knowledge={"k2": "c"}), INSTRUMENT)
    none = score(questionnaire(2, "AA0001", "pre", knowledge={}), INSTRUMENT)

    assert (partly.knowledge_items, partly.knowledge) == ((None, 1), 1.0)
    assert none.knowledge is None


def test_a_reverse_keyed_item_is_turned_round_before_the_mean():
    scored = score(
        questionnaire(1, "AA0001", "pre", efficacy={"ae1": "5", "ae2": "4", "ae3_r": "1", "ae4": "3"}),
        INSTRUMENT,
    )

    assert scored.efficacy_items == (5.0, 4.0, 5.0, 3.0)  # 1 on a 1–5 reversed item is a 5
    assert scored.efficacy == pytest.approx(17 / 4)


def test_the_scale_mean_needs_three_quarters_of_the_items():
    three = score(questionnaire(1, "A", "pre", efficacy={"ae1": "4", "ae2": "2", "ae4": "3"}), INSTRUMENT)
    two = score(questionnaire(2, "A", "pre", efficacy={"ae1": "4", "ae2": "2"}), INSTRUMENT)

    assert three.efficacy == pytest.approx(3.0)
    assert two.efficacy is None


def test_answers_outside_the_scale_are_not_counted():
    scored = score(
        questionnaire(1, "A", "pre", efficacy={"ae1": "9", "ae2": "2", "ae3_r": "3", "ae4": "4"}), INSTRUMENT
    )

    assert scored.efficacy_items[0] is None
    assert scored.efficacy == pytest.approx(3.0)


def test_pre_and_post_are_paired_by_code_and_edition_and_a_pre_alone_is_attrition():
    found = pair_questionnaires(
        [
            questionnaire(1, "AA0001", "pre"),
            questionnaire(2, "aa0001 ", "post", minutes=5),  # typed in lower case with a space
            questionnaire(3, "BB0002", "pre"),
            questionnaire(4, "CC0003", "post"),
            questionnaire(5, "AA0001", "post", course="C-2"),  # another edition: not AA0001's pair in C-1
        ],
        INSTRUMENT,
    )

    assert [(p.edition, p.participant) for p in found.pairs] == [("C-1", "AA0001")]
    assert [(s.edition, s.participant) for s, _tier in found.pre_only] == [("C-1", "BB0002")]
    assert sorted((s.edition, s.participant) for s, _tier in found.post_only) == [
        ("C-1", "CC0003"),
        ("C-2", "AA0001"),
    ]


def test_the_latest_submission_of_a_person_and_phase_wins():
    first = questionnaire(1, "AA0001", "post", minutes=10, knowledge={"k1": "a", "k2": "a"})
    later = questionnaire(2, "AA0001", "post", minutes=20, knowledge={"k1": "b", "k2": "c"})

    found = pair_questionnaires([later, questionnaire(3, "AA0001", "pre"), first], INSTRUMENT)

    assert found.pairs[0].post.submission_id == 2
    assert found.superseded == 1


def test_questionnaires_without_a_code_or_with_an_unknown_phase_are_counted_as_unusable():
    found = pair_questionnaires(
        [questionnaire(1, "", "pre"), questionnaire(2, "AA0001", "during")], INSTRUMENT
    )

    assert found.unusable == 2 and found.pairs == ()


def test_the_enrolment_s_tier_wins_over_the_years_given_in_the_questionnaire():
    pair = [questionnaire(1, "AA0001", "pre", years=1), questionnaire(2, "AA0001", "post", years=1)]
    alone = [questionnaire(3, "BB0002", "pre", years=12)]

    found = pair_questionnaires(pair + alone, INSTRUMENT, {("C-1", "AA0001"): "aggiornamento"})

    assert found.pairs[0].tier == "aggiornamento"
    assert found.pre_only[0][1] == "aggiornamento"  # from its 12 years
