"""Titles and descriptions in several languages (dct:title "..."@it, "..."@en, as DCAT-AP_IT portals publish).

A dataset keeps every language in the `title_translated` / `notes_translated` extras: ckanext-fluent's keys, a
JSON object {language: text}, which is how ckanext-fluent stores them in CKAN's package_extra table. `title` and
`notes` hold one of them, chosen by `pick`; the DCAT export writes each language with its tag (to_rdf.py) and the
reader chooses the same way (from_rdf.py), so a record goes round unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

# The portal's language (CKAN: ckan.locale_default). Moisson is French-first: the web pages default to French
# and the catalog record says dct:language FRA. There is no setting for it yet: the reader takes it as a
# parameter (datasets_from_graph(language=)), and the export and schema.org page use this default.
PORTAL_LANGUAGE = "fr"
# When a record has no text in the portal's language, English is the likeliest to be read; then any, by code.
FALLBACK_LANGUAGE = "en"
# A BCP 47 tag as ckanext-fluent accepts it (lower-cased here); rdflib refuses a literal with anything else.
LANGUAGE_TAG = re.compile(r"^[a-z]{2,8}(-[a-z0-9]{1,8})*$")


def pick(texts: Mapping[str, str], language: str = PORTAL_LANGUAGE) -> str | None:
    """The language whose text a record shows: the portal's, then English, then the first by code. A regional
    tag stands for its language when the plain one is missing (fr-be for fr)."""
    if not texts:
        return None
    for wanted in (language.lower(), FALLBACK_LANGUAGE):
        if wanted in texts:
            return wanted
        regional = sorted(tag for tag in texts if tag.startswith(wanted + "-"))
        if regional:
            return regional[0]
    return sorted(texts)[0]


def best_text(texts: Iterable[tuple[str | None, str]], language: str = PORTAL_LANGUAGE,
              untagged_language: str | None = None) -> tuple[str | None, dict[str, str]]:
    """The text to show and every language's text, from (language tag or None, text) pairs (an RDF node's
    literals). An untagged text is in `untagged_language`, else in `language`; a tagged text of the same
    language wins. The smallest text wins among several of one language, so the result does not depend on the
    graph's order. Blank texts are left out. Shown: `pick`."""
    by_language: dict[str, str] = {}
    untagged: str | None = None
    for tag, text in texts:
        if not text.strip():
            continue
        if tag is None:
            untagged = text if untagged is None else min(untagged, text)
        elif (tag := tag.lower()) not in by_language or text < by_language[tag]:
            by_language[tag] = text
    if untagged is not None:
        by_language.setdefault((untagged_language or language).lower(), untagged)
    shown = pick(by_language, language)
    return (by_language[shown] if shown else None), by_language


def translations(value: Any) -> dict[str, str]:
    """The {language: text} of a *_translated extra (JSON text, or an object), with lower-cased tags and without
    empty texts; {} when the value is not such an object or a tag is not a language tag (the extra then stays as
    it is, in the export's lossless store)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    if not isinstance(value, dict):
        return {}
    texts: dict[str, str] = {}
    for tag, text in value.items():
        if not isinstance(tag, str) or not LANGUAGE_TAG.match(tag.lower()) or not isinstance(text, str):
            return {}
        if text.strip():
            texts[tag.lower()] = text
    return texts


def dump(texts: Mapping[str, str]) -> str:
    """A *_translated extra's value: one spelling for one content, so harvest hashes and comparisons hold."""
    return json.dumps(dict(texts), ensure_ascii=False, sort_keys=True)
