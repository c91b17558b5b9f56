"""DCAT RDF source (Turtle, RDF/XML, JSON-LD, N-Triples...), following hydra paging; mapping by the DCAT
module (catalog.dcat.from_rdf.datasets_from_graph). A `next` link to an already visited page is a loop."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF
from rdflib.util import guess_format

from harvest.backends.base import GatherError, Page, RemoteRecord, SourceInfo, config_salt, content_hash
from harvest.fetch import Fetcher, VisitedGuard

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
MEDIA_FORMATS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "text/n3": "n3",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}
ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8, application/n-triples;q=0.7"


class DcatRdfBackend:
    name = "dcat_rdf"
    title = "DCAT RDF (Turtle, RDF/XML, JSON-LD, N-Triples) with hydra paging"

    def __init__(self, source: SourceInfo, fetcher: Fetcher, since: datetime | None = None) -> None:
        self.source = source
        self.config = source.config
        self.fetcher = fetcher
        self.salt = config_salt(self.config)
        self.guard = VisitedGuard()

    def first_cursor(self) -> dict[str, Any]:
        return {"url": self.source.url}

    def fetch_page(self, cursor: dict[str, Any]) -> Page:
        from catalog.dcat.from_rdf import datasets_from_graph

        url = cursor["url"]
        self.guard.visit(url)
        response = self.fetcher.get(url, accept=ACCEPT)
        response.raise_for_status()
        fmt = self.config.get("rdf_format") or MEDIA_FORMATS.get(response.media_type) or guess_format(url) or "xml"
        fmt = MEDIA_FORMATS.get(fmt, fmt)
        graph = Graph()
        try:
            graph.parse(data=response.body, format=fmt, publicID=response.url)
        except Exception as error:  # rdflib raises many unrelated types for bad input
            raise GatherError(f"Could not parse {url} as {fmt}: {error.__class__.__name__}: {error}") from error
        records = []
        # default_language: the language of the source's untagged titles and descriptions (else the portal's).
        for uri, dataset in datasets_from_graph(graph, untagged_language=self.config.get("default_language")):
            if isinstance(dataset, Exception):
                records.append(RemoteRecord(
                    guid=uri, content={"uri": uri}, content_hash=content_hash(uri, self.salt),
                    skip_reason=f"Could not read the dataset: {dataset}",
                ))
                continue
            extras = {e["key"]: e["value"] for e in dataset.get("extras") or []}
            # A blank node's id changes with every parse: only a real URI or dct:identifier is an identity.
            guid = extras.get("uri") or extras.get("identifier")
            if not guid:
                records.append(RemoteRecord(
                    guid=content_hash(dataset), content=dataset, content_hash=content_hash(dataset, self.salt),
                    skip_reason="dataset without URI or dct:identifier",
                ))
                continue
            landing = dataset.get("url")
            records.append(RemoteRecord(
                guid=str(guid), content=dataset, content_hash=content_hash(dataset, self.salt),
                remote_url=landing if isinstance(landing, str) and landing else str(guid),
            ))
        following = _next_page(graph, response.url)
        return Page(records, {"url": following} if following else None, _total(graph))

    def to_package_dict(self, record: RemoteRecord) -> dict[str, Any]:
        # The DCAT module already produced a package dict; drop what must not be copied as is.
        return {k: v for k, v in record.content.items() if k not in ("id", "owner_org", "organization")}


def _paging_nodes(graph: Graph) -> list[Any]:
    nodes = set(graph.subjects(RDF.type, HYDRA.PartialCollectionView))
    nodes |= set(graph.subjects(RDF.type, HYDRA.PagedCollection))
    return list(nodes)


def _next_page(graph: Graph, base: str) -> str | None:
    # ckanext-dcat writes its paging links (hydra:next, and nextPage in its legacy PagedCollection) as plain
    # string literals, not IRIs: following only IRIs read the first page of such a catalog and nothing else.
    for node in _paging_nodes(graph):
        for predicate in (HYDRA.next, HYDRA.nextPage):
            value = graph.value(node, predicate)
            if isinstance(value, URIRef | Literal) and str(value).strip():
                return urljoin(base, str(value).strip())
    return None


def _total(graph: Graph) -> int | None:
    for node in _paging_nodes(graph):
        value = graph.value(node, HYDRA.totalItems)
        if value is not None:
            try:
                return int(value)
            except ValueError:
                return None
    return None
