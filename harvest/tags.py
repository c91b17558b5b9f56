"""Remote keywords -> valid CKAN tags. A keyword CKAN's tag rule refuses must not cost the record its
dataset: keywords are split on commas (udata splits keyword lists the same way; ckanext-dcat's `clean_tags`
munges instead, which would turn "Culture, Société, Service" into one unreadable tag), characters outside
CKAN's tag alphabet are removed, and what is still too short is dropped."""

from __future__ import annotations

import re
from typing import Any

MIN_LENGTH, MAX_LENGTH = 2, 100
# CKAN's tag alphabet (schemas/defs/package.json, tag.name): word characters, spaces, hyphens, dots.
_OUTSIDE_ALPHABET = re.compile(r"[^\w \-.]+")
_SPACES = re.compile(r"\s+")


def clean_tags(tags: list[Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """(valid tags in first-seen order without duplicates, warnings for the keywords changed or dropped)."""
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    warnings: list[str] = []
    for tag in tags:
        if not isinstance(tag, dict) or not isinstance(tag.get("name"), str):
            warnings.append(f"Keyword {tag!r} dropped: not a tag name")
            continue
        raw = tag["name"]
        names = [clean_tag_name(part) for part in raw.split(",")]
        kept = [name for name in names if name]
        if kept != [raw]:
            shown = ", ".join(repr(n) for n in kept) if kept else "nothing (too short once cleaned)"
            warnings.append(f"Keyword {raw!r} is not a valid CKAN tag: kept as {shown}")
        for name in kept:
            if name not in seen:
                seen.add(name)
                cleaned.append({**{k: v for k, v in tag.items() if k == "vocabulary_id"}, "name": name})
    return cleaned, warnings


def clean_tag_name(name: str) -> str:
    """One keyword in CKAN's tag alphabet and length, or "" when nothing usable is left."""
    name = _SPACES.sub(" ", _OUTSIDE_ALPHABET.sub(" ", name)).strip(" -.")
    name = name[:MAX_LENGTH].strip(" -.")
    return name if len(name) >= MIN_LENGTH else ""
