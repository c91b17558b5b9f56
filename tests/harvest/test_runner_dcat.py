"""DCAT RDF sources (static files in four syntaxes with hydra pages) and data.json documents."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.context import SYSTEM
from tests.harvest.remote import RemoteServer

MEDIA = {"ttl": "text/turtle", "rdf": "application/rdf+xml", "jsonld": "application/ld+json",
         "nt": "application/n-triples"}


def serve_catalog(remote: RemoteServer, ext: str) -> str:
    for number in (1, 2):
        remote.add_file(f"/dcat/catalog-{number}.{ext}", f"catalog-{number}.{ext}", MEDIA[ext])
    return remote.url(f"/dcat/catalog-1.{ext}")


@pytest.mark.parametrize("ext", sorted(MEDIA))
def test_each_syntax_with_hydra_pages(ext: str, remote: RemoteServer, make_source: Any, run: Any,
                                      call: Any) -> None:
    source = make_source(serve_catalog(remote, ext), source_type="dcat_rdf")
    job = run(source)
    assert job["gather_errors"] == []
    assert job["stats"]["added"] == 5 and remote.hits[f"/dcat/catalog-2.{ext}"] == 1
    names = sorted(call("package_list", SYSTEM))
    assert len(names) == 5
    package = call("package_show", SYSTEM, id=names[0])
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["guid"].startswith("http://data.example.org/dataset/")
    assert package["resources"][0]["url"].startswith("http://data.example.org/files/")
    again = run(source)
    assert again["stats"]["unchanged"] == 5  # RDF order is not stable across parses; hashes are


def test_dcat_change_and_deletion(remote: RemoteServer, make_source: Any, run: Any, call: Any) -> None:
    source = make_source(serve_catalog(remote, "ttl"), source_type="dcat_rdf", deletion_threshold=0.5)
    run(source)
    text = remote.routes["/dcat/catalog-2.ttl"]({}).body.decode()  # type: ignore[union-attr]
    # Page 2 now lists dataset 4 only, with a new title.
    start = text.index("<http://data.example.org/dataset/5> a")
    trimmed = text[:start] + text[text.index(" .\n", start) + 3 :]
    remote.add("/dcat/catalog-2.ttl", trimmed.replace("DCAT dataset 4", "Renamed 4").replace(
        "totalItems 5", "totalItems 4"), "text/turtle")  # the announced total follows (else: a shortfall)
    job = run(source)
    assert (job["stats"]["updated"], job["stats"]["unchanged"], job["stats"]["deleted"]) == (1, 3, 1)


def test_hydra_loop_is_a_gather_error(remote: RemoteServer, make_source: Any, run: Any) -> None:
    remote.add_file("/dcat/loop-1.ttl", "loop-1.ttl", "text/turtle")
    remote.add_file("/dcat/loop-2.ttl", "loop-2.ttl", "text/turtle")
    job = run(make_source(remote.url("/dcat/loop-1.ttl"), source_type="dcat_rdf"))
    assert "Paging loop" in job["gather_errors"][0]["detail"]
    assert job["stats"]["added"] == 2 and remote.hits["/dcat/loop-1.ttl"] == 1


@pytest.mark.parametrize("body, media", [
    ("@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<a> a dcat:Dataset ;; broken", "text/turtle"),
    ("<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><unclosed>", "application/rdf+xml"),
    ('{"@context": {"dcat": "http://www.w3.org/ns/dcat#"}, "@id": ', "application/ld+json"),
])
def test_invalid_rdf_is_a_gather_error(body: str, media: str, remote: RemoteServer, make_source: Any,
                                       run: Any, call: Any) -> None:
    source = make_source(serve_catalog(remote, "ttl"), source_type="dcat_rdf")
    run(source)
    remote.add("/dcat/catalog-2.ttl", body, media)
    job = run(source)
    assert "Could not parse" in job["gather_errors"][0]["detail"]
    assert job["stats"]["deleted"] == 0 and len(call("package_list", SYSTEM)) == 5


def test_dataset_without_identity_is_skipped(remote: RemoteServer, make_source: Any, run: Any) -> None:
    remote.add_file("/dcat/blank.ttl", "blank-node.ttl", "text/turtle")
    job = run(make_source(remote.url("/dcat/blank.ttl"), source_type="dcat_rdf"))
    assert (job["stats"]["added"], job["stats"]["skipped"]) == (1, 1)


def test_data_json(remote: RemoteServer, make_source: Any, run: Any, call: Any) -> None:
    remote.add_file("/data.json", "catalog.json", "application/json")
    source = make_source(remote.url("/data.json"), source_type="dcat_json")
    job = run(source)
    assert job["stats"]["added"] == 3 and job["gather_errors"] == []
    package = call("package_show", SYSTEM, id="population-by-county")
    assert package["notes"] == "Yearly population estimates by county."
    assert {t["name"] for t in package["tags"]} == {"population", "demography"}
    assert [r["url"] for r in package["resources"]] == [
        "https://agency.example.gov/files/population.csv", "https://agency.example.gov/api/population"]
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["guid"] == "https://agency.example.gov/data/population"
    # The keys the DCAT mapping reads (catalog/dcat/to_rdf.MAPPED_EXTRAS), not backend-specific ones.
    assert extras["modified"] == "2025-06-01" and "dcat_modified" not in extras
    assert extras["contact_email"] == "data@agency.example.gov"
    budget = call("package_show", SYSTEM, id="budget")
    assert {t["name"] for t in budget["tags"]} == {"finance", "budget"}
    assert run(source)["stats"]["unchanged"] == 3


def test_data_json_that_is_not_a_catalog(remote: RemoteServer, make_source: Any, run: Any) -> None:
    remote.add("/data.json", '{"hello": "world"}')
    job = run(make_source(remote.url("/data.json"), source_type="dcat_json"))
    assert "neither a data.json catalog" in job["gather_errors"][0]["detail"]
