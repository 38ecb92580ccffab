"""The territory of statistics: an org unit's province, Ambito and comune, the units of a level, populations.

The org-unit tree comes in as plain rows (`Unit`, with the materialised path "/<root>/<child>/.../<own>/"),
so this module works without a database. A row of statistics carries the org unit it belongs to; its codes
at each level are those of the unit and its ancestors:

    index = TerritoryIndex(units)
    record |= index.codes(row.org_unit_id, comune="075035")   # {"provincia": "075", "ambito": "LE-01", ...}
    by = index.breakdown("ambito", within=scope_paths)        # a ByTerritory: province → Ambito

Levels. "provincia" is a breakdown by province; "ambito" has province subtotals; "comune" has province
subtotals too, not Ambito ones, because a comune may lie directly under its province, outside any Ambito.
A record whose unit sits above the level asked for (a case held by a province, in a table by Ambito) is
counted under MISSING.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from analysis.aggregate import ByTerritory

LEVELS = ("provincia", "ambito", "comune")
KINDS = {"provincia": "province", "ambito": "ambito", "comune": "comune"}
HIERARCHY = {
    "provincia": ("provincia",),
    "ambito": ("provincia", "ambito"),
    "comune": ("provincia", "comune"),
}

Figures = Mapping[tuple[str, str], int]  # (sex, age band) -> residents; "" for "every sex" or "every band"


@dataclass(frozen=True)
class Unit:
    """An org unit as statistics see it."""

    id: int
    code: str
    name: str
    kind: str
    path: str

    @cached_property
    def lineage(self) -> tuple[int, ...]:
        """The ids from the root of the tree down to the unit itself."""
        return tuple(int(part) for part in self.path.strip("/").split("/") if part)


class TerritoryIndex:
    """The org-unit tree, to read each unit's codes at the levels of statistics."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self._by_id = {unit.id: unit for unit in units}
        self._by_code = {unit.code: unit for unit in self._by_id.values()}
        self._codes: dict[tuple[int | None, str | None], dict[str, str]] = {}

    def codes(self, unit_id: int | None, comune: str | None = None) -> dict[str, str]:
        """The codes of the unit's province, Ambito and comune (those it has, itself included).

        comune: a comune's code recorded beside the unit (a case's comune of residence), used when the unit
        sits above the comune level and the comune lies inside it.
        """
        key = (unit_id, comune)
        found = self._codes.get(key)
        if found is None:
            found = self._codes[key] = self._read_codes(unit_id, comune)
        return found

    def _read_codes(self, unit_id: int | None, comune: str | None) -> dict[str, str]:
        unit = self._by_id.get(unit_id) if unit_id is not None else None
        if unit is None:
            return {}
        found: dict[str, str] = {}
        for ancestor in self._ancestors(unit):
            for level, kind in KINDS.items():
                if ancestor.kind == kind and level not in found:
                    found[level] = ancestor.code
        if "comune" not in found and comune:
            resident = self._by_code.get(comune)
            if resident is not None and resident.kind == KINDS["comune"] and unit.id in resident.lineage:
                found["comune"] = resident.code
        return found

    def _ancestors(self, unit: Unit) -> list[Unit]:
        """The unit and the units above it, nearest first."""
        return [self._by_id[i] for i in reversed(unit.lineage) if i in self._by_id]

    def units_at(self, level: str, within: Sequence[str] | None = None) -> list[dict[str, str]]:
        """The codes of every unit of the level inside the subtrees `within` (paths; None: everywhere)."""
        kind = KINDS[level]
        levels = HIERARCHY[level]
        found = []
        for unit in self._by_id.values():
            if unit.kind != kind or not _inside(unit.path, within):
                continue
            codes = self.codes(unit.id)
            if all(name in codes for name in levels):
                found.append({name: codes[name] for name in levels})
        return sorted(found, key=lambda codes: [self.name(codes[name]) for name in levels])

    def breakdown(self, level: str, within: Sequence[str] | None = None) -> ByTerritory:
        """A breakdown by the units of a level, with their zeros, subtotals by province (see the module)."""
        return ByTerritory(HIERARCHY[level], self.units_at(level, within), name=level)

    def name(self, code: str) -> str:
        unit = self._by_code.get(code)
        return unit.name if unit is not None else code

    def names(self) -> dict[str, str]:
        """Every unit's name by its code."""
        return {code: unit.name for code, unit in self._by_code.items()}

    def unit_figures(self, codes: Iterable[str], figures: Mapping[int, Figures]) -> dict[str, Figures]:
        """The population figures of each unit: its own, else the sum of its comuni's when every comune
        under it has some. Units with neither are left out."""
        found: dict[str, Figures] = {}
        for code in codes:
            unit = self._by_code.get(code)
            if unit is None:
                continue
            if unit.id in figures:
                found[code] = figures[unit.id]
                continue
            comuni = [
                other
                for other in self._by_id.values()
                if other.kind == KINDS["comune"] and unit.id in other.lineage and other.id != unit.id
            ]
            if comuni and all(comune.id in figures for comune in comuni):
                total: dict[tuple[str, str], int] = {}
                for comune in comuni:
                    for key, count in figures[comune.id].items():
                        total[key] = total.get(key, 0) + count
                found[code] = total
        return found


def _inside(path: str, within: Sequence[str] | None) -> bool:
    return within is None or any(path.startswith(prefix) for prefix in within)


def figure(rows: Figures, sex: str = "", band: str = "") -> int | None:
    """Residents of one sex ("" for all) and age band ("" for all minors) from a unit's figures.

    A row that matches exactly wins; otherwise the finest rows that make it up are added: those by sex and
    band, else by sex alone (for a sex, all bands), else by band alone. None when no rows make it up.
    """
    if (sex, band) in rows:
        return rows[sex, band]
    for finest in ((True, True), (True, False), (False, True)):
        parts = [
            count
            for (row_sex, row_band), count in rows.items()
            if (bool(row_sex), bool(row_band)) == finest
            and (row_sex == sex or (not sex and row_sex))
            and (row_band == band or (not band and row_band))
        ]
        if parts:
            return sum(parts)
    return None


def population_figures(
    units: Mapping[str, Figures], sexes: Sequence[str] | None = None, bands: Sequence[str] | None = None
) -> dict[tuple[str, ...], int]:
    """Residents of each unit (and sex, and age band, when given), keyed as `population_table` wants them.

    A sex or band is kept only where every unit has its figure, so that totals over units add up the same
    residents everywhere; one missing somewhere is left out, and its rates are undefined.
    """
    found: dict[tuple[str, ...], int] = {}
    for sex in sexes or [""]:
        for band in bands or [""]:
            counts = {code: figure(rows, sex, band) for code, rows in units.items()}
            if any(count is None for count in counts.values()):
                continue
            for code, count in counts.items():
                found[(code, *([sex] if sexes else []), *([band] if bands else []))] = count or 0
    return found
