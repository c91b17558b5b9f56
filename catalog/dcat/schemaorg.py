"""schema.org Dataset JSON-LD for a dataset page (Google Dataset Search), read off the DCAT graph.

It is derived from dataset_to_rdf's output rather than from the package dict, so the page and the DCAT export
cannot disagree on a licence URL, a date or a download link.
"""

from __future__ import annotations

from typing import Any

from rdflib import BNode, Graph, URIRef

from catalog.dcat.from_rdf import best_literal
from catalog.dcat.graphs import new_graph
from catalog.dcat.to_rdf import dataset_to_rdf, site_base
from catalog.dcat.vocab import DCAT, DCT, FOAF, LOCN, language_code, media_type_from_term


def dataset_to_schemaorg(pkg: dict[str, Any], *, site_url: str, catalog_title: str) -> dict[str, Any]:
    graph = new_graph()
    node = dataset_to_rdf(graph, pkg, site_url=site_url)
    page = f"{site_base(site_url)}/dataset/{pkg.get('name') or pkg['id']}"
    doc: dict[str, Any] = {
        "@context": "https://schema.org/", "@type": "Dataset", "@id": str(node), "url": page,
        # One title per language when the dataset has several: the one a DCAT reader shows (the portal's).
        "name": best_literal(graph, node, DCT.title)[0], "description": best_literal(graph, node, DCT.description)[0],
        "identifier": str(graph.value(node, DCT.identifier)),
        "includedInDataCatalog": {"@type": "DataCatalog", "name": catalog_title,
                                  "url": f"{site_base(site_url)}/"},
    }
    keywords = sorted(str(k) for k in graph.objects(node, DCAT.keyword))
    if keywords:
        doc["keywords"] = keywords
    _set(doc, "datePublished", graph.value(node, DCT.issued))
    _set(doc, "dateModified", graph.value(node, DCT.modified))
    _set(doc, "version", graph.value(node, URIRef(str(DCAT) + "version")))
    _set(doc, "sameAs", graph.value(node, DCAT.landingPage))
    licence = graph.value(node, DCT.license)
    if isinstance(licence, URIRef):
        doc["license"] = str(licence)
    publisher = graph.value(node, DCT.publisher)
    if publisher is not None and graph.value(publisher, FOAF.name) is not None:
        doc["publisher"] = doc["creator"] = _organization(graph, publisher)
    period = graph.value(node, DCT.temporal)
    if period is not None:
        start, end = graph.value(period, DCAT.startDate), graph.value(period, DCAT.endDate)
        doc["temporalCoverage"] = f"{start or '..'}/{end or '..'}"
    spatial = graph.value(node, DCT.spatial)
    if spatial is not None:
        doc["spatialCoverage"] = _place(graph, spatial)
    languages = sorted(str(v) for v in graph.objects(node, DCT.language))
    if languages:
        doc["inLanguage"] = [language_code(v) for v in languages]
    distributions = [_download(graph, d) for d in sorted(graph.objects(node, DCAT.distribution), key=str)]
    if distributions:
        doc["distribution"] = distributions
    doc["isAccessibleForFree"] = True
    return doc


def _set(doc: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        doc[key] = str(value)


def _organization(graph: Graph, agent: Any) -> dict[str, Any]:
    org: dict[str, Any] = {"@type": "Organization", "name": str(graph.value(agent, FOAF.name))}
    if isinstance(agent, URIRef):
        org["url"] = str(agent)
    return org


def _place(graph: Graph, spatial: Any) -> dict[str, Any]:
    if not isinstance(spatial, BNode):
        return {"@type": "Place", "sameAs": str(spatial)}
    place: dict[str, Any] = {"@type": "Place"}
    geometry = graph.value(spatial, LOCN.geometry)
    if geometry is not None:
        place["geo"] = {"@type": "GeoShape", "description": str(geometry)}
    label = next(iter(graph.objects(spatial, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"))), None)
    if label is not None:
        place["name"] = str(label)
    return place


def _download(graph: Graph, distribution: Any) -> dict[str, Any]:
    download: dict[str, Any] = {"@type": "DataDownload"}
    url = graph.value(distribution, DCAT.downloadURL) or graph.value(distribution, DCAT.accessURL)
    if url is not None and url != distribution:
        download["contentUrl"] = str(url)
    _set(download, "name", graph.value(distribution, DCT.title))
    _set(download, "description", graph.value(distribution, DCT.description))
    media = graph.value(distribution, DCAT.mediaType)
    fmt = graph.value(distribution, DCT.format)
    if media is not None:
        download["encodingFormat"] = media_type_from_term(str(media))
    elif fmt is not None:
        download["encodingFormat"] = str(fmt).rsplit("/", 1)[-1]
    size = graph.value(distribution, DCAT.byteSize)
    if size is not None:
        download["contentSize"] = f"{size} B"
    return download
