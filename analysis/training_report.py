"""The pre/post impact report of a training: per group (everyone, each edition, each tier) the attrition,
the change in knowledge and self-efficacy with its tests and effect sizes, and each knowledge item's change.

Every statistic comes from analysis.impact. Choices made here:

- a group with fewer than `min_pairs` complete pairs (5 by default) is flagged as not interpretable; its
  numbers are still computed where they are defined, so nothing is hidden from the evaluator;
- reliable change (Jacobson–Truax) uses one reference for every group, the pre-test of all the report's
  pairs: its standard deviation and its Cronbach's alpha (KR-20 for the 0/1 knowledge items); without a
  usable alpha (below 0, or undefined) there is no reliable change, and the outcome says why;
- an unanswered knowledge item counts as wrong in the alpha as it does in the score;
- Holm's adjustment runs over the knowledge items of one group;
- a statistic that is undefined for the data (too few pairs, no variation) is None, with the reason.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from statistics import fmean, stdev
from typing import Any, TypeVar

from analysis.errors import ImpactError
from analysis.impact import (
    cronbach_alpha,
    holm,
    mcnemar,
    normalized_gain,
    paired_effect_sizes,
    paired_ttest,
    reliable_change,
    wilcoxon_signed_rank,
)
from analysis.impact_change import IMPROVED
from analysis.training import TIERS
from analysis.training_scoring import EFFICACY, KNOWLEDGE, Instrument, Pair, Pairing, Scored, normalized_code

MIN_PAIRS = 5
MEASURES = (KNOWLEDGE, EFFICACY)
ALL, EDITION, TIER = "all", "edition", "tier"
T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """Why a statistic is missing, in Italian and English (analysis.errors.ImpactError's words)."""

    italian: str
    english: str

    def message(self, lang: str = "it") -> str:
        return self.italian if lang.startswith("it") else self.english


@dataclass(frozen=True)
class Outcome:
    """The change of one measure in one group; None where a statistic is undefined (see `problems`)."""

    measure: str
    n: int
    pre_mean: float | None
    post_mean: float | None
    mean_diff: float | None
    t: float | None
    t_p: float | None
    wilcoxon_p: float | None
    d_z: float | None
    d_z_low: float | None
    d_z_high: float | None
    improved: int | None  # reliably improved (RCI > 1.96)
    improved_share: float | None  # of the n pairs, 0–1
    alpha_pre: float | None  # Cronbach's alpha of the measure's items at pre-test, in this group
    gain: float | None  # Hake's class gain, for knowledge
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class ItemChange:
    """One knowledge item before and after: right answers and McNemar's test (b: right → wrong)."""

    name: str
    label: str
    n: int
    pre_right: int
    post_right: int
    b: int
    c: int
    statistic: float | None
    p: float | None
    p_holm: float | None


@dataclass(frozen=True)
class Attrition:
    pre: int  # pre questionnaires
    post: int
    pairs: int
    pre_only: int  # a pre and no post: dropped out, or did not fill the post
    post_only: int

    @property
    def share(self) -> float | None:
        """The share of pre questionnaires without a post, 0–1."""
        return self.pre_only / self.pre if self.pre else None


@dataclass(frozen=True)
class Group:
    kind: str  # all, edition, tier
    key: str  # "" for all, the edition code, the tier
    pairs: tuple[Pair, ...]
    attrition: Attrition
    outcomes: tuple[Outcome, ...]
    items: tuple[ItemChange, ...]
    min_pairs: int

    @property
    def n_pairs(self) -> int:
        return len(self.pairs)

    @property
    def interpretable(self) -> bool:
        return self.n_pairs >= self.min_pairs

    def outcome(self, measure: str) -> Outcome:
        return next(o for o in self.outcomes if o.measure == measure)


@dataclass(frozen=True)
class Reference:
    """The pre-test spread and reliability that reliable change is judged against."""

    sd: float | None
    reliability: float | None
    problem: Problem | None
    # The alpha of every pair's pre-test, which is also the "everyone" group's: computed once.
    alpha: float | None = None
    alpha_problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class ImpactReport:
    instrument: Instrument
    groups: tuple[Group, ...]
    references: dict[str, Reference]
    superseded: int
    unusable: int
    min_pairs: int
    confidence: float

    @property
    def overall(self) -> Group:
        return self.groups[0]

    @property
    def measures(self) -> tuple[str, ...]:
        """The measures the instrument has items for."""
        present = {KNOWLEDGE: bool(self.instrument.knowledge), EFFICACY: bool(self.instrument.likert)}
        return tuple(m for m in MEASURES if present[m])


def build_report(
    pairing: Pairing,
    instrument: Instrument,
    editions: Sequence[str] | None = None,
    min_pairs: int = MIN_PAIRS,
    confidence: float = 0.95,
) -> ImpactReport:
    """The report over everyone, then each of `editions` (codes, in that order; none when None, and
    an edition without questionnaires still gets its empty group), then each tier present."""
    references = {m: _reference(pairing.pairs, m, instrument) for m in MEASURES}
    keys: list[tuple[str, str]] = [(ALL, "")]
    if editions is not None:
        keys += [(EDITION, normalized_code(edition)) for edition in editions]
    keys += [(TIER, tier) for tier in _tiers_present(pairing)]
    groups = tuple(
        _group(kind, key, pairing, instrument, references, min_pairs, confidence) for kind, key in keys
    )
    return ImpactReport(
        instrument, groups, references, pairing.superseded, pairing.unusable, min_pairs, confidence
    )


def _tiers_present(pairing: Pairing) -> list[str]:
    present = {p.tier for p in pairing.pairs}
    present |= {tier for _, tier in pairing.pre_only + pairing.post_only}
    return [t for t in TIERS if t in present] + sorted(present - set(TIERS))


def _group(
    kind: str,
    key: str,
    pairing: Pairing,
    instrument: Instrument,
    references: dict[str, Reference],
    min_pairs: int,
    confidence: float,
) -> Group:
    def member(edition: str, tier: str) -> bool:
        return kind == ALL or (kind == EDITION and edition == key) or (kind == TIER and tier == key)

    pairs = tuple(p for p in pairing.pairs if member(p.edition, p.tier))
    pre_only = sum(1 for scored, tier in pairing.pre_only if member(scored.edition, tier))
    post_only = sum(1 for scored, tier in pairing.post_only if member(scored.edition, tier))
    attrition = Attrition(len(pairs) + pre_only, len(pairs) + post_only, len(pairs), pre_only, post_only)
    outcomes = tuple(
        _outcome(m, pairs, instrument, references[m], confidence, kind == ALL)
        for m in MEASURES
        if _has(instrument, m)
    )
    return Group(kind, key, pairs, attrition, outcomes, _item_changes(pairs, instrument), min_pairs)


def _has(instrument: Instrument, measure: str) -> bool:
    return bool(instrument.knowledge if measure == KNOWLEDGE else instrument.likert)


def _outcome(
    measure: str,
    pairs: Sequence[Pair],
    instrument: Instrument,
    reference: Reference,
    confidence: float,
    everyone: bool,
) -> Outcome:
    pre = [p.pre.score(measure) for p in pairs]
    post = [p.post.score(measure) for p in pairs]
    complete = [(a, b) for a, b in zip(pre, post, strict=True) if a is not None and b is not None]
    problems: list[Problem] = []
    test = _attempt(problems, lambda: paired_ttest(pre, post, confidence))
    wilcoxon = _attempt(problems, lambda: wilcoxon_signed_rank(pre, post))
    effects = _attempt(problems, lambda: paired_effect_sizes(pre, post, confidence))
    improved = _improved(pre, post, reference, problems) if complete else None
    if everyone:
        alpha = reference.alpha
        problems.extend(reference.alpha_problems)
    else:
        alpha = _get(
            _attempt(problems, lambda: cronbach_alpha(_item_rows([p.pre for p in pairs], measure))), "alpha"
        )
    gain = None
    if measure == KNOWLEDGE and complete:
        gain = _attempt(problems, lambda: normalized_gain(pre, post, instrument.knowledge_max)).class_gain
    n = len(complete)
    pre_mean = fmean(a for a, _ in complete) if complete else None
    post_mean = fmean(b for _, b in complete) if complete else None
    return Outcome(
        measure=measure,
        n=n,
        pre_mean=pre_mean,
        post_mean=post_mean,
        mean_diff=post_mean - pre_mean if complete else None,
        t=_get(test, "t"),
        t_p=_get(test, "p_value"),
        wilcoxon_p=_get(wilcoxon, "p_value"),
        d_z=_get(effects, "d_z"),
        d_z_low=_get(effects, "d_z_ci_low"),
        d_z_high=_get(effects, "d_z_ci_high"),
        improved=improved,
        improved_share=improved / n if improved is not None and n else None,
        alpha_pre=alpha,
        gain=gain,
        problems=tuple(dict.fromkeys(problems)),
    )


class _Missing:
    """Stands for a statistic that could not be computed; every attribute of it is None."""

    def __getattr__(self, name: str) -> None:
        return None


def _attempt(problems: list[Problem], compute: Callable[[], T]) -> Any:
    try:
        return compute()
    except ImpactError as error:
        problems.append(Problem(error.italian, error.english))
        return _Missing()


def _get(result: Any, name: str) -> float | None:
    value = getattr(result, name)
    return float(value) if value is not None else None


def _improved(pre: list, post: list, reference: Reference, problems: list[Problem]) -> int | None:
    if reference.sd is None or reference.reliability is None:
        if reference.problem is not None:
            problems.append(reference.problem)
        return None
    change = _attempt(problems, lambda: reliable_change(pre, post, reference.sd, reference.reliability))
    return change.category.count(IMPROVED) if change.category is not None else None


def _item_rows(questionnaires: Sequence[Scored], measure: str) -> list[list[float | None]]:
    """The item answers of the questionnaires that have a score: knowledge items unanswered count 0."""
    if measure == EFFICACY:
        return [list(q.efficacy_items) for q in questionnaires if q.efficacy is not None]
    return [[1 if v else 0 for v in q.knowledge_items] for q in questionnaires if q.knowledge is not None]


def _reference(pairs: Sequence[Pair], measure: str, instrument: Instrument) -> Reference:
    if not _has(instrument, measure):
        return Reference(None, None, None)
    problems: list[Problem] = []
    alpha = _attempt(problems, lambda: cronbach_alpha(_item_rows([p.pre for p in pairs], measure)))
    scores = [
        s for p in pairs if (s := p.pre.score(measure)) is not None and p.post.score(measure) is not None
    ]
    if len(scores) < 2:
        return Reference(None, None, None, alpha.alpha, tuple(problems))
    spread = stdev(scores)
    if problems or not 0 <= alpha.alpha < 1 or spread == 0:
        problem = problems[0] if problems else _NO_RELIABILITY
        return Reference(None, None, problem, alpha.alpha, tuple(problems))
    return Reference(spread, alpha.alpha, None, alpha.alpha)


_NO_RELIABILITY = Problem(
    "Il cambiamento affidabile non si calcola: l'attendibilità o la dispersione del pre-test "
    "non è utilizzabile.",
    "Reliable change is not computed: the pre-test reliability or spread is not usable.",
)


def _item_changes(pairs: Sequence[Pair], instrument: Instrument) -> tuple[ItemChange, ...]:
    rows = []
    for index, item in enumerate(instrument.knowledge):
        # As booleans: McNemar reads True/False faster than 1/0.
        pre = [None if (v := p.pre.knowledge_items[index]) is None else v == 1 for p in pairs]
        post = [None if (v := p.post.knowledge_items[index]) is None else v == 1 for p in pairs]
        both = [(a, b) for a, b in zip(pre, post, strict=True) if a is not None and b is not None]
        test = _attempt([], lambda pre=pre, post=post: mcnemar(pre, post))
        rows.append(
            ItemChange(
                name=item.name,
                label=item.label,
                n=len(both),
                pre_right=sum(a for a, _ in both),
                post_right=sum(b for _, b in both),
                b=sum(1 for a, b in both if a and not b),
                c=sum(1 for a, b in both if b and not a),
                statistic=_get(test, "statistic"),
                p=_get(test, "p_value"),
                p_holm=None,
            )
        )
    adjusted = holm([row.p for row in rows])
    return tuple(replace(row, p_holm=p) for row, p in zip(rows, adjusted, strict=True))
