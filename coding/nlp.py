"""The text pipeline of coding/: tokens, sentences, lemmas and stop words, offline, for Italian and English.

A pretrained spaCy model (it_core_news_sm, en_core_web_sm) is used when one is installed. Otherwise the
pipeline is spaCy's blank tokenizer, a rule-based sentencizer and simplemma's lemmatizer, which scored best
on the social-services word list of bench/bench_lemmatizers.py (spaCy's lookup tables lemmatize "servizi"
as "servizo" and "operatori" as "operatorio"). Nothing here downloads anything.
"""

import functools
import importlib.util
from collections.abc import Iterable, Iterator

import simplemma
import spacy
from spacy.language import Language
from spacy.tokens import Doc, Token

from coding.errors import NlpError

MODELS = {"it": "it_core_news_sm", "en": "en_core_web_sm"}
LEMMATIZER = "humus_simplemma"

# Words of spaCy's stop lists that carry meaning in social-services talk ("lavoro di rete", "mancanza di
# personale", "il caso", "la casa famiglia"), kept as content words.
_KEPT = {
    "it": """anni anno attesa casa caso citta città consiglio forza futuro generale giorni giorno governo
        grande gruppo lavoro luogo male mancanza mesi ministro momento mondo nazionale nuovo ore paese
        persone scopo tempo titolo uomo vita""",
    "en": "case home work group time family people",
}
# Fillers of spoken transcripts and the lemmas of auxiliary and modal verbs.
_ADDED = {
    "it": """appunto avere beh boh cioè diciamo dovere eh ehm essere fare insomma mh mm ok okay potere
        praticamente sostanzialmente stare vabbè volere sì""",
    "en": "uh um erm yeah okay ok be have do",
}


class SimplemmaLemmatizer:
    """A pipeline component that sets each token's lemma with simplemma, lower-cased, with a word cache."""

    def __init__(self, lang: str, cache_size: int = 200_000) -> None:
        self.lang = lang
        self.cache_size = cache_size
        self._cache: dict[str, str] = {}

    def __call__(self, doc: Doc) -> Doc:
        cache = self._cache
        for token in doc:
            word = token.lower_
            lemma = cache.get(word)
            if lemma is None:
                lemma = simplemma.lemmatize(word, lang=self.lang).lower()
                if len(cache) < self.cache_size:
                    cache[word] = lemma
            token.lemma_ = lemma
        return doc


@Language.factory(LEMMATIZER, default_config={"lang": "it"})
def make_simplemma_lemmatizer(nlp: Language, name: str, lang: str) -> SimplemmaLemmatizer:
    """spaCy factory of the simplemma lemmatizer (registered under the name in LEMMATIZER)."""
    return SimplemmaLemmatizer(lang)


def _check_lang(lang: str) -> None:
    if lang not in MODELS:
        supported = ", ".join(sorted(MODELS))
        raise NlpError(
            f"Lingua non supportata: {lang!r} (disponibili: {supported}). / "
            f"Unsupported language: {lang!r} (available: {supported})."
        )


@functools.cache
def pipeline(lang: str = "it", prefer_model: bool = True) -> Language:
    """The spaCy pipeline of a project language ("it" or "en"), built once per process.

    With `prefer_model` and the language's small pretrained model installed, that model is loaded (its
    lemmatizer uses the tagger's parts of speech); otherwise a blank pipeline with a sentencizer and
    simplemma. Either way every token gets a lemma and each doc has sentences.
    """
    _check_lang(lang)
    if prefer_model and importlib.util.find_spec(MODELS[lang]) is not None:
        nlp = spacy.load(MODELS[lang], exclude=["ner"])
        if not {"parser", "senter", "sentencizer"} & set(nlp.pipe_names):
            nlp.add_pipe("sentencizer")
        return nlp
    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    nlp.add_pipe(LEMMATIZER, config={"lang": lang})
    return nlp


def italian_pipeline() -> Language:
    """The Italian pipeline: `pipeline("it")`."""
    return pipeline("it")


@functools.cache
def stop_words(lang: str = "it") -> frozenset[str]:
    """Stop words of a language: spaCy's list less the domain's content words, plus spoken fillers."""
    _check_lang(lang)
    base = spacy.blank(lang).Defaults.stop_words
    return frozenset((set(base) - set(_KEPT[lang].split())) | set(_ADDED[lang].split()))


def is_word(token: Token) -> bool:
    """Whether a token is a word (has a letter), as opposed to punctuation, numbers, symbols or spaces."""
    return not token.is_space and not token.is_punct and any(ch.isalpha() for ch in token.text)


def lemmas(nlp: Language, text: str) -> list[str]:
    """The lower-cased lemmas of the words of `text`, stop words included, in order."""
    return [token.lemma_.lower() or token.lower_ for token in nlp(text) if is_word(token)]


def content_lemmas(nlp: Language, text: str) -> list[str]:
    """The lemmas of the words of `text` that are not stop words (by word form or by lemma)."""
    return next(content_lemmas_many(nlp, [text]))


def content_lemmas_many(nlp: Language, texts: Iterable[str], batch_size: int = 256) -> Iterator[list[str]]:
    """`content_lemmas` of each text, lazily, through `nlp.pipe` (much faster than one call per text)."""
    stop = stop_words(nlp.lang)
    for doc in nlp.pipe(texts, batch_size=batch_size):
        yield list(_content(doc, stop))


def _content(doc: Doc, stop: frozenset[str]) -> Iterator[str]:
    for token in doc:
        if is_word(token) and len(token.text) > 1 and token.lower_ not in stop:
            lemma = token.lemma_.lower() or token.lower_
            if lemma not in stop:
                yield lemma
