"""Reading other catalogs' DCAT (hand-written fixtures shaped like udata, CKAN and OpenDataSoft exports)."""

from __future__ import annotations

import json
from pathlib import Path

from rdflib import Graph

from catalog.dcat.from_rdf import DatasetReadError, datasets_from_graph

FIXTURES = Path(__file__).parent / "fixtures"
EU = "http://publications.europa.eu/resource/authority/"


def read(name: str, fmt: str) -> dict[str, object]:
    graph = Graph().parse(FIXTURES / name, format=fmt)
    return dict(datasets_from_graph(graph))


def extras(pkg) -> dict[str, str]:
    return {e["key"]: e["value"] for e in pkg["extras"]}


def test_udata_style_turtle():
    found = read("udata-style.ttl", "turtle")
    aah = found["https://www.data.gouv.fr/datasets/5a0b1c2d3e4f"]
    assert aah["title"] == "Bénéficiaires de l'AAH par Caf"
    assert [t["name"] for t in aah["tags"]] == ["aah", "caf", "handicap"]
    assert aah["license_id"] == "lov2"
    assert aah["url"] == "https://www.data.gouv.fr/fr/datasets/beneficiaires-aah-par-caf/"
    assert extras(aah) | {"spatial": "..."} == {
        "frequency": EU + "frequency/ANNUAL",  # Dublin Core URI read as the EU one
        "identifier": "5a0b1c2d3e4f", "issued": "2019-01-15T10:00:00", "modified": "2024-02-01T08:30:00",
        "publisher_name": "Caisse nationale des allocations familiales", "spatial": "...",
        "temporal_start": "2015-12-31", "temporal_end": "2022-12-31",
        "uri": "https://www.data.gouv.fr/datasets/5a0b1c2d3e4f",
    }
    assert json.loads(extras(aah)["spatial"])["type"] == "Polygon"
    [csv] = aah["resources"]
    assert csv == {"url": "https://static.data.gouv.fr/resources/aah/AAH_Caf_2022.csv", "name": "AAH_Caf_2022.csv",
                   "format": "CSV", "mimetype": "text/csv", "size": 48213,
                   "hash": "3f786850e387550fdab836ed7e6dc881de23001b", "created": "2023-03-01T00:00:00"}
    prepare = found["https://www.data.gouv.fr/datasets/6b1c2d3e4f5a"]
    assert prepare["license_id"] == "lov2"  # an alternate URL of Licence Ouverte 2.0
    assert prepare["resources"] == [] and prepare["notes"] is None
    assert extras(prepare)["frequency"] == EU + "frequency/MONTHLY"


def test_ckan_style_rdf_xml_with_literals_and_two_languages():
    found = read("ckan-style.rdf", "xml")
    error = found["https://ckan.example.org/dataset/untitled"]
    assert isinstance(error, DatasetReadError) and "dct:title" in str(error)
    pkg = found["https://ckan.example.org/dataset/8d2f4c1e-aaaa-4bbb-8ccc-123456789abc"]
    assert pkg["title"] == "Crèches et établissements d'accueil du jeune enfant"  # French preferred
    assert pkg["notes"].startswith("Adresses")
    assert json.loads(extras(pkg)["title_translated"]) == {
        "en": "Childcare facilities", "fr": "Crèches et établissements d'accueil du jeune enfant"}
    assert pkg["license_id"] == "lov2"  # from the literal title "Licence Ouverte v2.0"
    assert pkg["version"] == "2021"
    assert extras(pkg)["frequency"] == EU + "frequency/ANNUAL"  # from the literal "ANNUAL"
    assert extras(pkg)["language"] == "fr" and extras(pkg)["theme"] == "Social"
    assert extras(pkg)["publisher_name"] == "CNAF"  # a literal publisher
    assert extras(pkg)["contact_email"] == "dser@example.org"  # vcard:hasEmail node with vcard:value
    assert extras(pkg)["alternate_identifier"] == "EAJE-2021"
    [xlsx] = pkg["resources"]
    assert xlsx == {"url": "https://ckan.example.org/files/eaje.xlsx", "name": "eaje.xlsx", "format": "XLSX"}


def test_opendatasoft_style_json_ld():
    [(uri, pkg)] = read("opendatasoft-style.jsonld", "json-ld").items()
    assert uri == "https://caf.opendatasoft.example/explore/dataset/paje-par-commune/"
    assert pkg["title"] == "PAJE par commune"
    assert [t["name"] for t in pkg["tags"]] == ["paje", "petite enfance"]  # duplicates dropped
    assert pkg["license_id"] == "odc-odbl"
    assert json.loads(extras(pkg)["language"]) == ["en", "fr"]
    assert json.loads(extras(pkg)["theme"]) == ["Famille", EU + "data-theme/SOCI"]
    assert extras(pkg)["temporal_start"] == "2016-01-01"  # schema:startDate accepted
    assert extras(pkg)["publisher_email"] == "contact@caf.example"
    csv, geojson = pkg["resources"]
    assert (csv["format"], csv["mimetype"]) == ("CSV", "text/csv")
    assert (geojson["format"], geojson["size"]) == ("GeoJSON", 1048576)
    assert geojson["url"].endswith("/exports/geojson")


def test_blank_node_datasets_and_unknown_codes():
    found = read("minimal.nt", "nt")
    assert found["http://portal.example/ds/1"]["title"] == "Only a title"
    [blank] = [pkg for uri, pkg in found.items() if not uri.startswith("http")]
    assert blank["title"] == "Blank-node dataset"
    assert "uri" not in extras(blank)
    assert blank["resources"] == [{"url": "http://portal.example/files/x.json", "format": "JSON"}]
    assert extras(blank)["frequency"] == EU + "frequency/NOT_A_CODE"  # kept, not guessed


def test_one_broken_dataset_does_not_stop_the_others():
    graph = Graph().parse(FIXTURES / "ckan-style.rdf", format="xml")
    results = list(datasets_from_graph(graph))
    assert [type(r).__name__ for _, r in results] == ["dict", "DatasetReadError"]
