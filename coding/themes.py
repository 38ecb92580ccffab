"""Theme discovery: topics found by NMF over TF-IDF of lemmas, proposed as candidate codes with their top
words and the passages that show them best. Seeded, so the same texts give the same themes.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer
from spacy.language import Language

from coding.errors import ThemeError
from coding.nlp import content_lemmas_many

RANDOM_STATE = 0


@dataclass(frozen=True)
class Theme:
    """A candidate theme: its top lemmas with their weights (largest first), and example passages.

    `examples` are indices into the texts given to `discover_themes`, the most representative first.
    """

    words: tuple[str, ...]
    weights: tuple[float, ...]
    examples: tuple[int, ...]

    @property
    def name(self) -> str:
        """A provisional name for the code this theme could become: its three top words."""
        return " / ".join(self.words[:3])


def _lemmas_as_features(lemmas: list[str]) -> list[str]:
    return lemmas


def discover_themes(
    nlp: Language, texts: Sequence[str], n_themes: int = 5, top_words: int = 10, examples: int = 3
) -> list[Theme]:
    """Propose `n_themes` themes in `texts` (documents, turns or sentences), the most prominent first.

    Lemmas found in a single text are left out once there are 10 texts or more, so that a theme is about
    something more than one passage said.
    """
    if n_themes < 1 or top_words < 1 or examples < 0:
        raise ThemeError(
            "Numero di temi, parole ed esempi non valido. / Invalid number of themes, words or examples."
        )
    if len(texts) < n_themes:
        raise ThemeError(
            f"Servono almeno {n_themes} testi per {n_themes} temi (ne sono stati dati {len(texts)}). / "
            f"At least {n_themes} texts are needed for {n_themes} themes ({len(texts)} given)."
        )
    vectorizer = TfidfVectorizer(
        analyzer=_lemmas_as_features, sublinear_tf=True, min_df=2 if len(texts) >= 10 else 1
    )
    try:
        matrix = vectorizer.fit_transform(content_lemmas_many(nlp, texts))
    except ValueError as error:  # an empty vocabulary
        raise ThemeError(
            "I testi non contengono parole utili. / The texts contain no usable words."
        ) from error
    if matrix.shape[1] < n_themes:
        raise ThemeError(
            f"Troppo poche parole diverse per {n_themes} temi. / "
            f"Too few distinct words for {n_themes} themes."
        )
    model = NMF(n_components=n_themes, init="nndsvda", max_iter=500, random_state=RANDOM_STATE)
    presence = model.fit_transform(matrix)  # texts × themes
    terms = vectorizer.get_feature_names_out()
    themes = [
        _theme(model.components_[k], presence[:, k], terms, top_words, examples) for k in range(n_themes)
    ]
    prominence = presence.sum(axis=0)
    return [themes[k] for k in np.argsort(-prominence, kind="stable")]


def _theme(
    loadings: np.ndarray, presence: np.ndarray, terms: np.ndarray, top_words: int, examples: int
) -> Theme:
    words = [j for j in np.argsort(-loadings, kind="stable")[:top_words] if loadings[j] > 0]
    shown = [int(i) for i in np.argsort(-presence, kind="stable")[:examples] if presence[i] > 0]
    return Theme(
        words=tuple(str(terms[j]) for j in words),
        weights=tuple(float(loadings[j]) for j in words),
        examples=tuple(shown),
    )
