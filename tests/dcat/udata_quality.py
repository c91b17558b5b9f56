"""udata's dataset quality score, applied to what udata's DCAT harvester would take from one of our graphs.

A test-side copy of udata (opendatateam/udata at 25b5a2dd, read 2026-12): the nine criteria of
`Dataset.compute_quality`, `Dataset.quality` and `compute_quality_score` (udata/core/dataset/models.py), fed
with what `dataset_from_rdf` (udata/core/dataset/rdf.py) reads from a dcat:Dataset node: `spatial_from_rdf`,
`temporal_from_rdf`, `frequency_from_rdf`, `format_from_rdf`, the licence, the distributions and the dates.
Where udata needs its database or its checker, the comment of the criterion says what is assumed.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from geomet import wkt
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from catalog.dcat.vocab import DCAT, DCT, GSP, IANA, RDFS, SCHEMA

QUALITY_DESCRIPTION_LENGTH = 100  # udata/settings.py
QUALITY_MAX_SCORE = 9
CLOSED_FORMATS = ("pdf", "doc", "docx", "word", "xls", "excel", "xlsx")  # udata/core/dataset/constants.py
OLD_OGC_WKT = URIRef("http://www.opengis.net/rdf#wktLiteral")
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
DAY, WEEK = timedelta(days=1), timedelta(weeks=1)
NO_DELTA = None  # frequencies udata cannot quantify: "update fulfilled in time" is then True
# EU frequency code -> the delta of the udata frequency it maps to (EUFREQ_TERM_TO_UDATA, UpdateFrequency).
# UNKNOWN is left out: it maps to UpdateFrequency.UNKNOWN, which is no frequency (has_frequency False).
EU_FREQUENCY_DELTAS: dict[str, timedelta | None] = {
    "UPDATE_CONT": NO_DELTA, "1MIN": timedelta(minutes=1), "5MIN": timedelta(minutes=5),
    "10MIN": timedelta(minutes=10), "15MIN": timedelta(minutes=15), "30MIN": timedelta(minutes=30),
    "HOURLY": timedelta(hours=1), "BIHOURLY": timedelta(hours=2), "TRIHOURLY": timedelta(hours=3),
    "12HRS": timedelta(hours=12), "CONT": DAY, "DAILY_3": DAY, "DAILY_2": DAY, "DAILY": DAY, "WEEKLY_5": WEEK,
    "WEEKLY_3": WEEK, "WEEKLY_2": WEEK, "WEEKLY": WEEK, "BIWEEKLY": 2 * WEEK, "MONTHLY_3": 31 * DAY,
    "MONTHLY_2": 31 * DAY, "MONTHLY": 31 * DAY, "BIMONTHLY": 62 * DAY, "QUARTERLY": 93 * DAY,
    "ANNUAL_3": 365 * DAY, "ANNUAL_2": 365 * DAY, "ANNUAL": 365 * DAY, "BIENNIAL": 730 * DAY,
    "TRIENNIAL": 1095 * DAY, "QUADRENNIAL": 1460 * DAY, "QUINQUENNIAL": 1825 * DAY, "DECENNIAL": 3650 * DAY,
    "BIDECENNIAL": 7300 * DAY, "TRIDECENNIAL": 10950 * DAY, "AS_NEEDED": NO_DELTA, "IRREG": NO_DELTA,
    "NEVER": NO_DELTA, "NOT_PLANNED": NO_DELTA, "OTHER": NO_DELTA,
}


def spatial_from_rdf(graph: Graph, node: Node) -> dict[str, Any] | None:
    """udata's SpatialCoverage.geom: every Polygon/MultiPolygon literal (GeoJSON or WKT) of every dct:spatial,
    merged into one MultiPolygon without duplicates; None when there is none (a label alone counts for
    nothing). A bare "w,s,e,n" literal is read as a box, as udata does for ArcGIS."""
    geojsons = []
    for term in graph.objects(node, DCT.spatial):
        if isinstance(term, Literal):
            box = _bbox_to_multipolygon(str(term))
            if box is not None:
                geojsons.append(box)
            continue
        for value in graph.objects(term, None):
            if not isinstance(value, Literal):
                continue
            try:
                if value.datatype in (GSP.geoJSONLiteral, URIRef(IANA + "application/vnd.geo+json")):
                    geojsons.append(json.loads(str(value)))
                elif value.datatype in (GSP.wktLiteral, OLD_OGC_WKT):
                    geojsons.append(wkt.loads(str(value).strip().upper()))
            except ValueError:
                continue  # udata logs a warning and goes on
    polygons: list[Any] = []
    for geojson in geojsons:
        parts = [geojson["coordinates"]] if geojson.get("type") == "Polygon" else (
            geojson["coordinates"] if geojson.get("type") == "MultiPolygon" else [])
        polygons += [part for part in parts if part not in polygons]
    if not polygons:
        return None
    # mongoengine's MultiPolygonField refuses a ring that does not end where it starts.
    if any(ring[0] != ring[-1] for polygon in polygons for ring in polygon):
        return None
    return {"type": "MultiPolygon", "coordinates": polygons}


def _bbox_to_multipolygon(text: str) -> dict[str, Any] | None:
    parts = text.strip().split(",")
    if len(parts) != 4:
        return None
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        return None
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "MultiPolygon", "coordinates": [[ring]]}


def _has_temporal(graph: Graph, node: Node) -> bool:
    """temporal_from_rdf: a PeriodOfTime with schema: or dcat: start/end dates (or an ISO literal range)."""
    period = graph.value(node, DCT.temporal)
    if isinstance(period, Literal):
        return "/" in str(period) or str(period).strip().isdigit()
    if period is None:
        return False
    return any(graph.value(period, p) is not None
               for p in (SCHEMA.startDate, SCHEMA.endDate, DCAT.startDate, DCAT.endDate))


def _frequency(graph: Graph, node: Node) -> tuple[bool, timedelta | None]:
    """(has_frequency, delta) from dct:accrualPeriodicity (EU vocabulary: what Moisson writes)."""
    term = graph.value(node, DCT.accrualPeriodicity)
    if term is None:
        return False, None
    code = str(term).rsplit("/", 1)[-1] if isinstance(term, URIRef) and str(term).startswith(EU_FREQUENCY) \
        else str(term).upper()
    if code not in EU_FREQUENCY_DELTAS:
        return False, None
    return True, EU_FREQUENCY_DELTAS[code]


def _format(graph: Graph, distribution: Node) -> str | None:
    term = graph.value(distribution, DCT.format)
    if term is None:
        return None
    if isinstance(term, BNode):
        label = graph.value(term, RDFS.label)
        return str(label).lower() if label is not None else None
    text = str(term)
    if text.startswith(EU_FILE_TYPE):
        return text[len(EU_FILE_TYPE):].lower()
    if text.startswith(IANA):
        return text.split("/")[-1].lower()
    return text.lower()


def _naive(value: Node | None) -> datetime | None:
    if value is None:
        return None
    python = value.toPython() if isinstance(value, Literal) else None
    if isinstance(python, datetime):
        return python.astimezone(UTC).replace(tzinfo=None) if python.tzinfo else python
    if isinstance(python, date):
        return datetime(python.year, python.month, python.day)
    return None


def quality(graph: Graph, node: Node, *, now: datetime | None = None) -> dict[str, Any]:
    """The `quality` dict udata would show for this dcat:Dataset, with its score out of nine."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    result: dict[str, Any] = {}
    # udata falls back to its "notspecified" licence, which data.gouv.fr has, so it counts any dataset; we ask
    # for a dct:license (or dct:rights) on the dataset or a distribution: stricter than udata.
    distributions = [d for d in graph.objects(node, DCAT.distribution)
                     if graph.value(d, DCAT.downloadURL) is not None or graph.value(d, DCAT.accessURL) is not None]
    result["license"] = any(graph.value(n, p) is not None for n in (node, *distributions)
                            for p in (DCT.license, DCT.rights))
    result["temporal_coverage"] = _has_temporal(graph, node)
    result["spatial"] = spatial_from_rdf(graph, node) is not None
    has_frequency, delta = _frequency(graph, node)
    result["update_frequency"] = has_frequency
    # last_update: the dataset's dct:modified unless in the future, else its distributions' (each falls back
    # on the harvest time, i.e. now); next update = last update + the frequency's delta.
    modified = _naive(graph.value(node, DCT.modified))
    if modified is None or modified > now:
        dates = [_naive(graph.value(d, DCT.modified)) for d in distributions]
        modified = max((d if d is not None and d < now else now for d in dates), default=None)
    if has_frequency and delta is not None and modified is not None:
        result["update_fulfilled_in_time"] = ((modified + delta) - now).days >= -1
    elif has_frequency and delta is None:
        result["update_fulfilled_in_time"] = True
    description = graph.value(node, DCT.description)
    result["dataset_description_quality"] = len(str(description or "")) > QUALITY_DESCRIPTION_LENGTH
    if distributions:
        result["has_resources"] = True
        result["has_open_format"] = not all(
            not (fmt := _format(graph, d)) or fmt in CLOSED_FORMATS for d in distributions)
        # check:available is "unknown" until udata's link checker has run, and all(["unknown"]) is True.
        result["all_resources_available"] = True
        result["resources_documentation"] = any(
            str(graph.value(d, DCT.description) or "").strip() for d in distributions)
    criteria = ("license", "temporal_coverage", "spatial", "update_frequency", "update_fulfilled_in_time",
                "dataset_description_quality", "has_open_format", "all_resources_available",
                "resources_documentation")
    result["score"] = sum(1 for key in criteria if result.get(key))
    return result
