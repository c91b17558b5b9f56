"""Authorization of the resource_view actions (same names). As in CKAN, reads follow resource_show (the dataset
must be readable: private, draft and deleted datasets show nothing to others) and writes follow resource_update
(package_update on the dataset), except for callers whose writes to it are held for review (issue 16): a view is
public at once, so it is left to the organization's reviewers and administrators."""

from __future__ import annotations

from typing import Any

from catalog.authz import can_edit_package, can_read_package
from catalog.context import ActionContext
from catalog.dataset.held import holds
from catalog.dataset.models import Package, Resource
from catalog.dataset.queries import get_resource
from catalog.errors import NotAuthorized, NotFound, ValidationError
from catalog.resource_view.models import ResourceView


def view_of(ctx: ActionContext, view_id: Any) -> ResourceView:
    view = ctx.session.get(ResourceView, view_id) if isinstance(view_id, str) and view_id else None
    if view is None:
        raise NotFound("Resource view not found")
    return view


def resource_and_package(ctx: ActionContext, resource_id: Any, key: str = "resource_id") -> tuple[Resource, Package]:
    """The active resource and its dataset; a missing id is a 409 on `key`, the parameter's name in the action."""
    if not resource_id:
        raise ValidationError({key: ["Missing value"]})  # CKAN's _get_or_bust, before any lookup
    resource = get_resource(ctx.session, resource_id)
    package = ctx.session.get(Package, resource.package_id) if resource is not None else None
    if resource is None or package is None or resource.state != "active":
        raise NotFound("Resource was not found.")
    return resource, package


def _read(ctx: ActionContext, resource_id: Any, key: str = "resource_id") -> None:
    _, package = resource_and_package(ctx, resource_id, key)
    if not can_read_package(ctx, package):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to read resource {resource_id}")


def _edit(ctx: ActionContext, resource_id: Any) -> None:
    _, package = resource_and_package(ctx, resource_id)
    if not can_edit_package(ctx, package):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to edit resource {resource_id}")
    if holds(ctx, package.owner_org):
        # A view is public at once, outside any review round (as the DataStore's rows are, datastore/auth.py).
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to change the views of a dataset whose "
                            "organization requires review: ask one of its reviewers")


def resource_view_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    _read(ctx, view_of(ctx, data.get("id")).resource_id)


def resource_view_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    _read(ctx, data.get("id"), key="id")  # CKAN's resource_view_list takes the resource's id as `id`


def resource_view_create(ctx: ActionContext, data: dict[str, Any]) -> None:
    _edit(ctx, data.get("resource_id"))


def resource_view_update(ctx: ActionContext, data: dict[str, Any]) -> None:
    _edit(ctx, view_of(ctx, data.get("id")).resource_id)


def resource_view_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    resource_view_update(ctx, data)


def resource_view_reorder(ctx: ActionContext, data: dict[str, Any]) -> None:
    _edit(ctx, data.get("id"))


def resource_view_clear(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Sysadmins only (the dispatcher lets them through before this runs)."""
    raise NotAuthorized(f"User {ctx.actor.name} not authorized to clear resource views")
