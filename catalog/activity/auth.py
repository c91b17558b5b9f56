"""Who may read activity streams. The lists themselves are filtered row by row (dictize.readable_clause)."""

from __future__ import annotations

from typing import Any

from catalog.activity.models import Activity
from catalog.authz import can_read_package
from catalog.context import ActionContext
from catalog.errors import NotAuthorized


def package_activity_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    """As package_show: a dataset the caller cannot read has no readable stream."""
    from catalog.dataset.queries import get_package

    package = get_package(ctx.session, data.get("id"))
    if package is not None and not can_read_package(ctx, package):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to read package {package.id}")


def organization_activity_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone; private datasets' activities are filtered out of the list."""


def group_activity_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone; private datasets' activities are filtered out of the list."""


def recently_changed_packages_activity_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone; filtered by the caller's permissions."""


def user_activity_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone (public user details); filtered by the caller's permissions."""


def activity_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Non-sysadmins may only see activities about datasets they can read (as CKAN)."""
    from catalog.activity.dictize import can_read_activity
    from catalog.dataset.queries import get_package

    activity = ctx.session.get(Activity, data["id"]) if isinstance(data.get("id"), str) else None
    if activity is None:
        return
    if "package" not in activity.activity_type:
        raise NotAuthorized("object_type not recognized")
    package = get_package(ctx.session, activity.object_id)
    if not can_read_activity(ctx, activity) or (package is not None and not can_read_package(ctx, package)):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to read package {activity.object_id}")


def activity_data_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    activity_show(ctx, data)
