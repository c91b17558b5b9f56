"""CKAN package dict -> DCAT-AP graph (3 or 2.1.1). The reverse is from_rdf.py; the two share terms.py.

Every field with a DCAT meaning goes to its DCAT-AP property. What DCAT cannot hold exactly (unmapped extras,
CKAN's own fields, values DCAT-AP has no valid node for) is kept in a lossless store on the same node:
`schema:additionalProperty [schema:propertyID "ckan"; schema:value "{"fields": {..}, "extras": {..}}"^^rdf:JSON]`
(one entry per node: a triple per key would double the cost of the export). The DCAT-AP shapes ignore it;
from_rdf.py lets it override what it read from DCAT.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef

from catalog.dcat import geometry, terms, vocab
from catalog.dcat.graphs import new_node
from catalog.dcat.languages import dump, pick, translations
from catalog.dcat.profiles import DEFAULT_PROFILE, Profile
from catalog.dcat.vocab import (
    ADMS,
    ADMS_LICENCE_TYPE,
    DCAT,
    DCT,
    FOAF,
    GSP,
    LOCN,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    SPDX,
    VCARD,
)

STORE_ID = Literal("ckan")
# Extras the mapping writes as DCAT (the rest go to the store as they are). This is the one list of dataset
# keys a harvest backend maps its source to (issued/modified as the source's dates, temporal_start/_end,
# spatial, contact_*, publisher_*), so what it harvests is republished; the licence goes in license_id.
MAPPED_EXTRAS = {
    "frequency", "temporal_start", "temporal_end", "spatial", "language", "theme", "contact_name",
    "contact_email", "contact_uri", "publisher_name", "publisher_email", "publisher_url", "publisher_uri",
    "publisher_type", "uri", "identifier", "alternate_identifier", "issued", "modified", "spatial_text",
    "spatial_uri",
}
# The spatial keys from_rdf.py (spatial_from_rdf.py) reads back from the dct:Location as they were written.
READ_BACK_SPATIAL = {"spatial", "spatial_text", "spatial_uri"}
# Resource keys the catalog manages itself: not exported, not expected back.
RESOURCE_MANAGED = {"package_id", "position", "state", "metadata_modified", "cache_url", "cache_last_updated",
                    "datastore_active"}


def site_base(site_url: str) -> str:
    return site_url.rstrip("/")


def extras_of(pkg: dict[str, Any]) -> dict[str, Any]:
    return {e["key"]: e.get("value") for e in pkg.get("extras") or [] if isinstance(e, dict) and "key" in e}


def dataset_uri(pkg: dict[str, Any], site_url: str, *, owns_upstream_uri: bool = True) -> URIRef:
    """The dataset's upstream URI (its `uri` extra) when it holds it alone, else its local URI
    (catalog/dcat/uri_owners.py decides between copies of one upstream dataset)."""
    uri = terms.url_term(extras_of(pkg).get("uri")) if owns_upstream_uri else None
    return uri or URIRef(f"{site_base(site_url)}/dataset/{pkg['id']}")


class Kept:
    """What a node's DCAT cannot hold exactly; written as one store entry (one JSON literal) per node."""

    __slots__ = ("fields", "extras")

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.extras: dict[str, Any] = {}

    def write(self, graph: Graph, node: URIRef | BNode) -> None:
        if not self.fields and not self.extras:
            return
        entry = new_node()
        graph.add((node, SCHEMA.additionalProperty, entry))
        graph.add((entry, SCHEMA.propertyID, STORE_ID))
        graph.add((entry, SCHEMA.value, terms.json_literal({"fields": self.fields, "extras": self.extras})))


def dataset_to_rdf(graph: Graph, pkg: dict[str, Any], *, site_url: str,
                   profile: Profile = DEFAULT_PROFILE, owns_upstream_uri: bool = True) -> URIRef:
    """Add one dcat:Dataset (with its distributions, publisher, contact point) to graph; return its URI.

    owns_upstream_uri=False: another local copy publishes under the upstream URI, so this one is written
    under its local URI, with the upstream URI as an adms:identifier and its local URI as dct:identifier;
    its `uri` and `identifier` extras go to the store, so Moisson reading it back gets them unchanged."""
    extras = extras_of(pkg)
    node = dataset_uri(pkg, site_url, owns_upstream_uri=owns_upstream_uri)
    add = graph.add
    kept = Kept()
    add((node, RDF.type, DCAT.Dataset))
    for key in ("id", "name"):
        if pkg.get(key) is not None:
            kept.fields[key] = pkg[key]
    title = pkg.get("title") or pkg.get("name") or pkg["id"]
    written_translations = {"title_translated"} if _texts_to_rdf(
        graph, node, DCT.title, title, extras.get("title_translated")) else set()
    if pkg.get("title") != title:
        kept.fields["title"] = pkg.get("title")
    # dct:description is mandatory in DCAT-AP: an empty description falls back to the title.
    notes = pkg.get("notes")
    if _texts_to_rdf(graph, node, DCT.description, notes if notes else title, extras.get("notes_translated")):
        written_translations.add("notes_translated")
    if not notes:
        kept.fields["notes"] = notes
    shared_copy = not owns_upstream_uri and terms.url_term(extras.get("uri")) is not None
    identifier = str(node) if shared_copy else extras.get("identifier") or pkg["id"]
    add((node, DCT.identifier, Literal(identifier)))
    if shared_copy:
        adms_identifier(graph, node, str(extras["uri"]))
    for tag in pkg.get("tags") or []:
        add((node, DCAT.keyword, Literal(tag["name"] if isinstance(tag, dict) else str(tag))))
    _dates_to_rdf(graph, node, pkg, extras)
    url = terms.url_term(pkg.get("url"))
    if url is not None:
        add((node, DCAT.landingPage, url))
        add((url, RDF.type, FOAF.Document))
    if pkg.get("url") and (url is None or str(url) != pkg["url"]):
        kept.fields["url"] = pkg["url"]
    if pkg.get("version"):
        add((node, profile.version_predicate, Literal(pkg["version"])))
    licence = licence_to_rdf(graph, pkg.get("license_id"))
    if licence is not None:
        add((node, DCT.license, licence))
    _people_to_rdf(graph, node, pkg, extras, site_url, kept)
    _extras_to_rdf(graph, node, extras, kept, written_as_is={"identifier", "uri"} if not shared_copy else set())
    for key in written_translations:
        kept.extras.pop(key, None)  # the tagged literals read back as this very extra
    kept.write(graph, node)
    for resource in pkg.get("resources") or []:
        distribution = distribution_to_rdf(graph, resource, pkg, site_url=site_url, profile=profile,
                                           licence=licence)
        add((node, DCAT.distribution, distribution))
    return node


def _texts_to_rdf(graph: Graph, node: URIRef, predicate: URIRef, text: str, translated: Any) -> bool:
    """`text` as one literal or, when its *_translated extra holds languages, one literal per language with its
    tag (ckanext-dcat does the same with ckanext-fluent's fields). `text` stands for the language a reader
    shows (languages.pick): a translation edited apart from title/notes never contradicts them, and no text
    goes out twice, untagged and tagged. True when the extra reads back identical (from_rdf keeps several)."""
    texts = translations(translated)
    if not texts:
        graph.add((node, predicate, Literal(text)))
        return False
    shown = pick(texts)
    written = {tag: text if tag == shown else value for tag, value in texts.items()}
    for tag, value in written.items():
        graph.add((node, predicate, Literal(value, lang=tag)))
    return len(written) > 1 and translated == dump(written)


def _dates_to_rdf(graph: Graph, node: URIRef, pkg: dict[str, Any], extras: dict[str, Any]) -> None:
    for predicate, extra_key, field in ((DCT.issued, "issued", "metadata_created"),
                                        (DCT.modified, "modified", "metadata_modified")):
        literal = terms.date_literal(extras.get(extra_key)) or terms.date_literal(pkg.get(field))
        if literal is not None:
            graph.add((node, predicate, literal))


def _people_to_rdf(graph: Graph, node: URIRef, pkg: dict[str, Any], extras: dict[str, Any],
                   site_url: str, kept: Kept) -> None:
    add = graph.add
    if pkg.get("author") or pkg.get("author_email"):
        creator = new_node()
        add((node, DCT.creator, creator))
        add((creator, RDF.type, FOAF.Agent))
        if pkg.get("author"):
            add((creator, FOAF.name, Literal(pkg["author"])))
        if not _email(graph, creator, FOAF.mbox, pkg.get("author_email")):
            kept.fields["author_email"] = pkg["author_email"]
    for key in ("maintainer", "maintainer_email"):
        if pkg.get(key):
            kept.fields[key] = pkg[key]
    has_contact = any(extras.get(k) for k in ("contact_name", "contact_email", "contact_uri"))
    name = extras.get("contact_name") if has_contact else pkg.get("maintainer")
    email = extras.get("contact_email") if has_contact else pkg.get("maintainer_email")
    if name or email:
        contact = terms.url_term(extras.get("contact_uri")) or new_node()
        add((node, DCAT.contactPoint, contact))
        add((contact, RDF.type, VCARD.Kind))
        if name:
            add((contact, VCARD.fn, Literal(name)))
        _email(graph, contact, VCARD.hasEmail, email)
    _publisher_to_rdf(graph, node, pkg, extras, site_url)


def _email(graph: Graph, node: Any, predicate: URIRef, value: Any) -> bool:
    """Add a mailto: URI; True when the value reads back identical (or there was none)."""
    term = terms.mailto(value)
    if term is not None:
        graph.add((node, predicate, term))
    return not value or (term is not None and terms.email_value(term) == value)


def _publisher_to_rdf(graph: Graph, node: URIRef, pkg: dict[str, Any], extras: dict[str, Any],
                      site_url: str) -> None:
    """publisher_* extras win (ckanext-dcat); else the organization; else no publisher (optional)."""
    add = graph.add
    org = pkg.get("organization") or None
    if any(extras.get(k) for k in ("publisher_name", "publisher_uri", "publisher_email", "publisher_url")):
        publisher = terms.url_term(extras.get("publisher_uri")) or new_node()
        name = extras.get("publisher_name")
    elif org:
        publisher = URIRef(f"{site_base(site_url)}/organization/{org.get('name') or org.get('id')}")
        name = org.get("title") or org.get("name")
    else:
        return
    add((node, DCT.publisher, publisher))
    add((publisher, RDF.type, FOAF.Agent))
    if name:
        add((publisher, FOAF.name, Literal(name)))
    _email(graph, publisher, FOAF.mbox, extras.get("publisher_email"))
    homepage = terms.url_term(extras.get("publisher_url"))
    if homepage is not None:
        add((publisher, FOAF.homepage, homepage))
        add((homepage, RDF.type, FOAF.Document))
    kind = extras.get("publisher_type") or ""
    if kind.startswith(vocab.ADMS_PUBLISHER_TYPE):
        add((publisher, DCT.type, URIRef(kind)))


def _extras_to_rdf(graph: Graph, node: URIRef, extras: dict[str, Any], kept: Kept,
                   written_as_is: set[str]) -> None:
    add = graph.add
    exact: set[str] = set()
    frequency = vocab.frequency_uri(extras["frequency"]) if extras.get("frequency") else None
    if frequency is not None:
        add((node, DCT.accrualPeriodicity, frequency))
        add((frequency, RDF.type, DCT.Frequency))
        if str(frequency) == extras["frequency"]:
            exact.add("frequency")
    exact |= _temporal_to_rdf(graph, node, extras)
    exact |= _spatial_to_rdf(graph, node, extras)
    for key, predicate, to_uri, rdf_type in (("language", DCT.language, vocab.language_uri, DCT.LinguisticSystem),
                                             ("theme", DCAT.theme, vocab.theme_uri, None)):
        if not extras.get(key):
            continue
        values = terms.split_multi(str(extras[key]))
        uris = [to_uri(v) for v in values]
        for uri in uris:
            if uri is not None:
                add((node, predicate, uri))
                if rdf_type is not None:
                    add((uri, RDF.type, rdf_type))
        read_back = [vocab.language_code(str(u)) if key == "language" else str(u) for u in uris if u is not None]
        if None not in uris and terms.multi_value(sorted(read_back)) == extras[key]:
            exact.add(key)
    if extras.get("alternate_identifier"):
        values = terms.split_multi(str(extras["alternate_identifier"]))
        for value in values:
            adms_identifier(graph, node, value)
        if terms.multi_value(values) == extras["alternate_identifier"]:
            exact.add("alternate_identifier")
    exact |= written_as_is | {"issued", "modified", "contact_name", "publisher_name", "publisher_uri",
              "publisher_url", "contact_uri", "contact_email", "publisher_email"}
    for key, value in extras.items():
        if key not in MAPPED_EXTRAS or key not in exact or not _is_exact_plain(key, value):
            kept.extras[key] = value


def _is_exact_plain(key: str, value: Any) -> bool:
    """Whether an extra written as plain DCAT (URIs, literals, dates) reads back identical."""
    if key in ("uri", "contact_uri", "publisher_uri", "publisher_url"):
        return terms.is_url(value) and value.strip() == value
    if key in ("issued", "modified"):
        return terms.date_literal(value) is not None and value.strip() == value
    if key in ("contact_email", "publisher_email"):
        term = terms.mailto(value)
        return term is not None and terms.email_value(term) == value
    if key == "identifier":
        return bool(value)
    return isinstance(value, str)


def _temporal_to_rdf(graph: Graph, node: URIRef, extras: dict[str, Any]) -> set[str]:
    start = terms.date_literal(extras.get("temporal_start"))
    end = terms.date_literal(extras.get("temporal_end"))
    if start is None and end is None:
        return set()
    period = new_node()
    graph.add((node, DCT.temporal, period))
    graph.add((period, RDF.type, DCT.PeriodOfTime))
    exact = set()
    for key, predicate, literal in (("temporal_start", DCAT.startDate, start),
                                    ("temporal_end", DCAT.endDate, end)):
        if literal is not None:
            graph.add((period, predicate, literal))
            if str(literal) == extras[key]:
                exact.add(key)
    return exact


def _spatial_to_rdf(graph: Graph, node: URIRef, extras: dict[str, Any]) -> set[str]:
    """One dct:Location for ckanext-dcat's three keys: `spatial_uri` names it, `spatial_text` labels it and
    the `spatial` geometry goes in locn:geometry (GeoJSON) with its envelope in dcat:bbox (GML envelope).

    udata counts a coverage (one of its nine quality criteria) only when it has a geometry literal, so a
    label alone is not enough. DCAT-AP's shapes allow one locn:geometry per Location, so there is no second
    (WKT) geometry (ckanext-dcat writes both and fails the shapes). The bbox is GML because udata merges every
    WKT/GeoJSON literal of the place: a WKT box would be drawn as part of the coverage.
    A legacy `spatial` holding a URI, WKT or a place name is still published, read back as ckanext-dcat's keys.
    """
    value = extras.get("spatial")
    value = value.strip() if isinstance(value, str) else ""
    label = extras.get("spatial_text") if isinstance(extras.get("spatial_text"), str) else ""
    uri = terms.url_term(extras.get("spatial_uri"))
    found, shape, text = None, None, None
    if value.startswith("{") or geometry.looks_like_wkt(value):
        try:
            shape = geometry.parse(value)
        except geometry.GeometryError:
            shape = None  # not publishable as a geometry: kept in the store only
    elif value:
        found = terms.url_term(value)
    if shape is None and not value and not label.strip() and uri is None:
        return set()
    location = uri or found or new_node()
    graph.add((node, DCT.spatial, location))
    graph.add((location, RDF.type, DCT.Location))
    if label.strip():
        graph.add((location, SKOS.prefLabel, Literal(label)))
        graph.add((location, LOCN.geographicName, Literal(label)))
    elif value and shape is None and found is None:
        graph.add((location, SKOS.prefLabel, Literal(value)))  # a legacy place name in `spatial`
    if shape is not None:
        text = geometry.compact(shape)
        graph.add((location, LOCN.geometry, Literal(text, datatype=GSP.geoJSONLiteral)))
        graph.add((location, DCAT.bbox, Literal(geometry.bbox_gml(shape), datatype=GSP.gmlLiteral)))
    # The reader collapses whitespace in a place's name.
    exact = {"spatial_text"} if label and " ".join(label.split()) == label else set()
    if uri is not None and str(uri) == extras.get("spatial_uri"):
        exact.add("spatial_uri")
    if text is not None and text == extras.get("spatial"):
        exact.add("spatial")
    return exact & READ_BACK_SPATIAL


def licence_to_rdf(graph: Graph, license_id: str | None) -> URIRef | BNode | None:
    """A dct:LicenseDocument: the licence URL when known (Etalab 2.0 included), the id itself when it is
    a URI nobody registered (kept from a harvest), else a node with its id."""
    if not license_id:
        return None
    entry = vocab.licence(license_id)
    if entry and entry.get("url"):
        url = terms.url_term(entry["url"])
    else:
        url = terms.url_term(license_id)
    node: URIRef | BNode = url or new_node()
    graph.add((node, RDF.type, DCT.LicenseDocument))
    if url is None:
        graph.add((node, DCT.identifier, Literal(license_id)))
    if entry:
        graph.add((node, RDFS.label, Literal(entry["title"])))
        if entry.get("adms_type"):
            graph.add((node, DCT.type, ADMS_LICENCE_TYPE[entry["adms_type"]]))
    return node


def distribution_uri(resource: dict[str, Any], pkg: dict[str, Any], site_url: str) -> URIRef:
    return URIRef(f"{site_base(site_url)}/dataset/{pkg['id']}/resource/{resource['id']}")


def distribution_to_rdf(graph: Graph, resource: dict[str, Any], pkg: dict[str, Any], *, site_url: str,
                        profile: Profile = DEFAULT_PROFILE, licence: URIRef | BNode | None = None) -> URIRef:
    node = distribution_uri(resource, pkg, site_url) if resource.get("id") else new_node()
    add = graph.add
    add((node, RDF.type, DCAT.Distribution))
    keep = {key: value for key, value in resource.items() if key not in RESOURCE_MANAGED}
    stored = Kept()
    if isinstance(resource.get("position"), int):
        stored.fields["position"] = resource["position"]  # DCAT has no order of distributions
    kept: set[str] = set()
    for key, predicate in (("name", DCT.title), ("description", DCT.description)):
        if keep.get(key):
            add((node, predicate, Literal(keep[key])))
            kept.add(key)
    # dcat:accessURL is mandatory: a resource without a usable URL points at its own page.
    url = terms.url_term(keep.get("url"))
    add((node, DCAT.accessURL, url or node))
    if url is not None:
        if str(url) == keep["url"]:
            kept.add("url")
        if keep.get("url_type") == "upload" or vocab.format_label(keep.get("format") or "") is not None:
            add((node, DCAT.downloadURL, url))
    _format_to_rdf(graph, node, keep, kept)
    size = keep.get("size")
    if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
        add((node, DCAT.byteSize, Literal(str(size), datatype=profile.byte_size_datatype)))
        kept.add("size")
    _checksum_to_rdf(graph, node, keep.get("hash"), profile, kept)
    for key, predicate in (("created", DCT.issued), ("last_modified", DCT.modified)):
        literal = terms.date_literal(keep.get(key))
        if literal is not None:
            add((node, predicate, literal))
            if str(literal) == keep[key]:
                kept.add(key)
    if licence is not None:
        add((node, DCT.license, licence))
    for key, value in keep.items():
        if key not in kept and value not in (None, ""):
            stored.fields[key] = value
    stored.write(graph, node)
    return node


def _format_to_rdf(graph: Graph, node: Any, resource: dict[str, Any], kept: set[str]) -> None:
    fmt = resource.get("format") or ""
    file_type = vocab.file_type_uri(fmt) if fmt else None
    if file_type is not None:
        graph.add((node, DCT.format, file_type))
        graph.add((file_type, RDF.type, DCT.MediaTypeOrExtent))
        if vocab.format_label(fmt) == fmt:
            kept.add("format")
    media = vocab.media_type_uri(resource.get("mimetype") or "")
    if media is not None:
        graph.add((node, DCAT.mediaType, media))
        graph.add((media, RDF.type, DCT.MediaType))
        if vocab.media_type_from_term(str(media)) == resource["mimetype"]:
            kept.add("mimetype")


def _checksum_to_rdf(graph: Graph, node: Any, value: Any, profile: Profile, kept: set[str]) -> None:
    if not isinstance(value, str) or not vocab.HEX.match(value):
        return
    algorithm = vocab.CHECKSUM_BY_LENGTH.get(len(value))
    if algorithm not in profile.checksum_algorithms:
        return
    checksum = new_node()
    algorithm_uri = URIRef(f"{profile.checksum_namespace}checksumAlgorithm_{algorithm}")
    graph.add((node, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, algorithm_uri))
    graph.add((algorithm_uri, RDF.type, SPDX.ChecksumAlgorithm))
    graph.add((checksum, SPDX.checksumValue, Literal(value, datatype=vocab.XSD.hexBinary)))
    kept.add("hash")


def catalog_to_rdf(graph: Graph, *, site_url: str, title: str, description: str | None = None,
                   dataset_uris: Iterable[URIRef] = (), modified: str | None = None,
                   language: str = "fr") -> URIRef:
    """The dcat:Catalog node: the site, published by the site itself (DCAT-AP makes a publisher mandatory)."""
    base = site_base(site_url)
    node = URIRef(f"{base}/catalog")
    add = graph.add
    add((node, RDF.type, DCAT.Catalog))
    add((node, DCT.title, Literal(title)))
    add((node, DCT.description, Literal(description or f"Open data catalog of {title}")))
    publisher = URIRef(f"{base}/#publisher")
    add((node, DCT.publisher, publisher))
    add((publisher, RDF.type, FOAF.Agent))
    add((publisher, FOAF.name, Literal(title)))
    homepage = URIRef(f"{base}/")
    add((node, FOAF.homepage, homepage))
    add((homepage, RDF.type, FOAF.Document))
    lang = vocab.language_uri(language)
    if lang is not None:
        add((node, DCT.language, lang))
        add((lang, RDF.type, DCT.LinguisticSystem))
    literal = terms.date_literal(modified)
    if literal is not None:
        add((node, DCT.modified, literal))
    for uri in dataset_uris:
        add((node, DCAT.dataset, uri))
    return node


def adms_identifier(graph: Graph, node: URIRef, notation: str) -> None:
    """An adms:Identifier (a secondary identifier, e.g. the source's id of a harvested dataset)."""
    identifier = new_node()
    graph.add((node, ADMS.identifier, identifier))
    graph.add((identifier, RDF.type, ADMS.Identifier))
    graph.add((identifier, SKOS.notation, Literal(notation)))
