"""Load the demo catalogue (data/catalog.json) through the real actions. Idempotent: existing names are kept.

Resource files are uploaded (as a portal administrator would), so they are served at CKAN's download URL
and loaded into the DataStore for preview. catalog.demo.views also serves them at /demo-files/<file>.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import FileStorage

from catalog.context import Actor
from catalog.errors import NotFound
from catalog.registry import call_action

if TYPE_CHECKING:
    from catalog.services import Services

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


def exists(services: Services, show_action: str, name: str, actor: Actor) -> bool:
    try:
        call_action(services, show_action, {"id": name}, actor=actor)
    except NotFound:
        return False
    return True


def package_dict(services: Services, dataset: dict[str, Any], files: ExitStack | None = None) -> dict[str, Any]:
    """The package_create payload of one catalog.json dataset; with `files`, each resource uploads its file."""
    payload = dict(dataset)
    resources = []
    for resource in dataset["resources"]:
        entry = {key: value for key, value in resource.items() if key not in FILE_KEYS}
        if files is None:
            entry["url"] = resource_url(services, resource["file"])
        else:
            stream = files.enter_context((FILES_DIR / resource["file"]).open("rb"))
            entry["url"] = ""
            entry["upload"] = FileStorage(stream=stream, filename=resource["file"])
        resources.append(entry)
    payload["resources"] = resources
    return payload


def load_demo(
    services: Services, actor: Actor, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Create the demo organizations, groups and datasets that do not exist yet; return what the demo holds.

    `organizations`, `groups`, `datasets` and `resources` count the demo objects present after the call;
    `datasets_created` counts the datasets this call added (0 on a second run).
    """
    catalog = demo_catalog()
    for kind, action in (("organizations", "organization"), ("groups", "group")):
        for entry in catalog[kind]:
            if not exists(services, f"{action}_show", entry["name"], actor):
                call_action(services, f"{action}_create", dict(entry), actor=actor)
    created = 0
    for dataset in catalog["datasets"]:
        if progress is not None:
            progress(1)
        if exists(services, "package_show", dataset["name"], actor):
            continue
        with ExitStack() as files:
            call_action(services, "package_create", package_dict(services, dataset, files), actor=actor)
        created += 1
    return {
        "organizations": len(catalog["organizations"]),
        "groups": len(catalog["groups"]),
        "datasets": len(catalog["datasets"]),
        "resources": sum(len(d["resources"]) for d in catalog["datasets"]),
        "datasets_created": created,
    }
