"""CKAN's resource_view_* actions: create, show, list, update, delete and reorder a resource's views.

View types: `datatables_view` (the resource page's table), `text_view`, `image_view` (`image_url`) and `chart`
(`group_by`, `value`, `agg` sum|count|mean, `kind` bar|line, `period` month|year; drawn from datastore_aggregate).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from catalog.context import ActionContext
from catalog.errors import ValidationError
from catalog.registry import action
from catalog.resource_view import auth
from catalog.resource_view.dictize import view_dictize
from catalog.resource_view.models import ResourceView
from catalog.resource_view.rules import check_view_type, view_config


def _views(ctx: ActionContext, resource_id: str) -> list[ResourceView]:
    query = select(ResourceView).where(ResourceView.resource_id == resource_id)
    return list(ctx.session.scalars(query.order_by(ResourceView.position, ResourceView.id)))


def _title(data: dict[str, Any]) -> str:
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValidationError({"title": ["Missing value"]})
    return title


@action(auth=auth.resource_view_create)
def resource_view_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Create a view of a resource, placed after its other views.

    :param resource_id: the resource
    :param title: the view's title
    :param description: a description (optional)
    :param view_type: datatables_view, text_view, image_view or chart
    :param config: the view type's settings as an object (optional: they may be given at the top level too,
        e.g. ``image_url`` for an image_view; ``group_by``, ``value``, ``agg``, ``kind``, ``period`` for a chart)
    :returns: the view, its settings at the top level
    """
    resource, package = auth.resource_and_package(ctx, data["resource_id"])
    view_type = check_view_type(data.get("view_type"))
    title = _title(data)
    config = view_config(ctx, resource.id, view_type, data)
    last = ctx.session.scalar(select(func.max(ResourceView.position)).where(ResourceView.resource_id == resource.id))
    view = ResourceView(resource_id=resource.id, title=title, description=data.get("description"),
                        view_type=view_type, position=0 if last is None else last + 1, config=config)
    ctx.session.add(view)
    ctx.session.flush()
    return view_dictize(view, package.id)


@action(auth=auth.resource_view_show, read_only=True)
def resource_view_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return a resource view.

    :param id: the view's id
    """
    view = auth.view_of(ctx, data["id"])
    _, package = auth.resource_and_package(ctx, view.resource_id)
    return view_dictize(view, package.id)


@action(auth=auth.resource_view_list, read_only=True)
def resource_view_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return a resource's views, in their order.

    :param id: the resource's id
    """
    resource, package = auth.resource_and_package(ctx, data.get("id"), key="id")
    return [view_dictize(view, package.id) for view in _views(ctx, resource.id)]


@action(auth=auth.resource_view_update)
def resource_view_update(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Replace a view's title, description and settings (its type and resource stay; settings not given are
    dropped, as in CKAN).

    :param id: the view's id
    :param title: the view's title
    :param description: a description (optional)
    :param config: the view type's settings (or at the top level, as for resource_view_create)
    """
    view = auth.view_of(ctx, data["id"])
    _, package = auth.resource_and_package(ctx, view.resource_id)
    view.title = _title(data)
    view.description = data.get("description")
    view.config = view_config(ctx, view.resource_id, view.view_type, {**data, "view_type": view.view_type})
    ctx.session.flush()
    return view_dictize(view, package.id)


@action(auth=auth.resource_view_delete)
def resource_view_delete(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Delete a view (for good).

    :param id: the view's id
    :returns: ``{"resource_id": ...}`` (CKAN 2.11)
    """
    view = auth.view_of(ctx, data["id"])
    resource_id = view.resource_id
    ctx.session.delete(view)
    return {"resource_id": resource_id}


@action(auth=auth.resource_view_reorder)
def resource_view_reorder(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Put a resource's views in an order: those named first, in that order, then the others as they were.

    :param id: the resource's id
    :param order: list of view ids
    :returns: ``{"id": resource id, "order": [every view id in its new order]}``
    """
    order = data["order"]
    if len(order) != len(set(order)):
        raise ValidationError({"order": "No duplicates allowed in order"})
    resource, _ = auth.resource_and_package(ctx, data["id"])
    views = {view.id: view for view in _views(ctx, resource.id)}
    rest = list(views)
    for view_id in order:
        if view_id not in views:
            raise ValidationError({"order": f"View {view_id} does not exist"})
        rest.remove(view_id)
    new_order = [*order, *rest]
    for position, view_id in enumerate(new_order):
        views[view_id].position = position
    return {"id": resource.id, "order": new_order}


@action(auth=auth.resource_view_clear)
def resource_view_clear(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Delete every resource view of the site, or those of some types (sysadmins only).

    :param view_types: the view types whose views go (optional; default: all)
    """
    query = delete(ResourceView)
    if data.get("view_types"):
        query = query.where(ResourceView.view_type.in_(data["view_types"]))
    ctx.session.execute(query)
