"""Training needs gathered from two sources and counted by service type or territory.

A need is mentioned either by a transcript passage coded with a code marked as a training need (the need is
the code's name), or by an answer to a needs-analysis form (the need is the chosen option's label; a
select_multiple answer mentions each option chosen). Each mention carries the service type and the territory
it comes from, so the plan can see which services and which Ambiti ask for what.

Counts from forms describe what operators answered: a small count in a small Ambito could point at one
person, so counts from 1 to `threshold - 1` are shown as suppressed. The tables publish no totals across
needs (one answer may name several), so a suppressed cell cannot be worked out by difference.
"""

from collections import Counter
from dataclasses import dataclass, field

UNKNOWN = "—"


@dataclass(frozen=True)
class NeedMention:
    need: str
    service_type: str = ""
    territory: str = ""
    quote: str = ""  # the coded words, for transcripts


@dataclass(frozen=True)
class NeedsTable:
    """Needs (rows, most mentioned first) by groups (columns); None marks a suppressed count."""

    needs: tuple[str, ...]
    groups: tuple[str, ...]
    counts: dict[tuple[str, str], int | None]
    totals: dict[str, int | None]
    quotes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def count(self, need: str, group: str) -> int | None:
        return self.counts.get((need, group), 0)


def needs_table(mentions: list[NeedMention], by: str, threshold: int = 1, quotes: int = 3) -> NeedsTable:
    """Count mentions of each need by `by` ("service_type" or "territory"), suppressing counts under
    `threshold` (1 suppresses nothing); keeps up to `quotes` quotes per need."""
    if by not in ("service_type", "territory"):
        raise ValueError(f"unknown grouping: {by}")
    cells: Counter[tuple[str, str]] = Counter()
    totals: Counter[str] = Counter()
    kept: dict[str, list[str]] = {}
    for mention in mentions:
        group = getattr(mention, by) or UNKNOWN
        cells[(mention.need, group)] += 1
        totals[mention.need] += 1
        if mention.quote and len(kept.setdefault(mention.need, [])) < quotes:
            kept[mention.need].append(mention.quote)
    needs = tuple(sorted(totals, key=lambda need: (-totals[need], need.casefold())))
    groups = tuple(sorted({group for _need, group in cells}, key=lambda g: (g == UNKNOWN, g.casefold())))
    return NeedsTable(
        needs=needs,
        groups=groups,
        counts={key: _shown(value, threshold) for key, value in cells.items()},
        totals={need: _shown(value, threshold) for need, value in totals.items()},
        quotes={need: tuple(found) for need, found in kept.items()},
    )


def _shown(count: int, threshold: int) -> int | None:
    return None if 0 < count < threshold else count
