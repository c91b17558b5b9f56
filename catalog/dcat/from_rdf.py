"""DCAT graph -> CKAN package dicts: our own export back losslessly, other catalogs' DCAT sensibly.

`datasets_from_graph(graph)` is what the DCAT harvester uses: one (uri, dict | DatasetReadError) per
dcat:Dataset, so one bad dataset never stops a page. Literals where URIs are expected, blank nodes and several
languages are accepted; the lossless store written by to_rdf.py (schema:additionalProperty) overrides last.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from catalog.dcat import codecs, languages, vocab
from catalog.dcat.languages import PORTAL_LANGUAGE
from catalog.dcat.vocab import ADMS, DCAT, DCT, FOAF, LOCN, OWL, RDF, RDFS, SCHEMA, SKOS, SPDX, VCARD

DATASET_CLASSES = (DCAT.Dataset, URIRef(str(DCAT) + "DatasetSeries"))
DCAT_VERSION = URIRef(str(DCAT) + "version")


class DatasetReadError(Exception):
    """A dataset of the graph that cannot become a package dict; the message says why."""


def datasets_from_graph(graph: Graph, *, language: str = PORTAL_LANGUAGE, untagged_language: str | None = None
                        ) -> Iterator[tuple[str, dict[str, Any] | DatasetReadError]]:
    """Each dcat:Dataset of graph, in a stable order, as (uri, package dict) or (uri, DatasetReadError).
    `language`: the portal's, shown in `title`/`notes`; `untagged_language`: that of the graph's untagged
    titles and descriptions when it is not the portal's (best_literal)."""
    nodes = {node for cls in DATASET_CLASSES for node in graph.subjects(RDF.type, cls)}
    for node in sorted(nodes, key=str):
        try:
            yield str(node), dataset_from_rdf(graph, node, language=language, untagged_language=untagged_language)
        except DatasetReadError as error:
            yield str(node), error
        except Exception as error:  # a malformed remote graph must not stop the others
            yield str(node), DatasetReadError(f"{type(error).__name__}: {error}")


def best_literal(graph: Graph, node: Node, predicate: URIRef, language: str = PORTAL_LANGUAGE,
                 untagged_language: str | None = None) -> tuple[str | None, dict[str, str]]:
    """The value to show and every language's value. An untagged literal is in `untagged_language` (a harvest
    source's setting), else in the portal's `language`, as ckanext-dcat reads it; a tagged literal of the same
    language wins. Shown: the portal's language, then English, then the first by code (languages.pick). The
    smallest text wins among several of one language, so the result does not depend on the graph's order."""
    by_language: dict[str, str] = {}
    untagged: str | None = None
    for term in graph.objects(node, predicate):
        text = codecs.text_value(term) if isinstance(term, Literal) else str(term)
        if not text.strip():
            continue
        tag = term.language.lower() if isinstance(term, Literal) and term.language else None
        if tag is None:
            untagged = text if untagged is None else min(untagged, text)
        elif tag not in by_language or text < by_language[tag]:
            by_language[tag] = text
    if untagged is not None:
        by_language.setdefault((untagged_language or language).lower(), untagged)
    shown = languages.pick(by_language, language)
    return (by_language[shown] if shown else None), by_language


def dataset_from_rdf(graph: Graph, node: Node, *, language: str = PORTAL_LANGUAGE,
                     untagged_language: str | None = None) -> dict[str, Any]:
    title, titles = best_literal(graph, node, DCT.title, language, untagged_language)
    if not title:
        raise DatasetReadError("dataset has no dct:title")
    notes, descriptions = best_literal(graph, node, DCT.description, language, untagged_language)
    pkg: dict[str, Any] = {"title": title, "notes": notes}
    extras: dict[str, Any] = {}
    # Every language is kept (ckanext-fluent's keys); one language is just `title`/`notes`.
    if len(titles) > 1:
        extras["title_translated"] = languages.dump(titles)
    if len(descriptions) > 1:
        extras["notes_translated"] = languages.dump(descriptions)
    keywords = sorted({codecs.text_value(k) for k in graph.objects(node, DCAT.keyword) if str(k).strip()})
    pkg["tags"] = [{"name": keyword} for keyword in keywords]
    if isinstance(node, URIRef):
        extras["uri"] = str(node)
    _plain(graph, node, DCT.identifier, extras, "identifier")
    _plain(graph, node, DCT.issued, extras, "issued")
    _plain(graph, node, DCT.modified, extras, "modified")
    landing = graph.value(node, DCAT.landingPage)
    if landing is not None:
        pkg["url"] = str(landing)
    version = graph.value(node, DCAT_VERSION) or graph.value(node, OWL.versionInfo)
    if version is not None:
        pkg["version"] = str(version)
    _people_from_rdf(graph, node, pkg, extras)
    _extras_from_rdf(graph, node, extras)
    resources = [distribution_from_rdf(graph, d) for d in sorted(graph.objects(node, DCAT.distribution), key=str)]
    # Our position when stored, else by URL: blank-node labels change from one parse to the next.
    resources.sort(key=lambda r: (r["position"] if isinstance(r.get("position"), int) else float("inf"),
                                  r.get("url") or "", r.get("name") or ""))
    for resource in resources:
        resource.pop("position", None)
    pkg["resources"] = resources
    pkg["license_id"] = _licence_id(graph, node, resources)
    for kind, key, value in stored(graph, node):
        if kind == "extra":
            extras[key] = value
        else:
            pkg[key] = value
    for resource in resources:
        resource.pop("_license_id", None)
    pkg["extras"] = [{"key": key, "value": extras[key]} for key in sorted(extras)]
    return pkg


def stored(graph: Graph, node: Node) -> Iterator[tuple[str, str, Any]]:
    """The lossless store entries of a node (written by to_rdf.Kept): (kind "field"|"extra", key, value)."""
    for entry in graph.objects(node, SCHEMA.additionalProperty):
        if str(graph.value(entry, SCHEMA.propertyID)) != "ckan":
            continue
        value = graph.value(entry, SCHEMA.value)
        content = codecs.literal_value(value) if isinstance(value, Literal) else None
        if not isinstance(content, dict):
            continue
        for kind, section in (("field", "fields"), ("extra", "extras")):
            if isinstance(content.get(section), dict):
                for key, item in content[section].items():
                    yield kind, key, item


def _plain(graph: Graph, node: Node, predicate: URIRef, target: dict[str, Any], key: str) -> None:
    value = graph.value(node, predicate)
    if value is not None and str(value).strip():
        target[key] = str(value).strip()


def _people_from_rdf(graph: Graph, node: Node, pkg: dict[str, Any], extras: dict[str, Any]) -> None:
    creator = graph.value(node, DCT.creator)
    if creator is not None:
        pkg["author"] = _agent_name(graph, creator)
        mbox = graph.value(creator, FOAF.mbox) if not isinstance(creator, Literal) else None
        if mbox is not None:
            pkg["author_email"] = codecs.email_value(mbox)
    contact = graph.value(node, DCAT.contactPoint)
    if contact is not None:
        if isinstance(contact, Literal):
            extras["contact_name"] = str(contact)
        else:
            name = graph.value(contact, VCARD.fn) or graph.value(contact, VCARD["organization-name"])
            if name is not None:
                extras["contact_name"] = str(name)
            email = graph.value(contact, VCARD.hasEmail)
            if email is not None:
                # vcard:hasEmail is sometimes a node with vcard:value.
                if isinstance(email, BNode):
                    email = graph.value(email, VCARD.value) or email
                extras["contact_email"] = codecs.email_value(email)
            if isinstance(contact, URIRef):
                extras["contact_uri"] = str(contact)
    publisher = graph.value(node, DCT.publisher)
    if publisher is not None:
        name = _agent_name(graph, publisher)
        if name:
            extras["publisher_name"] = name
        if isinstance(publisher, URIRef):
            extras["publisher_uri"] = str(publisher)
        if not isinstance(publisher, Literal):
            for key, predicate in (("publisher_email", FOAF.mbox), ("publisher_url", FOAF.homepage),
                                   ("publisher_type", DCT.type)):
                value = graph.value(publisher, predicate)
                if value is not None:
                    extras[key] = codecs.email_value(value) if key == "publisher_email" else str(value)


def _agent_name(graph: Graph, agent: Node) -> str | None:
    if isinstance(agent, Literal):
        return str(agent)
    for predicate in (FOAF.name, VCARD.fn, SKOS.prefLabel, RDFS.label):
        name, _ = best_literal(graph, agent, predicate)
        if name:
            return name
    return None


def _extras_from_rdf(graph: Graph, node: Node, extras: dict[str, Any]) -> None:
    frequency = graph.value(node, DCT.accrualPeriodicity)
    if frequency is not None:
        uri = vocab.frequency_uri(str(frequency))
        extras["frequency"] = str(uri) if uri is not None else str(frequency)
    period = graph.value(node, DCT.temporal)
    if period is not None and not isinstance(period, Literal):
        for key, predicates in (("temporal_start", (DCAT.startDate, SCHEMA.startDate)),
                                ("temporal_end", (DCAT.endDate, SCHEMA.endDate))):
            value = next((v for p in predicates for v in graph.objects(period, p)), None)
            if value is not None:
                extras[key] = str(value)
    spatial = graph.value(node, DCT.spatial)
    if spatial is not None:
        extras["spatial"] = _spatial_value(graph, spatial)
    languages = [vocab.language_code(str(v)) if isinstance(v, URIRef) else str(v)
                 for v in graph.objects(node, DCT.language)]
    themes = [str(v) for v in graph.objects(node, DCAT.theme)]
    alternates = [str(graph.value(i, SKOS.notation) or i) for i in graph.objects(node, ADMS.identifier)]
    for key, values in (("language", languages), ("theme", themes), ("alternate_identifier", alternates)):
        value = codecs.multi_value(sorted(values))
        if value is not None:
            extras[key] = value


def _spatial_value(graph: Graph, spatial: Node) -> str:
    if not isinstance(spatial, BNode):
        return str(spatial)
    for predicate in (LOCN.geometry, DCAT.bbox, DCAT.centroid, SKOS.prefLabel, RDFS.label):
        value = graph.value(spatial, predicate)
        if value is not None:
            return str(value)
    return ""


def _licence_id(graph: Graph, node: Node, resources: list[dict[str, Any]]) -> str | None:
    for term in [*graph.objects(node, DCT.license), *graph.objects(node, DCT.rights)]:
        found = licence_term_id(graph, term)
        if found:
            return found
    return next((r["_license_id"] for r in resources if r.get("_license_id")), None)


def licence_term_id(graph: Graph, term: Node) -> str | None:
    """A licence id from a licence URI, a node with dct:identifier/label, or a literal title or URL."""
    if isinstance(term, Literal):
        return vocab.licence_id_for(str(term)) or str(term).strip() or None
    labels = [graph.value(term, p) for p in (RDFS.label, DCT.title, SKOS.prefLabel)]
    if isinstance(term, URIRef):
        # The IRI names the licence; a label only helps when it is one we know. An unknown IRI stays the
        # id, so it is republished as the same IRI rather than as a blank licence document.
        return vocab.licence_id_for(str(term)) or next(
            (found for label in labels if label is not None and (found := vocab.licence_id_for(str(label)))),
            str(term))
    identifier = graph.value(term, DCT.identifier)
    if identifier is not None:
        return str(identifier)
    label = next((label for label in labels if label is not None), None)
    return None if label is None else vocab.licence_id_for(str(label)) or str(label)


def distribution_from_rdf(graph: Graph, node: Node) -> dict[str, Any]:
    resource: dict[str, Any] = {}
    download = graph.value(node, DCAT.downloadURL)
    access = graph.value(node, DCAT.accessURL)
    if access == node:
        access = None  # our placeholder for a resource without URL
    url = download or access
    if url is not None:
        resource["url"] = str(url)
    for key, predicate in (("name", DCT.title), ("description", DCT.description)):
        value, _ = best_literal(graph, node, predicate)
        if value:
            resource[key] = value
    fmt = graph.value(node, DCT.format)
    if fmt is not None:
        resource["format"] = _format_value(graph, fmt)
    media = graph.value(node, DCAT.mediaType)
    if media is not None:
        resource["mimetype"] = vocab.media_type_from_term(str(media))
    size = graph.value(node, DCAT.byteSize)
    if size is not None:
        try:
            resource["size"] = int(float(str(size)))
        except ValueError:
            pass  # an unreadable size is dropped, the rest of the resource stays
    checksum = graph.value(node, SPDX.checksum)
    if checksum is not None:
        value = graph.value(checksum, SPDX.checksumValue)
        if value is not None:
            resource["hash"] = str(value)
    _plain(graph, node, DCT.issued, resource, "created")
    _plain(graph, node, DCT.modified, resource, "last_modified")
    licence = graph.value(node, DCT.license) or graph.value(node, DCT.rights)
    if licence is not None:
        resource["_license_id"] = licence_term_id(graph, licence)
    for _kind, key, value in stored(graph, node):
        resource[key] = value
    return resource


def _format_value(graph: Graph, term: Node) -> str:
    if isinstance(term, BNode):
        for predicate in (RDFS.label, SKOS.prefLabel, RDF.value):
            value = graph.value(term, predicate)
            if value is not None:
                return vocab.format_label(str(value)) or str(value)
        return ""
    text = str(term)
    return vocab.format_label(text) or (text.rstrip("/").rsplit("/", 1)[-1] if isinstance(term, URIRef) else text)
