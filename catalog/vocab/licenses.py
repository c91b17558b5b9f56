"""The licence register (licenses.json, shipped with the package) and the lookup dataset dicts use."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

REGISTER = Path(__file__).with_name("licenses.json")


@cache
def _register() -> tuple[dict[str, str], ...]:
    return tuple(json.loads(REGISTER.read_text(encoding="utf-8"))["licenses"])


def license_list() -> list[dict[str, str]]:
    """license_list's items: CKAN's keys, every value a string (as CKAN's DefaultLicense renders them)."""
    return [dict(entry) for entry in _register()]


def is_open(entry: dict[str, str]) -> bool:
    return "approved" in (entry.get("od_conformance"), entry.get("osd_conformance"))


@cache
def _by_id() -> dict[str, dict[str, str]]:
    return {entry["id"]: entry for entry in _register()}


def license_for(license_id: str | None) -> dict[str, Any] | None:
    """{"id", "title", "url", "isopen"} of a known licence (url "" when it has none), else None."""
    entry = _by_id().get(license_id or "")
    if entry is None:
        return None
    return {"id": entry["id"], "title": entry["title"], "url": entry["url"], "isopen": is_open(entry)}
