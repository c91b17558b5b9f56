"""Reading GeoNetwork-style DCAT (issue 12 items 3 and 8): themes, repeated dates, plain-text periods,
geometries. The harvest of the same shapes through the DCAT backend is tests/harvest/test_geonetwork.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph

from catalog.dcat.from_rdf import WARNINGS_KEY, datasets_from_graph, period_from_text
from catalog.dcat.graphs import new_graph
from catalog.dcat.spatial_from_rdf import spatial_from_text
from catalog.dcat.to_rdf import dataset_to_rdf
from catalog.dcat.vocab import DCAT

HERE = Path(__file__).parent
FIXTURE_FILES = [*sorted((HERE / "fixtures").iterdir()), *sorted((HERE.parent / "harvest" / "fixtures").glob("*.*"))]
FORMATS = {".ttl": "turtle", ".rdf": "xml", ".nt": "nt", ".jsonld": "json-ld"}
PREFIXES = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix locn: <http://www.w3.org/ns/locn#> .
@prefix gsp: <http://www.opengis.net/ont/geosparql#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix adms: <http://www.w3.org/ns/adms#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def one(turtle: str) -> dict[str, Any]:
    graph = Graph().parse(data=PREFIXES + "<http://x.example/ds> a dcat:Dataset ; dct:title 'T' ;\n" + turtle,
                          format="turtle")
    [(_, pkg)] = list(datasets_from_graph(graph))
    assert isinstance(pkg, dict), pkg
    return pkg


def extras(pkg: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["value"] for e in pkg["extras"]}


def readings(path: Path) -> list[str]:
    graph = Graph().parse(path, format=FORMATS[path.suffix])
    # Blank-node datasets are keyed by their id, which changes: compare the dicts only.
    return sorted(json.dumps(pkg if isinstance(pkg, dict) else str(pkg), sort_keys=True)
                  for _, pkg in datasets_from_graph(graph))


@pytest.mark.parametrize("path", [p for p in FIXTURE_FILES if p.suffix in FORMATS], ids=lambda p: p.name)
def test_two_parses_of_a_document_read_the_same(path: Path) -> None:
    """Blank nodes get new ids on every parse; the harvest hashes the dicts, so none may show through."""
    assert readings(path) == readings(path)


def test_blank_node_themes_are_their_labels_with_their_scheme() -> None:
    pkg = one("""dcat:theme [ a skos:Concept ; skos:prefLabel "Land use"@en, "Usage des sols"@fr ;
                               skos:inScheme [ a skos:ConceptScheme ; dct:title "GEMET - INSPIRE themes"@fr ] ],
                             [ a skos:Concept ; skos:prefLabel "Eau"@fr ; skos:inScheme <http://t.example/s> ],
                             [ a skos:Concept ; rdfs:comment "no label: nothing to keep" ],
                             <http://publications.europa.eu/resource/authority/data-theme/ENVI> .""")
    assert json.loads(extras(pkg)["theme"]) == [
        "Eau", "Usage des sols", "http://publications.europa.eu/resource/authority/data-theme/ENVI"]
    assert json.loads(extras(pkg)["theme_schemes"]) == {"Eau": "http://t.example/s",
                                                        "Usage des sols": "GEMET - INSPIRE themes"}


def test_other_blank_nodes_give_labels_or_nothing() -> None:
    pkg = one("""dct:accrualPeriodicity [ a dct:Frequency ; rdfs:label "annuelle"@fr ] ;
                 adms:identifier [ a adms:Identifier ; dct:creator "no notation" ] ;
                 dcat:landingPage [ a <http://xmlns.com/foaf/0.1/Document> ] .""")
    assert extras(pkg)["frequency"] == "annuelle"
    assert "alternate_identifier" not in extras(pkg) and "url" not in pkg


def test_repeated_dates_prefer_a_valid_one() -> None:
    pkg = one("""dct:modified "", "non renseigné", "2023-06-15"^^xsd:date, "2021-01-01" ;
                 dct:issued "2019-13-45", "2020-05-05T10:00:00", "2020-06-01" ;
                 dcat:distribution [ dcat:accessURL <http://x.example/f> ; dct:modified "", "2024-01-02" ] .""")
    assert (extras(pkg)["modified"], extras(pkg)["issued"]) == ("2023-06-15", "2020-05-05T10:00:00")
    assert pkg["resources"][0]["last_modified"] == "2024-01-02"
    assert extras(one('dct:modified "", "mis à jour en continu" .'))["modified"] == "mis à jour en continu"
    assert "modified" not in extras(one('dct:modified "", " " .'))


@pytest.mark.parametrize("text, period", [
    ("2010-01-01/2020-12-31", ("2010-01-01", "2020-12-31")),
    ("2010-01-01\n          /\n          2020-12-31", ("2010-01-01", "2020-12-31")),  # GeoNetwork 3
    ("2010-01-01T00:00:00Z/2020-12-31T23:59:59Z", ("2010-01-01T00:00:00Z", "2020-12-31T23:59:59Z")),
    ("2010-01-01\n   ", ("2010-01-01", None)),
    ("/2020-12-31", (None, "2020-12-31")),
    ("du 01/01/2010 au 31/12/2020", ("2010-01-01", "2020-12-31")),
    ("2010/2020", ("2010-01-01", "2020-12-31")),
    ("2015", ("2015-01-01", "2015-12-31")),
    ("2010-13-01/2020-12-31", (None, "2020-12-31")),  # month 13 is no start, the end stays the end
    ("depuis toujours", (None, None)),
])
def test_plain_text_periods(text: str, period: tuple[str | None, str | None]) -> None:
    assert period_from_text(text) == period


def test_several_periods_give_their_envelope() -> None:
    pkg = one("""dct:temporal "2012-01-01/2014-12-31",
                   [ a dct:PeriodOfTime ; dcat:startDate "2010-06-01"^^xsd:date ; dcat:endDate "" ] .""")
    assert (extras(pkg)["temporal_start"], extras(pkg)["temporal_end"]) == ("2010-06-01", "2014-12-31")


BOX = '{"type":"Polygon","coordinates":[[[1.0,2.0],[3.0,2.0],[3.0,4.0],[1.0,4.0],[1.0,2.0]]]}'


@pytest.mark.parametrize("spatial, expected", [
    # GeoJSON geometry first, even beside WKT; a bare GeoJSON geometry is kept as written.
    ('[ locn:geometry "POINT(9 9)"^^gsp:wktLiteral, "{\\"type\\": \\"Point\\", \\"coordinates\\": [1, 2]}"'
     '^^gsp:geoJSONLiteral ]', {"spatial": '{"type": "Point", "coordinates": [1, 2]}'}),
    # WKT in EPSG:4326 is latitude, longitude (GeoSPARQL): swapped.
    ('[ locn:geometry "<http://www.opengis.net/def/crs/EPSG/0/4326> POINT(48.1 -1.6)"^^gsp:wktLiteral ]',
     {"spatial": '{"type":"Point","coordinates":[-1.6,48.1]}'}),
    # An untyped WKT literal, lower case, in a bbox.
    ('[ dcat:bbox "polygon((1 2, 3 2, 3 4, 1 4, 1 2))" ]', {"spatial": BOX}),
    ('[ dcat:bbox "ENVELOPE(1, 3, 4, 2)"^^gsp:wktLiteral ]', {"spatial": BOX}),
    ('"1,2,3,4"', {"spatial": BOX}),  # ArcGIS: minx,miny,maxx,maxy straight in dct:spatial (as udata reads it)
    ('[ dcat:bbox "{\\"type\\": \\"Feature\\", \\"geometry\\": ' + json.dumps(BOX)[1:-1] + '}"^^gsp:geoJSONLiteral ]',
     {"spatial": BOX}),
    ('<http://sws.geonames.org/3017382/>', {"spatial_uri": "http://sws.geonames.org/3017382/"}),
    ('"Bretagne"', {"spatial_text": "Bretagne"}),
    ('[ a dct:Location ; rdfs:label "Finistère"@fr ; locn:geometry "" ]', {"spatial_text": "Finistère"}),
    ('[ skos:prefLabel "Brittany"@en, "Bretagne"@fr, "Breizh"@br ]', {"spatial_text": "Bretagne"}),
    ('[ a dct:Location ; gsp:hasGeometry [ gsp:asWKT "POINT(1 2)"^^gsp:wktLiteral ] ]',
     {"spatial": '{"type":"Point","coordinates":[1.0,2.0]}'}),
])
def test_spatial(spatial: str, expected: dict[str, str]) -> None:
    pkg = one(f"dct:spatial {spatial} .")
    assert {k: v for k, v in extras(pkg).items() if k.startswith("spatial")} == expected
    assert WARNINGS_KEY not in pkg


@pytest.mark.parametrize("geometry, message", [
    ('"POLYGON((1 2, 3 4"^^gsp:wktLiteral', "invalid WKT"),
    ('"{not json"^^gsp:geoJSONLiteral', "invalid JSON"),
    ('"{\\"type\\": \\"Polygon\\", \\"coordinates\\": []}"^^gsp:geoJSONLiteral', "empty geometry"),
    ('"POINT(200 100)"^^gsp:wktLiteral', "is not a longitude/latitude"),
    ('"<gml:Point><gml:pos>1 2</gml:pos></gml:Point>"^^gsp:gmlLiteral', "other than an Envelope"),
    ('"<gml:Envelope srsName=\\"http://www.opengis.net/def/crs/EPSG/0/2154\\"><gml:lowerCorner>100000 6000000'
     '</gml:lowerCorner><gml:upperCorner>200000 7000000</gml:upperCorner></gml:Envelope>"^^gsp:gmlLiteral',
     "not longitude/latitude"),
])
def test_a_geometry_that_does_not_read_is_a_warning_not_a_value(geometry: str, message: str) -> None:
    pkg = one(f"dct:spatial [ a dct:Location ; locn:geometry {geometry} ] .")
    assert not any(k.startswith("spatial") for k in extras(pkg))
    [warning] = pkg[WARNINGS_KEY]
    assert warning.startswith("dct:spatial geometry ") and message in warning


@pytest.mark.parametrize("srs, corners", [
    ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", ("1 2", "3 4")),
    ("http://www.opengis.net/def/crs/EPSG/0/4326", ("2 1", "4 3")),  # EPSG 4326 is latitude first
    (None, ("1 2", "3 4")),
])
def test_a_gml_envelope_bbox_is_read(srs: str | None, corners: tuple[str, str]) -> None:
    """What Moisson writes in dcat:bbox (and GeoDCAT-AP beside GeoJSON and WKT)."""
    attribute = f' srsName=\\"{srs}\\"' if srs else ""
    envelope = (f'"<gml:Envelope xmlns:gml=\\"http://www.opengis.net/gml/3.2\\"{attribute}>'
                f"<gml:lowerCorner>{corners[0]}</gml:lowerCorner><gml:upperCorner>{corners[1]}</gml:upperCorner>"
                '</gml:Envelope>"^^gsp:gmlLiteral')
    pkg = one(f"dct:spatial [ a dct:Location ; dcat:bbox {envelope} ] .")
    assert json.loads(extras(pkg)["spatial"]) == json.loads(BOX)
    assert WARNINGS_KEY not in pkg


def test_a_readable_bbox_stands_in_for_a_broken_geometry_with_a_warning() -> None:
    pkg = one("""dct:spatial [ a dct:Location ; locn:geometry "POLYGON((oops))"^^gsp:wktLiteral ;
                               dcat:bbox "POLYGON((1 2, 3 2, 3 4, 1 4, 1 2))"^^gsp:wktLiteral ] .""")
    assert extras(pkg)["spatial"] == BOX and len(pkg[WARNINGS_KEY]) == 1


def test_several_places_merge_into_one_sorted_multipolygon() -> None:
    pkg = one("""dct:spatial [ locn:geometry "POLYGON((5 5, 6 5, 6 6, 5 5))"^^gsp:wktLiteral ],
                             [ dcat:bbox "POLYGON((1 2, 3 2, 3 4, 1 4, 1 2))"^^gsp:wktLiteral ],
                             [ dcat:bbox "POLYGON((1 2, 3 2, 3 4, 1 4, 1 2))"^^gsp:wktLiteral ],
                             <http://sws.geonames.org/3017382/> .""")
    assert json.loads(extras(pkg)["spatial"]) == {"type": "MultiPolygon", "coordinates": [
        json.loads(BOX)["coordinates"], [[[5.0, 5.0], [6.0, 5.0], [6.0, 6.0], [5.0, 5.0]]]]}
    assert extras(pkg)["spatial_uri"] == "http://sws.geonames.org/3017382/"


@pytest.mark.parametrize("text, expected", [
    ("United States", {"spatial_text": "United States"}),
    ("http://sws.geonames.org/6252001/", {"spatial_uri": "http://sws.geonames.org/6252001/"}),
    ("1,2,3,4", {"spatial": BOX}),
    ('{"type": "Point", "coordinates": [1, 2]}', {"spatial": '{"type": "Point", "coordinates": [1, 2]}'}),
    ("POINT (1 2)", {"spatial": '{"type":"Point","coordinates":[1.0,2.0]}'}),
    ("POINT (1 200)", {}),
    ("  ", {}),
])
def test_spatial_given_as_text(text: str, expected: dict[str, str]) -> None:
    """data.json's `spatial` (DCAT-US: a place name, a URI, "W,S,E,N" or GeoJSON)."""
    warnings: list[str] = []
    assert spatial_from_text(text, warnings) == expected
    assert len(warnings) == (1 if text == "POINT (1 200)" else 0)


def test_label_themes_republish_without_invented_uris_and_read_back() -> None:
    """A blank-node theme's label is not a URI: the writer must not make an EU data-theme URI of a label in
    capitals, and Moisson reading its own export gets the harvested dict back."""
    graph = Graph().parse(HERE.parent / "harvest" / "fixtures" / "geonetwork-geodcat.rdf", format="xml")
    harvested = dict(datasets_from_graph(graph))[
        "https://geo.region.example/geonetwork/srv/api/records/0f5e1c2a-occupation-du-sol"]
    assert isinstance(harvested, dict)
    package = {**harvested, "id": "0f5e1c2a-0000-4000-8000-000000000001", "name": "occupation-du-sol"}
    package["extras"] = [e for e in harvested["extras"] if e["key"] != "theme"] + [
        {"key": "theme", "value": '["ENERGIE", "SOCI", "TRANSPORT"]'}]
    out = new_graph()
    node = dataset_to_rdf(out, package, site_url="https://moisson.example")
    assert sorted(map(str, out.objects(node, DCAT.theme))) == [
        "http://publications.europa.eu/resource/authority/data-theme/SOCI"]
    [(_, back)] = list(datasets_from_graph(Graph().parse(data=out.serialize(format="turtle"), format="turtle")))
    assert extras(back) == extras(package)
