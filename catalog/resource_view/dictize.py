"""A resource view as the wire gives it (CKAN's resource_view_dictize): the row without its position, the
config's keys at the top level, and the dataset's id."""

from __future__ import annotations

from typing import Any

from catalog.resource_view.models import ResourceView


def view_dictize(view: ResourceView, package_id: str) -> dict[str, Any]:
    return {
        **(view.config or {}),
        "id": view.id,
        "resource_id": view.resource_id,
        "package_id": package_id,
        "title": view.title,
        "description": view.description,
        "view_type": view.view_type,
    }
