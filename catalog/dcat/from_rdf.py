"""DCAT graph -> CKAN package dicts: our own export back losslessly, other catalogs' DCAT sensibly.

`datasets_from_graph(graph)` is what the DCAT harvester uses: one (uri, dict | DatasetReadError) per
dcat:Dataset, so one bad dataset never stops a page. Literals where URIs are expected, blank nodes and several
languages are accepted; the lossless store written by to_rdf.py (schema:additionalProperty) overrides last.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from catalog.dcat import languages, terms, vocab
from catalog.dcat.languages import PORTAL_LANGUAGE
from catalog.dcat.spatial_from_rdf import spatial_from_rdf
from catalog.dcat.vocab import ADMS, DCAT, DCT, FOAF, OWL, RDF, RDFS, SCHEMA, SKOS, SPDX, VCARD

DATASET_CLASSES = (DCAT.Dataset, URIRef(str(DCAT) + "DatasetSeries"))
DCAT_VERSION = URIRef(str(DCAT) + "version")
# What a harvester should record about the dataset (geometries it could not read...): a list of messages under
# this key, present only when there is something to say; harvest/importer.py moves it to the harvest object.
WARNINGS_KEY = "__warnings"
# GeoNetwork 3's DCAT output writes the ISO revision date as dct:updated (not a DCMI term).
DCT_UPDATED = URIRef(str(DCT) + "updated")
# ISO 19115 MD_MaintenanceFrequencyCode (GeoNetwork 3 writes the code as dct:accrualPeriodicity) -> EU frequency
# code, as SEMICeu's ISO 19139 -> GeoDCAT-AP XSLT maps them.
ISO_FREQUENCIES = {
    "continual": "CONT", "daily": "DAILY", "weekly": "WEEKLY", "fortnightly": "BIWEEKLY", "semimonthly": "MONTHLY_2",
    "monthly": "MONTHLY", "quarterly": "QUARTERLY", "biannually": "ANNUAL_2", "annually": "ANNUAL",
    "biennially": "BIENNIAL", "periodic": "OTHER", "asNeeded": "AS_NEEDED", "irregular": "IRREG",
    "notPlanned": "NOT_PLANNED", "unknown": "UNKNOWN",
}


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
    """The value to show and every language's value (languages.best_text). An untagged literal is in
    `untagged_language` (a harvest source's setting), else in the portal's `language`, as ckanext-dcat reads it."""
    texts = ((term.language if isinstance(term, Literal) and term.language else None, terms.text_value(term))
             for term in graph.objects(node, predicate))
    return languages.best_text(texts, language, untagged_language)


def dataset_from_rdf(graph: Graph, node: Node, *, language: str = PORTAL_LANGUAGE,
                     untagged_language: str | None = None) -> dict[str, Any]:
    title, titles = best_literal(graph, node, DCT.title, language, untagged_language)
    if not title:
        raise DatasetReadError("dataset has no dct:title")
    notes, descriptions = best_literal(graph, node, DCT.description, language, untagged_language)
    if not notes:  # GeoNetwork 3's DCAT output writes the ISO abstract as dct:abstract
        notes, descriptions = best_literal(graph, node, DCT.abstract, language, untagged_language)
    pkg: dict[str, Any] = {"title": title, "notes": notes}
    extras: dict[str, Any] = {}
    # Every language is kept (ckanext-fluent's keys); one language is just `title`/`notes`.
    if len(titles) > 1:
        extras["title_translated"] = languages.dump(titles)
    if len(descriptions) > 1:
        extras["notes_translated"] = languages.dump(descriptions)
    keywords = sorted({terms.text_value(k) for k in graph.objects(node, DCAT.keyword) if str(k).strip()})
    pkg["tags"] = [{"name": keyword} for keyword in keywords]
    if isinstance(node, URIRef):
        extras["uri"] = str(node)
    _plain(graph, node, DCT.identifier, extras, "identifier")
    _date(graph, node, (DCT.issued,), extras, "issued", latest=False)
    _date(graph, node, (DCT.modified,), extras, "modified", latest=True)
    if "modified" not in extras:
        _date(graph, node, (DCT_UPDATED,), extras, "modified", latest=True)
    landing = next((v for v in sorted(graph.objects(node, DCAT.landingPage), key=str) if not terms.is_blank(v)
                    and str(v).strip()), None)  # a blank node is no address, and its id changes with each parse
    if landing is not None:
        pkg["url"] = str(landing).strip()
    version = graph.value(node, DCAT_VERSION) or graph.value(node, OWL.versionInfo)
    if version is not None:
        pkg["version"] = str(version)
    _people_from_rdf(graph, node, pkg, extras)
    warnings = _extras_from_rdf(graph, node, extras)
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
    if warnings:
        pkg[WARNINGS_KEY] = warnings
    return pkg


def stored(graph: Graph, node: Node) -> Iterator[tuple[str, str, Any]]:
    """The lossless store entries of a node (written by to_rdf.Kept): (kind "field"|"extra", key, value)."""
    for entry in graph.objects(node, SCHEMA.additionalProperty):
        if str(graph.value(entry, SCHEMA.propertyID)) != "ckan":
            continue
        value = graph.value(entry, SCHEMA.value)
        content = terms.literal_value(value) if isinstance(value, Literal) else None
        if not isinstance(content, dict):
            continue
        for kind, section in (("field", "fields"), ("extra", "extras")):
            if isinstance(content.get(section), dict):
                for key, item in content[section].items():
                    yield kind, key, item


def _plain(graph: Graph, node: Node, predicate: URIRef, target: dict[str, Any], key: str) -> None:
    # The smallest non-empty value when the property repeats: graph.value would pick one at random.
    values = sorted(str(v).strip() for v in graph.objects(node, predicate) if not terms.is_blank(v) and str(v).strip())
    if values:
        target[key] = values[0]


def _date(graph: Graph, node: Node, predicates: Iterable[URIRef], target: dict[str, Any], key: str, *,
          latest: bool) -> None:
    """A repeated date property (GeoNetwork writes an empty dct:modified beside the real one): a valid date
    rather than an arbitrary value; the latest (or earliest) of several; an invalid text only when alone."""
    value = _best_date([str(v) for p in predicates for v in graph.objects(node, p) if isinstance(v, Literal)],
                       latest=latest)
    if value is not None:
        target[key] = value


def _best_date(texts: Iterable[str], *, latest: bool) -> str | None:
    values = sorted({text.strip() for text in texts if text.strip()})
    valid = [text for text in values if terms.date_literal(text) is not None]
    if valid:
        return valid[-1] if latest else valid[0]
    return values[0] if values else None


def _people_from_rdf(graph: Graph, node: Node, pkg: dict[str, Any], extras: dict[str, Any]) -> None:
    creator = graph.value(node, DCT.creator)
    if creator is not None:
        pkg["author"] = _agent_name(graph, creator)
        mbox = graph.value(creator, FOAF.mbox) if not isinstance(creator, Literal) else None
        if mbox is not None:
            pkg["author_email"] = terms.email_value(mbox)
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
                extras["contact_email"] = terms.email_value(email)
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
                    extras[key] = terms.email_value(value) if key == "publisher_email" else str(value)


def _agent_name(graph: Graph, agent: Node) -> str | None:
    if isinstance(agent, Literal):
        return str(agent)
    for predicate in (FOAF.name, VCARD.fn, SKOS.prefLabel, RDFS.label):
        name, _ = best_literal(graph, agent, predicate)
        if name:
            return name
    return None


def _extras_from_rdf(graph: Graph, node: Node, extras: dict[str, Any]) -> None:
    """The extras below; returns the warnings worth recording (e.g. a geometry that cannot be read).

    Nothing read here may be a blank node's id: it changes with every parse, so the dataset would look
    updated on every harvest (the content hash is the hash of this dict)."""
    warnings: list[str] = []
    frequencies = sorted(text for v in graph.objects(node, DCT.accrualPeriodicity) if (text := _term_text(graph, v)))
    if frequencies:
        uri = vocab.frequency_uri(ISO_FREQUENCIES.get(frequencies[0], frequencies[0]))
        extras["frequency"] = str(uri) if uri is not None else frequencies[0]
    extras.update(_temporal(graph, node))
    extras.update(spatial_from_rdf(graph, node, warnings))
    language_codes = [vocab.language_code(str(v)) if isinstance(v, URIRef) else text
                      for v in graph.objects(node, DCT.language) if (text := _term_text(graph, v))]
    themes, schemes = _themes(graph, node)
    alternates = [text for i in graph.objects(node, ADMS.identifier)
                  if (text := _term_text(graph, graph.value(i, SKOS.notation) or i))]
    for key, values in (("language", language_codes), ("theme", themes), ("alternate_identifier", alternates)):
        value = terms.multi_value(sorted(set(values)))
        if value is not None:
            extras[key] = value
    if schemes:
        extras["theme_schemes"] = json.dumps(schemes, ensure_ascii=False, sort_keys=True)
    return warnings


def _term_text(graph: Graph, term: Node | None) -> str | None:
    """A literal's text, a URI, or a blank node's label; None for an empty literal or a nameless blank node."""
    if term is None:
        return None
    if isinstance(term, Literal):
        return terms.text_value(term) or None
    if not terms.is_blank(term):
        return str(term)
    for predicate in (SKOS.prefLabel, RDFS.label, DCT.title, RDF.value, SKOS.notation, DCT.identifier):
        label, _ = best_literal(graph, term, predicate)
        if label:
            return label
    return None


def _themes(graph: Graph, node: Node) -> tuple[list[str], dict[str, str]]:
    """dcat:theme values: URIs as they are (ckanext-dcat); a blank-node skos:Concept (GeoDCAT-AP's keyword of a
    thesaurus without URIs) by its label, and its concept scheme (URI, else title) in a label -> scheme map."""
    themes: list[str] = []
    schemes: dict[str, str] = {}
    for theme in graph.objects(node, DCAT.theme):
        label = _term_text(graph, theme)
        if not label:
            continue
        themes.append(label)
        if terms.is_blank(theme):
            found = sorted(text for scheme in graph.objects(theme, SKOS.inScheme)
                           if (text := _term_text(graph, scheme)))
            if found and (label not in schemes or found[0] < schemes[label]):
                schemes[label] = found[0]
    return themes, schemes


# An ISO 8601 date or date-time, or a French DD/MM/YYYY date, inside a free-text period.
PERIOD_DATE = re.compile(r"(\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)"
                         r"|\b(\d{2})/(\d{2})/(\d{4})\b")
YEARS = re.compile(r"^(\d{4})(?:\s*/\s*(\d{4}))?$")


def _temporal(graph: Graph, node: Node) -> dict[str, str]:
    """temporal_start/_end from every dct:temporal: a dct:PeriodOfTime (dcat: or schema: dates) or a plain
    literal ("2010-01-01/2020-12-31", GeoNetwork 3's "begin / end" with line breaks, "2010/2020", "du
    01/01/2010 au 31/12/2020"). Several periods give their envelope: the earliest start and the latest end."""
    starts: list[str] = []
    ends: list[str] = []
    for period in graph.objects(node, DCT.temporal):
        if isinstance(period, Literal):
            start, end = period_from_text(str(period))
        else:
            start = _best_date([str(v) for p in (DCAT.startDate, SCHEMA.startDate) for v in graph.objects(period, p)
                                if isinstance(v, Literal)], latest=False)
            end = _best_date([str(v) for p in (DCAT.endDate, SCHEMA.endDate) for v in graph.objects(period, p)
                              if isinstance(v, Literal)], latest=True)
        starts += [start] if start else []
        ends += [end] if end else []
    found = {"temporal_start": _best_date(starts, latest=False), "temporal_end": _best_date(ends, latest=True)}
    return {key: value for key, value in found.items() if value}


def period_from_text(text: str) -> tuple[str | None, str | None]:
    """(start, end) of a period written as text; dates that do not exist (month 13) are not dates."""
    text = " ".join(text.split())
    years = YEARS.match(text)
    if years:  # a year, or a range of years (udata reads them so)
        return f"{years.group(1)}-01-01", f"{years.group(2) or years.group(1)}-12-31"
    dates: list[str | None] = [match.group(1) or f"{match.group(4)}-{match.group(3)}-{match.group(2)}"
                               for match in PERIOD_DATE.finditer(text)]
    dates = [date if terms.date_literal(date) is not None else None for date in dates]
    if not dates:
        return None, None
    if len(dates) == 1:
        # "/2020-12-31" is an open start; "2010-01-01" and "2010-01-01 / " an open end.
        return (None, dates[0]) if text.startswith("/") else (dates[0], None)
    return dates[0], dates[-1]


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
    _date(graph, node, (DCT.issued,), resource, "created", latest=False)
    _date(graph, node, (DCT.modified,), resource, "last_modified", latest=True)
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
