"""The demo catalog's spatial coverages: valid GeoJSON, served by the API as ckanext-spatial serves it, and
enough for data.gouv.fr's harvester to score every demo dataset 9/9 in udata's quality (issue 12 item 15)."""

from __future__ import annotations

from typing import Any

import pytest
from rdflib import Graph
from rdflib.namespace import DCAT, RDF

from catalog.context import ANONYMOUS, SYSTEM
from catalog.dcat import geometry
from catalog.dcat.vocab import DCT, LOCN
from catalog.demo.loader import demo_catalog, load_demo
from catalog.registry import call_action
from tests.dcat import udata_quality

# Envelopes (west, south, east, north) the coverages must stay in: France with its overseas départements,
# and the Gironde (IGN's extent, rounded out by 0.1 degree).
FRANCE = (-61.9, -21.5, 56.0, 51.2)
GIRONDE = (-1.4, 44.1, 0.4, 45.7)


def inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


@pytest.fixture
def demo(services: Any) -> list[dict[str, Any]]:
    counts = load_demo(services, SYSTEM)
    assert counts["datasets"] > 0
    names = call_action(services, "package_list", {}, actor=ANONYMOUS)
    return [call_action(services, "package_show", {"id": name}, actor=ANONYMOUS) for name in names]


def test_every_demo_dataset_has_a_geojson_coverage_where_its_figures_are() -> None:
    datasets = demo_catalog()["datasets"]
    for dataset in datasets:
        extras = {e["key"]: e["value"] for e in dataset["extras"]}
        shape = geometry.parse_geojson(extras["spatial"])  # raises on anything but a valid geometry
        assert shape["type"] in ("Polygon", "MultiPolygon"), dataset["name"]
        local = dataset["owner_org"] == "caf-gironde"
        assert extras["spatial_text"] == ("Gironde" if local else "France"), dataset["name"]
        assert inside(geometry.envelope(shape), GIRONDE if local else FRANCE), dataset["name"]
        if not local:  # a national coverage reaches the overseas départements, not only the mainland
            assert geometry.envelope(shape)[0] < -60 and geometry.envelope(shape)[2] > 55, dataset["name"]
    assert any(d["owner_org"] == "caf-gironde" for d in datasets)


def test_the_api_returns_spatial_as_geojson_text(demo: list[dict[str, Any]]) -> None:
    """ckanext-spatial's shape: an extra "spatial" whose value is the GeoJSON text."""
    shipped = {d["name"]: {e["key"]: e["value"] for e in d["extras"]} for d in demo_catalog()["datasets"]}
    for pkg in demo:
        extras = {e["key"]: e["value"] for e in pkg["extras"]}
        assert isinstance(extras["spatial"], str)
        assert extras["spatial"] == shipped[pkg["name"]]["spatial"]
        assert extras["spatial_text"] == shipped[pkg["name"]]["spatial_text"]


def test_udata_scores_every_demo_dataset_nine_out_of_nine(client: Any, demo: list[dict[str, Any]]) -> None:
    """What data.gouv.fr's DCAT harvester reads from /catalog.ttl, scored as udata scores it."""
    response = client.get("/catalog.ttl?per_page=1000")
    assert response.status_code == 200
    graph = Graph().parse(data=response.get_data(), format="turtle")
    nodes = sorted(graph.subjects(RDF.type, DCAT.Dataset), key=str)
    assert len(nodes) == len(demo)
    missed = {}
    for node in nodes:
        result = udata_quality.quality(graph, node)
        if result["score"] != udata_quality.QUALITY_MAX_SCORE:
            missed[str(node)] = sorted(key for key, value in result.items() if value is False)
    assert missed == {}
    # The criterion this issue is about is really measured: the same graph without its geometries scores 8.
    node = nodes[0]
    location = graph.value(node, DCT.spatial)
    for predicate in (LOCN.geometry, DCAT.bbox):
        graph.remove((location, predicate, None))
    stripped = udata_quality.quality(graph, node)
    assert stripped["spatial"] is False and stripped["score"] == udata_quality.QUALITY_MAX_SCORE - 1
