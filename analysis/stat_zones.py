"""Zones of the territory: the areas of HUMUS Attività 4.1/4.2, the six provinces of Puglia and Bari city.

A zone is a province, less the cities carved out of it as zones of their own. `cities` maps the code of an
org unit to the name of its zone; by default the comune of Bari (ISTAT 072006) is "Bari città", so the zone
"072" is the province of Bari without the city and the zone "072006" is the city. Nothing is stored: the
zone of a unit is read from the org-unit tree, in this order:

1. the city zone of the unit itself or of the nearest unit above it that `cities` lists (a service of the
   comune of Bari is in Bari città);
2. else the city zone that holds every comune below the unit (an Ambito that is the city and nothing else);
3. else the zone of its province (any other comune or Ambito, and the province itself);
4. else no zone (the region, a unit outside any province).

A zone's code is its province's or its city's, so tables by zone join to ISTAT codes. `cities` can name
more than one city, in any province, or none (then the zones are the provinces).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analysis.stat_territory import Unit

DEFAULT_CITIES: dict[str, str] = {"072006": "Bari città"}
PROVINCE = "province"
COMUNE = "comune"


class Zones:
    """The zone of every org unit of a tree (see the module)."""

    def __init__(self, units: Mapping[int, Unit], cities: Mapping[str, str] | None = None) -> None:
        self._units = units
        self._cities = dict(DEFAULT_CITIES if cities is None else cities)
        self._by_code = {unit.code: unit for unit in units.values()}
        self._zone: dict[int, str | None] = {}
        below: dict[int, set[str | None]] = {}  # unit id -> the city zones (or None) of the comuni below it
        for unit in units.values():
            if unit.kind == COMUNE:
                city = self._city(unit)
                for above in unit.lineage:
                    below.setdefault(above, set()).add(city)
        for unit in units.values():
            self._zone[unit.id] = self._read(unit, below.get(unit.id, set()))

    def _city(self, unit: Unit) -> str | None:
        """Rule 1: the nearest unit at or above this one that is a city zone."""
        for unit_id in reversed(unit.lineage):
            above = self._units.get(unit_id)
            if above is not None and above.code in self._cities:
                return above.code
        return None

    def _read(self, unit: Unit, comuni: set[str | None]) -> str | None:
        city = self._city(unit)
        if city is not None:
            return city
        if unit.kind != PROVINCE and len(comuni) == 1 and None not in comuni:
            return next(iter(comuni))
        for unit_id in reversed(unit.lineage):
            above = self._units.get(unit_id)
            if above is not None and above.kind == PROVINCE:
                return above.code
        return None

    def of(self, unit_id: int | None) -> str | None:
        """The code of the unit's zone; None for a unit in no zone, or unknown."""
        return self._zone.get(unit_id) if unit_id is not None else None

    def of_code(self, code: str) -> str | None:
        unit = self._by_code.get(code)
        return self._zone.get(unit.id) if unit is not None else None

    def is_city(self, code: str) -> bool:
        return code in self._cities

    def name(self, code: str) -> str:
        """A city zone's configured name, else its province's name."""
        if code in self._cities:
            return self._cities[code] or self._unit_name(code)
        return self._unit_name(code)

    def carved(self, code: str) -> bool:
        """Whether the zone is a province with a city zone carved out of it (so not the whole province)."""
        if code in self._cities:
            return False
        return any(self._province_of(city) == code for city in self._cities if city in self._by_code)

    def within(self, paths: Sequence[str] | None) -> list[str]:
        """The codes of the zones of the units inside the subtrees `paths` (None: everywhere), by name."""
        found = {
            zone
            for unit in self._units.values()
            if (zone := self._zone[unit.id]) is not None
            and (paths is None or any(unit.path.startswith(path) for path in paths))
        }
        return sorted(found, key=lambda code: (self.name(code), code))

    def comuni(self, code: str) -> list[Unit]:
        """The comuni of a zone."""
        return [unit for unit in self._units.values() if unit.kind == COMUNE and self._zone[unit.id] == code]

    def cities_of(self, code: str) -> list[str]:
        """The city zones carved out of a province zone."""
        return [city for city in self._cities if city in self._by_code and self._province_of(city) == code]

    def _province_of(self, code: str) -> str | None:
        unit = self._by_code[code]
        for unit_id in reversed(unit.lineage):
            above = self._units.get(unit_id)
            if above is not None and above.kind == PROVINCE:
                return above.code
        return None

    def _unit_name(self, code: str) -> str:
        unit = self._by_code.get(code)
        return unit.name if unit is not None else code
