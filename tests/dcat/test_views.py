"""DCAT endpoints on a real database (SQLite and PostgreSQL): formats, negotiation, paging, privacy, errors."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, RDF

from catalog.dcat.from_rdf import datasets_from_graph
from catalog.dcat.views import FORMATS
from catalog.dcat.vocab import HYDRA

PARSER = {"ttl": "turtle", "rdf": "xml", "xml": "xml", "jsonld": "json-ld", "n3": "n3", "nt": "nt"}


def make_dataset(call, actor, org_id, name, **fields):
    data = {"name": name, "title": f"Titre {name}", "owner_org": org_id, "license_id": "lov2",
            "notes": "Description", "extras": [{"key": "frequency", "value": "annual"}],
            "resources": [{"url": f"http://example.org/{name}.csv", "name": f"{name}.csv", "format": "csv"}]}
    data.update(fields)
    return call("package_create", actor, **data)


def parse(response, ext):
    assert response.status_code == 200, response.get_data(as_text=True)
    return Graph().parse(data=response.get_data(), format=PARSER[ext])


def obj(graph, predicate):
    """The object of the one triple with this predicate (or None)."""
    return next(graph.objects(None, predicate), None)


def dataset_names(graph):
    return sorted(pkg["name"] for _, pkg in datasets_from_graph(graph))


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_catalog_in_every_syntax(client, call, sysadmin, org, ext):
    make_dataset(call, sysadmin, org["id"], "rsa-par-commune")
    response = client.get(f"/catalog.{ext}")
    assert response.mimetype == FORMATS[ext][1]
    graph = parse(response, ext)
    assert len(list(graph.subjects(RDF.type, DCAT.Catalog))) == 1
    assert dataset_names(graph) == ["rsa-par-commune"]


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_dataset_by_id_or_name_in_every_syntax(client, call, sysadmin, org, ext):
    created = make_dataset(call, sysadmin, org["id"], "paje-par-commune")
    for key in (created["id"], created["name"]):
        graph = parse(client.get(f"/dataset/{key}.{ext}"), ext)
        [(uri, pkg)] = list(datasets_from_graph(graph))
        assert uri == f"http://test.moisson.local/dataset/{created['id']}"
        assert pkg["name"] == "paje-par-commune" and pkg["license_id"] == "lov2"


def test_private_draft_and_deleted_datasets_never_appear(client, call, sysadmin, org):
    make_dataset(call, sysadmin, org["id"], "public-one")
    private = make_dataset(call, sysadmin, org["id"], "private-one", private=True)
    draft = make_dataset(call, sysadmin, org["id"], "draft-one", state="draft")
    deleted = make_dataset(call, sysadmin, org["id"], "deleted-one")
    call("package_delete", sysadmin, id=deleted["id"])
    graph = parse(client.get("/catalog.ttl"), "ttl")
    assert dataset_names(graph) == ["public-one"]
    assert int(obj(graph, HYDRA.totalItems)) == 1
    for hidden in (private, draft, deleted):
        assert client.get(f"/dataset/{hidden['id']}.ttl").status_code == 404
        assert client.get(f"/dataset/{hidden['name']}.jsonld").status_code == 404


def test_content_negotiation(client, call, sysadmin, org):
    created = make_dataset(call, sysadmin, org["id"], "negotiated")
    response = client.get("/catalog", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    assert dataset_names(parse(response, "jsonld")) == ["negotiated"]
    response = client.get(f"/dataset/{created['id']}", headers={"Accept": "application/rdf+xml"})
    assert response.mimetype == "application/rdf+xml"
    assert dataset_names(parse(response, "rdf")) == ["negotiated"]
    response = client.get(f"/dataset/{created['name']}", headers={"Accept": "text/turtle;q=0.9, */*;q=0.1"})
    assert response.mimetype == "text/turtle"
    # A browser asking for HTML is left to the web pages (404 here when the web UI is not installed).
    response = client.get(f"/dataset/{created['id']}", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.mimetype != "text/turtle"


def test_profile_switch(client, call, sysadmin, org):
    make_dataset(call, sysadmin, org["id"], "versioned", version="2.0")
    dcat3 = client.get("/catalog.nt?profiles=dcat_ap_3").get_data(as_text=True)
    dcat2 = client.get("/catalog.nt?profiles=euro_dcat_ap_2").get_data(as_text=True)
    assert "<http://www.w3.org/ns/dcat#version>" in dcat3 and "owl#versionInfo" not in dcat3
    assert "owl#versionInfo" in dcat2
    response = client.get("/catalog.ttl?profiles=dcat_ap_9")
    assert response.status_code == 400 and "dcat_ap_3" in response.get_data(as_text=True)


def walk(client, url):
    """Follow hydra next links like a harvester; return every dataset name seen, in order."""
    seen, pages = [], 0
    while url:
        graph = parse(client.get(url.replace("http://test.moisson.local", "")), "ttl")
        seen += [pkg["name"] for _, pkg in datasets_from_graph(graph)]
        nxt = obj(graph, HYDRA.next)
        url, pages = (str(nxt) if nxt else None), pages + 1
        assert pages < 50
    return seen, graph


def test_paging_walk_sees_each_dataset_once_even_when_edited_meanwhile(client, call, sysadmin, org):
    created = [make_dataset(call, sysadmin, org["id"], f"ds-{i:02d}") for i in range(7)]
    first = parse(client.get("/catalog.ttl?per_page=3"), "ttl")
    view = next(first.subjects(RDF.type, HYDRA.PagedCollection))
    assert int(first.value(view, HYDRA.totalItems)) == 7
    assert int(first.value(view, HYDRA.itemsPerPage)) == 3
    assert "page=3" in str(first.value(view, HYDRA.last)) and first.value(view, HYDRA.lastPage)
    assert first.value(view, HYDRA.previous) is None
    # An edit during the walk must not move a dataset to another page.
    call("package_patch", sysadmin, id=created[0]["id"], notes="edited")
    seen, last = walk(client, "/catalog.ttl?per_page=3")
    assert sorted(seen) == sorted(c["name"] for c in created) and len(seen) == 7
    assert obj(last, HYDRA.next) is None and obj(last, HYDRA.previous) is not None
    # Random access by page number gives the same pages.
    by_number = []
    for page in (1, 2, 3):
        by_number += dataset_names(parse(client.get(f"/catalog.ttl?per_page=3&page={page}"), "ttl"))
    assert sorted(by_number) == sorted(seen)


def test_next_links_page_by_key_so_a_page_costs_the_same_anywhere(client, services, call, sysadmin, org):
    """A harvester following next links must never make the database skip rows (OFFSET grows with the page)."""
    from sqlalchemy import event

    created = sorted(make_dataset(call, sysadmin, org["id"], f"k-{i}")["id"] for i in range(5))
    first = parse(client.get("/catalog.ttl?per_page=2"), "ttl")
    nxt = str(obj(first, HYDRA.next))
    assert f"after={created[1]}" in nxt
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(services.db.engine, "before_cursor_execute", record)
    try:
        second = parse(client.get(nxt.replace("http://test.moisson.local", "")), "ttl")
    finally:
        event.remove(services.db.engine, "before_cursor_execute", record)
    assert sorted(str(uri).rsplit("/", 1)[1] for uri, _ in datasets_from_graph(second)) == created[2:4]
    [(statement, parameters)] = [(s, p) for s, p in statements if "ORDER BY package.id" in s]
    assert "package.id >" in statement
    # SQLite always writes "LIMIT ? OFFSET ?"; the offset must then be 0. PostgreSQL writes no OFFSET.
    assert "OFFSET" not in statement or list(parameters)[-1] == 0, (statement, parameters)


def test_modified_since(client, call, sysadmin, org):
    old = make_dataset(call, sysadmin, org["id"], "old-one")
    new = make_dataset(call, sysadmin, org["id"], "new-one")
    since = new["metadata_modified"]
    assert since > old["metadata_modified"]
    names = dataset_names(parse(client.get(f"/catalog.ttl?modified_since={since}"), "ttl"))
    assert names == ["new-one"]
    assert client.get("/catalog.ttl?modified_since=yesterday").status_code == 400


@pytest.mark.parametrize("url", [
    "/catalog.csv", "/catalog.ttl?page=0", "/catalog.ttl?page=-1", "/catalog.ttl?page=abc",
    "/catalog.ttl?page=99999999999999999999", "/catalog.ttl?per_page=100000", "/dataset/x.docx",
])
def test_client_mistakes_get_a_400_that_says_why(client, url):
    response = client.get(url)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Supported formats: jsonld, n3, nt, rdf, ttl, xml" in text or "between 1 and" in text


def test_page_past_the_end_is_empty_not_an_error(client, call, sysadmin, org):
    make_dataset(call, sysadmin, org["id"], "alone")
    graph = parse(client.get("/catalog.ttl?page=5"), "ttl")
    assert dataset_names(graph) == []
    assert obj(graph, HYDRA.previous) is not None


@pytest.mark.usefixtures("each_search_backend")  # the search answers q and fq
def test_q_and_fq_go_through_package_search(client, call, sysadmin, org):
    make_dataset(call, sysadmin, org["id"], "logement-caf", title="Aide au logement")
    make_dataset(call, sysadmin, org["id"], "rsa-caf", title="Revenu de solidarité")
    make_dataset(call, sysadmin, org["id"], "secret-logement", title="Aide au logement", private=True)
    names = dataset_names(parse(client.get("/catalog.ttl?q=logement"), "ttl"))
    assert names == ["logement-caf"]
    names = dataset_names(parse(client.get("/catalog.ttl?fq=name:rsa-caf"), "ttl"))
    assert names == ["rsa-caf"]
    response = client.get("/catalog.ttl?q=title:(unbalanced")
    assert response.status_code == 400


def test_catalog_node_is_the_site(client):
    graph = parse(client.get("/catalog.ttl"), "ttl")
    assert (URIRef("http://test.moisson.local/catalog"), RDF.type, DCAT.Catalog) in graph
    assert int(obj(graph, HYDRA.totalItems)) == 0


@pytest.mark.parametrize("url", [
    "/dataset/%00.ttl", "/catalog.ttl?after=%00", "/catalog.ttl?modified_since=2020-01-01%00", "/catalog.ttl?q=%00",
    "/catalog.ttl?profiles=%00", "/dataset/" + "x" * 5000 + ".ttl", "/dataset/%C3%A9t%C3%A9.jsonld",
    "/catalog.ttl?modified_since=9999-12-31T23:59:59%2B14:00", "/catalog.ttl?modified_since=0001-01-01T00:00:00%2B01:00",
    "/catalog.ttl?after=zzzz&page=2", "/catalog.nt?page=1&per_page=1&profiles=dcat_ap_2,dcat_ap_3",
])
def test_odd_requests_never_get_a_500(client, url):
    assert client.get(url).status_code in (200, 400, 404)


def test_random_query_strings_never_get_a_500(client, call, sysadmin, org):
    from hypothesis import HealthCheck, given, note, settings
    from hypothesis import strategies as st

    make_dataset(call, sysadmin, org["id"], "fuzzed")
    # q and fq are the search parser's (tests/search); DCAT's own handling of them is tested above and below.
    keys = st.sampled_from(["page", "per_page", "after", "modified_since", "profiles", "other"])

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(params=st.dictionaries(keys, st.text(max_size=30), max_size=4),
           ext=st.sampled_from([*FORMATS, "csv", ""]))
    def check(params, ext):
        path = f"/catalog.{ext}" if ext else "/catalog"
        note(f"{path} {params!r}")
        assert client.get(path, query_string=params).status_code in (200, 400)

    check()


@pytest.mark.usefixtures("each_search_backend")  # the search answers q and fq
def test_search_syntax_error_is_a_400(client):
    assert client.get("/catalog.ttl", query_string={"q": "a^."}).status_code == 400
