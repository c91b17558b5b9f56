"""Authorization rules of the resource actions: they follow the parent dataset's rules."""

from __future__ import annotations

from typing import Any

from catalog.authz import can_edit_package, can_read_package
from catalog.context import ActionContext
from catalog.dataset.held import pending_resource_package
from catalog.dataset.models import Package
from catalog.dataset.queries import get_package, get_resource
from catalog.errors import NotAuthorized, NotFound


def _parent(ctx: ActionContext, resource_id: Any) -> Package:
    resource = get_resource(ctx.session, resource_id)
    if resource is not None and resource.state == "active":
        package_id = resource.package_id
    elif resource is None and isinstance(resource_id, str) and ctx.actor.user_id:
        # A resource added by the caller's changes held for review: no row until approval.
        package_id = pending_resource_package(ctx, resource_id)
    else:
        package_id = None
    if package_id is None:
        raise NotFound("Resource was not found.")
    package = ctx.session.get(Package, package_id)
    assert package is not None
    return package


def resource_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    resource = get_resource(ctx.session, data.get("id"))
    if resource is None and isinstance(data.get("id"), str) and ctx.actor.user_id:
        # A resource the caller added in changes held for review: theirs to read back (the action finds it).
        if pending_resource_package(ctx, data["id"]) is not None:
            return
    if resource is None or resource.state != "active":
        raise NotFound()
    package = ctx.session.get(Package, resource.package_id)
    if package is None or not can_read_package(ctx, package):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to read resource {data.get('id')}")


def resource_create(ctx: ActionContext, data: dict[str, Any]) -> None:
    package = get_package(ctx.session, data.get("package_id"))
    if package is None:
        raise NotFound("Package was not found.")
    if not can_edit_package(ctx, package):
        raise NotAuthorized(
            f"User {ctx.actor.name} not authorized to create resources on dataset {package.id}"
        )


def resource_update(ctx: ActionContext, data: dict[str, Any]) -> None:
    if not can_edit_package(ctx, _parent(ctx, data.get("id"))):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to edit resource {data.get('id')}")


def resource_patch(ctx: ActionContext, data: dict[str, Any]) -> None:
    resource_update(ctx, data)


def resource_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    if not can_edit_package(ctx, _parent(ctx, data.get("id"))):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to delete resource {data.get('id')}")
