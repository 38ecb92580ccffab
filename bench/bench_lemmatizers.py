"""Benchmark: offline Italian lemmatizers on a social-services word list; coding/nlp.py must use the best.

Compared in the same run, on the 246 inflected forms of bench/data/lemmas_social_it.tsv (nouns, verbs,
adjectives of family and child services, written by hand with their dictionary lemmas):

- spaCy's lookup lemmatizer over spacy-lookups-data's `it_lemma_lookup` (what `blank("it")` can use);
- spacy-lookups-data's morph-it tables by part of speech, without a tagger to choose the table, so the
  first table that knows the word wins (noun, verb, adjective, other, then the legacy table);
- simplemma, through the component coding/nlp.py installs (the pipeline used when no model is present);
- it_core_news_sm, when it is installed (it is not downloadable here, so usually skipped).

Run: .venv/bin/python bench/bench_lemmatizers.py   (exit code 1 if the chosen lemmatizer is not the best)
"""

import importlib.util
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import spacy  # noqa: E402
from spacy.lookups import load_lookups  # noqa: E402

from coding.nlp import pipeline  # noqa: E402

WORDS = Path(__file__).resolve().parent / "data" / "lemmas_social_it.tsv"
Lemmatize = Callable[[list[str]], list[str]]


def gold() -> list[tuple[str, set[str], str]]:
    rows = []
    for line in WORDS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            form, accepted, pos = line.split("\t")
            rows.append((form, set(accepted.split("|")), pos))
    return rows


def through(nlp: spacy.Language) -> Lemmatize:
    return lambda words: [doc[0].lemma_.lower() for doc in nlp.pipe(words)]


def spacy_lookup() -> Lemmatize:
    nlp = spacy.blank("it")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return through(nlp)


def morphit_tables() -> Lemmatize:
    names = [
        "lemma_lookup_noun",
        "lemma_lookup_verb",
        "lemma_lookup_adj",
        "lemma_lookup_other",
        "lemma_lookup",
    ]
    tables = [load_lookups("it", names).get_table(name) for name in names]

    def first_known(word: str) -> str:
        return next((table[word] for table in tables if word in table), word)

    return lambda words: [first_known(word) for word in words]


def options() -> dict[str, Lemmatize | None]:
    model = importlib.util.find_spec("it_core_news_sm") is not None
    return {
        "spaCy lookup (it_lemma_lookup)": spacy_lookup(),
        "morph-it tables, no tagger": morphit_tables(),
        "simplemma (coding.nlp, chosen)": through(pipeline("it", prefer_model=False)),
        "it_core_news_sm": through(spacy.load("it_core_news_sm")) if model else None,
    }


def score(lemmatize: Lemmatize, rows: list[tuple[str, set[str], str]]) -> tuple[dict[str, float], list[str]]:
    found = lemmatize([form for form, _, _ in rows])
    right: dict[str, list[bool]] = {"all": [], "noun": [], "verb": [], "adj": []}
    misses = []
    for (form, accepted, pos), lemma in zip(rows, found, strict=True):
        ok = lemma in accepted
        right["all"].append(ok)
        right[pos].append(ok)
        if not ok:
            misses.append(f"{form}→{lemma}")
    return {key: sum(values) / len(values) for key, values in right.items()}, misses


def words_per_second(lemmatize: Lemmatize, rows: list[tuple[str, set[str], str]]) -> float:
    words = [form for form, _, _ in rows] * 40
    start = time.perf_counter()
    lemmatize(words)
    return len(words) / (time.perf_counter() - start)


def main() -> int:
    rows = gold()
    print(f"lemmatizers on {len(rows)} social-services word forms (accuracy: lemma among the accepted ones)")
    print(f"  {'option':34} {'all':>6} {'noun':>6} {'verb':>6} {'adj':>6} {'words/s':>9}")
    results = {}
    for name, lemmatize in options().items():
        if lemmatize is None:
            print(f"  {name:34} skipped: not installed (pretrained models cannot be downloaded here)")
            continue
        accuracy, misses = score(lemmatize, rows)
        speed = words_per_second(lemmatize, rows)
        results[name] = accuracy["all"]
        cells = " ".join(f"{accuracy[key]:6.1%}" for key in ("all", "noun", "verb", "adj"))
        print(f"  {name:34} {cells} {speed:9.0f}")
        print(f"      misses ({len(misses)}): {', '.join(misses[:14])}{' …' if len(misses) > 14 else ''}")
    chosen = "simplemma (coding.nlp, chosen)"
    best = max(results, key=results.__getitem__)
    passed = results[chosen] >= results[best]
    print(f"  best: {best}; chosen: {chosen}")
    print(f"  verdict: {'PASS' if passed else 'FAIL'} (the chosen lemmatizer must be the most accurate)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
