"""Writing activities. Every change writes one, with a snapshot of the object after the change."""

from __future__ import annotations

from typing import Any

from catalog.activity.models import Activity
from catalog.context import ActionContext


def record_package_activity(ctx: ActionContext, activity_type: str, package: dict[str, Any]) -> None:
    """`new|changed|deleted package` with the package_show dict; readers are fixed now (CKAN 2.11 labels)."""
    ctx.session.add(
        Activity(
            timestamp=ctx.now,
            user_id=ctx.actor.user_id,
            object_id=package["id"],
            activity_type=activity_type,
            data={"package": package, "actor": ctx.actor.name},
            owner_org=package.get("owner_org"),
            is_restricted=bool(package.get("private")) or package.get("state") != "active",
            creator_user_id=package.get("creator_user_id"),
        )
    )


def record_group_activity(ctx: ActionContext, activity_type: str, group: dict[str, Any]) -> None:
    """`new|changed|deleted organization|group` with the group dict."""
    ctx.session.add(
        Activity(
            timestamp=ctx.now,
            user_id=ctx.actor.user_id,
            object_id=group["id"],
            activity_type=activity_type,
            data={"group": group, "actor": ctx.actor.name},
        )
    )


def record_user_activity(ctx: ActionContext, activity_type: str, user_id: str) -> None:
    """`new user` / `changed user` (no data). As CKAN's activity subscription, the account itself is the
    subject whoever made the change, so a sysadmin's user_create or user_update is in the account's
    user_activity_list, not the sysadmin's."""
    ctx.session.add(
        Activity(timestamp=ctx.now, user_id=user_id, object_id=user_id, activity_type=activity_type, data={})
    )
