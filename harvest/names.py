"""Dataset names for harvested records that bring none (or one CKAN refuses), made from the title as CKAN
does: ckan.lib.munge.munge_title_to_name, then ckanext-harvest's `_gen_new_name` (no underscores, no double
hyphens, at most 90 characters so a suffix still fits in CKAN's 100); and the name the importer gives a record:
the one it asks for when free, else one with a suffix that is the same on every run."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from text_unidecode import unidecode

from catalog.dataset.models import Package
from catalog.errors import ValidationError
from harvest.backends.base import SourceInfo

PACKAGE_NAME_MIN_LENGTH, PACKAGE_NAME_MAX_LENGTH = 2, 100
# ckanext-harvest's _gen_new_name keeps 10 characters for the suffix that makes a taken name unique.
HARVEST_NAME_MAX_LENGTH = 90
_SEPARATORS = re.compile(r"[ .:/]")
_NOT_ALLOWED = re.compile(r"[^a-zA-Z0-9_-]")
_TRAILING_YEAR = re.compile(r".*?[_-]((?:\d{2,4}[-/])?\d{2,4})$")
NAME_RE = re.compile(r"^[a-z0-9_-]{2,100}$")


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


def names_in_use(session: Session, names: list[str]) -> tuple[set[str], set[str]]:
    """(names of live datasets, names of deleted ones) among `names`, in one query per 500."""
    live: set[str] = set()
    deleted: set[str] = set()
    unique = sorted(set(names))
    for start in range(0, len(unique), 500):
        rows = session.execute(select(Package.name, Package.state).where(Package.name.in_(unique[start:start + 500])))
        for name, state in rows:
            (deleted if state == "deleted" else live).add(name)
    return live, deleted


def free_name(package: dict[str, Any], source: SourceInfo, guid: str, taken: Callable[[str], bool]) -> str:
    """The remote name when free, else a suffix derived from (source, guid): the same on every run."""
    base, candidate = name_candidates(package, source, guid)
    if not taken(base):
        return base
    if taken(candidate):
        raise ValidationError({"name": [f"Both {base!r} and {candidate!r} are already in use"]})
    return candidate


def name_candidates(package: dict[str, Any], source: SourceInfo, guid: str) -> tuple[str, str]:
    """The name a record asks for, and the suffixed one it gets when that is taken."""
    base = package.get("name") if isinstance(package.get("name"), str) else ""
    if not base or not NAME_RE.match(base):
        base = harvest_name(base or package.get("title") or guid)
    suffix = hashlib.sha1(f"{source.id}\n{guid}".encode()).hexdigest()[:8]
    return base, f"{base[: 100 - len(suffix) - 1]}-{suffix}"


def name_taken(session: Session, name: str) -> bool:
    # Deleted holders do not count: package_create renames them out of the way.
    return session.scalar(
        select(Package.id).where(Package.name == name, Package.state != "deleted").limit(1)
    ) is not None
