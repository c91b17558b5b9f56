"""Issue 12 item 7: one upstream dataset harvested by two sources is two local datasets, and Moisson's DCAT
output shows exactly one dcat:Dataset for each: the first created publishes under the upstream URI, the other
under its own URI with the upstream URI as an adms:identifier (catalog/dcat/uri_owners.py)."""

from __future__ import annotations

from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SKOS

from catalog.context import SYSTEM
from catalog.dcat.from_rdf import datasets_from_graph
from catalog.dcat.stream import dump
from catalog.dcat.vocab import ADMS
from tests.harvest.remote import RemoteServer

UPSTREAM = "http://data.example.org/dataset/1"
SITE = "http://test.moisson.local"


def harvest_twice(remote: RemoteServer, make_source: Any, run: Any) -> list[dict[str, Any]]:
    """Two sources over the same two-page DCAT catalog (served at two addresses): 5 upstream datasets each."""
    jobs = []
    for name in ("region", "national"):
        for number in (1, 2):
            remote.add_file(f"/{name}/catalog-{number}.ttl", f"catalog-{number}.ttl", "text/turtle")
        text = remote.routes[f"/{name}/catalog-1.ttl"]({}).body.decode()  # type: ignore[union-attr]
        remote.add(f"/{name}/catalog-1.ttl", text.replace("/dcat/catalog-2.ttl", f"/{name}/catalog-2.ttl"),
                   "text/turtle")
        jobs.append(run(make_source(remote.url(f"/{name}/catalog-1.ttl"), source_type="dcat_rdf", name=name)))
    return jobs


def copies_of(call: Any, uri: str) -> list[dict[str, Any]]:
    found = []
    for name in call("package_list", SYSTEM):
        package = call("package_show", SYSTEM, id=name)
        if {e["key"]: e["value"] for e in package["extras"]}.get("uri") == uri:
            found.append(package)
    return sorted(found, key=lambda p: p["metadata_created"])


def dataset_nodes(graph: Graph) -> set[Any]:
    return set(graph.subjects(RDF.type, DCAT.Dataset))


def test_each_local_copy_is_one_dcat_dataset(remote: RemoteServer, make_source: Any, run: Any, call: Any,
                                             client: Any) -> None:
    jobs = harvest_twice(remote, make_source, run)
    assert [job["stats"]["added"] for job in jobs] == [5, 5]
    assert len(call("package_list", SYSTEM)) == 10
    first, second = copies_of(call, UPSTREAM)

    graph = Graph().parse(data=client.get("/catalog.ttl?per_page=100").get_data(), format="turtle")
    assert len(dataset_nodes(graph)) == 10  # before: 5, each node the merge of two datasets
    own = URIRef(f"{SITE}/dataset/{second['id']}")
    assert URIRef(UPSTREAM) in dataset_nodes(graph) and own in dataset_nodes(graph)
    assert {str(t) for t in graph.objects(URIRef(UPSTREAM), DCTERMS.title)} == {first["title"]}
    assert len(list(graph.objects(URIRef(UPSTREAM), DCAT.distribution))) == len(first["resources"])
    # The second copy: its own URI as dct:identifier (udata keys harvested datasets by it), the upstream one
    # as a secondary identifier.
    assert list(graph.objects(own, DCTERMS.identifier)) == [Literal(str(own))]
    notations = {graph.value(i, SKOS.notation) for i in graph.objects(own, ADMS.identifier)}
    assert Literal(UPSTREAM) in notations
    identifiers = [str(i) for node in dataset_nodes(graph) for i in graph.objects(node, DCTERMS.identifier)]
    assert len(identifiers) == len(set(identifiers)) == 10

    # Read back (another Moisson harvesting this one): the copy keeps its upstream uri and identifier extras.
    back = dict(datasets_from_graph(graph))
    extras = {e["key"]: e["value"] for e in back[str(own)]["extras"]}
    assert extras["uri"] == UPSTREAM and back[str(own)]["name"] == second["name"]

    # The dataset's own document says the same as the catalog.
    single = Graph().parse(data=client.get(f"/dataset/{second['id']}.ttl").get_data(), format="turtle")
    assert dataset_nodes(single) == {own}
    single = Graph().parse(data=client.get(f"/dataset/{first['id']}.ttl").get_data(), format="turtle")
    assert dataset_nodes(single) == {URIRef(UPSTREAM)}


def test_the_dump_writes_each_copy_once(remote: RemoteServer, make_source: Any, run: Any, services: Any,
                                        tmp_path: Any) -> None:
    harvest_twice(remote, make_source, run)
    path = tmp_path / "catalog.nt"
    with path.open("wb") as out:
        assert dump(services, out, fmt="nt", batch_size=3) == 10  # copies fall in different batches
    assert len(dataset_nodes(Graph().parse(path, format="nt"))) == 10


def test_a_private_copy_does_not_take_the_upstream_uri(remote: RemoteServer, make_source: Any, run: Any,
                                                       call: Any, sysadmin: Any, client: Any) -> None:
    harvest_twice(remote, make_source, run)
    first, second = copies_of(call, UPSTREAM)
    call("package_patch", sysadmin, id=first["id"], private=True)
    graph = Graph().parse(data=client.get("/catalog.ttl?per_page=100").get_data(), format="turtle")
    assert len(dataset_nodes(graph)) == 9
    assert URIRef(UPSTREAM) in dataset_nodes(graph)
    assert {str(t) for t in graph.objects(URIRef(UPSTREAM), DCTERMS.identifier)} != {f"{SITE}/dataset/{first['id']}"}
    assert URIRef(f"{SITE}/dataset/{second['id']}") not in dataset_nodes(graph)
