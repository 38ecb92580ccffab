"""The training plan's rules: the seniority tier from years of service and the attendance completion rule."""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from analysis.errors import AnalysisError

START_UP = "start_up"  # under 3 years of service
MIGLIORAMENTO = "miglioramento"  # 3 to 10 years
AGGIORNAMENTO = "aggiornamento"  # over 10 years
TIERS = (START_UP, MIGLIORAMENTO, AGGIORNAMENTO)
DEFAULT_COMPLETION_SHARE = 0.7
# Hours are entered in halves and quarters: a register that adds up to exactly 70% must count as 70%,
# not as 69.99999999999999% because 0.1 + 0.2 is not 0.3 in floating point.
_TOLERANCE = 1e-9


class TrainingDataError(AnalysisError):
    """Years, hours or shares the training rules cannot work with, told in Italian then English."""

    def __init__(self, italian: str, english: str) -> None:
        super().__init__(f"{italian} / {english}")
        self.italian = italian
        self.english = english

    def message(self, lang: str = "it") -> str:
        return self.italian if lang.startswith("it") else self.english


def tier_for_years(years: int) -> str:
    """The tier of a participant: start_up under 3 years, miglioramento from 3 to 10, aggiornamento over 10.

    The same rule as the evaluation form's `fascia_anzianita` calculation, so the enrolment and the
    questionnaire put a person in the same tier.
    """
    if isinstance(years, bool) or not isinstance(years, int) or years < 0:
        raise TrainingDataError(
            f"Gli anni di servizio devono essere un numero intero non negativo (ho {years!r}).",
            f"Years of service must be a whole number, zero or more (got {years!r}).",
        )
    if years < 3:
        return START_UP
    if years <= 10:
        return MIGLIORAMENTO
    return AGGIORNAMENTO


def check_share(share: float) -> float:
    """A completion share above 0 and at most 1 (0.7 means 70% of the hours)."""
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
        raise TrainingDataError(
            f"La quota di frequenza deve essere maggiore di 0 e al massimo 1 (ho {share!r}).",
            f"The attendance share must be above 0 and at most 1 (got {share!r}).",
        )
    return float(share)


def check_hours(hours: float, limit: float | None = None) -> float:
    """Hours attended or scheduled: a finite number, zero or more, and at most `limit` when given."""
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not math.isfinite(hours) or hours < 0:
        raise TrainingDataError(
            f"Le ore devono essere un numero non negativo (ho {hours!r}).",
            f"Hours must be a number, zero or more (got {hours!r}).",
        )
    if limit is not None and hours > limit + _TOLERANCE:
        raise TrainingDataError(
            f"Le ore frequentate ({hours:g}) superano la durata dell'incontro ({limit:g}).",
            f"The hours attended ({hours:g}) exceed the session's length ({limit:g}).",
        )
    return float(hours)


def has_completed(attended: float, total: float, share: float = DEFAULT_COMPLETION_SHARE) -> bool:
    """Whether `attended` hours reach `share` of the `total` hours; nobody completes an edition of 0 hours."""
    share = check_share(share)
    if check_hours(total) == 0:
        return False
    return check_hours(attended) + _TOLERANCE >= share * total


@dataclass(frozen=True)
class Completion:
    """One participant's attendance over an edition."""

    participant: str
    attended: float
    total: float
    completed: bool

    @property
    def share(self) -> float | None:
        """The share of the hours attended, None for an edition without hours."""
        return self.attended / self.total if self.total else None


def completions(
    participants: Iterable[str],
    session_hours: Mapping[int, float],
    attended: Mapping[tuple[str, int], float],
    share: float = DEFAULT_COMPLETION_SHARE,
) -> list[Completion]:
    """Each participant's hours over the sessions (keyed by session id) and whether they completed.

    `attended` maps (participant, session id) to the hours attended; a session nobody recorded counts 0.
    """
    total = sum(check_hours(hours) for hours in session_hours.values())
    rows = []
    for participant in participants:
        hours = sum(
            check_hours(attended.get((participant, session), 0.0), limit)
            for session, limit in session_hours.items()
        )
        rows.append(Completion(participant, hours, total, has_completed(hours, total, share)))
    return rows
