"""Family vouchers: who is eligible, how a voucher moves from assigned to spent or expired, what may be spent.

A voucher is assigned to a case or a household; spending from it puts it in use, and spending its whole
amount makes it spent. Nobody spends from a spent or expired voucher, nor more than its amount. A voucher
past its expiry date that was not spent counts as expired from the day after, whatever status was last
recorded, so reports as of any date agree with the rule without a nightly job.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from analysis.programme import ProgrammeError, euros

ASSIGNED, IN_USE, SPENT, EXPIRED = "assigned", "in_use", "spent", "expired"
STATUSES = (ASSIGNED, IN_USE, SPENT, EXPIRED)
LEVELS = ("base", "medium", "high")
FINAL = frozenset({SPENT, EXPIRED})
# The changes a person may make by hand; spending moves assigned -> in_use -> spent by itself.
TRANSITIONS = {
    ASSIGNED: frozenset({IN_USE, EXPIRED}),
    IN_USE: frozenset({SPENT, EXPIRED}),
    SPENT: frozenset(),
    EXPIRED: frozenset(),
}

IN_CARE, DISADVANTAGE, MINORS = "in_care", "disadvantage", "minors"
RULES = (IN_CARE, DISADVANTAGE, MINORS)
MAX_MINORS = 20


@dataclass(frozen=True)
class Facts:
    """What the person assigning a voucher checked about the household."""

    in_care: bool  # in the care of social services (always so for a case of the cartella sociale)
    isee: int | None  # the household's ISEE in euros, when known
    minors: int  # children under 18 in the household

    def as_dict(self) -> dict[str, object]:
        return {"in_care": self.in_care, "isee": self.isee, "minors": self.minors}


def check_facts(facts: Facts) -> Facts:
    if isinstance(facts.minors, bool) or not 0 <= facts.minors <= MAX_MINORS:
        raise ProgrammeError(
            f"Il numero di minori deve essere da 0 a {MAX_MINORS}.",
            f"The number of minors must be from 0 to {MAX_MINORS}.",
        )
    if facts.isee is not None and not 0 <= facts.isee <= 1_000_000:
        raise ProgrammeError(
            "L'ISEE deve essere un importo in euro da 0 a 1.000.000.",
            "The ISEE must be an amount in euros from 0 to 1,000,000.",
        )
    return facts


def eligibility_problems(rules: Iterable[str], facts: Facts, isee_max: int | None) -> list[ProgrammeError]:
    """Why a household does not meet a voucher type's rules; an empty list means it is eligible."""
    problems: list[ProgrammeError] = []
    wanted = set(rules)
    if IN_CARE in wanted and not facts.in_care:
        problems.append(
            ProgrammeError(
                "Il voucher è riservato ai nuclei in carico ai servizi sociali.",
                "The voucher is for households in the care of social services.",
            )
        )
    if DISADVANTAGE in wanted:
        problems.extend(_disadvantage(facts, isee_max))
    if MINORS in wanted and facts.minors < 1:
        problems.append(
            ProgrammeError(
                "Il voucher è riservato ai nuclei con almeno un figlio minore di 18 anni.",
                "The voucher is for households with at least one child under 18.",
            )
        )
    return problems


def _disadvantage(facts: Facts, isee_max: int | None) -> list[ProgrammeError]:
    if facts.isee is None:
        return [
            ProgrammeError(
                "Indicare l'ISEE del nucleo: il voucher richiede una condizione di svantaggio "
                "socio-economico.",
                "Give the household's ISEE: the voucher requires socio-economic disadvantage.",
            )
        ]
    if isee_max is not None and facts.isee > isee_max:
        return [
            ProgrammeError(
                f"ISEE di {facts.isee} euro oltre la soglia di {isee_max} euro del voucher.",
                f"An ISEE of {facts.isee} euros is above the voucher's threshold of {isee_max} euros.",
            )
        ]
    return []


def check_rules(rules: Iterable[str]) -> list[str]:
    """The rules in their canonical order; unknown ones are refused."""
    wanted = list(rules)
    unknown = [r for r in wanted if r not in RULES]
    if unknown:
        raise ProgrammeError(f"Regola sconosciuta: {unknown[0]!r}.", f"Unknown rule: {unknown[0]!r}.")
    return [r for r in RULES if r in wanted]


def expiry(assigned_on: date, months_valid: int | None) -> date | None:
    """The last day a voucher can be used: the same day `months_valid` months later, minus one."""
    if months_valid is None:
        return None
    month = assigned_on.month - 1 + months_valid
    year, month = assigned_on.year + month // 12, month % 12 + 1
    day = min(assigned_on.day, _days_in(year, month))
    return date(year, month, day) - timedelta(days=1)


def _days_in(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def effective_status(status: str, expires_on: date | None, today: date) -> str:
    """The status a voucher has today: an unspent voucher past its expiry date is expired."""
    if status not in FINAL and expires_on is not None and today > expires_on:
        return EXPIRED
    return status


def check_transition(current: str, wanted: str) -> str:
    """A change a person asks for by hand: assigned -> in use or expired, in use -> spent or expired."""
    if wanted not in TRANSITIONS.get(current, frozenset()):
        raise ProgrammeError(
            f"Un voucher nello stato «{current}» non può passare a «{wanted}».",
            f"A voucher that is '{current}' cannot become '{wanted}'.",
        )
    return wanted


@dataclass(frozen=True)
class Spending:
    on: date
    cents: int


def check_spending(
    status: str,
    amount_cents: int,
    spent: Sequence[Spending],
    new: Spending,
    assigned_on: date,
    expires_on: date | None,
    today: date,
) -> str:
    """Refuse a spending the voucher cannot take; return the status the voucher has after it."""
    if effective_status(status, expires_on, new.on) in FINAL or status in FINAL:
        raise ProgrammeError(
            "Non si può spendere da un voucher già speso o scaduto.",
            "Nothing can be spent from a voucher that is spent or expired.",
        )
    if new.on < assigned_on or new.on > today:
        raise ProgrammeError(
            f"La spesa ({new.on.isoformat()}) deve cadere tra l'assegnazione ({assigned_on.isoformat()}) "
            "e oggi.",
            f"The spending ({new.on.isoformat()}) must fall between the assignment "
            f"({assigned_on.isoformat()}) and today.",
        )
    total = sum(s.cents for s in spent) + new.cents
    if new.cents <= 0 or total > amount_cents:
        left = amount_cents - sum(s.cents for s in spent)
        raise ProgrammeError(
            f"La spesa supera il residuo del voucher: restano {euros(left)} euro.",
            f"The spending exceeds what is left on the voucher: {euros(left, '.')} euros left.",
        )
    return SPENT if total == amount_cents else IN_USE


@dataclass(frozen=True)
class Change:
    """A recorded status change: the status from `on`, recorded at `recorded_at`."""

    status: str
    on: date
    recorded_at: datetime


def status_as_of(
    changes: Iterable[Change], expires_on: date | None, as_of: date, recorded_before: datetime
) -> tuple[str, date] | None:
    """The status a voucher had on `as_of`, from the changes recorded before `recorded_before`.

    Returns (status, since) or None when the voucher was not yet assigned. An unspent voucher past its
    expiry is expired since the day after expiry.
    """
    known = [c for c in changes if c.recorded_at < recorded_before and c.on <= as_of]
    if not known:
        return None
    last = max(known, key=lambda c: (c.on, c.recorded_at))
    if last.status not in FINAL and expires_on is not None and as_of > expires_on:
        return EXPIRED, expires_on + timedelta(days=1)
    return last.status, last.on


def vouchers_left(quantity: int, statuses: Iterable[tuple[str, int]]) -> int:
    """How many vouchers of a type can still be assigned: (status, cents spent) of those given out.

    An expired voucher from which nothing was spent goes back to the pool; every other one is used up.
    """
    used = sum(1 for status, spent in statuses if not (status == EXPIRED and spent == 0))
    return quantity - used
