"""The offline text pipeline: lemmas, sentences, stop words, languages."""

from pathlib import Path

import pytest

from coding.errors import CodingError, NlpError
from coding.nlp import LEMMATIZER, content_lemmas, italian_pipeline, lemmas, pipeline, stop_words

WORDS = Path(__file__).resolve().parents[2] / "bench" / "data" / "lemmas_social_it.tsv"


@pytest.fixture(scope="module")
def nlp():
    return pipeline("it", prefer_model=False)


def test_the_blank_pipeline_has_a_sentencizer_and_the_simplemma_lemmatizer(nlp):
    assert nlp.pipe_names == ["sentencizer", LEMMATIZER]


def test_the_pipeline_is_built_once_per_language():
    assert italian_pipeline() is pipeline("it")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("servizi", "servizio"),
        ("operatori", "operatore"),
        ("minori", "minore"),
        ("famiglie", "famiglia"),
        ("affidati", "affidare"),
        ("accolti", "accogliere"),
        ("seguono", "seguire"),
        ("fragili", "fragile"),
    ],
)
def test_social_services_words_get_their_dictionary_lemma(nlp, text, expected):
    assert lemmas(nlp, text) == [expected]


def test_lemmas_are_lower_case_and_skip_punctuation(nlp):
    assert lemmas(nlp, "Gli Operatori, oggi!") == ["il", "operatore", "oggi"]


def test_the_chosen_lemmatizer_gets_at_least_95_percent_of_the_bench_word_list(nlp):
    rows = [
        line.split("\t") for line in WORDS.read_text(encoding="utf-8").splitlines() if line[:1] not in "#"
    ]

    right = sum(lemmas(nlp, form)[0] in accepted.split("|") for form, accepted, _ in rows)

    assert len(rows) >= 150
    assert right / len(rows) >= 0.95


def test_content_lemmas_drop_stop_words_and_fillers_but_keep_domain_words(nlp):
    text = "Allora, diciamo che nel lavoro di rete c'è mancanza di personale e abbiamo poche risorse."

    assert content_lemmas(nlp, text) == ["lavoro", "rete", "mancanza", "personale", "risorsa"]


def test_modal_and_auxiliary_verbs_are_stop_words_by_lemma(nlp):
    text = "Possiamo sostenere le famiglie, dobbiamo ascoltare i genitori."

    assert content_lemmas(nlp, text) == ["sostenere", "famiglia", "ascoltare", "genitore"]


def test_sentences_keep_code_point_offsets_across_accents_and_emoji(nlp):
    text = "Perché no? È così 😊. Poi basta."

    spans = [(sent.start_char, sent.end_char) for sent in nlp(text).sents]

    assert [text[start:end] for start, end in spans] == ["Perché no?", "È così 😊.", "Poi basta."]


def test_english_is_supported():
    nlp = pipeline("en", prefer_model=False)

    assert content_lemmas(nlp, "The children were placed with foster families.") == [
        "child",
        "place",
        "foster",
        "family",
    ]


def test_an_unsupported_language_is_refused_in_italian_and_english():
    with pytest.raises(NlpError, match="Lingua non supportata.*Unsupported language") as caught:
        pipeline("de")

    assert isinstance(caught.value, CodingError)


def test_stop_words_are_per_language():
    assert "lavoro" not in stop_words("it")
    assert "cioè" in stop_words("it")
    assert "the" in stop_words("en")
