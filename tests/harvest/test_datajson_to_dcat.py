"""A US-agency data.json record keeps its dates, licence, spatial and temporal coverage through Moisson's
own DCAT (/catalog.ttl), and reading that DCAT back gives the same dataset dict (issue 12, item 5)."""

from __future__ import annotations

import json
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from catalog.context import SYSTEM
from catalog.dcat.from_rdf import datasets_from_graph
from tests.harvest.remote import RemoteServer

RECORD = {
    "@type": "dcat:Dataset",
    "title": "Fatality Analysis Reporting System",
    "description": "Census of fatal motor vehicle crashes on public roads.",
    "identifier": "https://data.transportation.example.gov/id/fars",
    "keyword": ["crashes", "safety"],
    "issued": "2010-03-15",
    "modified": "2024-11-02T09:30:00",
    "accessLevel": "public",
    "accrualPeriodicity": "R/P1Y",
    "bureauCode": ["021:18"],
    "programCode": ["021:018", "021:019"],
    "theme": ["Transportation"],
    "temporal": "2010-01-01/2020-12-31",
    "spatial": "United States",
    "license": "https://creativecommons.org/publicdomain/zero/1.0/",
    "publisher": {"@type": "org:Organization", "name": "National Highway Traffic Safety Administration"},
    "contactPoint": {"@type": "vcard:Contact", "fn": "FARS desk", "hasEmail": "mailto:fars@transportation.example.gov"},
    "distribution": [{"@type": "dcat:Distribution", "title": "FARS 2020 CSV",
                      "downloadURL": "https://data.transportation.example.gov/files/fars-2020.csv",
                      "mediaType": "text/csv"}],
}
DOCUMENT = {"@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld", "@type": "dcat:Catalog",
            "conformsTo": "https://project-open-data.cio.gov/v1.1/schema", "dataset": [RECORD]}
# What the catalog manages itself (ids, times, the harvest's own bookkeeping) is not part of the round trip.
MANAGED = {"id", "name", "metadata_created", "metadata_modified", "owner_org", "organization", "revision_id",
           "creator_user_id", "state", "private", "type", "num_resources", "num_tags", "groups",
           "relationships_as_object", "relationships_as_subject", "isopen", "license_title", "license_url"}
HARVEST_KEYS = {"guid", "harvest_object_id", "harvest_source_id", "harvest_source_title", "harvest_source_url",
                "source_hash"}


def comparable(pkg: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in pkg.items() if k not in MANAGED}
    out["extras"] = {e["key"]: e["value"] for e in pkg.get("extras") or [] if e["key"] not in HARVEST_KEYS}
    out["tags"] = sorted(t["name"] for t in pkg.get("tags") or [])
    out["resources"] = [{k: r.get(k) for k in ("url", "name", "format", "mimetype")} for r in pkg.get("resources") or []]
    return {k: v for k, v in out.items() if v not in (None, "", [], {})}


def test_data_json_record_through_dcat_and_back(remote: RemoteServer, make_source: Any, run: Any, call: Any,
                                                client: Any) -> None:
    remote.add("/data.json", json.dumps(DOCUMENT))
    job = run(make_source(remote.url("/data.json"), source_type="dcat_json"))
    assert job["stats"]["added"] == 1 and job["gather_errors"] == []
    [package] = call("package_search", SYSTEM)["results"]
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert package["license_id"] == "cc-zero"
    assert {k: extras.get(k) for k in ("issued", "modified", "temporal_start", "temporal_end", "spatial_text",
                                       "publisher_name", "contact_email", "bureauCode", "programCode", "theme")} == {
        "issued": "2010-03-15", "modified": "2024-11-02T09:30:00", "temporal_start": "2010-01-01",
        "temporal_end": "2020-12-31", "spatial_text": "United States",
        "publisher_name": "National Highway Traffic Safety Administration",
        "contact_email": "fars@transportation.example.gov", "bureauCode": "021:18",
        "programCode": '["021:018", "021:019"]', "theme": "Transportation"}
    assert "spatial" not in extras  # a place name is spatial_text; spatial holds GeoJSON only (ckanext-spatial)
    assert not package.get("author")

    response = client.get("/catalog.ttl")
    assert response.status_code == 200
    graph = Graph().parse(data=response.get_data(), format="turtle")
    [node] = graph.subjects(RDF.type, DCAT.Dataset)
    # The source's dates, not the harvest's.
    assert graph.value(node, DCTERMS.issued) == Literal("2010-03-15", datatype=XSD.date)
    assert graph.value(node, DCTERMS.modified) == Literal("2024-11-02T09:30:00", datatype=XSD.dateTime)
    assert graph.value(node, DCTERMS.license) == URIRef("http://www.opendefinition.org/licenses/cc-zero")
    period = graph.value(node, DCTERMS.temporal)
    assert period is not None
    assert graph.value(period, DCAT.startDate) == Literal("2010-01-01", datatype=XSD.date)
    assert graph.value(period, DCAT.endDate) == Literal("2020-12-31", datatype=XSD.date)
    assert graph.value(node, DCTERMS.spatial) is not None
    assert graph.value(graph.value(node, DCTERMS.publisher), FOAF.name) == Literal(
        "National Highway Traffic Safety Administration")
    assert graph.value(node, DCTERMS.creator) is None

    # Moisson -> DCAT -> Moisson again: the same dataset dict.
    [(_, reread)] = list(datasets_from_graph(graph))
    # Read from Moisson's catalog, the dataset's uri is Moisson's node for it: where it was read from.
    reread["extras"] = [e for e in reread["extras"] if e["key"] != "uri"]
    assert comparable(reread) == comparable(package)
