"""Theme discovery with NMF over TF-IDF of lemmas."""

import json
from pathlib import Path

import pytest

from coding.errors import ThemeError
from coding.nlp import pipeline
from coding.themes import Theme, discover_themes

CORPUS = Path(__file__).resolve().parents[2] / "app" / "transcripts" / "data" / "focus_groups.json"

TRAINING = [
    "Ci serve un corso di formazione sul trauma.",
    "La formazione sul trauma e sui conflitti manca.",
    "Un corso di formazione per gli educatori.",
    "Corsi di formazione e supervisione per tutti.",
]
MONEY = [
    "I pagamenti del Comune arrivano in ritardo.",
    "Il ritardo dei pagamenti blocca gli stipendi.",
    "Stipendi pagati con mesi di ritardo.",
    "I fondi arrivano tardi e i pagamenti slittano.",
]


@pytest.fixture(scope="module")
def nlp():
    return pipeline("it", prefer_model=False)


def test_two_clear_topics_become_two_themes_with_their_own_passages(nlp):
    themes = discover_themes(nlp, TRAINING + MONEY, n_themes=2, top_words=3)

    training = next(theme for theme in themes if "formazione" in theme.words)
    money = next(theme for theme in themes if "pagamento" in theme.words)
    assert training is not money
    assert "corso" in training.words and "ritardo" in money.words
    assert all(index < len(TRAINING) for index in training.examples)
    assert all(index >= len(TRAINING) for index in money.examples)


def test_top_words_come_with_decreasing_positive_weights(nlp):
    theme = discover_themes(nlp, TRAINING + MONEY, n_themes=2, top_words=4)[0]

    assert len(theme.words) == len(theme.weights) == 4
    assert list(theme.weights) == sorted(theme.weights, reverse=True)
    assert theme.weights[-1] > 0


def test_a_theme_proposes_a_name_for_the_code_it_could_become():
    theme = Theme(
        words=("formazione", "corso", "trauma", "conflitto"), weights=(1, 0.5, 0.2, 0.1), examples=(0,)
    )

    assert theme.name == "formazione / corso / trauma"


def test_themes_on_the_focus_groups_are_deterministic_and_point_at_real_turns(nlp):
    data = json.loads(CORPUS.read_text(encoding="utf-8"))
    texts = [t["text"] for doc in data["documents"] for t in doc["turns"] if t["speaker"] != "MOD"]

    first = discover_themes(nlp, texts, n_themes=6, top_words=8, examples=3)
    second = discover_themes(nlp, texts, n_themes=6, top_words=8, examples=3)

    assert first == second
    assert len(first) == 6
    assert all(
        len(theme.examples) == 3 and all(0 <= i < len(texts) for i in theme.examples) for theme in first
    )


@pytest.mark.parametrize(
    ("texts", "n_themes", "message"),
    [
        (["uno solo"], 2, "Servono almeno 2 testi"),
        (["e il", "la lo"], 1, "parole utili"),
        (["formazione", "formazione"], 2, "Troppo poche parole"),
        (TRAINING, 0, "Numero di temi"),
    ],
)
def test_impossible_requests_are_refused_in_italian_and_english(nlp, texts, n_themes, message):
    with pytest.raises(ThemeError, match=message):
        discover_themes(nlp, texts, n_themes=n_themes)
