"""Licence URIs of a data.json catalog (as US agencies, Creative Commons, the EU vocabulary and dcat-ap.de
spell them) become register ids, and /catalog.ttl republishes each as dct:license <IRI>."""

from __future__ import annotations

import json
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from catalog.context import SYSTEM
from tests.harvest.remote import RemoteServer

# title -> (licence as published, id expected, IRI expected in Moisson's DCAT)
LICENCES = {
    "Crime statistics": ("https://creativecommons.org/licenses/by/4.0/legalcode", "cc-by-4.0",
                         "https://creativecommons.org/licenses/by/4.0/"),
    "Tree inventory": ("http://publications.europa.eu/resource/authority/licence/CC0", "cc-zero",
                       "http://www.opendefinition.org/licenses/cc-zero"),
    "Road network": ("http://dcat-ap.de/def/licenses/odbl", "odc-odbl",
                     "http://opendatacommons.org/licenses/odbl/summary/"),
    "Share-alike maps": ("http://creativecommons.org/licenses/by-sa/4.0", "cc-by-sa-4.0",
                         "https://creativecommons.org/licenses/by-sa/4.0/"),
    "Own terms": ("https://data.agency.example.gov/terms-of-use/v2", "https://data.agency.example.gov/terms-of-use/v2",
                  "https://data.agency.example.gov/terms-of-use/v2"),
}


def catalog_document() -> dict[str, Any]:
    datasets = [{
        "@type": "dcat:Dataset", "title": title, "description": f"{title} of the agency.",
        "identifier": f"https://data.agency.example.gov/id/{number}", "keyword": ["open"],
        "modified": "2025-01-01", "accessLevel": "public", "license": licence,
        "publisher": {"@type": "org:Organization", "name": "Example Agency"},
        "contactPoint": {"@type": "vcard:Contact", "fn": "Data desk", "hasEmail": "mailto:data@agency.example.gov"},
        "distribution": [{"@type": "dcat:Distribution", "downloadURL": f"https://data.agency.example.gov/{number}.csv",
                          "mediaType": "text/csv"}],
    } for number, (title, (licence, _, _)) in enumerate(LICENCES.items())]
    return {"@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld", "@type": "dcat:Catalog",
            "conformsTo": "https://project-open-data.cio.gov/v1.1/schema", "dataset": datasets}


def test_licence_uris_reach_the_dataset_and_the_catalog(remote: RemoteServer, make_source: Any, run: Any,
                                                        call: Any, client: Any) -> None:
    remote.add("/data.json", json.dumps(catalog_document()))
    job = run(make_source(remote.url("/data.json"), source_type="dcat_json"))
    assert job["stats"]["added"] == len(LICENCES) and job["gather_errors"] == []
    found = call("package_search", SYSTEM, rows=20)["results"]
    assert {p["title"]: p["license_id"] for p in found} == {t: lid for t, (_, lid, _) in LICENCES.items()}
    # A known id carries its register title and URL; the kept URI is its own title.
    by_title = {p["title"]: p for p in found}
    assert by_title["Crime statistics"]["license_title"] == "Creative Commons Attribution 4.0 International"

    response = client.get("/catalog.ttl")
    assert response.status_code == 200
    graph = Graph().parse(data=response.get_data(), format="turtle")
    published = {}
    for node in graph.subjects(RDF.type, DCAT.Dataset):
        [licence] = list(graph.objects(node, DCTERMS.license))
        assert isinstance(licence, URIRef), licence  # never a blank licence document
        published[str(graph.value(node, DCTERMS.title))] = str(licence)
    assert published == {t: iri for t, (_, _, iri) in LICENCES.items()}
    assert (URIRef(LICENCES["Own terms"][2]), RDF.type, DCTERMS.LicenseDocument) in graph
    assert Literal("Own terms") in set(graph.objects(None, DCTERMS.title))
