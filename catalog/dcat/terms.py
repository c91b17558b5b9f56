"""Value-level conversions shared by both directions of the mapping: CKAN strings <-> RDF terms.

Each `*_terms` function turns a CKAN value into RDF terms (or nothing when DCAT-AP has no valid home for it);
its partner `*_value` reads the terms back. The writer uses the pair to check that a value will come back
exactly; when it would not, the original also goes into the lossless store (see to_rdf.py).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD

DATE = re.compile(r"^-?\d{4}-\d{2}-\d{2}$")
DATE_TIME = re.compile(r"^-?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
URL = re.compile(r"^(https?|ftp)://[^\s<>\"{}|\\^`]+$", re.IGNORECASE)
EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+$")


def date_literal(value: Any) -> Literal | None:
    """xsd:date or xsd:dateTime with the lexical form kept as given; None when it is neither."""
    return _date_literal(value.strip()) if isinstance(value, str) else None


@lru_cache(maxsize=4096)
def _date_literal(text: str) -> Literal | None:
    try:
        if DATE.match(text):
            date.fromisoformat(text.lstrip("-"))
            return Literal(text, datatype=XSD.date)
        if DATE_TIME.match(text):
            datetime.fromisoformat(text.lstrip("-").replace("Z", "+00:00"))
            return Literal(text, datatype=XSD.dateTime)
    except ValueError:  # shaped like a date but impossible (month 13): no valid xsd literal
        return None
    return None


def is_url(value: Any) -> bool:
    return isinstance(value, str) and bool(URL.match(value.strip()))


def url_term(value: Any) -> URIRef | None:
    """A URIRef for an absolute http(s)/ftp URL that every RDF syntax can write; None otherwise."""
    return URIRef(value.strip()) if is_url(value) else None


def mailto(value: Any) -> URIRef | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    address = text[len("mailto:"):] if text.lower().startswith("mailto:") else text
    return URIRef("mailto:" + address) if EMAIL.match(address) else None


def email_value(term: Any) -> str:
    text = str(term)
    return text[len("mailto:"):] if text.lower().startswith("mailto:") else text


def text_value(term: Any) -> str:
    return str(term).strip() if isinstance(term, Literal) else str(term)


def json_literal(value: Any) -> Literal:
    return Literal(json.dumps(value, ensure_ascii=False, sort_keys=True), datatype=RDF.JSON)


def literal_value(term: Literal) -> Any:
    """Python value of a stored literal: JSON-typed literals are decoded, the rest stay strings."""
    if term.datatype == RDF.JSON:
        try:
            return json.loads(str(term))
        except ValueError:
            return str(term)
    return str(term)


def multi_value(values: list[str]) -> str | None:
    """One value as itself, several as a JSON list (ckanext-dcat's convention for multi-valued extras)."""
    if not values:
        return None
    return values[0] if len(values) == 1 else json.dumps(values, ensure_ascii=False)


def split_multi(value: str) -> list[str]:
    """A JSON list, a comma-separated list or a single value."""
    text = value.strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            items = None
        if isinstance(items, list):
            return [str(item).strip() for item in items if str(item).strip()]
    return [part.strip() for part in text.split(",") if part.strip()]


def is_blank(term: Any) -> bool:
    return isinstance(term, BNode)
