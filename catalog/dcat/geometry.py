"""GeoJSON geometries of the `spatial` extra: checked, compacted, turned into WKT and into their envelope.

The `spatial` extra holds a GeoJSON geometry as text, as ckanext-spatial stores it. DCAT-AP wants the same
geometry as literals (`locn:geometry` as gsp:geoJSONLiteral and gsp:wktLiteral) and its bounding box
(`dcat:bbox`, a GML envelope); to_rdf.py writes them from what this module computes, and the admin form checks
a pasted geometry here before saving it. WKT conversion is geomet's (what ckanext-dcat and udata use).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from geomet import wkt

# How deep the positions sit in each geometry's "coordinates" (a Point's coordinates are a position).
DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}
WKT_KEYWORDS = tuple(name.upper() for name in DEPTH)


class GeometryError(ValueError):
    """A `spatial` value that is not a GeoJSON geometry we can publish; the message says why."""


def parse_geojson(text: str) -> dict[str, Any]:
    """The geometry of a GeoJSON text, checked (type, nesting, longitude/latitude ranges, closed rings)."""
    try:
        geometry = json.loads(text)
    except (TypeError, ValueError) as error:
        raise GeometryError(f"Error decoding JSON object: {error}") from None
    check_geometry(geometry)
    return geometry


def check_geometry(geometry: Any) -> None:
    if not isinstance(geometry, dict):
        raise GeometryError("Error creating geometry: a GeoJSON geometry is a JSON object")
    kind = geometry.get("type")
    if kind in ("Feature", "FeatureCollection", "GeometryCollection"):
        raise GeometryError(f"Error creating geometry: give the geometry itself, not a {kind}")
    if kind not in DEPTH:
        raise GeometryError(f"Error creating geometry: unknown geometry type {kind!r} "
                            f"(expected one of {', '.join(DEPTH)})")
    _check_level(geometry.get("coordinates"), DEPTH[kind], kind)


def _check_level(value: Any, depth: int, kind: str) -> None:
    if depth == 0:
        _check_position(value)
        return
    if not isinstance(value, list) or not value:
        raise GeometryError(f"Error creating geometry: the coordinates of a {kind} are not nested as GeoJSON says")
    for item in value:
        _check_level(item, depth - 1, kind)
    if depth == 1 and kind in ("Polygon", "MultiPolygon"):
        # value is one linear ring here
        if len(value) < 4 or value[0] != value[-1]:
            raise GeometryError("Error creating geometry: a polygon ring needs at least 4 positions and must end "
                                "where it starts")


def _check_position(value: Any) -> None:
    numbers = isinstance(value, list) and 2 <= len(value) <= 3 and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    if not numbers:
        raise GeometryError(f"Error creating geometry: {json.dumps(value)} is not a position [longitude, latitude]")
    if not (-180 <= value[0] <= 180 and -90 <= value[1] <= 90):
        raise GeometryError(f"Error creating geometry: {json.dumps(value)} is outside longitude -180..180, "
                            "latitude -90..90 (GeoJSON puts the longitude first)")


def compact(geometry: dict[str, Any]) -> str:
    """The text form published and stored: compact JSON, as ckanext-spatial's examples write it."""
    return json.dumps(geometry, separators=(",", ":"), ensure_ascii=False)


def positions(geometry: dict[str, Any]) -> Iterator[list[float]]:
    def walk(value: Any, depth: int) -> Iterator[list[float]]:
        if depth == 0:
            yield value
        else:
            for item in value:
                yield from walk(item, depth - 1)
    return walk(geometry["coordinates"], DEPTH[geometry["type"]])


def envelope(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a checked geometry."""
    xs, ys = zip(*((p[0], p[1]) for p in positions(geometry)), strict=True)
    return min(xs), min(ys), max(xs), max(ys)


CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def bbox_gml(geometry: dict[str, Any]) -> str:
    """The envelope as a GML Envelope in CRS84 (longitude first), one of the two forms DCAT-AP recommends for
    dcat:bbox. Not WKT: udata merges every WKT/GeoJSON literal of a place into its coverage, so a WKT box
    beside the outline would show data.gouv.fr a rectangle from the Antilles to La Réunion for France."""
    west, south, east, north = (repr(float(number)) for number in envelope(geometry))  # exact, shortest
    return (f'<gml:Envelope xmlns:gml="http://www.opengis.net/gml/3.2" srsName="{CRS84}">'
            f"<gml:lowerCorner>{west} {south}</gml:lowerCorner>"
            f"<gml:upperCorner>{east} {north}</gml:upperCorner></gml:Envelope>")


def from_wkt(text: str) -> dict[str, Any]:
    """A checked GeoJSON geometry from WKT (the form's pasted text, a legacy `spatial`): wkt_geometry, then
    check_geometry's stricter rules (closed rings, no GeometryCollection)."""
    geometry = wkt_geometry(text)
    check_geometry(geometry)
    return geometry


def parse(text: str) -> dict[str, Any]:
    """A checked geometry from what a `spatial` extra may hold: GeoJSON, or WKT."""
    return from_wkt(text) if looks_like_wkt(text) else parse_geojson(text)


def looks_like_wkt(text: str) -> bool:
    match = WKT_START.match(text)
    return bool(match and (match.group(1) or match.group(3).upper() in WKT_KEYWORDS + ("ENVELOPE",)))


# CRS IRIs whose coordinates are longitude, latitude (GeoSPARQL's default) or latitude, longitude (the EPSG
# geographic systems, as SEMICeu's XSLT writes them when configured with ETRS89).
LON_LAT_CRS = {CRS84, "http://www.opengis.net/def/crs/OGC/0/CRS84", "urn:ogc:def:crs:OGC:1.3:CRS84",
               "urn:ogc:def:crs:OGC::CRS84"}
LAT_LON_CRS = {f"http://www.opengis.net/def/crs/EPSG/0/{code}" for code in (4326, 4258, 4171)} | {
    f"urn:ogc:def:crs:EPSG::{code}" for code in (4326, 4258, 4171)}
WKT_START = re.compile(r"^\s*(?:<([^>]*)>\s*)?(?:SRID=(\d+);)?\s*([A-Za-z]+)\s*(?:[ZM]{1,2}\s*)?(\(|EMPTY)",
                       re.IGNORECASE)
NUMBER = r"\s*(-?\d+(?:\.\d+)?)\s*"
ENVELOPE = re.compile(rf"^ENVELOPE\s*\({NUMBER},{NUMBER},{NUMBER},{NUMBER}\)$", re.IGNORECASE)


def wkt_geometry(text: str) -> dict[str, Any]:
    """A GeoJSON geometry in longitude/latitude from WKT as catalogs write it: GeoSPARQL's leading CRS IRI
    (EPSG 4326 swapped, any other projected CRS refused), PostGIS's SRID=, GeoNetwork 3's mixed case and line
    breaks, CQL's ENVELOPE. geomet parses (what ckanext-dcat and udata use)."""
    match = WKT_START.match(text)
    if not match:
        raise GeometryError("invalid WKT (not a WKT geometry)")
    crs = match.group(1)
    body = " ".join(text[match.start(3):].split()).upper()  # geomet reads POLYGON, not GeoNetwork's Polygon
    envelope_match = ENVELOPE.match(body)
    if envelope_match:  # ENVELOPE(minX, maxX, maxY, minY)
        west, east, north, south = (float(v) for v in envelope_match.groups())
        geometry = box(west, south, east, north)
    else:
        try:
            geometry = wkt.loads(body)
        except Exception as error:  # geomet raises ValueError, IndexError... on malformed text
            raise GeometryError(f"invalid WKT ({error})") from None
    srid = match.group(2)
    if srid and not crs:
        crs = f"http://www.opengis.net/def/crs/EPSG/0/{srid}"
    return lon_lat(geometry, crs.strip() if crs else None)


def lon_lat(geometry: dict[str, Any], crs: str | None) -> dict[str, Any]:
    """geometry in longitude/latitude, given the CRS its coordinates are in (None: CRS84, GeoSPARQL's default)."""
    if crs is None or crs in LON_LAT_CRS:
        return geometry
    if crs not in LAT_LON_CRS:
        raise GeometryError(f"coordinates in {crs}, not longitude/latitude")
    return swapped(geometry)


def box(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north], [west, north],
                                                [west, south]]]}


def swapped(geometry: dict[str, Any]) -> dict[str, Any]:
    def swap(value: Any) -> Any:
        if isinstance(value, list) and len(value) >= 2 and all(isinstance(v, int | float) for v in value):
            return [value[1], value[0], *value[2:]]
        return [swap(v) for v in value] if isinstance(value, list) else value

    if geometry.get("type") == "GeometryCollection":
        return {"type": "GeometryCollection", "geometries": [swapped(g) for g in geometry.get("geometries") or []]}
    return {"type": geometry.get("type"), "coordinates": swap(geometry.get("coordinates"))}
