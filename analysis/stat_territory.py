"""The territory of statistics: an org unit's region, province, zone, Ambito and comune, units of a level.

The org-unit tree comes in as plain rows (`Unit`, with the materialised path "/<root>/<child>/.../<own>/"),
so this module works without a database. A row of statistics carries the org unit it belongs to; its codes
at each level are those of the unit and its ancestors, and its zone (analysis.stat_zones):

    index = TerritoryIndex(units)
    record |= index.codes(row.org_unit_id, comune="075035")   # {"provincia": "075", "zona": "075", ...}
    by = index.breakdown("ambito", within=scope_paths)        # a ByTerritory: province → Ambito

Levels. "regione", "provincia" and "zona" are flat breakdowns (the total is the whole network); "ambito"
has province subtotals; "comune" has province subtotals too, not Ambito ones, because a comune may lie
directly under its province, outside any Ambito. A record whose unit sits above the level asked for (a case
held by a province, in a table by Ambito) is counted under MISSING.

An `Area` narrows a table to one unit or zone: the records whose codes hold it, and the units inside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from analysis.aggregate import ByTerritory
from analysis.stat_zones import Zones

LEVELS = ("regione", "provincia", "zona", "ambito", "comune")
ZONE = "zona"
KINDS = {"regione": "region", "provincia": "province", "ambito": "ambito", "comune": "comune"}
HIERARCHY = {
    "regione": ("regione",),
    "provincia": ("provincia",),
    "zona": ("zona",),
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


@dataclass(frozen=True)
class Area:
    """A unit or a zone a table is narrowed to: its level and code, and (for a unit) its path."""

    level: str
    code: str
    path: str | None = None

    def holds(self, codes: Mapping[str, object]) -> bool:
        return codes.get(self.level) == self.code


class TerritoryIndex:
    """The org-unit tree, to read each unit's codes at the levels of statistics.

    cities: the units that are zones of their own, code -> name (analysis.stat_zones; None: Bari città).
    """

    def __init__(self, units: Iterable[Unit], cities: Mapping[str, str] | None = None) -> None:
        self._by_id = {unit.id: unit for unit in units}
        self._by_code = {unit.code: unit for unit in self._by_id.values()}
        self._codes: dict[tuple[int | None, str | None], dict[str, str]] = {}
        self.zones = Zones(self._by_id, cities)

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
        zone = self.zones.of(unit.id)
        if "comune" not in found and comune:
            resident = self._by_code.get(comune)
            if resident is not None and resident.kind == KINDS["comune"] and unit.id in resident.lineage:
                found["comune"] = resident.code
                zone = self.zones.of(resident.id)
        if zone is not None:
            found[ZONE] = zone
        return found

    def _ancestors(self, unit: Unit) -> list[Unit]:
        """The unit and the units above it, nearest first."""
        return [self._by_id[i] for i in reversed(unit.lineage) if i in self._by_id]

    def units_at(
        self, level: str, within: Sequence[str] | None = None, area: Area | None = None
    ) -> list[dict[str, str]]:
        """The codes of every unit (or zone) of the level inside the subtrees `within` (paths; None:
        everywhere) and inside the area, if any."""
        if level == ZONE:
            zones = self.zones.within([area.path] if area is not None and area.path else within)
            return [{ZONE: code} for code in zones if area is None or area.level != ZONE or area.code == code]
        kind = KINDS[level]
        levels = HIERARCHY[level]
        found = []
        for unit in self._by_id.values():
            if unit.kind != kind or not _inside(unit.path, within):
                continue
            codes = self.codes(unit.id)
            if all(name in codes for name in levels) and (area is None or area.holds(codes)):
                found.append({name: codes[name] for name in levels})
        return sorted(found, key=lambda codes: [self.name(codes[name]) for name in levels])

    def breakdown(
        self, level: str, within: Sequence[str] | None = None, area: Area | None = None
    ) -> ByTerritory:
        """A breakdown by the units of a level, with their zeros, subtotals by province (see the module)."""
        return ByTerritory(HIERARCHY[level], self.units_at(level, within, area), name=level)

    def area(self, code: str) -> Area | None:
        """The area a code names: a region, province, Ambito or comune by its code, a zone as "zona:<code>";
        None for an unknown code or a unit of another kind (an agency, a service)."""
        if code.startswith(f"{ZONE}:"):
            zone = code.removeprefix(f"{ZONE}:")
            return Area(ZONE, zone) if zone in self.zones.within(None) else None
        unit = self._by_code.get(code)
        level = next((name for name, kind in KINDS.items() if unit is not None and unit.kind == kind), None)
        return Area(level, unit.code, unit.path) if unit is not None and level is not None else None

    def name(self, code: str, level: str | None = None) -> str:
        """A unit's name by its code; with level "zona", the zone's name."""
        if level == ZONE:
            return self.zones.name(code)
        unit = self._by_code.get(code)
        return unit.name if unit is not None else code

    def names(self) -> dict[str, str]:
        """Every unit's name by its code."""
        return {code: unit.name for code, unit in self._by_code.items()}

    def unit_figures(
        self, codes: Iterable[str], figures: Mapping[int, Figures], level: str | None = None
    ) -> dict[str, Figures]:
        """The population figures of each unit: its own, else the sum of its comuni's when every comune
        under it has some. Units with neither are left out. With level "zona", of each zone: the sum of
        its comuni's, else (a province zone) the province's less its cities'."""
        found: dict[str, Figures] = {}
        for code in codes:
            rows = self._zone_figures(code, figures) if level == ZONE else self._unit_figures(code, figures)
            if rows is not None:
                found[code] = rows
        return found

    def _unit_figures(self, code: str, figures: Mapping[int, Figures]) -> Figures | None:
        unit = self._by_code.get(code)
        if unit is None:
            return None
        if unit.id in figures:
            return figures[unit.id]
        comuni = [
            other
            for other in self._by_id.values()
            if other.kind == KINDS["comune"] and unit.id in other.lineage and other.id != unit.id
        ]
        return _sum(figures[comune.id] for comune in comuni) if _all_in(comuni, figures) else None

    def _zone_figures(self, code: str, figures: Mapping[int, Figures]) -> Figures | None:
        comuni = self.zones.comuni(code)
        if _all_in(comuni, figures):
            return _sum(figures[comune.id] for comune in comuni)
        if self.zones.is_city(code):
            return self._unit_figures(code, figures)
        province = self._unit_figures(code, figures)
        cities = [self._unit_figures(city, figures) for city in self.zones.cities_of(code)]
        if province is None or any(city is None for city in cities):
            return None
        keys = set(province).intersection(*(set(city or {}) for city in cities))
        return {key: province[key] - sum((city or {})[key] for city in cities) for key in keys} or None


def _all_in(units: Sequence[Unit], figures: Mapping[int, Figures]) -> bool:
    return bool(units) and all(unit.id in figures for unit in units)


def _sum(rows: Iterable[Figures]) -> dict[tuple[str, str], int]:
    total: dict[tuple[str, str], int] = {}
    for found in rows:
        for key, count in found.items():
            total[key] = total.get(key, 0) + count
    return total


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
