"""Pre/post evaluation questionnaires: what they measure, each one's scores, and their pairing by person.

An instrument lists the knowledge items (scored by the form's own points calculation, else by an answer
key) and the Likert items of the self-efficacy scale (some reverse-keyed). Scoring rules:

- knowledge: the sum of the item points; an unanswered item scores 0, like a wrong answer, as long as the
  person answered at least one item (a questionnaire with no knowledge answer has no knowledge score);
- self-efficacy: the mean of the keyed answers (reverse-keyed items as min + max − x) when at least
  `min_answered` of the items were answered (75% by default), otherwise no score.

Pairing: each questionnaire belongs to (edition code, participant code, phase); when someone sent the same
phase twice the latest submission wins and the others are counted as superseded. A pre without a post is
attrition; a post without a pre is counted on its own.
"""

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from analysis.training import TrainingDataError, tier_for_years

PRE, POST = "pre", "post"
KNOWLEDGE, EFFICACY = "knowledge", "efficacy"
DEFAULT_MIN_ANSWERED = 0.75
REVERSE_SUFFIXES = ("_r", "_inv", "_rev")  # item names that say the item is reverse-keyed
UNKNOWN_TIER = "unknown"

Path = tuple[str, ...]


@dataclass(frozen=True)
class KnowledgeItem:
    """A question with one right answer: `points` is the form's 0/1 calculation, `key` the right choice."""

    name: str
    path: Path
    label: str = ""
    points: Path | None = None
    key: str | None = None


@dataclass(frozen=True)
class LikertItem:
    name: str
    path: Path
    label: str = ""
    reverse: bool = False


@dataclass(frozen=True)
class Instrument:
    """What an evaluation questionnaire measures, and where its identifying fields are."""

    knowledge: tuple[KnowledgeItem, ...] = ()
    likert: tuple[LikertItem, ...] = ()
    scale_min: float = 1
    scale_max: float = 5
    min_answered: float = DEFAULT_MIN_ANSWERED
    course: Path = ("codice_corso",)
    phase: Path = ("fase",)
    participant: Path = ("codice_operatore",)
    years: Path = ("anni_servizio",)
    tier: Path = ("fascia_anzianita",)

    @property
    def knowledge_max(self) -> float:
        return float(len(self.knowledge))

    def with_reversed(self, names: Iterable[str]) -> "Instrument":
        """The same instrument with exactly the Likert items named in `names` reverse-keyed."""
        wanted = set(names)
        return replace(self, likert=tuple(replace(i, reverse=i.name in wanted) for i in self.likert))


@dataclass(frozen=True)
class Questionnaire:
    """One stored submission of the evaluation form, as plain data."""

    submission_id: int
    submitted_at: datetime
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Scored:
    """A questionnaire's identity and scores; item tuples follow the instrument's order (None: unanswered)."""

    submission_id: int
    submitted_at: datetime
    edition: str
    participant: str
    phase: str
    years: int | None
    tier: str | None  # as the form computed it
    knowledge: float | None
    knowledge_items: tuple[int | None, ...]
    efficacy: float | None
    efficacy_items: tuple[float | None, ...]  # keyed: reverse-keyed items already turned round

    def score(self, measure: str) -> float | None:
        return self.knowledge if measure == KNOWLEDGE else self.efficacy


@dataclass(frozen=True)
class Pair:
    edition: str
    participant: str
    tier: str
    pre: Scored
    post: Scored


@dataclass(frozen=True)
class Pairing:
    """Complete pairs, the unpaired questionnaires with their tier, and what was left out and why."""

    pairs: tuple[Pair, ...]
    pre_only: tuple[tuple[Scored, str], ...]  # attrition: a pre and no post
    post_only: tuple[tuple[Scored, str], ...]
    superseded: int  # older duplicates of the same person, edition and phase
    unusable: int  # no participant code, or a phase that is neither pre nor post
    editions: tuple[str, ...] = field(default=())


def value_at(data: Mapping[str, Any], path: Path) -> Any:
    """The answer at a field path in a submission's nested JSON, None when absent."""
    node: Any = data
    for key in path:
        # dict first: submissions come from JSON, and the abstract Mapping check is ten times slower.
        if node.__class__ is not dict and not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def number(value: Any) -> float | None:
    """A stored answer as a number (answers and calculations are often stored as text), None if it is none."""
    if value is None or value.__class__ is bool:
        return None
    if value.__class__ is str:
        try:
            parsed = float(value.strip().replace(",", "."))
        except ValueError:
            return None
        return parsed if math.isfinite(parsed) else None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    return None


def normalized_code(value: Any) -> str:
    """A participant or course code as typed, without spaces and in capitals: 'ma0734 ' pairs 'MA0734'."""
    return "".join(str(value or "").split()).upper()


def score(questionnaire: Questionnaire, instrument: Instrument) -> Scored:
    """The identity and the knowledge and self-efficacy scores of one questionnaire."""
    data = questionnaire.data
    points = tuple(_points(data, item) for item in instrument.knowledge)
    keyed = tuple(_keyed(data, item, instrument) for item in instrument.likert)
    answered = [p for p in points if p is not None]
    knowledge = float(sum(answered)) if answered else None
    years = number(value_at(data, instrument.years))
    tier = value_at(data, instrument.tier)
    return Scored(
        submission_id=questionnaire.submission_id,
        submitted_at=questionnaire.submitted_at,
        edition=normalized_code(value_at(data, instrument.course)),
        participant=normalized_code(value_at(data, instrument.participant)),
        phase=str(value_at(data, instrument.phase) or "").strip().lower(),
        years=int(years) if years is not None and years >= 0 and years == int(years) else None,
        tier=str(tier) if tier else None,
        knowledge=knowledge,
        knowledge_items=points,
        efficacy=_scale_mean(keyed, instrument.min_answered),
        efficacy_items=keyed,
    )


def _points(data: Mapping[str, Any], item: KnowledgeItem) -> int | None:
    """1 for a right answer, 0 for a wrong one, None when unanswered: the form's points, else the key."""
    answer = value_at(data, item.path)
    if answer is None or answer == "":
        return None
    if item.points is not None:
        points = value_at(data, item.points)
        if points == "1" or points == "0":  # how the form's calculation is stored: no parsing needed
            return int(points)
        points = number(points)
        if points is not None:
            return 1 if points > 0 else 0
    if item.key is not None:
        return 1 if str(answer) == item.key else 0
    return None


def _keyed(data: Mapping[str, Any], item: LikertItem, instrument: Instrument) -> float | None:
    value = number(value_at(data, item.path))
    if value is None or not instrument.scale_min <= value <= instrument.scale_max:
        return None
    return instrument.scale_min + instrument.scale_max - value if item.reverse else value


def _scale_mean(values: Sequence[float | None], min_answered: float) -> float | None:
    answered = [v for v in values if v is not None]
    if not values or not answered or len(answered) < min_answered * len(values) - 1e-9:
        return None
    return sum(answered) / len(answered)


def pair_questionnaires(
    questionnaires: Iterable[Questionnaire],
    instrument: Instrument,
    enrolled_tiers: Mapping[tuple[str, str], str] | None = None,
) -> Pairing:
    """Score every questionnaire, keep the latest per person, edition and phase, and pair pre with post.

    A person's tier is their enrolment's (`enrolled_tiers`, keyed by edition and participant code), else
    the one their years of service give on the pre questionnaire (else the post), else the form's own
    `fascia_anzianita`, else "unknown".
    """
    tiers = {(normalized_code(e), normalized_code(p)): t for (e, p), t in (enrolled_tiers or {}).items()}
    latest: dict[tuple[str, str, str], Scored] = {}
    superseded = unusable = 0
    for questionnaire in questionnaires:
        scored = score(questionnaire, instrument)
        if not scored.participant or scored.phase not in (PRE, POST):
            unusable += 1
            continue
        key = (scored.edition, scored.participant, scored.phase)
        kept = latest.get(key)
        if kept is not None:
            superseded += 1
            if (kept.submitted_at, kept.submission_id) > (scored.submitted_at, scored.submission_id):
                continue
        latest[key] = scored
    return _paired(latest, tiers, superseded, unusable)


def _paired(
    latest: Mapping[tuple[str, str, str], Scored],
    tiers: Mapping[tuple[str, str], str],
    superseded: int,
    unusable: int,
) -> Pairing:
    people = sorted({(edition, participant) for edition, participant, _ in latest})
    pairs, pre_only, post_only = [], [], []
    for edition, participant in people:
        pre, post = latest.get((edition, participant, PRE)), latest.get((edition, participant, POST))
        tier = tiers.get((edition, participant)) or _tier_from(pre, post)
        if pre is not None and post is not None:
            pairs.append(Pair(edition, participant, tier, pre, post))
        elif pre is not None:
            pre_only.append((pre, tier))
        elif post is not None:
            post_only.append((post, tier))
    editions = tuple(sorted({edition for edition, _ in people}))
    return Pairing(tuple(pairs), tuple(pre_only), tuple(post_only), superseded, unusable, editions)


def _tier_from(*questionnaires: Scored | None) -> str:
    for scored in questionnaires:
        if scored is not None and scored.years is not None:
            try:
                return tier_for_years(scored.years)
            except TrainingDataError:
                continue
    for scored in questionnaires:
        if scored is not None and scored.tier:
            return scored.tier
    return UNKNOWN_TIER


def default_reversed(names: Iterable[str]) -> tuple[str, ...]:
    """The item names that say they are reverse-keyed (ending in _r, _inv or _rev)."""
    return tuple(n for n in names if n.lower().endswith(REVERSE_SUFFIXES))


_KEY_CALCULATION = re.compile(r"^\s*if\(\s*(\S+)\s*=\s*'([^']*)'\s*,\s*1\s*,\s*0\s*\)\s*$")


def answer_key(calculation: str | None, question_path: str) -> str | None:
    """The right choice of a points calculation `if(${q} = 'b', 1, 0)` about `question_path`, else None."""
    found = _KEY_CALCULATION.match(calculation or "")
    if found is None or found.group(1) != question_path:
        return None
    return found.group(2)
