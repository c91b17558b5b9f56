"""Load the demo catalogue (data/catalog.json) through the real actions. Idempotent: existing names are kept.

Resources point at the files served by catalog.demo.views (/demo-files/<file>); `resource_url` is the one
place to change when the files become real uploads.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from catalog.context import Actor
from catalog.errors import NotFound
from catalog.registry import call_action

if TYPE_CHECKING:
    from catalog.app import Services

DATA_DIR = Path(__file__).resolve().parent / "data"
FILES_DIR = DATA_DIR / "files"
# Keys of catalog.json resources that describe the shipped file, not the CKAN resource.
FILE_KEYS = ("file", "encoding")


@cache
def demo_catalog() -> dict[str, Any]:
    """The parsed catalog.json (organizations, groups, datasets with their resource files)."""
    return json.loads((DATA_DIR / "catalog.json").read_text(encoding="utf-8"))


def resource_url(services: Services, file_name: str) -> str:
    return f"{services.settings.site_url.rstrip('/')}/demo-files/{file_name}"


def _exists(services: Services, show_action: str, name: str, actor: Actor) -> bool:
    try:
        call_action(services, show_action, {"id": name}, actor=actor)
    except NotFound:
        return False
    return True


def package_dict(services: Services, dataset: dict[str, Any]) -> dict[str, Any]:
    """The package_create payload of one catalog.json dataset."""
    payload = dict(dataset)
    payload["resources"] = [
        {key: value for key, value in resource.items() if key not in FILE_KEYS}
        | {"url": resource_url(services, resource["file"])}
        for resource in dataset["resources"]
    ]
    return payload


def load_demo(services: Services, actor: Actor) -> dict[str, int]:
    """Create the demo organizations, groups and datasets that do not exist yet; return what the demo holds.

    `organizations`, `groups`, `datasets` and `resources` count the demo objects present after the call;
    `datasets_created` counts the datasets this call added (0 on a second run).
    """
    catalog = demo_catalog()
    for kind, action in (("organizations", "organization"), ("groups", "group")):
        for entry in catalog[kind]:
            if not _exists(services, f"{action}_show", entry["name"], actor):
                call_action(services, f"{action}_create", dict(entry), actor=actor)
    created = 0
    for dataset in catalog["datasets"]:
        if _exists(services, "package_show", dataset["name"], actor):
            continue
        call_action(services, "package_create", package_dict(services, dataset), actor=actor)
        created += 1
    return {
        "organizations": len(catalog["organizations"]),
        "groups": len(catalog["groups"]),
        "datasets": len(catalog["datasets"]),
        "resources": sum(len(d["resources"]) for d in catalog["datasets"]),
        "datasets_created": created,
    }
