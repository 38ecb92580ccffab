"""Geographic functions of the ODK library: area() and distance(), with JavaRosa's formulas."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from forms.xpath.registry import function
from forms.xpath.values import Value, flatten, to_string

if TYPE_CHECKING:
    from forms.xpath.evaluator import Scope

EARTH_RADIUS = 6_378_100.0  # metres at the equator, as JavaRosa
_CIRCUMFERENCE = 2 * math.pi * EARTH_RADIUS

LatLong = tuple[float, float]


def _point(text: str) -> LatLong | None:
    """'lat lon [altitude accuracy]' as a pair, or None when it is not a geopoint."""
    parts = text.split()
    try:
        latitude, longitude = float(parts[0]), float(parts[1])
    except (IndexError, ValueError):
        return None
    ok = math.isfinite(latitude) and math.isfinite(longitude)
    return (latitude, longitude) if ok and abs(latitude) <= 90 and abs(longitude) <= 180 else None


def _points(values: tuple[Value, ...]) -> list[LatLong] | None:
    """A geoshape or geotrace ('p; p; p'), or several geopoints (a repeat's nodes, or arguments)."""
    items = [to_string(item) for item in flatten(values)]
    texts = items[0].split(";") if len(items) == 1 else items
    points = [_point(text.strip()) for text in texts if text.strip()]
    return None if any(point is None for point in points) else points  # type: ignore[return-value]


@function("enclosed-area", 1)  # JavaRosa's older name, still in circulating forms
@function("area", 1)
def area(scope: Scope, shape: Value) -> float:
    """Enclosed area in square metres on a sphere, by JavaRosa's fan of triangles; NaN for bad input."""
    points = _points((shape,))
    if points is None:
        return math.nan
    if len(points) < 3:
        return 0.0
    (lat0, lon0), rest = points[0], points[1:]
    ys = [(lat - lat0) * _CIRCUMFERENCE / 360 for lat, _ in rest]
    xs = [(lon - lon0) * _CIRCUMFERENCE * math.cos(math.radians(lat)) / 360 for lat, lon in rest]
    doubled = sum(ys[i - 1] * xs[i] - xs[i - 1] * ys[i] for i in range(1, len(rest)))
    return abs(doubled / 2)


@function("distance", 1, None)
def distance(scope: Scope, *shape: Value) -> float:
    """Length in metres of the path through the points, by the spherical law of cosines."""
    points = _points(shape)
    if points is None:
        return math.nan
    return sum(_between(points[i - 1], points[i]) for i in range(1, len(points)))


def _between(start: LatLong, end: LatLong) -> float:
    (lat1, lon1), (lat2, lon2) = (map(math.radians, point) for point in (start, end))
    cosine = math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(lon1 - lon2)
    return math.acos(max(-1.0, min(1.0, cosine))) * EARTH_RADIUS
