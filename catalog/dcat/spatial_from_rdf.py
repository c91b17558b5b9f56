"""dct:spatial -> ckanext-dcat's extras: `spatial` (a GeoJSON geometry, compact JSON text as ckanext-spatial
stores it), `spatial_text` (a place name) and `spatial_uri` (a place URI). Never an empty `spatial`.

What catalogs really write, and what is read here:
- DCAT-AP / GeoDCAT-AP (SEMICeu's ISO 19139 -> DCAT-AP XSLT, GeoNetwork 4): `dct:spatial [a dct:Location;
  locn:geometry "..."; dcat:bbox "{geojson}"^^gsp:geoJSONLiteral, "<gml:Envelope>..."^^gsp:gmlLiteral,
  "POLYGON((...))"^^gsp:wktLiteral]`;
- GeoNetwork 3's own DCAT output (iso19139 present/metadata-rdf.xsl): `dct:spatial [a ogc:Polygon; ogc:asWKT
  "<http://www.opengis.net/def/crs/OGC/1.3/CRS84> Polygon((...))"^^ogc:WKTLiteral]` with ogc =
  http://www.opengis.net/rdf#, mixed case and line breaks included, one node per bounding box;
- ArcGIS: a bare "minx,miny,maxx,maxy" literal (as udata reads it).
Per place the best encoding wins (locn:geometry, then WKT/GeoJSON geometry properties, then dcat:bbox; GeoJSON
before WKT); several places are merged as udata merges them (polygons into one MultiPolygon, duplicates
dropped), in a sorted order so that two parses of one document give the same text. A geometry that cannot be
read is not stored and says why in `warnings` (the harvester records them on the harvest object).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from catalog.dcat import terms
from catalog.dcat.geometry import (
    DEPTH,
    LAT_LON_CRS,
    NUMBER,
    WKT_START,
    GeometryError,
    box,
    compact,
    lon_lat,
    wkt_geometry,
)
from catalog.dcat.languages import PORTAL_LANGUAGE, best_text
from catalog.dcat.vocab import DCAT, DCT, GSP, IANA, LOCN, RDFS, SKOS, XSD, TermCache

OGC = TermCache("http://www.opengis.net/rdf#")  # GeoNetwork 3's namespace for ogc:asWKT / ogc:WKTLiteral
GEOJSON_TYPES = {GSP.geoJSONLiteral, URIRef(IANA + "application/vnd.geo+json")}
WKT_TYPES = {GSP.wktLiteral, OGC.WKTLiteral, OGC.wktLiteral}
GML_TYPES = {GSP.gmlLiteral, OGC.GMLLiteral}
# Predicates of a place that hold its geometry, best first; dcat:bbox is only the envelope.
GEOMETRY_GROUPS = ((LOCN.geometry,), (GSP.asGeoJSON, GSP.asWKT, OGC.asWKT), (DCAT.bbox,))
LABELS = (SKOS.prefLabel, RDFS.label, LOCN.geographicName, DCT.title)
BBOX_TEXT = re.compile(rf"^{NUMBER},{NUMBER},{NUMBER},{NUMBER}$")
# A GML Envelope (what Moisson writes in dcat:bbox, and GeoDCAT-AP beside GeoJSON and WKT); read with two
# patterns, not an XML parser: a harvested literal is untrusted and only four numbers are wanted.
GML_NUMBER = r"\s*(-?\d+(?:\.\d+)?(?:[eE]-?\d+)?)"
GML_ENVELOPE = re.compile(rf"<(?:\w+:)?Envelope\b([^>]*)>\s*<(?:\w+:)?lowerCorner>{GML_NUMBER}{GML_NUMBER}\s*"
                          rf"</(?:\w+:)?lowerCorner>\s*<(?:\w+:)?upperCorner>{GML_NUMBER}{GML_NUMBER}\s*"
                          rf"</(?:\w+:)?upperCorner>", re.DOTALL)
SRS_NAME = re.compile(r"""srsName\s*=\s*["']([^"']*)["']""")
GEOMETRY_TYPES = {*DEPTH, "GeometryCollection"}
# Keywords that make an untyped literal WKT (geometry.looks_like_wkt leaves GEOMETRYCOLLECTION out: the form and
# the writer do not take one, a harvested literal may be one).
WKT_KEYWORDS = {kind.upper() for kind in GEOMETRY_TYPES} | {"ENVELOPE"}


def spatial_from_rdf(graph: Graph, node: Node, warnings: list[str]) -> dict[str, str]:
    """The spatial extras of a dataset node (only the keys that have a value)."""
    uris: set[str] = set()
    labels: set[str] = set()
    geometries: list[dict[str, Any]] = []
    texts: list[str] = []  # the original GeoJSON text of each geometry read as is (round trips unchanged)
    for place in graph.objects(node, DCT.spatial):
        found: tuple[dict[str, Any], str | None] | None
        if isinstance(place, Literal):
            text = str(place).strip()
            if not text:
                continue
            if _kind(place) is None:
                labels.add(" ".join(text.split()))
                continue
            found = _read_literals([place], warnings)
        else:
            if isinstance(place, URIRef):
                uris.add(str(place))
            label = _label(graph, place)
            if label:
                labels.add(label)
            found = _place_geometry(graph, place, warnings)
        if found is not None:
            geometries.append(found[0])
            texts.append(found[1] or "")
    extras: dict[str, str] = {}
    if uris:
        extras["spatial_uri"] = sorted(uris)[0]
    if labels:
        extras["spatial_text"] = ", ".join(sorted(labels))
    geometry = _merged(geometries, texts)
    if geometry:
        extras["spatial"] = geometry
    return extras


def _label(graph: Graph, place: Node) -> str | None:
    for predicate in LABELS:
        # Chosen as titles are (languages.best_text), except that an untagged label is given the portal's
        # language outright, so it competes with the labels tagged in it (the smallest wins) instead of giving
        # way to them.
        labels = [(term.language or PORTAL_LANGUAGE, str(term))
                  for term in graph.objects(place, predicate) if isinstance(term, Literal)]
        shown, _ = best_text(labels)
        if shown:
            return " ".join(shown.split())
    return None


def _place_geometry(graph: Graph, place: Node, warnings: list[str]) -> tuple[dict[str, Any], str | None] | None:
    for predicates in GEOMETRY_GROUPS:
        literals = [term for p in predicates for term in graph.objects(place, p) if isinstance(term, Literal)]
        # GeoSPARQL's gsp:hasGeometry: the geometry is a node of its own.
        if predicates[0] == GSP.asGeoJSON:
            for geometry_node in graph.objects(place, GSP.hasGeometry):
                literals += [t for p in predicates for t in graph.objects(geometry_node, p) if isinstance(t, Literal)]
        found = _read_literals(literals, warnings)
        if found is not None:
            return found
    return None


def _kind(term: Literal) -> str | None:
    """'geojson', 'wkt', 'bbox', 'other' (a typed literal we cannot read, e.g. GML) or None (not a geometry)."""
    if term.datatype in GEOJSON_TYPES:
        return "geojson"
    if term.datatype in WKT_TYPES:
        return "wkt"
    if term.datatype in GML_TYPES:
        return "gml"
    if term.datatype is not None and term.datatype != XSD.string:
        return "other"
    text = str(term).strip()
    if text.startswith("{"):
        return "geojson"
    if BBOX_TEXT.match(text):
        return "bbox"
    match = WKT_START.match(text)
    if match and (match.group(1) or match.group(3).upper() in WKT_KEYWORDS):
        return "wkt"
    return None


def _read_literals(literals: list[Literal], warnings: list[str]) -> tuple[dict[str, Any], str | None] | None:
    """The first literal that reads, GeoJSON before WKT; a warning for each one tried in vain."""
    order = {"geojson": 0, "wkt": 1, "gml": 2, "bbox": 3, "other": 4}
    candidates = sorted((order[kind], str(term), kind) for term in literals if (kind := _kind(term)) is not None)
    for _, text, kind in candidates:
        try:
            return _read(kind, text)
        except GeometryError as error:
            shown = " ".join(text.split())
            shown = shown if len(shown) <= 120 else shown[:117] + "..."
            warnings.append(f"dct:spatial geometry {shown!r} not stored: {error}")
    return None


def _read(kind: str, text: str) -> tuple[dict[str, Any], str | None]:
    """(geometry, the original text when it is a bare GeoJSON geometry, stored as is as ckanext-dcat does: what
    Moisson's own export wrote comes back identical)."""
    if kind == "geojson":
        try:
            value = json.loads(text)
        except ValueError as error:
            raise GeometryError(f"invalid JSON ({error})") from None
        if isinstance(value, dict) and value.get("type") == "Feature":
            return _checked(value.get("geometry")), None
        return _checked(value), text
    if kind == "bbox":
        match = BBOX_TEXT.match(text.strip())
        if match is None:
            raise GeometryError("not a bounding box")
        west, south, east, north = (float(v) for v in match.groups())
        return _checked(box(west, south, east, north)), None
    if kind == "wkt":
        return _checked(wkt_geometry(text)), None
    if kind == "gml":
        return _checked(_from_gml_envelope(text)), None
    raise GeometryError("not a WKT or GeoJSON literal")


def _from_gml_envelope(text: str) -> dict[str, Any]:
    match = GML_ENVELOPE.search(text)
    if match is None:
        raise GeometryError("a GML literal other than an Envelope is not read")
    srs = SRS_NAME.search(match.group(1))
    crs = srs.group(1).strip() if srs else None
    low_x, low_y, high_x, high_y = (float(v) for v in match.group(2, 3, 4, 5))
    if crs in LAT_LON_CRS:  # corners are latitude first: the same box, its ring in the usual order
        return box(low_y, low_x, high_y, high_x)
    return lon_lat(box(low_x, low_y, high_x, high_y), crs)


def _checked(value: Any) -> dict[str, Any]:
    """A GeoJSON geometry with positions in longitude/latitude, reduced to type and coordinates."""
    if not isinstance(value, dict) or value.get("type") not in GEOMETRY_TYPES:
        raise GeometryError("not a GeoJSON geometry")
    if value["type"] == "GeometryCollection":
        parts = value.get("geometries")
        if not isinstance(parts, list) or not parts:
            raise GeometryError("empty geometry")
        return {"type": "GeometryCollection", "geometries": [_checked(part) for part in parts]}
    coordinates = value.get("coordinates")
    positions = list(_positions(coordinates))
    if not positions:
        raise GeometryError("empty geometry")
    for position in positions:
        lon, lat = position[0], position[1]
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise GeometryError(f"position {position} is not a longitude/latitude")
    return {"type": value["type"], "coordinates": coordinates}


def _positions(value: Any) -> Any:
    if isinstance(value, list) and len(value) >= 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _positions(item)
    elif value is not None:
        raise GeometryError("coordinates are not arrays of numbers")


def _merged(geometries: list[dict[str, Any]], texts: list[str]) -> str | None:
    """One geometry as its text; several as one MultiPolygon (or GeometryCollection), sorted and deduplicated."""
    if not geometries:
        return None
    if len(geometries) == 1:
        return texts[0] or compact(geometries[0])
    polygons = {compact(ring) for g in geometries if g["type"] == "Polygon" for ring in [g["coordinates"]]}
    polygons |= {compact(part) for g in geometries if g["type"] == "MultiPolygon" for part in g["coordinates"]}
    others = {compact(g) for g in geometries if g["type"] not in ("Polygon", "MultiPolygon")}
    if not others:
        parts = [json.loads(p) for p in sorted(polygons)]
        merged = {"type": "Polygon", "coordinates": parts[0]} if len(parts) == 1 else {
            "type": "MultiPolygon", "coordinates": parts}
        return compact(merged)
    members = sorted(others | {compact({"type": "Polygon", "coordinates": json.loads(p)}) for p in polygons})
    if len(members) == 1:
        return members[0]
    return compact({"type": "GeometryCollection", "geometries": [json.loads(m) for m in members]})


def spatial_from_text(text: str, warnings: list[str]) -> dict[str, str]:
    """The same keys from a coverage given as text (data.json's `spatial`: a place name, a URI, "W,S,E,N",
    GeoJSON or WKT)."""
    text = text.strip()
    if not text:
        return {}
    if terms.is_url(text):
        return {"spatial_uri": text}
    term = Literal(text)
    if _kind(term) is None:
        return {"spatial_text": " ".join(text.split())}
    found = _read_literals([term], warnings)
    return {"spatial": found[1] or compact(found[0])} if found else {}
