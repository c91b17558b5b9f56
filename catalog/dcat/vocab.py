"""Namespaces and the EU frequency, file-type, language and licence tables of the DCAT mapping.

The tables live in vocab.json (copied from ../shared/reference, see its _about); this module only indexes them
both ways, so the writer and the reader of the mapping agree on every URI.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import Namespace, URIRef
from rdflib import namespace as rdflib_namespace


class TermCache:
    """A namespace whose terms are made once: rdflib builds (and validates) a new URIRef on every
    `DCAT.title`, which is a tenth of the mapping's time on a full export."""

    def __init__(self, base: str) -> None:
        self._namespace = Namespace(base)

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("__"):
            raise AttributeError(name)
        term = self._namespace[name]
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> URIRef:
        return self.__getattr__(name)

    def __str__(self) -> str:
        return str(self._namespace)


DCAT = TermCache(str(rdflib_namespace.DCAT))
DCT = TermCache(str(rdflib_namespace.DCTERMS))
FOAF = TermCache(str(rdflib_namespace.FOAF))
OWL = TermCache(str(rdflib_namespace.OWL))
RDF = TermCache(str(rdflib_namespace.RDF))
RDFS = TermCache(str(rdflib_namespace.RDFS))
SKOS = TermCache(str(rdflib_namespace.SKOS))
XSD = TermCache(str(rdflib_namespace.XSD))
VCARD = TermCache("http://www.w3.org/2006/vcard/ns#")
ADMS = TermCache("http://www.w3.org/ns/adms#")
SPDX = TermCache("http://spdx.org/rdf/terms#")
# The DCAT-AP 3.0.1 shapes only accept checksum algorithms spelled with https (see ../shared/dcat-ap/README).
SPDX_HTTPS = TermCache("https://spdx.org/rdf/terms#")
DCATAP = TermCache("http://data.europa.eu/r5r/")
LOCN = TermCache("http://www.w3.org/ns/locn#")
GSP = TermCache("http://www.opengis.net/ont/geosparql#")
HYDRA = TermCache("http://www.w3.org/ns/hydra/core#")
SCHEMA = TermCache("http://schema.org/")
EU = "http://publications.europa.eu/resource/authority/"
FREQUENCY = Namespace(EU + "frequency/")
FILE_TYPE = Namespace(EU + "file-type/")
LANGUAGE = Namespace(EU + "language/")
DATA_THEME = Namespace(EU + "data-theme/")
IANA = "https://www.iana.org/assignments/media-types/"
ADMS_LICENCE_TYPE = Namespace("http://purl.org/adms/licencetype/")
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
DUBLIN_CORE_FREQ = "http://purl.org/cld/freq/"

PREFIXES = {name: URIRef(str(ns)) for name, ns in {
    "dcat": DCAT, "dct": DCT, "foaf": FOAF, "vcard": VCARD, "adms": ADMS, "spdx": SPDX, "dcatap": DCATAP,
    "locn": LOCN, "gsp": GSP, "hydra": HYDRA, "schema": SCHEMA, "skos": SKOS, "owl": OWL, "xsd": XSD,
    "rdfs": RDFS, "rdf": RDF,
}.items()}

MEDIA_TYPE = re.compile(r"^[a-zA-Z0-9][\w.+-]*/[a-zA-Z0-9][\w.+-]*$")
HEX = re.compile(r"^[0-9a-fA-F]+$")
CHECKSUM_BY_LENGTH = {32: "md5", 40: "sha1", 56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}


@lru_cache(maxsize=1)
def tables() -> dict[str, Any]:
    return json.loads((Path(__file__).parent / "vocab.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _frequency_index() -> dict[str, str]:
    """Any accepted spelling (EU code, EU URI, udata id, Dublin Core URI, lower case) -> EU URI."""
    index: dict[str, str] = {}
    legacy = tables()["udata_legacy_frequency_ids"]
    for row in tables()["frequencies"]:
        uri = str(FREQUENCY[row["code"]])
        for spelling in (row["code"], uri, row["udata_id"], row["dublin_core_uri"]):
            if spelling:
                index.setdefault(spelling.lower(), uri)
    for old, new in legacy.items():
        if new.lower() in index:
            index.setdefault(old.lower(), index[new.lower()])
    return index


def frequency_uri(value: str) -> URIRef | None:
    """EU frequency URI for an EU code/URI, udata id or Dublin Core URI (literal local names too)."""
    text = value.strip()
    found = _frequency_index().get(text.lower())
    if found is None and "/" in text:
        found = _frequency_index().get(text.rstrip("/").rsplit("/", 1)[-1].lower())
    return URIRef(found) if found else None


@lru_cache(maxsize=1)
def _format_index() -> dict[str, str]:
    index = {label.upper(): label for label in tables()["file_types"]}
    index.update({alias.upper(): label for alias, label in tables()["format_aliases"].items()})
    for label, (code, media_type) in tables()["file_types"].items():
        index.setdefault(code.upper(), label)
        index.setdefault(str(FILE_TYPE[code]).upper(), label)
        index.setdefault(media_type.upper(), label)
    return index


def format_label(value: str) -> str | None:
    """The CKAN format label ("CSV", "GeoJSON") for a format name, EU code/URI or media type."""
    text = value.strip().lstrip(".")
    return _format_index().get(text.upper())


def file_type_uri(format_value: str) -> URIRef | None:
    label = format_label(format_value)
    return URIRef(FILE_TYPE[tables()["file_types"][label][0]]) if label else None


def media_type_uri(mimetype: str) -> URIRef | None:
    text = mimetype.strip()
    if text.startswith(IANA):
        text = text[len(IANA):]
    return URIRef(IANA + text) if MEDIA_TYPE.match(text) else None


def media_type_from_term(term: str) -> str:
    """IANA URI or bare media type -> "type/subtype"."""
    for prefix in (IANA, IANA.replace("https", "http", 1)):
        if term.startswith(prefix):
            return term[len(prefix):]
    return term


def language_uri(value: str) -> URIRef | None:
    """EU language URI for an ISO 639-1 code ("fr"), an EU code ("FRA") or an EU URI."""
    text = value.strip()
    if text.startswith(str(LANGUAGE)):
        return URIRef(text)
    code = tables()["languages"].get(text.lower())
    if code:
        return LANGUAGE[code]
    if re.fullmatch(r"[A-Za-z]{3}", text):
        return LANGUAGE[text.upper()]
    return None


def language_code(uri: str) -> str:
    """The ISO 639-1 code of an EU language URI when known, else the URI itself."""
    if uri.startswith(str(LANGUAGE)):
        eu_code = uri[len(str(LANGUAGE)):]
        for iso, code in tables()["languages"].items():
            if code == eu_code:
                return iso
    return uri


# The EU data-theme authority table's codes (../shared/dcat-ap/vocab/eu-vocab-subset.ttl).
EU_DATA_THEMES = frozenset({"AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "OP_DATPRO",
                            "REGI", "SOCI", "TECH", "TRAN"})


def theme_uri(value: str) -> URIRef | None:
    """EU data-theme URI for an EU code ("SOCI") or URI; other themes have no DCAT-AP home. Only the table's
    codes: a harvested theme label in capitals ("TRANSPORT", "ENERGIE") is not a code, and no URI is invented."""
    text = value.strip()
    if text.startswith(str(DATA_THEME)):
        return URIRef(text)
    if text in EU_DATA_THEMES:
        return DATA_THEME[text]
    return None


def licence(license_id: str) -> dict[str, Any] | None:
    return tables()["licences"].get(license_id)


@lru_cache(maxsize=1)
def _licence_by_url() -> dict[str, str]:
    index: dict[str, str] = {}
    for license_id, entry in tables()["licences"].items():
        for url in [entry["url"], *entry["alternate_urls"]]:
            if url:
                index.setdefault(normalize_url(url), license_id)
    return index


@lru_cache(maxsize=1)
def _licence_by_title() -> dict[str, str]:
    index: dict[str, str] = {}
    for license_id, entry in tables()["licences"].items():
        for title in [license_id, entry["title"], *entry["alternate_titles"]]:
            index.setdefault(title.strip().lower(), license_id)
    return index


def normalize_url(url: str) -> str:
    """The key a licence URL is matched on: publishers vary the scheme, "www.", a trailing slash and
    whether they point at the deed or the legal code, and none of these change the licence."""
    text = re.sub(r"^https?://(www\.)?", "", url.strip().lower()).rstrip("/")
    return re.sub(r"/(legalcode|deed)(\.[a-z-]+)?$", "", text).rstrip("/")


def licence_id_for(value: str) -> str | None:
    """A licence id for a URL, id or title found in someone's DCAT (data.gouv.fr matching, without fuzz)."""
    return _licence_by_url().get(normalize_url(value)) or _licence_by_title().get(value.strip().lower())
