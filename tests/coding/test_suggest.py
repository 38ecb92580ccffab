"""Code suggestions trained on human codings: the contract, explanations, cross-validated quality."""

import json
import pickle
from pathlib import Path

import pytest

from coding.errors import SuggestionError
from coding.nlp import pipeline
from coding.suggest import SuggestionModel, cross_validated_quality, train

CORPUS = Path(__file__).resolve().parents[2] / "app" / "transcripts" / "data" / "focus_groups.json"


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[set[str]], dict[str, str]]:
    data = json.loads(CORPUS.read_text(encoding="utf-8"))
    turns = [t for doc in data["documents"] for t in doc["turns"] if t["speaker"] != "MOD"]
    definitions = {c["id"]: f"{c['name']}. {c['definition']}" for c in data["codes"]}
    return [t["text"] for t in turns], [set(t["codes"]) for t in turns], definitions


@pytest.fixture(scope="module")
def model(corpus) -> SuggestionModel:
    texts, labels, _ = corpus
    return train(texts, labels, nlp=pipeline("it", prefer_model=False))


def test_the_corpus_has_enough_coded_turns_for_every_code(corpus):
    texts, labels, definitions = corpus

    assert sum(1 for codes in labels if codes) >= 60
    assert {code for codes in labels for code in codes} == set(definitions)
    assert len(definitions) >= 6


def test_suggest_returns_k_codes_with_scores_best_first(model):
    suggestions = model.suggest("Siamo in due per quaranta ragazzi e il bando scade a dicembre.", k=3)

    assert len(suggestions) == 3
    assert all(0.0 <= score <= 1.0 for _, score in suggestions)
    assert [score for _, score in suggestions] == sorted((score for _, score in suggestions), reverse=True)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Avremmo bisogno di un corso di formazione sulla gestione dei conflitti.", "formazione"),
        ("Con la scuola e la ASL abbiamo firmato un protocollo per le segnalazioni.", "rete"),
        ("Mi sento stanca, la sera non riesco a staccare e dormo male.", "benessere"),
    ],
)
def test_an_obvious_turn_gets_its_code_first(model, text, code):
    assert model.suggest(text, k=1)[0][0] == code


def test_explain_gives_the_words_that_pushed_a_code_up_largest_first(model):
    words = model.explain(
        "Avremmo bisogno di un corso di formazione sulla gestione dei conflitti.", "formazione"
    )

    assert "formazione" in [word for word, _ in words]
    assert all(weight > 0 for _, weight in words)
    assert [w for _, w in words] == sorted((w for _, w in words), reverse=True)


def test_explain_refuses_an_unknown_code(model):
    with pytest.raises(SuggestionError, match="Codice sconosciuto.*Unknown code"):
        model.explain("testo", "inesistente")


def test_suggest_many_agrees_with_suggest(model):
    texts = ["Le famiglie non si fidano.", "Servirebbe supervisione."]

    assert model.suggest_many(texts, k=2) == [model.suggest(text, k=2) for text in texts]


def test_training_is_deterministic(corpus, model):
    texts, labels, _ = corpus

    again = train(texts, labels, nlp=pipeline("it", prefer_model=False))

    assert again.suggest(texts[0], k=7) == model.suggest(texts[0], k=7)


def test_uncoded_segments_are_negative_examples():
    texts = ["Il corso di formazione è utile.", "Oggi piove.", "Formazione sui conflitti.", "Buongiorno."]
    labels = [{"formazione"}, set(), {"formazione"}, set()]

    model = train(texts, labels, nlp=pipeline("it", prefer_model=False))

    assert model.codes == ["formazione"]
    assert model.suggest("Un corso di formazione.")[0][1] > model.suggest("Piove.")[0][1]


def test_codebook_definitions_seed_a_code_nobody_has_applied_yet():
    texts, labels = ["Il corso di formazione è utile.", "Le famiglie partecipano."], [{"formazione"}, set()]
    definitions = {"rete": "Lavoro di rete: collaborazione con scuole, ASL e tribunale."}

    model = train(texts, labels, nlp=pipeline("it", prefer_model=False), definitions=definitions)

    assert model.codes == ["formazione", "rete"]
    assert model.suggest("Collaborazione con la scuola e la ASL.", k=1)[0][0] == "rete"


def test_english_projects_are_supported():
    texts = ["We need training on conflict.", "The school referred the child.", "More training please."]
    labels = [{"training"}, {"network"}, {"training"}]

    model = train(texts, labels, lang="en")

    assert model.suggest("Training courses on trauma.", k=1)[0][0] == "training"


def test_a_model_pickles_without_its_pipeline(model):
    copy = pickle.loads(pickle.dumps(model))  # noqa: S301 - our own object

    assert copy.nlp is None
    assert copy.suggest("Servirebbe formazione.", k=2) == model.suggest("Servirebbe formazione.", k=2)


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [
        (["a", "b"], [{"x"}], "2 testi ma 1 insiemi"),
        (["uno", "due"], [set(), set()], "almeno un codice applicato"),
        (["uno"], [{"x"}], "almeno due segmenti"),
        (["e", "il"], [{"x"}, set()], "parole utili"),
    ],
)
def test_bad_training_data_is_refused_in_italian_and_english(texts, labels, message):
    with pytest.raises(SuggestionError, match=message):
        train(texts, labels, nlp=pipeline("it", prefer_model=False))


def test_cross_validated_quality_gives_precision_recall_and_support_per_code(corpus):
    texts, labels, _ = corpus

    quality = cross_validated_quality(texts, labels, folds=5, nlp=pipeline("it", prefer_model=False))

    assert set(quality) == {code for codes in labels for code in codes}
    assert quality["formazione"][2] == sum("formazione" in codes for codes in labels)
    assert all(0.0 <= p <= 1.0 and 0.0 <= r <= 1.0 for p, r, _ in quality.values())
    assert quality["formazione"][0] > 0.3 and quality["formazione"][1] > 0.3


def test_cross_validation_refuses_more_folds_than_segments():
    with pytest.raises(SuggestionError, match="Numero di fold non valido"):
        cross_validated_quality(["a b", "c d"], [{"x"}, set()], folds=3)
