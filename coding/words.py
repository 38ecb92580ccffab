"""Word frequencies of texts (the segments of a code, or whole transcripts): lemmas, stop words left out."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from spacy.language import Language

from coding.nlp import content_lemmas_many


@dataclass(frozen=True)
class WordCount:
    """A lemma, how many times it occurs, and in how many of the texts."""

    lemma: str
    count: int
    texts: int


def word_frequencies(nlp: Language, texts: Iterable[str], top: int = 30) -> list[WordCount]:
    """The `top` most frequent content lemmas of `texts` (stop words and fillers out, see coding.nlp),
    most frequent first, ties by lemma."""
    counts: Counter[str] = Counter()
    spread: Counter[str] = Counter()
    for found in content_lemmas_many(nlp, texts):
        counts.update(found)
        spread.update(set(found))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [WordCount(lemma, count, spread[lemma]) for lemma, count in ranked]
