"""Dataset names for harvested records that bring none (or one CKAN refuses), made from the title as CKAN
does: ckan.lib.munge.munge_title_to_name, then ckanext-harvest's `_gen_new_name` (no underscores, no double
hyphens, at most 90 characters so a suffix still fits in CKAN's 100)."""

from __future__ import annotations

import hashlib
import re

from text_unidecode import unidecode

PACKAGE_NAME_MIN_LENGTH, PACKAGE_NAME_MAX_LENGTH = 2, 100
# ckanext-harvest's _gen_new_name keeps 10 characters for the suffix that makes a taken name unique.
HARVEST_NAME_MAX_LENGTH = 90
_SEPARATORS = re.compile(r"[ .:/]")
_NOT_ALLOWED = re.compile(r"[^a-zA-Z0-9_-]")
_TRAILING_YEAR = re.compile(r".*?[_-]((?:\d{2,4}[-/])?\d{2,4})$")


def munge_title_to_name(title: str) -> str:
    """CKAN's munge_title_to_name, transliterating rather than dropping what is not ASCII (`Carte piéton` ->
    `carte-pieton`, `für` -> `fur`, `Straße` -> `strasse`; CKAN's own table covers Latin-1 only)."""
    name = _SEPARATORS.sub("-", unidecode(title))
    name = _NOT_ALLOWED.sub("", name).lower()
    name = re.sub(r"-+", "-", name).strip("-")
    max_length = PACKAGE_NAME_MAX_LENGTH - 5  # CKAN keeps a few characters to de-clash names
    if len(name) > max_length:
        year = _TRAILING_YEAR.match(name)
        name = f"{name[: max_length - len(year.group(1)) - 1]}-{year.group(1)}" if year else name[:max_length]
    return name


def harvest_name(title: str) -> str:
    """ckanext-harvest's _gen_new_name without the uniqueness step (the importer adds a stable suffix), or a
    name derived from the title's hash when nothing of it survives (a title of punctuation only)."""
    name = re.sub(r"-{2,}", "-", munge_title_to_name(title).replace("_", "-"))
    name = name[:HARVEST_NAME_MAX_LENGTH].strip("-")
    if len(name) >= PACKAGE_NAME_MIN_LENGTH:
        return name
    return f"dataset-{hashlib.sha1(title.encode()).hexdigest()[:8]}"
