"""Code suggestions learnt from a project's human codings: TF-IDF over lemmas, one calibrated logistic
regression per code (one-vs-rest), with the words that drove each suggestion and cross-validated quality.

Each code's classifier is a class-balanced logistic regression over TF-IDF of lemmas (stop words removed).
Its scores are Platt-scaled on out-of-fold decision values, so that a score reads as a probability, and the
threshold from which a code counts as predicted is the one that maximised that code's F1 on those same
out-of-fold scores. Codes' names and definitions can be added as one extra example each ("seeding"), which
helps while few segments are coded. Everything is seeded: the same codings give the same model.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
from spacy.language import Language

from coding.errors import SuggestionError
from coding.nlp import content_lemmas_many, pipeline

RANDOM_STATE = 0
CALIBRATION_FOLDS = 3


def lemma_features(lemmas: list[str]) -> list[str]:
    """The features of a text: its content lemmas (pairs of lemmas scored lower on the bench corpus)."""
    return lemmas


@dataclass
class SuggestionModel:
    """A trained suggester: the vocabulary, one linear scorer per code, calibration and thresholds."""

    codes: list[str]
    lang: str
    vectorizer: TfidfVectorizer
    weights: sparse.csr_matrix  # codes × features
    intercepts: np.ndarray  # per code
    calibration: np.ndarray  # per code (slope, intercept) of the Platt sigmoid over the decision value
    thresholds: np.ndarray  # per code: the score from which the code counts as predicted
    nlp: Language | None = field(default=None, repr=False)

    def suggest(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The `k` codes that fit `text` best, with their scores (0–1), best first."""
        return self.suggest_many([text], k)[0]

    def suggest_many(self, texts: Sequence[str], k: int = 3) -> list[list[tuple[str, float]]]:
        """`suggest` for many texts at once (a whole transcript's turns or sentences): much faster."""
        scores = self.scores(texts)
        best = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return [
            [(self.codes[j], float(row[j])) for j in order] for row, order in zip(scores, best, strict=True)
        ]

    def predict_many(self, texts: Sequence[str]) -> list[set[str]]:
        """The codes whose score reaches their threshold, for each text (possibly none)."""
        above = self.scores(texts) >= self.thresholds
        return [{self.codes[j] for j in np.flatnonzero(row)} for row in above]

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Texts × codes matrix of calibrated scores."""
        return self._scores_of(self._vectors(list(texts)))

    def explain(self, text: str, code: str, top: int = 10) -> list[tuple[str, float]]:
        """The lemmas of `text` that pushed `code` up most, with their contribution."""
        if code not in self.codes:
            raise SuggestionError(f"Codice sconosciuto: {code!r}. / Unknown code: {code!r}.")
        vector = self._vectors([text]).tocsr()
        contributions = vector.multiply(self.weights[self.codes.index(code)]).tocsr()
        terms = self.vectorizer.get_feature_names_out()
        pairs = [
            (str(terms[j]), float(v)) for j, v in zip(contributions.indices, contributions.data, strict=True)
        ]
        return sorted((pair for pair in pairs if pair[1] > 0), key=lambda pair: (-pair[1], pair[0]))[:top]

    def _vectors(self, texts: list[str]) -> sparse.csr_matrix:
        nlp = self.nlp or pipeline(self.lang)
        return self.vectorizer.transform(content_lemmas_many(nlp, texts))

    def _scores_of(self, vectors: sparse.csr_matrix) -> np.ndarray:
        decision = np.asarray((vectors @ self.weights.T).todense()) + self.intercepts
        return _sigmoid(decision * self.calibration[:, 0] + self.calibration[:, 1])

    def __getstate__(self) -> dict:
        return {**self.__dict__, "nlp": None}  # a pipeline is not data: it is supplied again after loading


def train(
    texts: list[str],
    labels: list[set[str]],
    lang: str = "it",
    nlp: Language | None = None,
    definitions: Mapping[str, str] | None = None,
) -> SuggestionModel:
    """Train a suggester on coded segments: `labels[i]` is the set of codes of `texts[i]` (maybe empty).

    `nlp` defaults to `pipeline(lang)`; pass one to reuse a loaded pipeline. `definitions` maps codes to
    their name and definition from the codebook, each then added as one more example of its code.
    """
    _check(texts, labels)
    nlp = nlp or pipeline(lang)
    seeds, seed_labels = _seeds(nlp, definitions)
    return _fit(list(content_lemmas_many(nlp, texts)) + seeds, list(labels) + seed_labels, lang, nlp)


def _seeds(nlp: Language, definitions: Mapping[str, str] | None) -> tuple[list[list[str]], list[set[str]]]:
    codes = sorted(definitions or {})
    return list(content_lemmas_many(nlp, [definitions[code] for code in codes])), [{code} for code in codes]


def _check(texts: Sequence[str], labels: Sequence[set[str]]) -> None:
    if len(texts) != len(labels):
        raise SuggestionError(
            f"{len(texts)} testi ma {len(labels)} insiemi di codici. / "
            f"{len(texts)} texts but {len(labels)} sets of codes."
        )
    if len(texts) < 2 or not any(labels):
        raise SuggestionError(
            "Servono almeno due segmenti e almeno un codice applicato. / "
            "At least two segments and one applied code are needed."
        )


def _fit(lemmas: list[list[str]], labels: Sequence[set[str]], lang: str, nlp: Language) -> SuggestionModel:
    vectorizer = TfidfVectorizer(analyzer=lemma_features, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(lemmas)
    except ValueError as error:  # an empty vocabulary: nothing but stop words and punctuation
        raise SuggestionError(
            "I segmenti non contengono parole utili. / The segments contain no usable words."
        ) from error
    codes = sorted(set().union(*labels))
    fitted = [_fit_code(matrix, np.array([code in row for row in labels])) for code in codes]
    weights = sparse.csr_matrix(np.vstack([f[0] for f in fitted]))
    return SuggestionModel(
        codes=codes,
        lang=lang,
        vectorizer=vectorizer,
        weights=weights,
        intercepts=np.array([f[1] for f in fitted]),
        calibration=np.array([f[2] for f in fitted]),
        thresholds=np.array([f[3] for f in fitted]),
        nlp=nlp,
    )


def _fit_code(
    matrix: sparse.csr_matrix, y: np.ndarray
) -> tuple[np.ndarray, float, tuple[float, float], float]:
    """One code: (weights, intercept, (Platt slope, Platt intercept), threshold)."""
    positives = int(y.sum())
    if positives == len(y):  # a code on every segment: always suggest it
        return np.zeros(matrix.shape[1]), 0.0, (0.0, 10.0), 0.5
    classifier = _classifier().fit(matrix, y)
    weights, intercept = classifier.coef_[0], float(classifier.intercept_[0])
    folds = min(CALIBRATION_FOLDS, positives, len(y) - positives)
    if folds < 2:  # too few examples to calibrate: keep the regression's own probabilities
        return weights, intercept, (1.0, 0.0), 0.5
    splitter = StratifiedKFold(folds, shuffle=True, random_state=RANDOM_STATE)
    decision = cross_val_predict(_classifier(), matrix, y, cv=splitter, method="decision_function")
    platt = LogisticRegression(C=1e4, random_state=RANDOM_STATE).fit(decision.reshape(-1, 1), y)
    slope, offset = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    return weights, intercept, (slope, offset), _best_threshold(_sigmoid(decision * slope + offset), y)


def _classifier() -> LogisticRegression:
    return LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear", random_state=RANDOM_STATE)


def _best_threshold(scores: np.ndarray, y: np.ndarray) -> float:
    """The score threshold with the best F1 on out-of-fold scores (midway between neighbouring scores)."""
    order = np.argsort(-scores, kind="stable")
    hits = np.cumsum(y[order])
    f1 = 2 * hits / (np.arange(1, len(y) + 1) + y.sum())
    best = int(np.argmax(f1))
    below = scores[order[best + 1]] if best + 1 < len(y) else 0.0
    return float((scores[order[best]] + below) / 2)


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(values, -500, 500)))


def cross_validated_predictions(
    texts: list[str],
    labels: list[set[str]],
    folds: int = 5,
    lang: str = "it",
    nlp: Language | None = None,
    definitions: Mapping[str, str] | None = None,
) -> list[set[str]]:
    """Each text's predicted codes from a model trained on the other folds (k-fold, shuffled, seeded).

    `definitions` seed every fold's model as in `train`; they are never test items.
    """
    _check(texts, labels)
    if not 2 <= folds <= len(texts):
        raise SuggestionError(
            f"Numero di fold non valido: {folds} (da 2 a {len(texts)}). / "
            f"Invalid number of folds: {folds} (2 to {len(texts)})."
        )
    nlp = nlp or pipeline(lang)
    lemmas = list(content_lemmas_many(nlp, texts))
    seeds, seed_labels = _seeds(nlp, definitions)
    predicted: list[set[str]] = [set() for _ in texts]
    for train_rows, test_rows in KFold(folds, shuffle=True, random_state=RANDOM_STATE).split(lemmas):
        fold_labels = [labels[i] for i in train_rows]
        if not any(fold_labels):
            continue
        model = _fit([lemmas[i] for i in train_rows] + seeds, fold_labels + seed_labels, lang, nlp)
        vectors = model.vectorizer.transform([lemmas[i] for i in test_rows])
        above = model._scores_of(vectors) >= model.thresholds
        for row, flags in zip(test_rows, above, strict=True):
            predicted[row] = {model.codes[j] for j in np.flatnonzero(flags)}
    return predicted


def cross_validated_quality(
    texts: list[str],
    labels: list[set[str]],
    folds: int = 5,
    lang: str = "it",
    nlp: Language | None = None,
    definitions: Mapping[str, str] | None = None,
) -> dict[str, tuple[float, float, int]]:
    """Each code's cross-validated (precision, recall, support): how far to trust its suggestions.

    Precision or recall with nothing to divide by (a code never predicted, or never applied) is 0.0.
    """
    predicted = cross_validated_predictions(texts, labels, folds, lang, nlp, definitions)
    quality = {}
    for code in sorted(set().union(*labels)):
        true = [code in row for row in labels]
        guess = [code in row for row in predicted]
        hits = sum(t and g for t, g in zip(true, guess, strict=True))
        quality[code] = (_ratio(hits, sum(guess)), _ratio(hits, sum(true)), sum(true))
    return quality


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0
