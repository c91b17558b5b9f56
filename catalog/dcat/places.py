"""Named coverages with coarse outlines: what the admin form offers and the demo catalog uses.

An outline is a few dozen points traced from a map (about 10 km off at worst), and each overseas
département is its bounding box: enough for a consumer to place a dataset on a map and for udata to count a
spatial coverage, far too coarse for geometry work. Rings run anticlockwise (RFC 7946, right-hand rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from catalog.dcat.geometry import box


@dataclass(frozen=True)
class Place:
    key: str
    label: str  # the `spatial_text` written with the geometry
    geometry: dict[str, Any]


def _box(west: float, south: float, east: float, north: float) -> list[list[list[float]]]:
    return box(west, south, east, north)["coordinates"]


# Mainland France, anticlockwise from Dunkerque: the Channel coast, Brittany, the Atlantic coast, the Pyrenees,
# the Mediterranean coast, the Alps, the Jura, the Rhine, the Belgian border.
MAINLAND = [[
    [2.54, 51.09], [1.85, 50.95], [1.6, 50.5], [1.45, 50.1], [0.1, 49.45], [-1.25, 49.7], [-1.95, 49.72],
    [-1.6, 48.65], [-3.0, 48.83], [-4.79, 48.4], [-4.37, 47.8], [-2.2, 47.1], [-1.15, 46.16], [-1.26, 44.65],
    [-1.78, 43.37], [-0.6, 42.8], [1.7, 42.5], [3.17, 42.44], [3.05, 43.0], [3.9, 43.5], [5.0, 43.35],
    [6.2, 43.1], [7.53, 43.78], [7.0, 44.2], [6.63, 45.1], [7.0, 45.9], [6.1, 46.15], [7.6, 47.58],
    [8.2, 48.97], [5.9, 49.5], [4.8, 50.15], [4.15, 49.98], [2.54, 51.09],
]]
CORSICA = _box(8.53, 41.36, 9.56, 43.03)
OVERSEAS = {
    "Guadeloupe": _box(-61.81, 15.83, -61.0, 16.52),
    "Martinique": _box(-61.23, 14.39, -60.81, 14.88),
    "Guyane": _box(-54.6, 2.1, -51.6, 5.8),
    "La Réunion": _box(55.21, -21.39, 55.84, -20.87),
    "Mayotte": _box(45.01, -13.0, 45.3, -12.63),
}
# The Gironde, anticlockwise from the Pointe de Grave: the Atlantic coast, the Landes border, the Lot-et-Garonne
# and Dordogne borders, the Charente-Maritime border across the estuary.
GIRONDE = [[
    [-1.06, 45.57], [-1.16, 45.2], [-1.26, 44.65], [-1.25, 44.45], [-1.19, 44.2], [-0.6, 44.25], [-0.35, 44.2],
    [0.05, 44.3], [0.15, 44.55], [0.32, 44.85], [0.2, 45.0], [0.0, 45.15], [-0.35, 45.35], [-0.7, 45.48],
    [-1.06, 45.57],
]]

PLACES: dict[str, Place] = {place.key: place for place in (
    Place("france", "France",
          {"type": "MultiPolygon", "coordinates": [MAINLAND, CORSICA, *OVERSEAS.values()]}),
    Place("france-metropolitaine", "France métropolitaine",
          {"type": "MultiPolygon", "coordinates": [MAINLAND, CORSICA]}),
    Place("gironde", "Gironde", {"type": "Polygon", "coordinates": GIRONDE}),
)}
