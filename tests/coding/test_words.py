"""Word frequencies of coded segments: lemmas counted, stop words out."""

import pytest

from coding.nlp import pipeline
from coding.retrieval import select
from coding.words import word_frequencies
from tests.coding.coded_study import RISORSE, coded_study


@pytest.fixture(scope="module")
def nlp():
    return pipeline("it", prefer_model=False)


def test_the_lemmas_of_a_codes_segments_are_counted_without_stop_words(nlp):
    texts = [s.text for s in select(coded_study().segments, {RISORSE})]

    found = {w.lemma: (w.count, w.texts) for w in word_frequencies(nlp, texts)}

    assert found["rete"] == (2, 2)
    assert found["scuola"] == (2, 2)
    assert found["servizio"] == (1, 1)
    assert not {"il", "la", "con", "una", "essere"} & set(found)


def test_inflected_forms_count_as_one_lemma_and_the_most_frequent_come_first(nlp):
    found = word_frequencies(nlp, ["Le famiglie e la famiglia.", "Famiglie, operatori!"], top=2)

    assert [(w.lemma, w.count, w.texts) for w in found] == [("famiglia", 3, 2), ("operatore", 1, 1)]


def test_no_texts_give_no_words(nlp):
    assert word_frequencies(nlp, []) == []
