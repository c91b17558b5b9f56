"""dct:spatial as a mappable dct:Location (issue 12 item 15): the `spatial` GeoJSON in locn:geometry, its
envelope as a WKT polygon in dcat:bbox, `spatial_text` as its name and `spatial_uri` as the node, on the
dataset page and in the catalog (both databases), conforming to DCAT-AP, read back by Moisson and by udata."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef

from catalog.dcat.from_rdf import dataset_from_rdf, datasets_from_graph
from catalog.dcat.profiles import DCAT_AP_3
from catalog.dcat.to_rdf import dataset_to_rdf
from catalog.dcat.vocab import DCAT, DCT, GSP, LOCN, RDF, SCHEMA, SKOS
from tests.dcat import shacl, udata_quality
from tests.dcat.roundtrip import differences, round_trip
from tests.dcat.samples import package
from tests.dcat.test_views import make_dataset

# A pentagon over the Gironde, written as a person would (spaces), and its envelope.
RING = [[-1.2, 45.5], [-1.25, 44.3], [0.3, 44.4], [0.1, 45.1], [-1.2, 45.5]]
SPATIAL = json.dumps({"type": "Polygon", "coordinates": [RING]})
WEST, SOUTH, EAST, NORTH = -1.25, 44.3, 0.3, 45.5
PLACE_URI = "http://id.insee.fr/geo/departement/33"
SITE = "http://test.moisson.local"


def extras(**values: str) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in values.items()]


def the_location(graph: Graph, dataset: URIRef) -> Any:
    [location] = list(graph.objects(dataset, DCT.spatial))
    assert (location, RDF.type, DCT.Location) in graph
    return location


def check_location(graph: Graph, dataset: URIRef) -> Any:
    location = the_location(graph, dataset)
    [geometry] = list(graph.objects(location, LOCN.geometry))  # DCAT-AP: at most one locn:geometry
    assert geometry.datatype == GSP.geoJSONLiteral
    assert json.loads(str(geometry)) == json.loads(SPATIAL)
    [bbox] = list(graph.objects(location, DCAT.bbox))
    assert bbox.datatype == GSP.gmlLiteral
    assert f"<gml:lowerCorner>{WEST} {SOUTH}</gml:lowerCorner>" in str(bbox)
    assert f"<gml:upperCorner>{EAST} {NORTH}</gml:upperCorner>" in str(bbox)
    assert 'srsName="http://www.opengis.net/def/crs/OGC/1.3/CRS84"' in str(bbox)
    assert set(graph.objects(location, SKOS.prefLabel)) == {Literal("Gironde")}
    assert set(graph.objects(location, LOCN.geographicName)) == {Literal("Gironde")}
    return location


def test_dataset_page_and_catalog_publish_one_location(client, call, sysadmin, org):
    created = make_dataset(call, sysadmin, org["id"], "coverage", extras=extras(
        spatial=SPATIAL, spatial_text="Gironde", frequency="annual"))
    shown = call("package_show", sysadmin, id=created["id"])
    assert {"key": "spatial", "value": SPATIAL} in shown["extras"]  # the text as given (ckanext-spatial)
    node = URIRef(f"{SITE}/dataset/{created['id']}")
    for path in (f"/dataset/{created['id']}.ttl", "/catalog.ttl"):
        response = client.get(path)
        assert response.status_code == 200
        graph = Graph().parse(data=response.get_data(), format="turtle")
        location = check_location(graph, node)
        assert not isinstance(location, URIRef)  # no spatial_uri: a blank node


def test_a_place_uri_names_the_location(client, call, sysadmin, org):
    created = make_dataset(call, sysadmin, org["id"], "coverage-uri", extras=extras(
        spatial=SPATIAL, spatial_text="Gironde", spatial_uri=PLACE_URI))
    graph = Graph().parse(data=client.get(f"/dataset/{created['id']}.ttl").get_data(), format="turtle")
    assert check_location(graph, URIRef(f"{SITE}/dataset/{created['id']}")) == URIRef(PLACE_URI)


@pytest.mark.parametrize("version", shacl.VERSIONS)
def test_the_location_conforms_to_dcat_ap(client, call, sysadmin, org, version):
    created = make_dataset(call, sysadmin, org["id"], "coverage-shapes", extras=extras(
        spatial=SPATIAL, spatial_text="Gironde", spatial_uri=PLACE_URI))
    profile = {"3.0.1": "dcat_ap_3", "2.1.1": "dcat_ap_2"}[version]
    response = client.get(f"/dataset/{created['id']}.ttl?profiles={profile}")
    conforms, report = shacl.validate(Graph().parse(data=response.get_data(), format="turtle"), version)
    assert conforms, report


def test_moisson_reads_the_location_alone_back(client, call, sysadmin, org):
    """Without the lossless store, as another Moisson harvesting this one would get it if the store were lost:
    the geometry, name and URI come back as the same three extras (the GeoJSON in its compact form)."""
    created = make_dataset(call, sysadmin, org["id"], "coverage-back", extras=extras(
        spatial=SPATIAL, spatial_text="Gironde", spatial_uri=PLACE_URI))
    graph = Graph().parse(data=client.get(f"/dataset/{created['id']}.ttl").get_data(), format="turtle")
    graph.remove((None, SCHEMA.additionalProperty, None))
    [(_, pkg)] = list(datasets_from_graph(graph))
    back = {e["key"]: e["value"] for e in pkg["extras"]}
    assert json.loads(back["spatial"]) == json.loads(SPATIAL)
    assert back["spatial"] == json.dumps(json.loads(SPATIAL), separators=(",", ":"))
    assert (back["spatial_text"], back["spatial_uri"]) == ("Gironde", PLACE_URI)


def test_udata_reads_the_geometry_and_only_it():
    """udata merges every GeoJSON/WKT literal of the place into its coverage: with a WKT bbox it would draw the
    outline plus its bounding rectangle. The bbox is GML, which udata skips, so it maps the outline alone."""
    graph = Graph()
    node = dataset_to_rdf(graph, package(extras=extras(spatial=SPATIAL, spatial_text="Gironde")), site_url=SITE)
    coverage = udata_quality.spatial_from_rdf(graph, node)
    assert coverage == {"type": "MultiPolygon", "coordinates": [[RING]]}
    label_only = Graph()
    node = dataset_to_rdf(label_only, package(extras=extras(spatial_text="Gironde")), site_url=SITE)
    assert udata_quality.spatial_from_rdf(label_only, node) is None  # what Moisson published before


@pytest.mark.parametrize("value", [
    "POLYGON ((-1.2 45.5, -1.25 44.3, 0.3 44.4, 0.1 45.1, -1.2 45.5))",
    "<http://www.opengis.net/def/crs/OGC/1.3/CRS84> Polygon((-1.2 45.5, -1.25 44.3, 0.3 44.4, 0.1 45.1, -1.2 45.5))",
])
def test_a_wkt_spatial_is_published_as_geojson(value):
    """Harvested before the reader converted WKT: still a mappable geometry, and the original text kept."""
    graph = Graph()
    pkg = package(extras=extras(spatial=value))
    node = dataset_to_rdf(graph, pkg, site_url=SITE)
    [geometry] = list(graph.objects(the_location(graph, node), LOCN.geometry))
    assert geometry.datatype == GSP.geoJSONLiteral and json.loads(str(geometry)) == json.loads(SPATIAL)
    assert differences(pkg, round_trip(pkg, site_url=SITE, profile=DCAT_AP_3, syntax="ttl")) == []


@pytest.mark.parametrize("value", [
    '{"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}',  # an unclosed ring
    '{"type": "Polygon"',  # not JSON
    '{"type": "Feature", "geometry": null}',
    '{"type": "Point", "coordinates": [48.85, 200]}',  # latitude out of range
])
def test_a_spatial_that_is_no_geometry_is_not_published_as_one(value):
    graph = Graph()
    pkg = package(extras=extras(spatial=value, spatial_text="Paris"))
    node = dataset_to_rdf(graph, pkg, site_url=SITE)
    location = the_location(graph, node)
    assert list(graph.objects(location, LOCN.geometry)) == [] == list(graph.objects(location, DCAT.bbox))
    assert differences(pkg, round_trip(pkg, site_url=SITE, profile=DCAT_AP_3, syntax="ttl")) == []  # the store


def test_a_place_name_in_spatial_stays_a_label():
    """Stored before spatial_text existed: published as the place's name, read back as spatial_text too."""
    graph = Graph()
    pkg = package(extras=extras(spatial="Bordeaux Métropole"))
    node = dataset_to_rdf(graph, pkg, site_url=SITE)
    location = the_location(graph, node)
    assert set(graph.objects(location, SKOS.prefLabel)) == {Literal("Bordeaux Métropole")}
    assert list(graph.objects(location, LOCN.geometry)) == []
    back = {e["key"]: e["value"] for e in dataset_from_rdf(graph, node)["extras"]}
    assert (back["spatial"], back.get("spatial_text")) == ("Bordeaux Métropole", "Bordeaux Métropole")


def test_the_store_keeps_only_what_the_location_cannot_say():
    """A compact GeoJSON, a plain name and a URI are read back from the Location itself, so the lossless store
    does not repeat them; a geometry written with spaces, or a name with odd spacing, is kept there too."""
    compact = json.dumps(json.loads(SPATIAL), separators=(",", ":"))
    for values, stored in (({"spatial": compact, "spatial_text": "Gironde", "spatial_uri": PLACE_URI}, set()),
                           ({"spatial": SPATIAL, "spatial_text": "Gironde  (33)"}, {"spatial", "spatial_text"})):
        graph = Graph()
        pkg = package(extras=extras(**values))
        node = dataset_to_rdf(graph, pkg, site_url=SITE)
        [entry] = list(graph.objects(node, SCHEMA.additionalProperty))
        kept = json.loads(str(graph.value(entry, SCHEMA.value)))["extras"]
        assert {key for key in kept if key.startswith("spatial")} == stored
        assert differences(pkg, round_trip(pkg, site_url=SITE, profile=DCAT_AP_3, syntax="ttl")) == []
