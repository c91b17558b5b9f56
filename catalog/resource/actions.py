"""resource_show/create/update/patch/delete: each write reads the dataset, changes it and calls package_update
(as CKAN), reading it under its row lock (catalog/dataset/locking.py), not through package_show: two
resources added or patched at once must both survive."""

from __future__ import annotations

from typing import Any

from catalog.context import ActionContext
from catalog.dataset.dictize import resource_dictize
from catalog.dataset.held import dict_for_author, pending_resource_package
from catalog.dataset.locking import package_dict_for_update
from catalog.dataset.models import Package
from catalog.dataset.queries import get_package, get_resource
from catalog.errors import NotFound, ValidationError
from catalog.registry import action
from catalog.resource import auth

# Kept from the stored resource when resource_update omits them (CKAN's resource_update).
KEPT_ON_UPDATE = (
    "name",
    "format",
    "hash",
    "size",
    "last_modified",
    "cache_url",
    "created",
    "datastore_active",
    "url_type",
)


def _update_with(ctx: ActionContext, package: dict[str, Any], position: int) -> dict[str, Any]:
    """package_update, reporting errors for the one resource at `position` only."""
    try:
        updated = ctx.call("package_update", package)
    except ValidationError as error:
        per_resource = error.errors.get("resources")
        if isinstance(per_resource, list) and len(per_resource) > position and per_resource[position]:
            raise ValidationError(per_resource[position]) from error
        raise
    resource = updated["resources"][position]
    # A write held for review says so, as package writes do (catalog/dataset/held.py).
    return {**resource, "review": updated["review"]} if "review" in updated else resource


def _stored_resource(ctx: ActionContext, resource_id: str) -> tuple[dict[str, Any], int]:
    resource = get_resource(ctx.session, resource_id)
    # A resource added by the caller's changes held for review has no row until approval.
    package_id = resource.package_id if resource is not None else pending_resource_package(ctx, resource_id)
    if package_id is None:
        raise NotFound("Resource was not found.")
    package = package_dict_for_update(ctx, package_id)
    for position, item in enumerate(package["resources"]):
        if item["id"] == resource_id and item["state"] == "active":
            return package, position
    raise NotFound("Resource was not found.")


@action(auth=auth.resource_show, read_only=True)
def resource_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return a resource as it appears in its dataset.

    :param id: the id of the resource
    :rtype: dictionary
    """
    resource = get_resource(ctx.session, data["id"])
    if resource is None and ctx.actor.user_id and (package_id := pending_resource_package(ctx, data["id"])):
        # Added by the caller's changes held for review (no row until approval): as their pending version has it,
        # so a client that creates a resource and reads it back works.
        package = get_package(ctx.session, package_id)
        pending = dict_for_author(ctx, package) if package is not None else None
        for item in (pending or {}).get("resources", []):
            if item["id"] == data["id"]:
                return item
    if resource is None or resource.state != "active":
        raise NotFound()
    package = ctx.session.get(Package, resource.package_id)
    assert package is not None
    return resource_dictize(resource, package, ctx.settings)


@action(auth=auth.resource_create)
def resource_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Add a resource to a dataset and return it.

    :param package_id: the id or name of the dataset
    :param url: the resource's URL (default ``""``)
    :param name, description, format, hash, mimetype, mimetype_inner, resource_type, cache_url: text
    :param size: size in bytes
    :param created, last_modified: ISO dates
    :param upload: a file (multipart/form-data)
    Other keys are kept as resource extras.
    :rtype: dictionary
    """
    package = package_dict_for_update(ctx, data["package_id"])
    resource = {k: v for k, v in data.items() if k != "package_id"}
    resource.setdefault("url", "")
    package["resources"] = [*package["resources"], resource]
    return _update_with(ctx, package, len(package["resources"]) - 1)


@action(auth=auth.resource_update)
def resource_update(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Replace a resource's fields; name, format, hash, size and dates are kept when omitted.

    :param id: the id of the resource
    :rtype: dictionary
    """
    package, position = _stored_resource(ctx, data["id"])
    stored = package["resources"][position]
    resource = {k: v for k, v in data.items() if k != "package_id"}
    resource.setdefault("url", "")
    for key in KEPT_ON_UPDATE:
        if key not in resource:
            resource[key] = stored.get(key)
    package["resources"][position] = resource
    return _update_with(ctx, package, position)


@action(auth=auth.resource_patch)
def resource_patch(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Update only the given fields of a resource (current resource, merge, resource_update).

    :param id: the id of the resource
    :rtype: dictionary
    """
    package, position = _stored_resource(ctx, data["id"])
    return ctx.call("resource_update", {**package["resources"][position], **data})


@action(auth=auth.resource_delete)
def resource_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Remove a resource from its dataset.

    :param id: the id of the resource
    """
    package, position = _stored_resource(ctx, data["id"])
    del package["resources"][position]
    ctx.call("package_update", package)
